"""fill and the region graph on rough sketches: scan clean-up, hatching as texture, gaps of 1 %."""

import cv2
import numpy as np
import pytest

from irodori.cli import main
from irodori.data.rough import roughen
from irodori.io import load_lineart
from irodori.lineart import clean_scan, is_scan
from irodori.methods.fill import fill_flats
from irodori.regions import build_region_graph, default_gap, prepare_ink, resolve_gap
from irodori.synthetic import make_lineart


def _accuracy(flats, drawing):
    paper = drawing.regions >= 0
    return float((np.abs(flats[..., :3].astype(int) - drawing.colors.astype(int)).max(axis=2)[paper] <= 2).mean())


@pytest.mark.parametrize("seed", [0, 1])
def test_fill_on_a_sketch_scores_as_on_clean_lines(seed):
    d = make_lineart(224, 224, n_shapes=8, seed=seed)
    hints = d.hints(radius=2.0)
    rough = roughen(d.ink, seed=seed, strength=1.0, color=d.colors)
    clean_acc = _accuracy(fill_flats(d.ink, hints)[0], d)
    rough_acc = _accuracy(fill_flats(rough, hints)[0], d)
    assert clean_acc > 0.9
    assert rough_acc >= 0.95 * clean_acc


def test_scan_detection_and_clean_up():
    d = make_lineart(160, 160, n_shapes=5, seed=4)
    assert not is_scan(d.ink)
    rough = roughen(d.ink, seed=2, style="ink", strength=1.0)
    assert is_scan(rough)
    clean = clean_scan(rough)
    far = cv2.dilate((d.ink > 0.3).astype(np.uint8), np.ones((9, 9), np.uint8)) == 0
    assert np.median(clean[far]) == 0.0            # grey paper turns white
    assert np.percentile(clean[d.ink > 0.9], 75) > 0.9  # lines turn black
    assert not is_scan(clean)
    assert prepare_ink(d.ink) is d.ink               # clean line art is left alone


def test_hatching_is_texture_not_walls():
    """A dot on the hatched side of a box colours the whole box, though the box's outline has a
    small gap to the white outside; the outline still stops the colour."""
    ink = np.zeros((200, 200), np.float32)
    hatch = np.zeros_like(ink)
    for x in range(30, 260, 6):  # light diagonal hatching, the strokes touching the outline
        cv2.line(hatch, (x - 60, 160), (x, 40), 0.5, 1, cv2.LINE_AA)
    ink[40:161, 40:115] = hatch[40:161, 40:115]
    cv2.rectangle(ink, (40, 40), (160, 160), 1.0, 3)
    ink[98:101, 157:164] = 0  # a 3 px gap in the right side
    ink = ink * 0.9 + 0.08  # grey paper: a scan
    assert is_scan(ink)
    from irodori.hints import Hints, Point

    dot = (int(np.argmax(ink[100, 60:70] < 0.3)) + 60, 100)  # between two hatching strokes
    hints = Hints((Point(*dot, (200, 40, 40), 1.0), Point(10, 10, (255, 255, 255), 2.0)))
    flats = fill_flats(ink, hints)[0]
    inside = np.zeros(ink.shape, bool)
    inside[48:153, 48:153] = True
    red = (flats[..., 0] == 200) & (flats[..., 1] == 40)
    assert red[inside].mean() > 0.98
    outside = ~cv2.dilate(inside.astype(np.uint8), np.ones((21, 21), np.uint8)).astype(bool)  # lines: either colour
    assert red[outside].mean() == 0


def test_auto_gap_closes_gaps_of_one_percent():
    ink = np.zeros((600, 600), np.float32)
    cv2.circle(ink, (300, 300), 200, 1.0, 4)
    ink[295:301, 480:520] = 0  # a 6 px gap in the outline: under 1 % of 600 px
    assert default_gap(ink.shape) == 6.0 and resolve_gap("auto", ink.shape) == 6.0
    assert resolve_gap(None, ink.shape) == 6.0 and resolve_gap(2, ink.shape) == 2.0
    with pytest.raises(ValueError):
        resolve_gap("wide", ink.shape)
    rg = build_region_graph(ink)
    assert rg.gap == 6.0
    assert rg.labels[300, 300] != rg.labels[20, 20]
    from irodori.hints import Hints, Point

    flats = fill_flats(ink, Hints((Point(300, 300, (0, 0, 255), 2.0), Point(20, 20, (255, 255, 255), 2.0))))[0]
    assert tuple(flats[300, 300, :3]) == (0, 0, 255) and tuple(flats[20, 580, :3]) == (255, 255, 255)


def test_cli_lines_cleanup(tmp_path, capsys):
    d = make_lineart(96, 96, n_shapes=4, seed=6)
    scan = tmp_path / "scan.jpg"
    rough = roughen(d.ink, seed=1)
    ok, buf = cv2.imencode(".jpg", np.rint((1 - rough) * 255).astype(np.uint8))
    scan.write_bytes(buf.tobytes())
    out = tmp_path / "clean.png"
    assert main(["lines", str(scan), "--cleanup", "-o", str(out)]) == 0
    ink = load_lineart(out)
    assert ink.shape == d.ink.shape and not is_scan(ink)
    assert main(["lines", str(scan), "--cleanup", "-o", str(out)]) != 0  # no overwrite unasked
    assert "exists" in capsys.readouterr().err


def test_neural_methods_read_a_scan_cleaned_up():
    """The network and neural-flats' regions see the cleaned ink; the composite keeps the scan's lines."""
    import irodori
    from irodori.methods.neural import neural_colors

    d = make_lineart(96, 96, n_shapes=4, seed=8)
    rough = roughen(d.ink, seed=3)
    hints = d.hints(radius=2.0)
    assert np.array_equal(neural_colors(rough, hints), neural_colors(prepare_ink(rough), hints))
    result = irodori.colorize(rough, hints, method="neural-flats")
    assert result.image.shape == (96, 96, 3)
    assert np.array_equal(result.lines, irodori.colorize(rough, hints, method="fill").lines)
