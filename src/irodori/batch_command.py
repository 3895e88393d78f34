"""``irodori batch``: a thin adapter over :func:`irodori.batch.run_batch`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer()


@app.command("batch")
def batch_cmd(
    pages: Path = typer.Argument(..., help="Folder of line-art pages (a chapter)."),
    out: Path = typer.Option(..., "-o", "--out", help="Folder for the coloured pages (<page>.png); created if missing."),
    method: str = typer.Option("fill", "--method", "-m", help="Method name (see `irodori methods`); with "
                               "--reference, 'match' is the recommended one."),
    option: List[str] = typer.Option([], "--option", metavar="KEY=VALUE", help="Method option KEY=VALUE (repeatable)."),
    hints_dir: Optional[Path] = typer.Option(None, "--hints-dir", help="Folder of per-page hints "
                                             "(<page>.hints.json, <page>.json or <page>.hints.png); "
                                             "default: beside each page."),
    reference: List[Path] = typer.Option([], "--reference", help="Coloured reference of the same character "
                                         "(repeatable: front, back, another outfit; method 'match' uses them all)."),
    reference_lines: List[Path] = typer.Option([], "--reference-lines", help="The reference's line art "
                                               "(repeatable, one per --reference in the same order)."),
    workers: int = typer.Option(1, "--workers", "-j", help="Pages coloured in parallel (processes)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Recolour pages already done instead of skipping them."),
    max_pixels: int = typer.Option(64_000_000, "--max-pixels", help="Refuse images with more pixels than this."),
    shade: Optional[str] = typer.Option(None, "--shade", metavar="cel|soft", help="Shade every page: cel or soft."),
    light: Optional[str] = typer.Option(None, "--light", metavar="AZIMUTH,ELEVATION",
                                        help="Light direction in degrees, with --shade cel or soft (default 315,45: upper left)."),
    line_color: bool = typer.Option(False, "--line-color", help="Colour the lines after the areas beside them."),
    shade_strength: Optional[float] = typer.Option(None, "--shade-strength", help="Shadow opacity 0-1 (default 0.6)."),
    tones: str = typer.Option("drop", "--tones", help="Screentone on manga pages: drop (colour replaces it), "
                              "shade (a light multiply layer), keep (as printed), off (no analysis)."),
    page_white: bool = typer.Option(True, "--page-white/--no-page-white", help="Keep gutters and speech "
                                    "balloons white unless hinted."),
) -> None:
    """Colour every page of a folder with one method; skips pages already done, reports failures.

    Exit code 0 when every page is done or skipped, 1 when a page failed, 2 for bad arguments.
    """
    from tqdm import tqdm

    from .batch import run_batch
    from .errors import IrodoriError
    from .pipeline import load_references, parse_option
    from .shade import shading_options
    from .tones import check_tones

    if max_pixels < 1:
        raise IrodoriError(f"--max-pixels must be >= 1, got {max_pixels}")
    options = dict(parse_option(o) for o in option)
    shading = shading_options(shade, light, line_color, shade_strength)
    check_tones(tones)
    ref = load_references(reference, reference_lines, max_pixels)
    report = run_batch(pages, out, method, options, ref, hints_dir, workers, overwrite, max_pixels,
                       progress=lambda n: tqdm(total=n, unit="page", file=sys.stderr, disable=n == 0),
                       shading=shading, tones=tones, page=page_white)
    typer.echo(report.summary(), err=bool(report.failed))
    if report.failed:
        raise typer.Exit(1)
