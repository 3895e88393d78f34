"""The domain-transform filter: smooths inside areas, stops at lines, spreads sparse values."""

from __future__ import annotations

import numpy as np
import pytest

from irodori.edge_aware import domain_transform, spread_from_points


def _two_areas(h: int = 40, w: int = 60) -> np.ndarray:
    """Ink (H, W) float32 with a vertical line at x = 30 splitting the page in two areas."""
    ink = np.zeros((h, w), np.float32)
    ink[:, 29:31] = 1.0
    return ink


def test_constant_stays_constant():
    img = np.full((20, 30, 3), 0.37, np.float32)
    guide = np.random.default_rng(0).random((20, 30, 1)).astype(np.float32)
    np.testing.assert_allclose(domain_transform(img, guide, 8.0, 0.1), 0.37, atol=1e-5)


def test_smooths_noise_but_not_across_a_line():
    ink = _two_areas()
    rng = np.random.default_rng(1)
    img = np.where(np.arange(60)[None, :, None] < 30, 0.2, 0.8) + rng.normal(0, 0.05, (40, 60, 1))
    img = img.astype(np.float32)
    out = domain_transform(img, ink[..., None], 16.0, 0.1)
    left, right = out[:, :27, 0], out[:, 33:, 0]
    assert left.std() < 0.4 * img[:, :27, 0].std() and right.std() < 0.4 * img[:, 33:, 0].std()
    assert abs(left.mean() - 0.2) < 0.02 and abs(right.mean() - 0.8) < 0.02
    blurred = domain_transform(img, np.zeros((40, 60, 1), np.float32), 16.0, 0.1)
    assert blurred[:, 27, 0].mean() > 0.3  # without the line in the guide the step smears


def test_spread_stays_in_the_dots_area_and_fades_where_nothing_reaches():
    ink = _two_areas()
    values = np.zeros((40, 60, 3), np.float32)
    mask = np.zeros((40, 60), bool)
    mask[20, 10] = True
    values[20, 10] = (0.5, -0.2, 0.1)
    out = spread_from_points(values, mask, ink[..., None], 40.0, 0.1, reach=1e-4)
    np.testing.assert_allclose(out[5:35, 3:25], np.broadcast_to((0.5, -0.2, 0.1), (30, 22, 3)), atol=1e-3)
    assert np.abs(out[:, 35:]).max() < 1e-3  # across the line: nothing
    assert not spread_from_points(values, np.zeros_like(mask), ink[..., None], 40.0, 0.1).any()


def test_rejects_bad_shapes_and_sigmas():
    with pytest.raises(ValueError):
        domain_transform(np.zeros((4, 4, 3), np.float32), np.zeros((5, 4, 1), np.float32), 4.0, 0.1)
    with pytest.raises(ValueError):
        domain_transform(np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 1), np.float32), 0.0, 0.1)
