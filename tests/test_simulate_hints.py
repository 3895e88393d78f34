"""simulate_hints: determinism, hints on paper, colours from the ground truth, per-region cover."""

import numpy as np
import pytest

from irodori.errors import IrodoriError
from irodori.hints import Point, Stroke, ground_truth_regions, simulate_hints
from irodori.synthetic import make_lineart


@pytest.fixture(scope="module")
def drawing():
    return make_lineart(128, 160, n_shapes=8, seed=3)


def _check_pixels(hints, color, ink, tol):
    cols, mask, _ = hints.rasterize(ink.shape)
    assert mask.any()
    assert ink[mask].max() < 0.5, "a hint pixel lies on ink"
    diff = np.abs(cols[mask].astype(int) - color[mask].astype(int)).max()
    assert diff <= tol, f"hint colour differs from the ground truth by {diff}"


@pytest.mark.parametrize("mode", ["points", "strokes", "per-region"])
def test_deterministic_for_a_seed(drawing, mode):
    a = simulate_hints(drawing.colors, drawing.ink, n=20, mode=mode, rng=7)
    b = simulate_hints(drawing.colors, drawing.ink, n=20, mode=mode, rng=np.random.default_rng(7))
    c = simulate_hints(drawing.colors, drawing.ink, n=20, mode=mode, rng=8)
    assert a == b
    assert a != c


@pytest.mark.parametrize("mode", ["points", "strokes", "per-region"])
def test_hints_on_paper_with_ground_truth_colours(drawing, mode):
    for seed in range(5):
        hints = simulate_hints(drawing.colors, drawing.ink, n=30, mode=mode, rng=seed)
        assert len(hints) > 0
        # the synthetic colouring is flat: colours must match exactly
        _check_pixels(hints, drawing.colors, drawing.ink, tol=0)


def test_colour_read_at_the_point_on_a_gradient():
    h, w = 64, 96
    ramp = np.linspace(60, 180, w)[None, :, None]  # gentle shading: ~1.3 levels per pixel
    color = np.broadcast_to(np.concatenate([ramp, 255 - ramp, np.full_like(ramp, 128)], 2), (h, w, 3))
    color = np.ascontiguousarray(color).astype(np.uint8)
    ink = np.zeros((h, w), np.float32)
    hints = simulate_hints(color, ink, n=40, mode="points", rng=1)
    assert len(hints) == 40
    for p in hints:
        assert p.color == tuple(int(v) for v in color[int(p.y), int(p.x)])
    _check_pixels(hints, color, ink, tol=12)
    _check_pixels(simulate_hints(color, ink, n=40, mode="strokes", rng=1), color, ink, tol=18)


def test_strokes_are_strokes(drawing):
    hints = simulate_hints(drawing.colors, drawing.ink, n=30, mode="strokes", rng=2)
    strokes = [h for h in hints if isinstance(h, Stroke)]
    assert len(strokes) >= 15
    assert all(2 <= len(s.points) <= 5 for s in strokes)


def test_per_region_one_hint_in_each_region(drawing):
    labels = ground_truth_regions(drawing.colors, drawing.ink)
    hints = simulate_hints(drawing.colors, drawing.ink, mode="per-region", rng=0)
    assert all(isinstance(h, Point) for h in hints)
    hit = [int(labels[int(h.y), int(h.x)]) for h in hints]
    assert len(set(hit)) == len(hit), "two hints in one region"
    # every region roomy enough for a hint (a 7x7 ink-free window) gets one
    area = np.bincount(labels[labels >= 0])
    assert set(hit) >= {k for k in range(len(area)) if area[k] >= 400}
    assert len(simulate_hints(drawing.colors, drawing.ink, n=2, mode="per-region", rng=0)) == 2


def test_regions_follow_lines_and_colours(drawing):
    labels = ground_truth_regions(drawing.colors, drawing.ink)
    assert (labels[drawing.ink >= 0.5] == -1).all()
    for k in np.unique(labels[labels >= 0])[:20]:
        assert len(np.unique(drawing.colors[labels == k], axis=0)) == 1


def test_random_count_is_often_zero_and_sometimes_many(drawing):
    counts = [len(simulate_hints(drawing.colors, drawing.ink, rng=s)) for s in range(80)]
    assert 8 <= counts.count(0) <= 40
    assert max(counts) >= 10


def test_zero_and_no_room():
    color = np.zeros((32, 32, 3), np.uint8)
    assert len(simulate_hints(color, np.zeros((32, 32), np.float32), n=0, rng=0)) == 0
    assert len(simulate_hints(color, np.ones((32, 32), np.float32), n=5, rng=0)) == 0


def test_bad_input():
    color = np.zeros((32, 32, 3), np.uint8)
    ink = np.zeros((32, 32), np.float32)
    with pytest.raises(IrodoriError, match="mode"):
        simulate_hints(color, ink, mode="scribbles")
    with pytest.raises(IrodoriError, match="ink"):
        simulate_hints(color, ink[:16])
    with pytest.raises(IrodoriError, match="uint8"):
        simulate_hints(color.astype(np.float32), ink)
    with pytest.raises(IrodoriError, match="non-negative"):
        simulate_hints(color, ink, n=-1)


def test_sloppy_and_dense_hints_break_the_rules_on_purpose():
    """Sloppy hints land on lines, cross lines and carry colours mixed with line pixels."""
    from irodori.synthetic import make_lineart

    d = make_lineart(160, 160, n_shapes=8, seed=2)
    a = simulate_hints(d.colors, d.ink, n=120, mode="sloppy", rng=3)
    assert a == simulate_hints(d.colors, d.ink, n=120, mode="sloppy", rng=3)
    assert 100 <= len(a) <= 120
    a.validate(d.ink.shape)  # every hint inside the picture
    colours, mask, _ = a.rasterize(d.ink.shape)
    on_line = mask & (d.ink >= 0.5)
    assert on_line.sum() > 50  # dots on lines, strokes across them
    assert any(isinstance(h, Stroke) for h in a) and any(isinstance(h, Point) for h in a)
    truth = {tuple(int(v) for v in c) for c in d.region_colors}
    off = [h.color for h in a if isinstance(h, Point) and h.color not in truth]
    assert len(off) >= 5  # averaged over a disk that took in line pixels
    dense = simulate_hints(d.colors, d.ink, mode="dense", rng=4)
    dense.validate(d.ink.shape)
    assert len(dense) >= 40  # 100-400 per 256 x 256 px, here 160 x 160
