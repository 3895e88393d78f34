"""CLI commands ``irodori train`` and ``irodori export`` (torch is imported only when they run)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer()


@app.command("train")
def train_cmd(
    data: list[Path] = typer.Option(..., "--data", help="dataset folder (irodori data build); repeat to mix several"),
    config: Path = typer.Option(..., "--config", help="train config JSON (see configs/)"),
    out: Path = typer.Option(..., "--out", help="run folder, e.g. runs/NAME"),
    resume: bool = typer.Option(False, "--resume", help="continue the run in --out from its checkpoint"),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", help="stop and checkpoint after this much time"),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="stop and checkpoint at this step"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="show a progress bar"),
    workers: Optional[int] = typer.Option(None, "--workers", min=0,
                                          help="processes preparing batches ahead (default: 0 on CPU, up to 14 with a GPU)"),
) -> None:
    """Train the neural colourizer (also under torchrun --nproc_per_node N -m irodori train ...)."""
    from .config import load_config
    from .loop import train

    summary = train(data, load_config(config), out, resume=resume, max_minutes=max_minutes,
                    max_steps=max_steps, progress=progress, print_log=not progress,
                    workers=workers)
    if summary is not None and summary.get("val"):
        metrics = " ".join(f"{k}={v:.3f}" for k, v in sorted(summary["val"].items()))
        typer.echo(f"step {summary['step']} in {summary['seconds']:.0f} s; val {metrics}")


@app.command("export")
def export_cmd(
    run: Path = typer.Argument(..., help="run folder (runs/NAME)"),
    output: Path = typer.Option(..., "-o", "--output", help="ONNX file to write (a NAME.json card goes beside it)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace existing files"),
) -> None:
    """Export a run's EMA generator to one self-contained ONNX file plus its model card."""
    from .export import export_run

    onnx_path, card = export_run(run, output, overwrite=overwrite)
    typer.echo(f"wrote {onnx_path} and {card}")
