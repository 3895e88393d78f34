"""The ``match`` reference method, registration, several references, and the svm fixes of issue 12.

Tiny seeded synthetic pages (``irodori.synthetic``): the reference is the
page's true colouring, the new drawing a mirrored / turned / shifted copy.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import irodori
from irodori.color import rgb_ciede2000
from irodori.data.refpairs import cel_shade
from irodori.methods import Reference
from irodori.reference.features import line_hull, outside_regions
from irodori.reference.palette import merge_shades, quantize
from irodori.reference.register import register
from irodori.synthetic import make_lineart


@pytest.fixture(scope="module")
def page():
    return make_lineart(128, 128, n_shapes=6, seed=3)


def _turn(a: np.ndarray, angle: float, flip: bool, fill: float | int, nearest: bool = False) -> np.ndarray:
    if flip:
        a = a[:, ::-1]
    h, w = a.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2 + 4, h / 2 - 3), angle, 1.0)
    m[:, 2] += (5, -4)
    if a.ndim == 3:  # colours: the page's background continues past the border
        return cv2.warpAffine(np.ascontiguousarray(a), m, (w, h), flags=cv2.INTER_NEAREST,
                              borderMode=cv2.BORDER_REPLICATE)
    return cv2.warpAffine(np.ascontiguousarray(a), m, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def _share(image: np.ndarray, truth: np.ndarray, ink: np.ndarray) -> float:
    return float((rgb_ciede2000(image, truth)[ink < 0.3] < 5).mean())


def test_registration_finds_mirror_and_turn(page):
    ink = _turn(page.ink, 12, True, 0.0)
    reg = register(page.ink, ink)
    assert reg.mirrored
    assert reg.quality > 0.8
    assert abs(abs(reg.angle) - 12) <= 6


def test_match_colours_a_mirrored_turned_copy_and_beats_paste(page):
    ink = _turn(page.ink, 12, True, 0.0)
    truth = _turn(page.colors, 12, True, 255, nearest=True)
    ref = Reference(colors=page.colors, ink=page.ink)
    res = irodori.colorize(ink, reference=ref, method="match")
    paste = irodori.colorize(ink, reference=ref, method="paste")
    assert res.meta["placed"] and res.meta["registration"][0]["mirrored"]
    assert _share(res.image, truth, ink) >= 0.9
    assert _share(res.image, truth, ink) > _share(paste.image, truth, ink)


def test_reference_of_another_size_and_aspect(page):
    ref = Reference(colors=cv2.resize(page.colors, (192, 160), interpolation=cv2.INTER_NEAREST),
                    ink=np.clip(cv2.resize(page.ink, (192, 160)), 0, 1))
    res = irodori.colorize(page.ink, reference=ref, method="match")
    assert res.image.shape == page.colors.shape
    assert _share(res.image, page.colors, page.ink) >= 0.85


def test_a_reference_that_cannot_be_placed_gives_svms_answer(page):
    other = make_lineart(128, 128, n_shapes=6, seed=11)  # another drawing: its lines do not line up
    ref = Reference(colors=other.colors, ink=other.ink)
    res = irodori.colorize(page.ink, reference=ref, method="match", min_quality=0.95)
    svm = irodori.colorize(page.ink, reference=ref, method="svm")
    assert not res.meta["placed"] and res.meta["fallback"] == "svm" and "svm" in res.meta["note"]
    assert res.meta["regions_fallback"] == res.meta["n_regions"]
    assert np.array_equal(res.flats[..., :3], svm.flats[..., :3])


def test_several_references_vote_by_registration_quality(page):
    other = make_lineart(128, 128, n_shapes=6, seed=11)
    good = Reference(colors=page.colors, ink=page.ink)
    bad = Reference(colors=other.colors, ink=other.ink)
    ink = _turn(page.ink, -8, False, 0.0)
    truth = _turn(page.colors, -8, False, 255, nearest=True)
    res = irodori.colorize(ink, reference=[bad, good], method="match")
    assert res.meta["n_references"] == 2
    q = res.meta["registration_quality"]
    assert q[1] > q[0]
    assert _share(res.image, truth, ink) >= 0.85
    # A method that takes one reference gets the first and says so.
    one = irodori.colorize(ink, reference=[good, bad], method="paste")
    assert one.meta["references_ignored"] == 1


def test_hints_fix_regions_in_match(page):
    from irodori.hints import Hints, Point

    ref = Reference(colors=page.colors, ink=page.ink)
    ys, xs = np.nonzero(page.regions == page.regions.max())
    y, x = int(ys[len(ys) // 2]), int(xs[len(xs) // 2])
    res = irodori.colorize(page.ink, Hints([Point(x, y, (1, 2, 3))]), reference=ref, method="match")
    assert tuple(res.flats[y, x, :3]) == (1, 2, 3)


def test_shaded_reference_maps_to_base_colours(page):
    line = ((1 - page.ink) * 255).astype(np.uint8)
    page_bg = (page.colors == page.colors[0, 0]).all(axis=2)  # the page around the shapes is not shaded
    shaded = cel_shade(page.colors, line, (~page_bg).astype(np.uint8) * 255, depth=0.08)
    assert (shaded != page.colors).any(axis=2).mean() > 0.05
    assert np.array_equal(shaded[line < 128], page.colors[line < 128])  # lines unchanged
    flat_palette, _ = quantize(page.colors, page.ink)
    palette, classes = quantize(shaded, page.ink)
    from irodori.reference.prepare import region_graph

    graph = region_graph(page.ink)
    merged, cls2, base = merge_shades(palette, classes, graph.labels)
    assert len(merged) < len(palette)
    assert len(merged) <= len(flat_palette) + 2  # a few small shapes lie wholly in shadow
    res = irodori.colorize(page.ink, reference=Reference(colors=shaded, ink=page.ink), method="match")
    assert _share(res.image, page.colors, page.ink) >= 0.85


def test_outside_is_the_page_not_a_body_cut_by_the_border():
    ink = np.zeros((96, 96), np.float32)
    cv2.circle(ink, (48, 36), 20, 1.0, 2)  # a head
    cv2.line(ink, (18, 95), (30, 62), 1.0, 2)  # shoulders running off the bottom
    cv2.line(ink, (78, 95), (66, 62), 1.0, 2)
    cv2.line(ink, (30, 62), (66, 62), 1.0, 2)
    n, labels = cv2.connectedComponents((ink < 0.5).astype(np.uint8), connectivity=4)
    labels = labels.astype(np.int32) - 1
    labels[labels < 0] = 0
    outside = outside_regions(labels, n - 1, line_hull(ink))
    assert outside[labels[2, 2]]  # the page around the character
    assert not outside[labels[90, 48]]  # the shirt cut by the bottom border
    assert not outside[labels[36, 48]]  # the face


def test_svm_scales_never_fall_below_their_floor():
    from irodori.methods.svm import robust_scaler

    z = np.random.default_rng(0).normal(size=(200, 3 + 6 + 8))
    z[:, 9] = 0.3  # a region descriptor constant in the reference
    s = robust_scaler(z, 3, 6)
    assert s.scale_[9] >= 0.05
    assert np.allclose(s.scale_[:3], z[:, :3].std(axis=0), rtol=1e-6)


def test_svm_smoothness_changes_the_result():
    import dataclasses

    from irodori.methods.svm import SVMOptions, apply_model, fit_reference

    d = make_lineart(96, 96, n_shapes=6, seed=9, gap=4)
    model = fit_reference(Reference(colors=d.colors, ink=d.ink),
                          SVMOptions(samples=800, components=100, work_size=96, smoothness=0.0))
    ink = d.ink[:, ::-1].copy()
    a = apply_model(model, ink)
    model.options = dataclasses.replace(model.options, smoothness=50.0)
    b = apply_model(model, ink)
    assert not np.array_equal(a.flats, b.flats)


def test_reference_pair_build_and_its_evaluation_loader(tmp_path):
    pytest.importorskip("dicebear")
    from irodori.data.refpairs import VARIANTS, build
    from irodori.eval.data import load

    path = build(tmp_path, styles=("adventurer",), n=1, size=96)
    import csv

    rows = list(csv.DictReader(path.open()))
    assert sorted(r["variant"] for r in rows) == sorted(VARIANTS)
    data = load(tmp_path)
    assert data.has_pairs and len(data.items) == 4
    assert all(it.reference_line is not None and it.reference_line.is_file() for it in data.items)
