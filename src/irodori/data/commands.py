"""``irodori data build|sheet`` and ``irodori lines``: thin adapters over :mod:`irodori.data`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

app = typer.Typer()  # irodori lines, and the data group below
data_app = typer.Typer(name="data", help="Build and inspect training/evaluation datasets.",
                       no_args_is_help=True, add_completion=False, rich_markup_mode=None)


@data_app.command("build")
def build_cmd(
    source: str = typer.Argument(..., help="openmoji | dicebear | openclipart | folder"),
    path: Optional[Path] = typer.Argument(None, help="folder of colour illustrations (source 'folder' only)"),
    out: Path = typer.Option(..., "--out", "-o", help="output dataset folder (resumable)"),
    size: int = typer.Option(256, help="picture size in pixels (shorter side)"),
    limit: Optional[int] = typer.Option(None, help="build only the first N items"),
    workers: int = typer.Option(2, help="rendering processes"),
    n: int = typer.Option(3000, "--n", help="dicebear: number of avatars (seeds)"),
    style: str = typer.Option("adventurer", help="dicebear: style; any other than adventurer is "
                                                 "evaluation-only (split=test)"),
    pairs_per_seed: int = typer.Option(1, help="dicebear: same-character pairs per avatar"),
    line_methods: str = typer.Option("xdog,gradient", help="folder: line extractors to mix"),
    thickness: float = typer.Option(0.0, help="folder: max random line thickness change in px (0 = off)"),
    jitter: float = typer.Option(0.0, help="folder: max random line displacement in px (0 = off)"),
    rough: float = typer.Option(0.0, help="redraw every line art as a rough sketch of this strength "
                                          "(0 = off, 1 = typical, up to 2): pencil or scanned ink with "
                                          "double strokes, gaps, hatching, grey paper, JPEG; colours "
                                          "unchanged, clean line art kept in clean/"),
    from_dir: Optional[Path] = typer.Option(None, "--from", help="openclipart: an extracted openclipart-svg "
                                            "package (default: download it with apt-get into ~/.cache)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Build a dataset of line-art/colour pairs into OUT (manifest.csv is written last)."""
    from .build import build_dataset
    from .sources import make_source
    from ..errors import IrodoriError

    kwargs: dict = {}
    if source == "folder":
        if path is None:
            raise IrodoriError("source 'folder' needs a folder: irodori data build folder DIR --out OUT")
        kwargs = {"path": path, "line_methods": tuple(m.strip() for m in line_methods.split(",") if m.strip()),
                  "thickness": thickness, "jitter": jitter}
    elif path is not None:
        raise IrodoriError(f"source {source!r} takes no folder argument (got {path})")
    elif source == "dicebear":
        kwargs = {"n": n, "style": style, "pairs_per_seed": pairs_per_seed}
    elif source == "openclipart":
        kwargs = {"folder": from_dir}
    if from_dir is not None and source != "openclipart":
        raise IrodoriError(f"--from is for the openclipart source, not {source!r}")
    report = build_dataset(make_source(source, **kwargs), out, size=size, limit=limit, workers=workers,
                           progress=not quiet, rough=rough)
    typer.echo(report.summary())


@data_app.command("sheet")
def sheet_cmd(
    root: Path = typer.Argument(..., help="dataset folder"),
    output: Path = typer.Option(..., "--output", "-o", help="PNG contact sheet to write"),
    n: int = typer.Option(16, "--n", help="number of pairs"),
    split: Optional[str] = typer.Option(None, help="train | val | test (default: all)"),
    pairs: bool = typer.Option(False, "--pairs", help="show same-character pairs (reference | line | colour)"),
    overwrite: bool = typer.Option(False, help="replace an existing file"),
) -> None:
    """Write a contact sheet of N pairs (line | colour) of a dataset."""
    from .sheet import contact_sheet, pairs_sheet
    from ..io import write_png

    image = pairs_sheet(root, n=n, split=split) if pairs else contact_sheet(root, n=n, split=split)
    write_png(output, image, overwrite=overwrite)
    typer.echo(f"wrote {output} ({image.shape[1]}x{image.shape[0]})")


app.add_typer(data_app, name="data")


@app.command("lines")
def lines_cmd(
    image: Path = typer.Argument(..., help="colour image (PNG, JPEG, WebP, ...), or a scan with --cleanup"),
    output: Path = typer.Option(..., "--output", "-o", help="line-art PNG to write (black on white)"),
    method: str = typer.Option("xdog", help="xdog | gradient | morph"),
    sigma: Optional[float] = typer.Option(None, help="blur scale in pixels (method default if unset)"),
    cleanup: bool = typer.Option(False, "--cleanup", help="IMAGE is a scanned or photographed drawing: "
                                 "whiten the grey paper, even out the lighting, drop the grain and bring "
                                 "the lines to full black (hatching keeps its lighter weight)"),
    overwrite: bool = typer.Option(False, help="replace an existing file"),
) -> None:
    """Extract line art from a colour picture (also the fallback when a reference has no line art),
    or clean up a scanned drawing (--cleanup)."""
    import numpy as np

    from ..io import check_output, load_lineart, read_rgb, write_png
    from ..lineart import clean_scan, extract_lines

    if cleanup:
        check_output(output, overwrite=overwrite)
        ink = clean_scan(load_lineart(image))
        write_png(output, np.rint((1.0 - ink) * 255.0).astype(np.uint8), overwrite=overwrite)
        typer.echo(f"wrote {output} ({ink.shape[1]}x{ink.shape[0]}, scan cleaned up)")
        return
    rgb = read_rgb(image)
    params = {} if sigma is None else {"sigma": sigma}
    ink = extract_lines(rgb, method=method, **params)
    write_png(output, np.rint((1.0 - ink) * 255.0).astype(np.uint8), overwrite=overwrite)
    typer.echo(f"wrote {output} ({rgb.shape[1]}x{rgb.shape[0]}, method {method})")
