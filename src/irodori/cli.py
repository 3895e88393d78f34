"""The ``irodori`` command line: a thin adapter over the Python API.

Every command turns an IrodoriError (bad input) into a one-line
``error: ...`` on stderr and exit code 2; no traceback reaches the user.
Sub-command groups (``irodori data ...``) live beside the code they drive
and are attached here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import IrodoriError

app = typer.Typer(
    name="irodori",
    help="Line-art colourization for manga and anime artists: hints in, colours and layers out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root() -> None:
    """Line-art colourization for manga and anime artists: hints in, colours and layers out."""


@app.command("methods")
def methods_cmd() -> None:
    """List the colourization methods, what they need and their options."""
    from .api import list_methods

    for m in list_methods():
        caps = m["capabilities"]
        needs = [k for k in ("needs_hints", "needs_reference") if caps[k]]
        typer.echo(f"{m['name']:<14} {m['description']}")
        if needs:
            typer.echo(f"{'':<14} needs: {', '.join(n.removeprefix('needs_') for n in needs)}")
        for o in m["options"]:
            typer.echo(f"{'':<14} --option {o['name']}={o['default']!r}  {o['help']}")


@app.command("colorize")
def colorize_cmd(
    lineart: Path = typer.Argument(..., help="Line art: PNG/JPEG/WebP/TIFF/BMP, dark lines on light paper."),
    out: Path = typer.Option(..., "-o", "--out", help="Coloured picture to write (.png, .jpg, .webp, .tif, .bmp)."),
    hints: Optional[Path] = typer.Option(None, "--hints", help="Hints: a .json file or a PNG hint layer."),
    method: str = typer.Option("fill", "--method", "-m", help="Method name (see `irodori methods`)."),
    option: list[str] = typer.Option([], "--option", metavar="KEY=VALUE", help="Method option KEY=VALUE (repeatable)."),
    flats: Optional[Path] = typer.Option(None, "--flats", help="Also write the flats (RGBA .png)."),
    layers: list[Path] = typer.Option([], "--layers", metavar="FILE", help="Also write layers: .ora or .psd (repeatable)."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="Coloured reference of the same character."),
    reference_lines: Optional[Path] = typer.Option(None, "--reference-lines", help="The reference's line art."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files."),
    max_pixels: int = typer.Option(64_000_000, "--max-pixels", help="Refuse images with more pixels than this."),
) -> None:
    """Colour a line drawing from hints (or a reference) and write the picture, flats and layers."""
    from .pipeline import Outputs, check_method, colorize_file, load_reference, parse_option

    if max_pixels < 1:
        raise IrodoriError(f"--max-pixels must be >= 1, got {max_pixels}")
    if reference_lines is not None and reference is None:
        raise IrodoriError("--reference-lines needs --reference")
    options = dict(parse_option(o) for o in option)
    outputs = Outputs(out, flats, tuple(layers), overwrite)
    outputs.check()
    check_method(method, options)
    ref = load_reference(reference, reference_lines, max_pixels) if reference is not None else None
    _, written = colorize_file(lineart, outputs, hints, method, options, ref, max_pixels)
    for p in written:
        typer.echo(str(p))


# --- command modules attach themselves below (one import line each) ---
from .data import commands as _data_commands  # noqa: E402,F401  (irodori data ..., irodori lines)
from .eval import command as _eval_command  # noqa: E402,F401  (irodori eval)
from .train import command as _train_command  # noqa: E402,F401  (irodori train, export)
from . import batch_command as _batch_command  # noqa: E402,F401  (irodori batch)
from .web import command as _web_command  # noqa: E402,F401  (irodori serve)
from .train import finetune_command as _finetune_command  # noqa: E402,F401  (irodori finetune)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for bad input, as for usage errors)."""
    try:
        app(args=argv, prog_name="irodori")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except IrodoriError as e:
        typer.echo(f"error: {e}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
