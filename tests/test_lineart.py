"""Line extraction: ink where colours meet, paper inside flat areas; thickness, jitter, CLI."""

import numpy as np
import pytest

from irodori.cli import main
from irodori.errors import IrodoriError
from irodori.io import load_lineart, write_png
from irodori.lineart import METHODS, change_thickness, extract_lines, jitter
from irodori.synthetic import make_lineart


@pytest.fixture(scope="module")
def picture():
    """A flat-coloured illustration with dark outlines, and where its outlines are."""
    d = make_lineart(96, 128, n_shapes=6, seed=5)
    rgb = (d.colors.astype(np.float32) * (1 - d.ink[..., None])).astype(np.uint8)
    return rgb, d.ink


@pytest.mark.parametrize("method", METHODS)
def test_lines_found_where_the_drawing_has_them(picture, method):
    rgb, ink_true = picture
    ink = extract_lines(rgb, method=method)
    assert ink.shape == ink_true.shape and ink.dtype == np.float32
    assert 0.0 <= ink.min() and ink.max() <= 1.0
    near_line = ink_true > 0.5
    from scipy import ndimage as ndi
    far = ~ndi.binary_dilation(near_line, iterations=4)
    # extracted ink lies on or beside the true lines, and flat areas stay paper
    assert ink[ndi.binary_dilation(near_line, iterations=2)].mean() > 4 * ink[far].mean()
    assert ink[far].mean() < 0.05


def test_random_parameters_are_seeded(picture):
    rgb, _ = picture
    a = extract_lines(rgb, "xdog", rng=np.random.default_rng(1))
    b = extract_lines(rgb, "xdog", rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    sigmas = {float(np.random.default_rng(s).choice([0.3, 0.4, 0.5])) for s in range(10)}
    assert len(sigmas) > 1


def test_thickness_and_jitter(picture):
    rgb, ink = picture
    thick, thin = change_thickness(ink, 1.5), change_thickness(ink, -0.5)
    assert thick.sum() > 1.3 * ink.sum() and thin.sum() < ink.sum()
    np.testing.assert_array_equal(change_thickness(ink, 0), ink)
    moved = jitter(ink, 1.5, np.random.default_rng(0))
    assert moved.shape == ink.shape and not np.array_equal(moved, ink)
    assert abs(moved.sum() - ink.sum()) < 0.1 * ink.sum()


def test_bad_input(picture):
    rgb, _ = picture
    with pytest.raises(IrodoriError, match="unknown line method"):
        extract_lines(rgb, "sketchkeras")
    with pytest.raises(IrodoriError, match="uint8"):
        extract_lines(rgb.astype(np.float32))
    with pytest.raises(IrodoriError, match="sigma"):
        extract_lines(rgb, "xdog", sigma=-1)
    with pytest.raises(IrodoriError, match="bad parameter"):
        extract_lines(rgb, "xdog", colour=3)


def test_lines_command(picture, tmp_path, capsys):
    rgb, _ = picture
    src, out = tmp_path / "pic.png", tmp_path / "lines.png"
    write_png(src, rgb)
    assert main(["lines", str(src), "-o", str(out), "--method", "gradient"]) == 0
    ink = load_lineart(out)
    assert ink.shape == rgb.shape[:2] and ink.max() > 0.5
    assert main(["lines", str(src), "-o", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["lines", str(src), "-o", str(out), "--overwrite", "--method", "xdog"]) == 0
    assert main(["lines", str(tmp_path / "missing.png"), "-o", str(tmp_path / "x.png")]) == 2
    assert main(["lines", str(src), "-o", str(tmp_path / "y.png"), "--method", "nope"]) == 2
    assert not (tmp_path / "y.png").exists()
