"""``irodori methods`` and ``irodori colorize``: thin adapters over :mod:`irodori.pipeline`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .errors import IrodoriError

app = typer.Typer()


@app.command("methods")
def methods_cmd() -> None:
    """List the colourization methods by what you have (dots, a coloured page), with their options."""
    from .api import list_methods

    methods = sorted(list_methods(), key=lambda m: (m["group"]["order"], not m["recommended"], m["name"]))
    group = None
    for m in methods:
        if m["group"]["id"] != group:
            group = m["group"]["id"]
            typer.echo(f"{'' if group == methods[0]['group']['id'] else chr(10)}{m['group']['label']}: "
                       f"{m['group']['help']}")
        caps = m["capabilities"]
        needs = [k for k in ("needs_hints", "needs_reference") if caps[k]]
        typer.echo(f"  {m['name']:<14} {m['label']}{' (recommended)' if m['recommended'] else ''}")
        typer.echo(f"  {'':<14} {m['summary']}")
        if needs:
            typer.echo(f"  {'':<14} needs: {', '.join(n.removeprefix('needs_') for n in needs)}")
        for o in sorted(m["options"], key=lambda o: o["advanced"]):
            tag = "advanced: " if o["advanced"] else ""
            typer.echo(f"  {'':<14} {tag}--option {o['name']}={o['default']!r}  {o['label']}: {o['help']}")


@app.command("colorize")
def colorize_cmd(
    lineart: Path = typer.Argument(..., help="Line art: PNG/JPEG/WebP/TIFF/BMP, dark lines on light paper."),
    out: Path = typer.Option(..., "-o", "--out", help="Coloured picture to write (.png, .jpg, .webp, .tif, .bmp)."),
    hints: Optional[Path] = typer.Option(None, "--hints", help="Hints: a .json file or a PNG hint layer."),
    method: str = typer.Option("fill", "--method", "-m", help="Method name (see `irodori methods`); with "
                               "--reference, 'match' is the recommended one."),
    option: list[str] = typer.Option([], "--option", metavar="KEY=VALUE", help="Method option KEY=VALUE (repeatable)."),
    flats: Optional[Path] = typer.Option(None, "--flats", help="Also write the flats (RGBA .png)."),
    layers: list[Path] = typer.Option([], "--layers", metavar="FILE", help="Also write layers: .ora or .psd (repeatable)."),
    layers_per_colour: bool = typer.Option(False, "--layers-per-colour",
                                           help="In --layers files, one layer per flat colour (select by layer in Clip Studio / Photoshop)."),
    reference: list[Path] = typer.Option([], "--reference", help="Coloured reference of the same character "
                                         "(repeatable: front, back, another outfit; method 'match' uses them all)."),
    reference_lines: list[Path] = typer.Option([], "--reference-lines", help="The reference's line art "
                                               "(repeatable, one per --reference in the same order)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files."),
    max_pixels: int = typer.Option(64_000_000, "--max-pixels", help="Refuse images with more pixels than this."),
    shade: Optional[str] = typer.Option(None, "--shade", metavar="cel|soft",
                                        help="Shade the colours: cel (hard-edged tones) or soft; adds shadow "
                                             "(multiply) and highlight (screen) layers."),
    light: Optional[str] = typer.Option(None, "--light", metavar="AZIMUTH,ELEVATION",
                                        help="Light direction in degrees (with --shade cel or soft): azimuth "
                                             "clockwise from the top (315 = upper left), elevation 0-90 (90 = from "
                                             "the viewer). Default 315,45."),
    line_color: bool = typer.Option(False, "--line-color", help="Colour the lines after the areas beside them "
                                                                "(colour trace), also without shading."),
    shade_strength: Optional[float] = typer.Option(None, "--shade-strength", help="Shadow opacity 0-1 (default 0.6)."),
    tones: str = typer.Option("drop", "--tones", help="Screentone on a manga page: drop (colour replaces it), "
                              "shade (a light multiply layer), keep (as printed), off (no analysis)."),
    page_white: bool = typer.Option(True, "--page-white/--no-page-white", help="Keep a manga page's gutters "
                                    "and speech balloons white unless hinted."),
) -> None:
    """Colour a line drawing from hints (or a reference) and write the picture, flats and layers."""
    from .pipeline import Outputs, check_method, colorize_file, load_references, parse_option
    from .shade import shading_options
    from .tones import check_tones

    if max_pixels < 1:
        raise IrodoriError(f"--max-pixels must be >= 1, got {max_pixels}")
    options = dict(parse_option(o) for o in option)
    if layers_per_colour and not layers:
        raise IrodoriError("--layers-per-colour needs --layers FILE (.ora or .psd)")
    shading = shading_options(shade, light, line_color, shade_strength)
    check_tones(tones)
    outputs = Outputs(out, flats, tuple(layers), overwrite, layers_per_colour)
    outputs.check()
    check_method(method, options)
    ref = load_references(reference, reference_lines, max_pixels)
    _, written = colorize_file(lineart, outputs, hints, method, options, ref, max_pixels, shading=shading,
                               tones=tones, page=page_white)
    for p in written:
        typer.echo(str(p))
