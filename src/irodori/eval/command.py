"""``irodori eval``: a thin adapter over :func:`irodori.eval.compare.run_eval`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .harness import DEFAULT_HINTS

app = typer.Typer()


@app.command("eval")
def eval_cmd(
    data: List[Path] = typer.Option(..., "--data", help="dataset folder (manifest.csv + line/ + color/), "
                                    "a folder with line/ and color/ of same-named files, or a folder of "
                                    "line art (optional NAME.json hints); repeat for several"),
    out: Path = typer.Option(..., "--out", "-o", help="report folder to write (e.g. reports/NAME)"),
    split: str = typer.Option("test", help="manifest split to evaluate"),
    methods: str = typer.Option("all", help="'all' or comma-separated method names"),
    hints: str = typer.Option(DEFAULT_HINTS, help="hint settings: N (points), strokes:N, per-region"),
    limit: Optional[int] = typer.Option(None, help="at most N images per data folder (a hashed sample)"),
    mean_from: Optional[Path] = typer.Option(None, help="dataset whose train split gives the mean "
                                             "image (default: each --data folder's own train split)"),
    fid_weights: Optional[Path] = typer.Option(None, help="local ONNX Inception model for FID "
                                               "(skipped without it)"),
    workers: int = typer.Option(1, help="worker processes"),
    grid_images: int = typer.Option(6, help="images per comparison grid"),
    option: List[str] = typer.Option([], "--option", metavar="METHOD.KEY=VALUE",
                                      help="a method's option, e.g. neural.model=runs/x/model.onnx (repeatable)"),
    overwrite: bool = typer.Option(False, help="replace an existing report"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Compare every registered method on held-out data: report.md, results.csv, grids and plots."""
    from .compare import EvalConfig, command_line, run_eval

    config = EvalConfig(data=tuple(data), out=out, split=split, methods=methods, hints=hints,
                        limit=limit, mean_from=mean_from, fid_weights=fid_weights, workers=workers,
                        grid_images=grid_images, overwrite=overwrite, progress=not quiet, options=tuple(option),
                        command=command_line(sys.argv[1:] if sys.argv[1:2] == ["eval"] else ["eval", "..."]))
    outcome = run_eval(config)
    typer.echo(f"wrote {out}/report.md, results.csv ({len(outcome.rows)} rows), "
               f"{sum(p.parent.name == 'grids' for p in outcome.files)} grids and "
               f"{sum(p.parent.name == 'plots' for p in outcome.files)} plots in {outcome.seconds:.1f} s")
