"""The synthetic line-art generator: contract, ground truth and hints."""

import numpy as np
import pytest

from irodori.hints import Point
from irodori.synthetic import make_lineart


def test_contract_and_ground_truth():
    d = make_lineart(200, 240, n_shapes=15, gap=4, seed=3)
    assert d.ink.shape == (200, 240) and d.ink.dtype == np.float32
    assert d.ink.min() >= 0 and d.ink.max() <= 1
    assert d.regions.shape == (200, 240) and d.regions.dtype == np.int32
    assert d.colors.shape == (200, 240, 3) and d.colors.dtype == np.uint8
    # -1 under lines (and tiny specks), ids 0..R-1 all used elsewhere
    assert (d.regions[d.ink >= 0.3] == -1).all()
    assert (d.regions == -1).sum() < (d.ink >= 0.3).sum() + 0.01 * d.ink.size
    assert np.bincount(d.regions[d.regions >= 0]).min() >= 8
    assert set(np.unique(d.regions[d.regions >= 0])) == set(range(d.n_regions))
    # every region is one colour, the one in region_colors
    for r in range(d.n_regions):
        cols = np.unique(d.colors[d.regions == r], axis=0)
        assert cols.shape == (1, 3) and np.array_equal(cols[0], d.region_colors[r])
    # anti-aliased lines: partial ink exists
    assert ((d.ink > 0.05) & (d.ink < 0.95)).any()


def test_gaps_have_known_size():
    d = make_lineart(256, 256, n_shapes=20, gap=6, seed=1)
    assert d.gaps and all(3 <= g.size <= 6 for g in d.gaps)
    assert not make_lineart(256, 256, n_shapes=20, gap=0, seed=1).gaps


def test_deterministic_and_seeded():
    a, b = make_lineart(128, 128, seed=7, gap=3), make_lineart(128, 128, seed=7, gap=3)
    assert np.array_equal(a.ink, b.ink) and np.array_equal(a.regions, b.regions)
    assert not np.array_equal(a.ink, make_lineart(128, 128, seed=8, gap=3).ink)


def test_hints_one_per_region_inside_it():
    d = make_lineart(256, 256, n_shapes=20, seed=2)
    hints = d.hints()
    assert len(hints) == d.n_regions
    for rid, h in enumerate(hints):
        assert isinstance(h, Point)
        assert d.regions[int(h.y), int(h.x)] == rid
        assert h.color == tuple(int(c) for c in d.region_colors[rid])
    labels, _ = hints.label_map(d.ink.shape)
    assert (d.regions[labels > 0] >= 0).mean() > 0.9  # hints sit on paper
    sub = d.hints(n=5, seed=0, transparent=(0,))
    assert len(sub) == 5


def test_too_small_page():
    with pytest.raises(ValueError):
        make_lineart(8, 100)
