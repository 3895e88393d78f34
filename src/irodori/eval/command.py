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
    toned: int = typer.Option(0, help="also evaluate the first N images of each folder with ground truth "
                              "rendered as toned manga drawings (screentone, black fills), as folders "
                              "of their own (NAME+toned)"),
    overwrite: bool = typer.Option(False, help="replace an existing report"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
    protocol: str = typer.Option("compare", help="'compare': every method under simulated hints (report.md, "
                                 "results.csv, grids, plots); 'hintauc': the Hint-AUC protocol (hintauc "
                                 "package) for every method that takes hints: hintauc.md/.json/.png"),
) -> None:
    """Compare every registered method on held-out data: report.md, results.csv, grids and plots."""
    from .compare import EvalConfig, command_line, run_eval

    if protocol == "hintauc":
        from ..errors import IrodoriError
        from ..pipeline import parse_option
        from . import hintauc

        chosen = hintauc.hint_methods() if methods == "all" else [m.strip() for m in methods.split(",") if m.strip()]
        opts: dict = {}
        for text in option:
            name, _, rest = text.partition(".")
            if not rest:
                raise IrodoriError(f"bad --option {text!r}: expected METHOD.KEY=VALUE")
            key, value = parse_option(rest)
            opts.setdefault(name, {})[key] = value
        if out.exists() and any(out.glob("hintauc.*")) and not overwrite:
            raise IrodoriError(f"{out} already holds a Hint-AUC report (pass --overwrite to replace it)")
        curves = hintauc.evaluate(data, chosen, split=split, limit=limit, options=opts,
                                  progress=None if quiet else typer.echo)
        command = command_line(sys.argv[1:] if sys.argv[1:2] == ["eval"] else ["eval", "..."])
        written = hintauc.write_report(curves, out, command=command, overwrite=True)
        typer.echo(hintauc.table_md(curves) + f"wrote {', '.join(str(p) for p in written)}")
        return
    if protocol != "compare":
        from ..errors import IrodoriError

        raise IrodoriError(f"--protocol must be 'compare' or 'hintauc', got {protocol!r}")

    config = EvalConfig(data=tuple(data), out=out, split=split, methods=methods, hints=hints,
                        limit=limit, mean_from=mean_from, fid_weights=fid_weights, workers=workers,
                        grid_images=grid_images, overwrite=overwrite, progress=not quiet, options=tuple(option),
                        toned=toned,
                        command=command_line(sys.argv[1:] if sys.argv[1:2] == ["eval"] else ["eval", "..."]))
    outcome = run_eval(config)
    typer.echo(f"wrote {out}/report.md, results.csv ({len(outcome.rows)} rows), "
               f"{sum(p.parent.name == 'grids' for p in outcome.files)} grids and "
               f"{sum(p.parent.name == 'plots' for p in outcome.files)} plots in {outcome.seconds:.1f} s")
