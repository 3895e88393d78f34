"""Rough-sketch renderer: a sketch of the same drawing, seeded, with gaps, grey paper and hatching."""

import cv2
import numpy as np
import pytest

from irodori.data import build_dataset, read_manifest
from irodori.data.build import CLEAN_DIR
from irodori.data.rough import max_gap, roughen
from irodori.data.sources import Item, Source
from irodori.errors import IrodoriError
from irodori.synthetic import make_lineart


@pytest.fixture(scope="module")
def drawing():
    return make_lineart(128, 160, n_shapes=6, seed=3)


def test_sketch_follows_the_drawing(drawing):
    rough = roughen(drawing.ink, seed=1, color=drawing.colors)
    assert rough.shape == drawing.ink.shape and rough.dtype == np.float32
    assert 0.0 <= rough.min() and rough.max() <= 1.0
    lines = drawing.ink > 0.5
    near = cv2.dilate(lines.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    dark = rough > 0.5
    # most of the sketch's dark pixels lie near the clean lines, and most clean lines are redrawn
    assert dark[near].sum() > 0.8 * dark.sum()
    redrawn = cv2.dilate(dark.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert redrawn[lines].mean() > 0.8
    # grey paper: away from lines the page is not white, and it is textured
    far = ~near
    assert 0.02 < np.median(rough[far]) < 0.3
    assert rough[far].std() > 0.005


def test_seeded_and_strength_zero_is_identity(drawing):
    a = roughen(drawing.ink, seed=7)
    assert np.array_equal(a, roughen(drawing.ink, seed=7))
    assert not np.array_equal(a, roughen(drawing.ink, seed=8))
    assert np.array_equal(roughen(drawing.ink, seed=7, strength=0), drawing.ink)


def test_both_styles_and_bad_input(drawing):
    pencil = roughen(drawing.ink, seed=2, style="pencil")
    ink = roughen(drawing.ink, seed=2, style="ink")
    lines = drawing.ink > 0.5
    assert pencil[lines].mean() < ink[lines].mean()  # pencil is lighter than ink
    for bad in (dict(strength=3), dict(style="crayon"), dict(color=np.zeros((4, 4, 3), np.uint8))):
        with pytest.raises(IrodoriError):
            roughen(drawing.ink, **bad)
    with pytest.raises(IrodoriError):
        roughen(np.zeros((4, 4), np.float32))


def test_gaps_and_hatching():
    """A long closed outline gets pen lifts; a big closed area gets strokes inside it."""
    ink = np.zeros((256, 256), np.float32)
    cv2.rectangle(ink, (20, 20), (235, 235), 1.0, 3)
    cv2.circle(ink, (128, 128), 60, 1.0, 3)
    gaps = hatched = 0
    for seed in range(6):
        r = roughen(ink, seed=seed, strength=1.5)
        paper = (r < 0.45).astype(np.uint8)
        n, lab = cv2.connectedComponents(paper, connectivity=4)
        gaps += lab[128, 5] == lab[128, 40]          # outside joins the ring through a gap
        inside = cv2.circle(np.zeros_like(paper), (128, 128), 50, 1, -1) > 0
        hatched += (r[inside] > 0.45).mean() > 0.02
    assert gaps >= 2 and hatched >= 1
    assert max_gap((256, 256)) == 3.0 and max_gap((1000, 600)) == 10.0


class _Squares(Source):
    name = "squares"

    def items(self):
        return [Item(f"sq{i}", f"sq{i}") for i in range(3)]

    def render(self, item, size):
        line = np.full((size, size), 255, np.uint8)
        cv2.rectangle(line, (8, 8), (size - 9, size - 9), 0, 2)
        color = np.full((size, size, 3), 255, np.uint8)
        color[10:size - 10, 10:size - 10] = (200, 40, 40)
        return line, color


def test_build_rough_keeps_colours_and_clean_lines(tmp_path):
    out = tmp_path / "rough"
    build_dataset(_Squares(), out, size=64, workers=1, progress=False, rough=1.0)
    rows = read_manifest(out)
    assert len(rows) == 3
    for r in rows:
        line = cv2.imread(str(out / "line" / f"{r.id}.png"), cv2.IMREAD_GRAYSCALE)
        clean = cv2.imread(str(out / CLEAN_DIR / f"{r.id}.png"), cv2.IMREAD_GRAYSCALE)
        assert clean.max() == 255 and line.max() < 255  # the sketch is on grey paper
        assert line.shape == clean.shape == (64, 64)
    with pytest.raises(IrodoriError):
        build_dataset(_Squares(), tmp_path / "bad", size=64, workers=1, progress=False, rough=5.0)
