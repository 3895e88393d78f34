"""Evaluation metrics against known values."""

import numpy as np
import pytest

from irodori.errors import IrodoriError
from irodori.eval import metrics
from irodori.hints import Hints, Point


def _noise(seed=0, shape=(40, 50, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_identical_images():
    a = _noise()
    assert metrics.psnr(a, a) == metrics.PSNR_CAP
    assert metrics.ssim(a, a) == pytest.approx(1.0)
    mean_de, share = metrics.color_accuracy(a, a)
    assert mean_de == 0.0 and share == 1.0


def test_psnr_known_value():
    a = np.full((8, 8, 3), 100, np.uint8)
    b = a + 10  # MSE 100 -> 10 log10(255^2 / 100)
    assert metrics.psnr(a, b) == pytest.approx(10 * np.log10(255 ** 2 / 100), abs=1e-9)
    assert metrics.ssim(_noise(1), _noise(2)) < 0.1


def _lightness(v):
    c = v / 255.0
    y = ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92
    f = y ** (1 / 3) if y > (6 / 29) ** 3 else y / (3 * (6 / 29) ** 2) + 4 / 29
    return 116 * f - 16


@pytest.mark.parametrize("v1, v2", [(100, 120), (30, 200), (250, 240)])
def test_uniform_gray_shift_gives_lightness_ciede2000(v1, v2):
    # For neutral grays CIEDE2000 reduces to |dL| / S_L with S_L = 1 + 0.015 (L-50)^2 / sqrt(20 + (L-50)^2).
    l1, l2 = _lightness(v1), _lightness(v2)
    lm = (l1 + l2) / 2
    expected = abs(l1 - l2) / (1 + 0.015 * (lm - 50) ** 2 / np.sqrt(20 + (lm - 50) ** 2))
    a, b = np.full((10, 12, 3), v1, np.uint8), np.full((10, 12, 3), v2, np.uint8)
    de = metrics.delta_e_map(a, b)
    assert de.shape == (10, 12)
    np.testing.assert_allclose(de, expected, rtol=2e-3)
    mean_de, share = metrics.color_accuracy(a, b, threshold=expected + 0.1)
    assert mean_de == pytest.approx(expected, rel=2e-3) and share == 1.0
    assert metrics.color_accuracy(a, b, threshold=expected - 0.1)[1] == 0.0


def test_shape_and_dtype_errors():
    with pytest.raises(IrodoriError, match="differ in size"):
        metrics.psnr(_noise(shape=(8, 8, 3)), _noise(shape=(8, 9, 3)))
    with pytest.raises(IrodoriError, match="uint8"):
        metrics.ssim(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)))


def _box_drawing():
    """A 60x60 page with one box outline: region inside and region outside."""
    ink = np.zeros((60, 60), np.float32)
    ink[15:45, 15] = ink[15:45, 44] = ink[15, 15:45] = ink[44, 15:45] = 1.0
    truth = np.full((60, 60, 3), 255, np.uint8)
    truth[16:44, 16:44] = (220, 40, 40)
    return ink, truth


def test_paper_regions_cores():
    ink, _ = _box_drawing()
    reg = metrics.paper_regions(ink, margin=1.5)
    assert reg.max() == 1
    assert (reg[ink >= 0.5] == -1).all()
    assert reg[14, 30] == -1 and reg[13, 30] >= 0  # within 1.5 px of ink is left out
    assert reg[30, 30] != reg[5, 5]


def test_bleed_crafted():
    ink, truth = _box_drawing()
    assert metrics.bleed(truth, ink, truth) == metrics.BleedStats(regions=2, bleeding=0)
    # Colour leaking outside the box: the outer region now holds white and red.
    leak = truth.copy()
    leak[0:14, :] = (220, 40, 40)
    assert metrics.bleed(leak, ink, truth) == metrics.BleedStats(2, 1)
    # A small smudge (under 10% of the region) does not count.
    smudge = truth.copy()
    smudge[20:24, 20:24] = (40, 40, 220)
    assert metrics.bleed(smudge, ink, truth).bleeding == 0
    # A region that is not uniform in the truth is not judged.
    two_tone = truth.copy()
    two_tone[16:30, 16:44] = (40, 200, 40)
    st = metrics.bleed(leak, ink, two_tone)
    assert st.regions == 1 and st.bleeding == 1 and st.rate == 1.0
    # Without ground truth every paper region counts.
    assert metrics.bleed(two_tone, ink, None) == metrics.BleedStats(2, 1)


def test_hint_adherence():
    ink, truth = _box_drawing()
    hints = Hints((Point(30, 30, (220, 40, 40), 2), Point(5, 5, (255, 255, 255), 2),
                   Point(50, 50, None, 2), Point(30, 30, (0, 0, 255), 1)))
    de = metrics.hint_adherence(truth, hints, ink)
    assert de.shape == (3,)  # the transparent hint is skipped
    assert de[0] == pytest.approx(0, abs=1e-3) and de[1] == pytest.approx(0, abs=1e-3)
    assert de[2] > 30
    assert metrics.hint_adherence(truth, Hints(), ink).shape == (0,)


# The fast paths (one conversion per distinct colour or colour pair, box-filter SSIM, prepared
# bleed regions and hint footprints) against the straightforward per-pixel computations.
def _flats(seed=0, shape=(48, 56)):
    """A picture of a few flat colours with an anti-aliased seam, like a colourized page."""
    rng = np.random.default_rng(seed)
    cols = rng.integers(0, 256, (5, 3))
    idx = (np.arange(shape[1])[None, :] // 12 + np.arange(shape[0])[:, None] // 16) % 5
    img = cols[idx].astype(np.float64)
    return np.clip(img + rng.normal(0, 2, img.shape) * (rng.random(shape) < 0.1)[..., None], 0, 255).astype(np.uint8)


@pytest.mark.parametrize("make", [_noise, _flats])
def test_fast_colour_paths_match_per_pixel(make):
    from skimage.metrics import structural_similarity

    from irodori.color import ciede2000, rgb_to_lab

    a, b = make(3), make(4)
    np.testing.assert_allclose(metrics.lab_of(a), rgb_to_lab(a), atol=1e-4)
    np.testing.assert_allclose(metrics.delta_e_map(a, b), ciede2000(rgb_to_lab(a), rgb_to_lab(b)), atol=1e-4)
    for x, y in ((a, b), (a, a), (b, 255 - b)):
        assert metrics.ssim(x, y) == pytest.approx(structural_similarity(x, y, channel_axis=2, data_range=255),
                                                   abs=1e-9)


def test_region_dominant_colours_match_per_pixel():
    from irodori.color import ciede2000, rgb_to_lab

    img = _flats(5)
    regions = np.full(img.shape[:2], -1, np.int32)
    regions[2:20, 3:40], regions[25:46, 10:50] = 0, 2  # region 1 is empty
    dom = metrics.dominant_colors(img, regions)
    share = metrics.off_dominant_share(img, regions, 3.0)
    for r in (0, 2):
        px = img[regions == r]
        q = (px >> 4).astype(np.int64)
        cell = q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2]
        cells, counts = np.unique(cell, return_counts=True)
        best = cells[np.argmax(counts)]  # the lowest of the most populated cells
        expect = rgb_to_lab(px[cell == best]).astype(np.float64).mean(axis=0)
        np.testing.assert_allclose(dom[r], expect, atol=1e-3)
        de = ciede2000(rgb_to_lab(px), np.broadcast_to(dom[r], px.shape))
        assert share[r] == pytest.approx(float((de > 3.0).mean()))
    assert share[1] == 0.0 and dom.shape == (3, 3)


def test_prepared_bleed_and_footprints_give_the_same_scores():
    ink, truth = _box_drawing()
    leak = truth.copy()
    leak[0:14, :] = (220, 40, 40)
    prepared = metrics.bleed_truth(ink, truth)
    for out in (truth, leak):
        assert metrics.bleed(out, ink, truth, prepared=prepared) == metrics.bleed(out, ink, truth)
    assert metrics.bleed(leak, ink, truth, prepared=prepared) == metrics.BleedStats(2, 1)
    with pytest.raises(IrodoriError, match="prepared"):
        metrics.bleed(leak[:50], ink[:50], None, prepared=prepared)
    hints = Hints((Point(30, 30, (220, 40, 40), 2), Point(5, 5, (255, 255, 255), 2),
                   Point(50, 50, None, 2), Point(15, 30, (0, 0, 255), 2)))
    fp = metrics.hint_footprints(hints, ink.shape, ink)
    for out in (truth, leak):
        direct = metrics.hint_adherence(out, hints, ink)
        np.testing.assert_allclose(metrics.hint_adherence(out, hints, ink, footprints=fp), direct, atol=1e-5)
        # Each hint alone: the mean CIEDE2000 over its own footprint (the last one straddles a line: paper only).
        for k, h in enumerate(h for h in hints if h.color is not None):
            alone = metrics.hint_adherence(out, Hints((h,)), ink)
            assert alone[0] == pytest.approx(direct[k], abs=1e-5)
    assert metrics.hint_adherence(leak, hints, ink)[1] > 30  # the white hint now lies on red
