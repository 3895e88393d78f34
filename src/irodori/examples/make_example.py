"""Re-create the bundled example line art from its packaged source.

The example is the DiceBear ``adventurer`` avatar for the seed ``Aiko``
("Adventurer" by Lisa Wischofsky, remixed by DiceBear, CC BY 4.0), rendered
at 512 x 512 with resvg. Its colours are kept as ``aiko_color.png``; the
line art ``aiko.png`` is the same drawing with every non-black fill painted
white, which leaves the artist's black outlines exactly. The hints file
``aiko.hints.json`` was written by hand.

Run: ``.venv/bin/python -m irodori.examples.make_example`` (needs the
``data`` extra: dicebear-core, dicebear-styles, resvg-py).
"""

from __future__ import annotations

import io
import json
import re
from importlib.resources import files
from pathlib import Path

import numpy as np
from PIL import Image

SEED = "Aiko"
SIZE = 512
HERE = Path(__file__).resolve().parent

_FILL = re.compile(r'fill="(#[0-9a-fA-F]{3,8})"')


def render(svg: str) -> Image.Image:
    """Render SVG text on white paper at its own size."""
    import resvg_py

    png = resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff")
    return Image.open(io.BytesIO(bytes(png))).convert("RGB")


def lines_only(svg: str) -> str:
    """Paint every fill that is not black white, so only the drawn lines stay."""
    def repaint(m: re.Match[str]) -> str:
        return m.group(0) if m.group(1).lower() in ("#000", "#000000") else 'fill="#ffffff"'

    return _FILL.sub(repaint, svg)


def main() -> None:
    from dicebear import Avatar, Style

    definition = json.loads(files("dicebear_styles").joinpath("adventurer.json").read_text("utf-8"))
    svg = Avatar(Style(definition), {"seed": SEED, "size": SIZE}).to_string()
    render(svg).save(HERE / "aiko_color.png", optimize=True)
    gray = np.asarray(render(lines_only(svg)).convert("L"))
    Image.fromarray(gray).save(HERE / "aiko.png", optimize=True)
    print(HERE / "aiko.png", HERE / "aiko_color.png")


if __name__ == "__main__":
    main()
