"""The prepared drawing (irodori.prepare) and the fast cut it feeds."""

import numpy as np
import pytest

import irodori
from irodori import graphcut
from irodori.drawing import MAX_ITEMS, Drawing
from irodori.errors import IrodoriError
from irodori.methods import fill as fill_module
from irodori.synthetic import make_lineart


@pytest.fixture(scope="module")
def page():
    return make_lineart(160, 200, n_shapes=14, gap=2.0, seed=5)


def test_prepared_drawing_gives_the_same_colouring_and_is_reused(page):
    hints = page.hints(n=8, seed=0)
    plain = irodori.colorize(page.ink, hints, method="fill")
    drawing = irodori.prepare(page.ink)
    first = irodori.colorize(drawing, hints, method="fill")
    np.testing.assert_array_equal(first.image, plain.image)
    np.testing.assert_array_equal(first.flats, plain.flats)
    graph = drawing.region_graph()
    other = page.hints(n=5, seed=3)
    again = irodori.colorize(drawing, other, method="fill")
    assert drawing.region_graph() is graph  # kept, not rebuilt
    np.testing.assert_array_equal(again.image, irodori.colorize(page.ink, other, method="fill").image)
    assert again.lines is first.lines  # the line layer is the drawing's
    assert not drawing.ink.flags.writeable and not again.lines.flags.writeable


def test_drawing_copies_the_callers_array_and_bounds_its_items(page):
    ink = page.ink.copy()
    drawing = Drawing(ink)
    ink[:] = 1.0
    np.testing.assert_array_equal(drawing.ink, page.ink)
    calls = []
    for k in range(MAX_ITEMS + 3):
        drawing.memo("thing", k, lambda k=k: calls.append(k) or k)
    assert drawing.memo("thing", MAX_ITEMS + 2, lambda: -1) == MAX_ITEMS + 2  # kept
    assert drawing.memo("thing", 0, lambda: -1) == -1  # pushed out
    assert len(calls) == MAX_ITEMS + 3
    assert isinstance(drawing.key, str) and drawing.key == Drawing(page.ink).key
    with pytest.raises(IrodoriError):
        Drawing(np.zeros((4, 4), np.uint8))


def _fill_problems(monkeypatch, drawings):
    """The alpha-expansion problems fill poses on each drawing (unary, edges, weights, init)."""
    seen = []
    real = fill_module.alpha_expansion

    def spy(unary, edges, weights, init=None, max_sweeps=5, **kw):
        seen.append((unary, edges, weights, init))
        return real(unary, edges, weights, init=init, max_sweeps=max_sweeps, **kw)

    monkeypatch.setattr(fill_module, "alpha_expansion", spy)
    for d, hints in drawings:
        irodori.colorize(d.ink, hints, method="fill")
    return seen


def test_fast_cut_energy_never_above_full_expansion(monkeypatch):
    """On the test drawings, the reduced, local, minimal-switch expansion reaches the energy of
    textbook alpha-expansion with global moves (or lower), from the same start."""
    drawings = []
    for seed in range(6):
        d = make_lineart(128 + 16 * seed, 160, n_shapes=10 + 3 * seed, gap=2.0 * (seed % 3), seed=seed)
        drawings.append((d, d.hints(n=min(3 + 2 * seed, d.n_regions), seed=seed)))
    problems = _fill_problems(monkeypatch, drawings)
    assert len(problems) == len(drawings)
    for unary, edges, weights, init in problems:
        fast = graphcut.alpha_expansion(unary, edges, weights, init=init, max_sweeps=4)
        full = graphcut.alpha_expansion(unary, edges, weights, init=init, max_sweeps=4,
                                        reduce=False, neighbourhood=None)
        e_fast = graphcut.potts_energy(fast, unary, edges, weights)
        e_full = graphcut.potts_energy(full, unary, edges, weights)
        e_init = graphcut.potts_energy(init, unary, edges, weights)
        assert e_fast <= e_full + 1e-6 * (1 + e_full)
        assert e_fast <= e_init + 1e-9


def test_reduced_expansion_keeps_the_factor_two_bound_with_terminals():
    """With fixed nodes (terminals) merged and dominated nodes folded in, expansion stays within
    twice the optimum (brute force on tiny graphs)."""
    import itertools

    rng = np.random.default_rng(0)
    for _ in range(40):
        n, k = 6, 3
        unary = np.zeros((n, k))
        fixed = rng.random(n) < 0.4
        unary[fixed] = np.inf
        unary[fixed, rng.integers(0, k, int(fixed.sum()))] = 0.0
        edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5]).reshape(-1, 2)
        weights = rng.choice([0.1, 1.0, 5.0], len(edges))
        best = min(graphcut.potts_energy(np.array(lab), unary, edges, weights)
                   for lab in itertools.product(range(k), repeat=n))
        got = graphcut.alpha_expansion(unary, edges, weights)
        assert graphcut.potts_energy(got, unary, edges, weights) <= 2 * best + 1e-9


def test_hint_blobs_match_skimage_labelling():
    """hints._blobs (sparse, on the hint pixels) numbers blobs exactly as skimage's label."""
    from skimage.measure import label

    from irodori.hints import _blobs

    rng = np.random.default_rng(0)
    for _ in range(60):
        h, w = rng.integers(1, 40, 2)
        a = (rng.integers(0, 4, (h, w)) * (rng.random((h, w)) < rng.uniform(0.05, 0.9))).astype(np.int32)
        np.testing.assert_array_equal(_blobs(a), label(a, background=0, connectivity=2))


def test_opencv_composite_and_line_layer_are_bit_identical_to_numpy():
    """compose runs in OpenCV; the pixels must equal the float32 NumPy arithmetic they replace."""
    from irodori.compose import composite, lines_layer

    rng = np.random.default_rng(0)
    levels = (np.arange(256) / 255.0).astype(np.float32)
    inks = [levels[:, None].repeat(256, 1), rng.random((64, 80)).astype(np.float32),
            np.linspace(0, 1, 100001, dtype=np.float32).reshape(1, -1)]
    for ink in inks:
        h, w = ink.shape
        flats = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
        flats[..., 3] = 255
        if w == 256:
            flats[..., :3] = np.arange(256, dtype=np.uint8)[None, :, None]
        keep = np.float32(1.0) - ink
        want = np.stack([np.clip(np.rint(flats[..., c] * keep), 0, 255) for c in range(3)], -1).astype(np.uint8)
        np.testing.assert_array_equal(composite(flats, ink), want)
        np.testing.assert_array_equal(lines_layer(ink), np.clip(np.rint(ink * 255.0), 0, 255).astype(np.uint8))
