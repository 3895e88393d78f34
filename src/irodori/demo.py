"""``make demo``: colour the bundled example with its bundled hints and write everything under a folder.

Usage: ``python -m irodori.demo [OUT_DIR]`` (default ``out``). Writes, for
each demo method, the picture, the flats, OpenRaster and PSD layers, plus
the hint layer as a PNG, and prints every path. The folder is the demo's
own: its previous demo outputs are replaced.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import IrodoriError
from .hints import Hints
from .io import load_lineart, write_png
from .pipeline import Outputs, colorize_file

EXAMPLES = Path(__file__).resolve().parent / "examples"
LINEART = EXAMPLES / "aiko.png"
HINTS = EXAMPLES / "aiko.hints.json"

#: (method, options) pairs the demo runs, each written as ``<OUT>/aiko_<method>*``.
DEMO_METHODS: tuple[tuple[str, dict], ...] = (("fill", {}), ("neural", {}), ("neural-flats", {}))


def run(out_dir: str | Path = "out") -> list[Path]:
    """Write the demo outputs under ``out_dir`` (created if missing); returns the written paths."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise IrodoriError(f"demo output folder is a file: {out}")
    out.mkdir(parents=True, exist_ok=True)
    hints = Hints.from_json(HINTS)
    ink = load_lineart(LINEART)
    written = [write_png(out / "aiko_hints.png", hints.to_rgba(ink.shape), overwrite=True)]
    for method, options in DEMO_METHODS:
        stem = out / f"aiko_{method}"
        outputs = Outputs(image=f"{stem}.png", flats=f"{stem}_flats.png",
                          layers=(f"{stem}.ora", f"{stem}.psd"), overwrite=True)
        _, paths = colorize_file(LINEART, outputs, hints, method=method, options=options)
        written.extend(paths)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        print("usage: python -m irodori.demo [OUT_DIR]", file=sys.stderr)
        return 2
    try:
        paths = run(args[0] if args else "out")
    except IrodoriError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"coloured {LINEART.name} with {len(DEMO_METHODS)} method(s); wrote:")
    for p in paths:
        print(f"  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
