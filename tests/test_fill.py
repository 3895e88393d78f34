"""Method ``fill``: properties on synthetic line art, gaps, transparency, halos, errors."""

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import irodori
from irodori.errors import IrodoriError
from irodori.hints import Hints, Point
from irodori.methods import get_method
from irodori.synthetic import make_lineart
from test_fill_drawings import two_rooms, walled_cells

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _drawing(seed, size, n_shapes, gap=0.0):
    return make_lineart(size, size, n_shapes=n_shapes, gap=gap, seed=seed)


def _clean_paper(d):
    """Paper pixels with no line darker than 0.3 next to them (edges are the halo test's job)."""
    return (cv2.dilate(d.ink, np.ones((3, 3), np.uint8)) < 0.3) & (d.regions >= 0)


@SETTINGS
@given(seed=st.integers(0, 10_000), size=st.integers(80, 160), n_shapes=st.integers(2, 12))
def test_no_bleed_across_closed_lines_and_every_pixel_coloured(seed, size, n_shapes):
    d = _drawing(seed, size, n_shapes)
    r = irodori.colorize(d.ink, d.hints(), method="fill")
    assert r.flats.shape == (size, size, 4) and r.flats.dtype == np.uint8
    assert (r.flats[..., 3] == 255).all()  # every pixel, paper and line, is coloured
    clean = _clean_paper(d)
    right = (r.flats[..., :3] == d.colors).all(-1)
    assert right[clean].all(), f"{(~right[clean]).sum()} clean paper pixels took a colour across a line"
    assert r.regions.shape == (size, size) and r.regions.dtype == np.int32


@SETTINGS
@given(seed=st.integers(0, 10_000), gap=st.floats(2.0, 6.0))
def test_gaps_up_to_gap_are_closed(seed, gap):
    ink, cell, near, hints = walled_cells(np.random.default_rng(seed), 160, gap)
    r = irodori.colorize(ink, hints, method="fill", gap=gap)
    colours = np.array([h.color for h in hints], np.uint8)
    right = (r.flats[..., :3] == colours[cell]).all(-1)
    judged = (ink < 0.1) & ~near
    assert right[judged].all(), f"{(~right[judged]).sum()} pixels leaked through a gap"


@pytest.mark.parametrize("g", [2.0, 4.0, 6.0])
def test_unhinted_room_behind_a_gap_takes_the_connected_colour(g):
    ink, x = two_rooms(g)
    hints = Hints((Point(30, 60, (255, 0, 0), 2), Point(5, 5, (0, 0, 255), 2)))
    r = irodori.colorize(ink, hints, method="fill", gap=g)
    # the unhinted right room is joined to the red room through the gap, and to the
    # blue outside only across lines: it turns red
    assert tuple(r.flats[60, 90, :3]) == (255, 0, 0)
    # the closed little room inside it has no hint and no opening: it takes the colour
    # of what surrounds it (its strongest connection), never white
    assert r.flats[110 - 30 + 1, 110 - 30 + 1, 3] == 255


def test_hints_on_both_sides_of_a_gap_keep_their_own_colours():
    ink, x = two_rooms(4.0)
    hints = Hints((Point(30, 60, (255, 0, 0), 2), Point(90, 30, (0, 255, 0), 2),
                   Point(5, 5, (0, 0, 255), 2)))
    r = irodori.colorize(ink, hints, method="fill", gap=4.0)
    left = r.flats[12:108, 12:x - 2, :3]
    right = r.flats[12:70, x + 3:108, :3]
    assert (left == (255, 0, 0)).all(-1).mean() > 0.995
    assert (right == (0, 255, 0)).all(-1).mean() > 0.995


def test_unhinted_transparent_leaves_unreached_areas_unfilled():
    ink, x = two_rooms(4.0)
    hints = Hints((Point(30, 60, (255, 0, 0), 2),))
    r = irodori.colorize(ink, hints, method="fill", gap=4.0, unhinted="transparent")
    assert r.flats[60, 30, 3] == 255 and tuple(r.flats[60, 30, :3]) == (255, 0, 0)
    assert r.flats[60, 90, 3] == 255  # reached through the gap
    assert r.flats[5, 5, 3] == 0      # the outside: only across a line
    assert r.flats[90, 90, 3] == 0    # the closed little room
    full = irodori.colorize(ink, hints, method="fill", gap=4.0, background="fill")
    assert (full.flats[..., 3] == 255).all()


@SETTINGS
@given(seed=st.integers(0, 10_000), size=st.integers(80, 140))
def test_transparent_hint_stays_alpha_zero(seed, size):
    d = _drawing(seed, size, 8)
    if d.n_regions < 2:
        return
    gone = (0,)
    r = irodori.colorize(d.ink, d.hints(transparent=gone), method="fill")
    clean = _clean_paper(d)
    assert (r.flats[..., 3][clean & (d.regions == 0)] == 0).all()
    assert (r.flats[..., 3][clean & (d.regions > 0)] == 255).all()
    # the composite shows white paper there, lines untouched
    assert (r.image[clean & (d.regions == 0) & (d.ink == 0)] == 255).all()


@SETTINGS
@given(seed=st.integers(0, 10_000), size=st.integers(80, 160))
def test_no_white_halo_under_antialiased_lines(seed, size):
    d = _drawing(seed, size, 10)
    r = irodori.colorize(d.ink, d.hints(), method="fill")
    inked = d.ink > 0.02
    assert (r.flats[..., 3][inked] == 255).all()
    # judge the line pixels that touch a ground-truth region (specks under 8 px are not regions)
    inked &= cv2.dilate((d.regions >= 0).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    # the colour under a line pixel is the colour of a shape within reach of it
    reach = 4
    ok = np.zeros(d.ink.shape, bool)
    pad = np.pad(d.colors, ((reach, reach), (reach, reach), (0, 0)), mode="edge")
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            shifted = pad[reach + dy: reach + dy + size, reach + dx: reach + dx + size]
            ok |= (r.flats[..., :3] == shifted).all(-1)
    assert ok[inked].all(), f"{(~ok[inked]).sum()} line pixels carry a colour from afar"
    # and no pixel of the composite beside a line is brighter than its flat colour allows
    assert not ((r.image == 255).all(-1) & inked).any()


def test_deterministic():
    d = make_lineart(200, 200, n_shapes=15, gap=4, seed=5)
    a = irodori.colorize(d.ink, d.hints(n=10, seed=1), method="fill")
    b = irodori.colorize(d.ink, d.hints(n=10, seed=1), method="fill")
    assert np.array_equal(a.flats, b.flats) and np.array_equal(a.regions, b.regions)


def test_zero_hints_is_a_clear_error():
    ink = make_lineart(64, 64, seed=0).ink
    with pytest.raises(IrodoriError, match="hint"):
        irodori.colorize(ink, Hints(), method="fill")
    with pytest.raises(IrodoriError, match="hint"):
        irodori.colorize(ink, None, method="fill")
    m = get_method("fill")
    with pytest.raises(IrodoriError, match="hint"):
        m.run(ink, Hints(), None, m.Options())
    assert m.capabilities.needs_hints


@pytest.mark.parametrize("opts", [{"unhinted": "nearest"}, {"gap": -1.0}, {"ink_threshold": 1.5}])
def test_bad_options(opts):
    ink = make_lineart(64, 64, seed=0).ink
    with pytest.raises(IrodoriError):
        irodori.colorize(ink, Hints((Point(5, 5, (1, 2, 3)),)), method="fill", **opts)


def test_blank_page_and_all_ink_page():
    hints = Hints((Point(10, 10, (200, 100, 50), 3),))
    blank = irodori.colorize(np.zeros((50, 60), np.float32), hints, method="fill")
    assert (blank.flats[..., :3] == (200, 100, 50)).all() and (blank.flats[..., 3] == 255).all()
    black = irodori.colorize(np.ones((50, 60), np.float32), hints, method="fill")
    assert (black.flats[..., 3] == 255).all()


def test_two_hint_colours_in_one_open_area_split_at_the_narrowest():
    # an hourglass: two rooms joined by a wide corridor (wider than gap)
    ink, x = two_rooms(30.0)
    hints = Hints((Point(30, 60, (255, 0, 0), 2), Point(90, 30, (0, 255, 0), 2),
                   Point(5, 5, (0, 0, 255), 2)))
    r = irodori.colorize(ink, hints, method="fill", gap=4.0)
    assert tuple(r.flats[30, 30, :3]) == (255, 0, 0)
    assert tuple(r.flats[30, 90, :3]) == (0, 255, 0)
    # the cut runs through the corridor, so each room is whole
    assert (r.flats[15:105, 15:x - 3, :3] == (255, 0, 0)).all(-1).mean() > 0.97


def test_strokes_colour_what_they_cross():
    from irodori.hints import Stroke

    ink, x = two_rooms(4.0)
    inside = Hints((Stroke(((20.0, 30.0), (40.0, 90.0)), (255, 0, 0), 6.0), Point(5, 5, (0, 0, 255), 2)))
    r = irodori.colorize(ink, inside, method="fill", gap=4.0)
    assert tuple(r.flats[60, 30, :3]) == (255, 0, 0) and tuple(r.flats[3, 60, :3]) == (0, 0, 255)
    # a stroke across the wall claims both rooms
    across = Hints((Stroke(((30.0, 30.0), (90.0, 30.0)), (0, 255, 0), 4.0), Point(5, 5, (0, 0, 255), 2)))
    r = irodori.colorize(ink, across, method="fill", gap=4.0)
    assert tuple(r.flats[60, 30, :3]) == (0, 255, 0) and tuple(r.flats[40, 90, :3]) == (0, 255, 0)
    assert tuple(r.flats[3, 60, :3]) == (0, 0, 255)
