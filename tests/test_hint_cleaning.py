"""Hints as artists give them (issue 11): sloppy, dense and contradictory hints never make things worse.

The drawing: a page with a disc outlined in the middle, cut in two halves
(left, right) by a vertical line; the outside is the background, open to the
picture's border. Each sloppy case is checked on ``fill`` (and the cleaning
itself), the background policy on ``fill``, ``neural-flats`` and ``neural``.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import irodori
from irodori.background import background_regions
from irodori.hints import Hints, Point, Stroke, clean_hints
from irodori.regions import build_region_graph

S = 120
C = 60
R = 40
RED, GREEN, BLUE = (220, 30, 30), (30, 200, 60), (40, 60, 230)


def drawing(gap: int = 0) -> np.ndarray:
    """Ink of the test page: a disc outline (with a gap of ``gap`` px at the top) split by a vertical line."""
    canvas = np.zeros((S, S), np.uint8)
    cv2.circle(canvas, (C, C), R, 255, 2, lineType=cv2.LINE_AA)
    cv2.line(canvas, (C, C - R), (C, C + R), 255, 2, lineType=cv2.LINE_AA)
    if gap:
        canvas[C - R - 4:C - R + 4, C + 10:C + 10 + gap] = 0
    return canvas.astype(np.float32) / 255.0


def halves():
    yy, xx = np.mgrid[:S, :S]
    inside = (xx - C) ** 2 + (yy - C) ** 2 < (R - 4) ** 2
    left = inside & (xx < C - 3)
    right = inside & (xx > C + 3)
    outside = (xx - C) ** 2 + (yy - C) ** 2 > (R + 4) ** 2
    return left, right, outside


def colours_in(flats: np.ndarray, mask: np.ndarray) -> set:
    px = flats[mask]
    return {tuple(int(v) for v in p[:3]) for p in px[px[:, 3] == 255]} | ({"unfilled"} if (px[:, 3] == 0).any() else set())


def test_dot_partly_over_a_line_keeps_to_its_own_side():
    ink = drawing()
    left, right, _ = halves()
    # a fat red dot centred left of the dividing line, spilling over it into the right half
    hints = Hints((Point(C - 4, C, RED, 6), Point(C + 20, C, GREEN, 2)))
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, left) == {RED}
    assert colours_in(r.flats, right) == {GREEN}


def test_stroke_wandering_into_a_neighbour_does_not_pin_it():
    ink = drawing()
    left, right, _ = halves()
    # a long red stroke in the left half whose end wanders over the line into the right half,
    # and a small green dot in the right half
    hints = Hints((Stroke(((C - 30, C), (C - 5, C + 2), (C + 4, C + 3)), RED, 4), Point(C + 25, C - 10, GREEN, 1.5)))
    clean = clean_hints(hints, ink)
    assert clean.report["stray_pixels"] > 0
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, left) == {RED}
    assert colours_in(r.flats, right) == {GREEN}


def test_hint_pixels_over_ink_count_for_nothing():
    ink = drawing()
    left, right, _ = halves()
    # a black hint in the line colour, lying on the dividing line only
    on_line = Point(C, C + 10, (0, 0, 0), 1)
    hints = Hints((Point(C - 20, C, RED, 2), Point(C + 20, C, GREEN, 2), on_line))
    clean = clean_hints(hints, ink)
    assert clean.report["hints_only_on_lines"] == 1 and clean.report["on_ink_pixels"] > 0
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, left) == {RED} and colours_in(r.flats, right) == {GREEN}
    # a hint in the line colour on paper is a real colour: that area turns black
    r = irodori.colorize(ink, Hints((Point(C - 20, C, (0, 0, 0), 2), Point(C + 20, C, GREEN, 2))), method="fill")
    assert colours_in(r.flats, left) == {(0, 0, 0)}


def test_near_duplicate_colours_are_one_colour():
    ink = drawing()
    left, _, _ = halves()
    hints = Hints((Point(C - 20, C - 10, (200, 0, 0), 2), Point(C - 20, C + 15, (205, 4, 0), 2),
                   Point(C + 20, C, GREEN, 2)))
    r = irodori.colorize(ink, hints, method="fill")
    assert len(colours_in(r.flats, left)) == 1
    assert r.meta["hints"]["merged_colours"] == 1


def test_sloppy_second_colour_over_a_stroke_is_overruled_and_reported():
    ink = drawing()
    left, right, _ = halves()
    # a long red stroke, and a small blue dot dabbed on its end
    hints = Hints((Stroke(((C - 30, C - 10), (C - 10, C + 10)), RED, 5), Point(C - 10, C + 12, BLUE, 2),
                   Point(C + 20, C, GREEN, 2)))
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, left) == {RED}
    conflicts = r.meta["hints"]["conflicts"]
    assert r.meta["hints"]["overruled_hints"] == 1 and conflicts[0]["overruled"] == "#283ce6"


def test_two_separate_colours_in_one_area_split_it():
    ink = drawing()
    left, _, _ = halves()
    hints = Hints((Point(C - 25, C - 20, RED, 2), Point(C - 25, C + 20, BLUE, 2), Point(C + 20, C, GREEN, 2)))
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, left) == {RED, BLUE}


def test_antialiased_png_hint_layer():
    ink = drawing()
    left, right, _ = halves()
    layer = np.zeros((S, S, 4), np.uint8)
    # a soft red disc: its rim blended towards white with falling alpha, as paint programs export it
    for radius, t in ((7, 0.3), (6, 0.6), (5, 1.0)):
        col = tuple(int(round(c * t + 255 * (1 - t))) for c in RED)
        cv2.circle(layer, (C - 20, C), radius, (*col, int(255 * t)), -1, lineType=cv2.LINE_AA)
    cv2.circle(layer, (C + 20, C), 3, (*GREEN, 255), -1)
    hints = Hints.from_rgba(layer)
    assert len({h.color for h in hints}) > 3  # many colours in the layer
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, left) == {RED}
    assert colours_in(r.flats, right) == {GREEN}


def test_hundreds_of_hints_never_crash():
    ink = drawing()
    rng = np.random.default_rng(0)
    palette = [RED, GREEN, BLUE, (250, 250, 250), (0, 0, 0)]
    items = [Point(float(rng.uniform(0, S - 1)), float(rng.uniform(0, S - 1)), palette[int(rng.integers(5))],
                   float(rng.uniform(0.5, 6))) for _ in range(400)]
    items += [Stroke(tuple((float(x), float(y)) for x, y in rng.uniform(0, S - 1, (3, 2))), None, 3.0)
              for _ in range(20)]
    hints = Hints(tuple(items))
    r = irodori.colorize(ink, hints, method="fill")
    assert r.flats.shape == (S, S, 4)
    assert isinstance(r.meta["hints"]["conflicts"], list)
    for method in ("neural-flats", "neural"):
        out = irodori.colorize(ink, hints, method=method)
        assert out.image.shape == (S, S, 3)


def test_no_hints_at_all_cleans_to_nothing():
    clean = clean_hints(Hints(()), drawing())
    assert not clean.labels.any() and clean.palette == []
    strong, soft = clean.votes(np.zeros((S, S), np.int32), 1)
    assert strong.shape == (1, 0)


def test_pinning_never_crosses_a_line():
    from irodori.methods.neural import pin_to_hints

    ink = np.zeros((64, 64), np.float32)
    ink[:, 31:33] = 1.0  # a wall
    rgb = np.full((64, 64, 3), 0.5, np.float32)
    mask = np.zeros((64, 64), bool)
    mask[30:34, 10:14] = True
    mask[30:34, 28:32] = True  # a dot partly on the wall
    hint = np.zeros((64, 64, 3), np.float32)  # black
    out = pin_to_hints(rgb, ink, hint, mask)
    assert out[32, 12].max() < 0.05            # the dot's own colour is met
    assert np.array_equal(out[:, 34:], rgb[:, 34:])  # nothing crosses to the other side


# ---------------------------------------------------------------- background

def test_unhinted_background_stays_paper_and_fill_option_brings_it_back():
    ink = drawing()
    left, right, outside = halves()
    hints = Hints((Point(C - 20, C, RED, 2), Point(C + 20, C, GREEN, 2)))
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, outside) == {"unfilled"}
    assert (r.image[outside & (ink == 0)] == 255).all()  # white in the composite
    assert r.meta["background_regions"] >= 1
    old = irodori.colorize(ink, hints, method="fill", background="fill")
    assert "unfilled" not in colours_in(old.flats, outside)


def test_a_hint_in_the_background_colours_it():
    ink = drawing()
    _, _, outside = halves()
    hints = Hints((Point(C - 20, C, RED, 2), Point(5, 5, BLUE, 2)))
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, outside) == {BLUE}


def test_transparent_hint_still_leaves_its_area_unfilled():
    ink = drawing()
    left, right, _ = halves()
    hints = Hints((Point(C - 20, C, None, 2), Point(C + 20, C, GREEN, 2)))
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, left) == {"unfilled"} and colours_in(r.flats, right) == {GREEN}


def test_background_through_a_gap_stays_paper_and_the_figure_keeps_its_colour():
    ink = drawing(gap=3)
    left, right, outside = halves()
    hints = Hints((Point(C - 20, C, RED, 2), Point(C + 20, C, GREEN, 2)))
    r = irodori.colorize(ink, hints, method="fill")
    assert colours_in(r.flats, right) == {GREEN}
    assert colours_in(r.flats, outside) == {"unfilled"}


def test_background_regions_function():
    ink = drawing()
    rg = build_region_graph(ink)
    hinted = np.zeros(rg.n, bool)
    paper = background_regions(rg, ink, hinted)
    _, _, outside = halves()
    assert paper[rg.labels[outside]].all()
    _, right, _ = halves()
    hinted[np.unique(rg.labels[right])] = True
    paper = background_regions(rg, ink, hinted)
    assert paper[rg.labels[outside]].all() and not paper[rg.labels[right]].any()


@pytest.mark.parametrize("method", ["neural-flats", "neural"])
def test_neural_methods_keep_the_unhinted_background_white(method):
    ink = drawing()
    left, right, outside = halves()
    hints = Hints((Point(C - 20, C, (20, 20, 120), 3), Point(C + 20, C, (90, 40, 20), 3)))
    r = irodori.colorize(ink, hints, method=method)
    assert (r.flats[..., 3][outside] == 0).all()
    assert (r.image[outside & (ink == 0)] == 255).all()
    old = irodori.colorize(ink, hints, method=method, background="fill")
    assert (old.flats[..., 3] == 255).all()


def test_a_dot_whose_pieces_all_lie_along_lines_gives_no_crash():
    # A dot pinched against a manga panel's frame corner: every piece is on a line or a
    # stray, so no dot seeds the network (once an IndexError in clean_hints).
    import irodori
    from irodori.data import manga
    from irodori.hints import Hints, Point
    from irodori.synthetic import make_lineart

    pairs = [(d.ink, d.colors) for d in (make_lineart(256, 256, seed=s) for s in range(3))]
    page = manga.make_page(pairs, height=720, width=512, seed=3, supersample=2.0, balloons=(1, 2))
    result = irodori.colorize(page.lines, Hints((Point(27, 27, (200, 40, 40), 2),)), tones="off", page=False)
    assert result.meta["hints"]["hint_pixels"] > 0
