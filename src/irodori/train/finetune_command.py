"""CLI command ``irodori finetune`` (torch is imported only when it runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer()


@app.command("finetune")
def finetune_cmd(
    reference_colors: Path = typer.Option(..., "--reference-colors", help="coloured reference page"),
    output: Path = typer.Option(..., "-o", "--output", help="ONNX file to write, e.g. models/NAME.onnx "
                                                             "(a NAME.json card goes beside it)"),
    reference_lines: Optional[Path] = typer.Option(None, "--reference-lines",
                                                   help="the reference's line art (default: extracted "
                                                        "from the colours)"),
    model: str = typer.Option("", "--model", help="ONNX model to start from ('' = the shipped default)"),
    minutes: Optional[float] = typer.Option(10.0, "--minutes", help="wall-time budget"),
    steps: Optional[int] = typer.Option(None, "--steps", help="stop after this many steps"),
    threads: int = typer.Option(2, "--threads", help="torch threads"),
    seed: int = typer.Option(0, "--seed", help="random seed of the views and dots"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace existing files"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
) -> None:
    """Adapt the neural colourizer to one coloured reference of a character (then use it with
    --method neural --option model=FILE)."""
    from .finetune import FinetuneConfig, finetune_files

    onnx_path, card = finetune_files(reference_colors, output, reference_lines, model, steps, minutes,
                                     FinetuneConfig(threads=threads, seed=seed), overwrite, progress)
    info = __import__("json").loads(card.read_text())
    typer.echo(f"{info['steps']} steps in {info['minutes'] * 60:.0f} s; L1 on the reference "
               f"{info['reference_l1']['before']:.4f} -> {info['reference_l1']['after']:.4f}")
    typer.echo(f"wrote {onnx_path} and {card}")
