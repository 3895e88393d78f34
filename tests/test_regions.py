"""The region graph: contract, closed lines, gaps and marks."""

import numpy as np
import pytest

from irodori.regions import build_region_graph, default_gap
from irodori.synthetic import make_lineart
from test_fill_drawings import two_rooms


def test_contract():
    d = make_lineart(150, 170, n_shapes=12, gap=3, seed=4)
    rg = build_region_graph(d.ink, gap=3)
    assert rg.labels.shape == (150, 170) and rg.labels.dtype == np.int32
    assert rg.labels.min() >= 0 and rg.labels.max() < rg.n
    assert rg.edges.dtype == np.int32 and rg.edges.shape[1] == 2
    assert (rg.edges[:, 0] < rg.edges[:, 1]).all()
    assert len(np.unique(rg.edges, axis=0)) == len(rg.edges)
    assert rg.weights.shape == rg.open_length.shape == (len(rg.edges),)
    assert (rg.weights > 0).all() and (rg.open_length >= 0).all()
    assert rg.area.shape == (rg.n,) and rg.area.sum() == 150 * 170


def test_regions_never_span_two_closed_areas():
    d = make_lineart(200, 200, n_shapes=15, gap=0, seed=8)
    rg = build_region_graph(d.ink)
    paper = d.ink < 0.3
    import cv2
    _, closed = cv2.connectedComponents(paper.astype(np.uint8), connectivity=4)
    pairs = np.unique(np.stack([rg.labels[paper], closed[paper]], 1), axis=0)
    assert len(np.unique(pairs[:, 0])) == len(pairs)  # each region's paper lies in one area


def test_closed_line_is_cheap_gap_is_a_short_cut():
    ink, x = two_rooms(4.0, width=2)
    rg = build_region_graph(ink, gap=4.0)
    left, right, out = rg.labels[60, 30], rg.labels[30, 90], rg.labels[3, 3]
    assert len({left, right, out}) == 3
    w = {tuple(e): (wt, o) for e, wt, o in zip(rg.edges.tolist(), rg.weights, rg.open_length)}
    lr = w[tuple(sorted((left, right)))]
    assert 2.0 <= lr[1] <= 8.0  # the cut across the gap is about the gap long
    lo = w.get(tuple(sorted((left, out))))
    assert lo is None or (lo[1] == 0 and lo[0] < 1.0)  # along a closed line: almost free


def test_wide_opening_is_not_a_gap():
    ink, x = two_rooms(30.0, width=2)
    rg = build_region_graph(ink, gap=4.0)
    assert rg.labels[60, 30] == rg.labels[30, 90]


def test_marks_separate_a_thin_region_from_its_neighbour():
    ink, x = two_rooms(4.0, width=2)
    marks = np.zeros(ink.shape, np.int32)
    marks[60, 30] = 1
    marks[60, 50] = 2  # two marks in one room
    rg = build_region_graph(ink, gap=4.0, marks=marks)
    assert rg.labels[60, 30] != rg.labels[60, 50]


def test_working_scale_for_large_pages():
    d = make_lineart(1200, 1000, n_shapes=20, gap=6, seed=1)
    rg = build_region_graph(d.ink, gap=6, work_pixels=300_000)
    assert rg.scale == 2 and rg.labels.shape == (1200, 1000)
    # thin closed areas that vanish at the working scale still get regions of their own
    paper = d.ink < 0.3
    import cv2
    _, closed = cv2.connectedComponents(paper.astype(np.uint8), connectivity=4)
    pairs = np.unique(np.stack([rg.labels[paper], closed[paper]], 1), axis=0)
    assert len(np.unique(pairs[:, 0])) == len(pairs)


def test_default_gap_scales_with_size():
    assert default_gap((100, 100)) == 3.0
    assert default_gap((4096, 4096)) == pytest.approx(40.96)


def test_bad_input():
    with pytest.raises(ValueError):
        build_region_graph(np.zeros((0, 5), np.float32))
    with pytest.raises(ValueError):
        build_region_graph(np.zeros((5, 5), np.float32), gap=-1)


def test_passage_narrower_than_the_working_scale_still_joins():
    # a wall with a 1 px opening: the working map (scale 2) closes it, full resolution does not
    ink = np.zeros((200, 200), np.float32)
    ink[:, 99:102] = 1.0
    ink[120, 99:102] = 0.0
    rg = build_region_graph(ink, gap=0.0, work_pixels=12_000)
    assert rg.scale == 2
    left, right = rg.labels[50, 50], rg.labels[50, 150]
    assert left != right
    e = {tuple(x): o for x, o in zip(rg.edges.tolist(), rg.open_length)}
    assert e.get(tuple(sorted((left, right))), 0) >= 1  # joined through the passage, cheaply


def test_fill_reaches_through_a_narrow_passage_on_a_large_page():
    import irodori
    from irodori.hints import Hints, Point

    ink = np.zeros((1500, 1500), np.float32)  # 2.25 MP: worked at scale 2
    ink[:, 749:752] = 1.0
    ink[900, 749:752] = 0.0
    ink[:, 1200:1203] = 0.95  # a slightly lighter wall: a little stronger tie than a dark one
    hints = Hints((Point(300, 300, (255, 0, 0), 3), Point(1400, 300, (0, 0, 255), 3)))
    r = irodori.colorize(ink, hints, method="fill")
    assert r.meta["scale"] == 2
    assert tuple(r.flats[300, 1000, :3]) == (255, 0, 0)  # unhinted middle joins red through the passage
