"""The ``svm`` reference method and its baselines (``paste``, ``region-match``).

Every test builds a tiny seeded synthetic page (``irodori.synthetic``),
uses its ground-truth colouring as the reference, and colours a transformed
copy (mirrored, shifted, rescaled) of the same drawing.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import irodori
from irodori.color import rgb_ciede2000
from irodori.errors import IrodoriError
from irodori.hints import Hints, Point
from irodori.methods import Reference, describe_methods
from irodori.methods.svm import SVMOptions, apply_model, fit_reference
from irodori.synthetic import make_lineart

FAST = dict(samples=1500, components=150, work_size=112)


def _shift(a: np.ndarray, dy: int, dx: int, fill: float | int) -> np.ndarray:
    """Translate an image by (dy, dx) pixels, filling the uncovered border."""
    out = np.full_like(a, fill)
    h, w = a.shape[:2]
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = a[max(-dy, 0):h - max(dy, 0),
                                                                  max(-dx, 0):w - max(dx, 0)]
    return out


@pytest.fixture(scope="module")
def page():
    return make_lineart(128, 128, n_shapes=7, seed=5)


@pytest.fixture(scope="module")
def reference(page):
    return Reference(colors=page.colors, ink=page.ink)


@pytest.fixture(scope="module")
def new_page(page):
    """The same drawing, mirrored and shifted: ``(ink, true colours)``."""
    ink = _shift(np.ascontiguousarray(page.ink[:, ::-1]), 6, -4, 0.0)
    colors = _shift(np.ascontiguousarray(page.colors[:, ::-1]), 6, -4, 0)
    colors[(ink == 0) & (colors == 0).all(axis=2)] = page.colors[0, 0]  # uncovered border = background
    return ink, colors


def _paper_error(result, ink, truth):
    paper = ink < 0.5
    de = rgb_ciede2000(result.flats[..., :3], truth)[paper]
    return float(de.mean()), float((de < 5).mean())


def test_svm_recovers_colours_of_mirrored_shifted_copy(reference, new_page):
    ink, truth = new_page
    result = irodori.colorize(ink, reference=reference, method="svm", **FAST)
    assert result.image.shape == (*ink.shape, 3) and result.flats.shape == (*ink.shape, 4)
    assert result.regions is not None and result.regions.shape == ink.shape
    mean_de, share = _paper_error(result, ink, truth)
    assert share > 0.9, (mean_de, share)
    # Flats are the reference's own colours, not cluster means.
    ref_colours = {tuple(c) for c in reference.colors.reshape(-1, 3)}
    assert {tuple(c) for c in np.unique(result.flats[..., :3].reshape(-1, 3), axis=0)} <= ref_colours


def test_svm_beats_both_baselines(reference, new_page):
    ink, truth = new_page
    errors = {m: _paper_error(irodori.colorize(ink, reference=reference, method=m,
                                               **(FAST if m == "svm" else {})), ink, truth)[0]
              for m in ("svm", "paste", "region-match")}
    assert errors["svm"] < errors["paste"] and errors["svm"] < errors["region-match"], errors


def test_svm_is_deterministic(reference, new_page):
    ink, _ = new_page
    a = irodori.colorize(ink, reference=reference, method="svm", **FAST)  # may come from the fit cache
    b = apply_model(fit_reference(reference, SVMOptions(**FAST)), ink)  # a fresh fit
    assert np.array_equal(a.flats, b.flats)


def test_svm_reference_of_another_size(page, new_page):
    # The reference at 1.5x the size of the new drawing: descriptors live in the drawing's frame.
    h, w = page.ink.shape
    big = (int(w * 1.5), int(h * 1.5))
    ref = Reference(colors=cv2.resize(page.colors, big, interpolation=cv2.INTER_NEAREST),
                    ink=cv2.resize(page.ink, big, interpolation=cv2.INTER_LINEAR))
    ink, truth = new_page
    result = irodori.colorize(ink, reference=ref, method="svm", **FAST)
    _, share = _paper_error(result, ink, truth)
    assert share > 0.85


def test_svm_hints_override(reference, new_page):
    ink, _ = new_page
    plain = irodori.colorize(ink, reference=reference, method="svm", **FAST)
    labels = plain.regions
    # The largest region not touching the border gets a hint in a colour the reference lacks.
    area = np.bincount(labels.ravel())
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    area[border] = 0
    r = int(area.argmax())
    ys, xs = np.nonzero((labels == r) & (ink < 0.1))
    i = len(ys) // 2
    hints = Hints((Point(float(xs[i]), float(ys[i]), (1, 2, 3), 1.0),))
    hinted = irodori.colorize(ink, hints, reference=reference, method="svm", **FAST)
    assert (hinted.flats[labels == r][:, :3] == (1, 2, 3)).all()
    others = labels != r
    assert np.array_equal(hinted.flats[others], plain.flats[others])


def test_reference_methods_are_registered():
    by_name = {m["name"]: m["capabilities"] for m in describe_methods()}
    for name in ("svm", "paste", "region-match"):
        assert by_name[name]["needs_reference"] and by_name[name]["flats"]
    assert by_name["svm"]["uses_hints"]


def test_paste_gives_reference_colours(reference):
    result = irodori.colorize(reference.ink, reference=reference, method="paste")
    paper = reference.ink < 0.05
    assert np.array_equal(result.flats[..., :3][paper], reference.colors[paper])


@pytest.mark.parametrize("method", ["svm", "paste", "region-match"])
def test_reference_required(new_page, method):
    with pytest.raises(IrodoriError, match="needs a coloured reference"):
        irodori.colorize(new_page[0], method=method)


def test_single_colour_reference_is_refused(page, new_page):
    ref = Reference(colors=np.full((*page.ink.shape, 3), 200, np.uint8), ink=page.ink)
    with pytest.raises(IrodoriError, match="single colour"):
        irodori.colorize(new_page[0], reference=ref, method="svm", **FAST)


def test_reference_almost_all_ink_is_refused(page, new_page):
    ref = Reference(colors=page.colors, ink=np.ones(page.ink.shape, np.float32))
    with pytest.raises(IrodoriError, match="almost all ink"):
        irodori.colorize(new_page[0], reference=ref, method="svm", **FAST)


def test_reference_without_lines_is_refused(page, new_page):
    ref = Reference(colors=page.colors, ink=np.zeros(page.ink.shape, np.float32))
    with pytest.raises(IrodoriError, match="no lines"):
        irodori.colorize(new_page[0], reference=ref, method="svm", **FAST)


def test_reference_lines_and_colours_of_different_sizes_are_refused(page, new_page):
    ref = Reference(colors=page.colors[:100], ink=page.ink)
    with pytest.raises(IrodoriError, match="same size"):
        irodori.colorize(new_page[0], reference=ref, method="svm", **FAST)


def test_blank_new_drawing_is_refused(reference):
    with pytest.raises(IrodoriError, match="no lines"):
        irodori.colorize(np.zeros((64, 64), np.float32), reference=reference, method="svm", **FAST)


@pytest.mark.parametrize("bad", [dict(samples=0), dict(C=0.0), dict(smoothness=-1.0), dict(max_colors=1)])
def test_bad_options_are_refused(reference, new_page, bad):
    with pytest.raises(IrodoriError):
        irodori.colorize(new_page[0], reference=reference, method="svm", **bad)


def test_transparent_hint_leaves_its_region_unfilled(reference, new_page):
    ink, _ = new_page
    plain = irodori.colorize(ink, reference=reference, method="svm", **FAST)
    labels = plain.regions
    r = int(labels[ink.shape[0] // 2, ink.shape[1] // 2])
    ys, xs = np.nonzero((labels == r) & (ink < 0.1))
    hints = Hints((Point(float(xs[0]), float(ys[0]), None, 1.0),))
    result = irodori.colorize(ink, hints, reference=reference, method="svm", **FAST)
    assert (result.flats[labels == r][:, 3] == 0).all()
    assert (result.flats[labels != r][:, 3] == 255).all()


def test_reference_colours_without_lines_get_lines_extracted(page, new_page):
    ref = Reference(colors=page.colors, ink=None)  # type: ignore[arg-type]
    result = irodori.colorize(new_page[0], reference=ref, method="svm", **FAST)
    _, share = _paper_error(result, *new_page)
    assert share > 0.8


def test_extraction_finding_no_lines_is_refused(new_page):
    ref = Reference(colors=np.full((64, 64, 3), 255, np.uint8), ink=None)  # type: ignore[arg-type]
    with pytest.raises(IrodoriError, match="--reference-lines"):
        irodori.colorize(new_page[0], reference=ref, method="svm", **FAST)


def test_recolouring_with_other_hints_matches_a_fresh_run():
    """The per-drawing cache (descriptors, probabilities) must not change results."""
    import irodori
    from irodori.methods import Reference
    from irodori.methods import svm as svm_mod
    from irodori.synthetic import make_lineart

    d = make_lineart(96, 96, n_shapes=5, seed=4)
    ref = Reference(colors=d.colors, ink=d.ink)
    irodori.colorize(d.ink, hints=d.hints(n=1, seed=0), reference=ref, method="svm")
    cached = irodori.colorize(d.ink, hints=d.hints(n=3, seed=1), reference=ref, method="svm")
    svm_mod._DRAWINGS.clear()
    fresh = irodori.colorize(d.ink, hints=d.hints(n=3, seed=1), reference=ref, method="svm")
    assert np.array_equal(cached.flats, fresh.flats)
