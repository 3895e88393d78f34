"""irodori.shade: layers contract, light convention, styles, validation, and quality on synthetic 3D scenes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import irodori
from irodori import IrodoriError
from irodori.data.scenes import make_scene, reference_shadow
from irodori.layers import flatten, result_layers
from irodori.methods import make_result
from irodori.shade import light_vector, parse_light

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def _disc_result(size: int = 96, background: bool = True):
    """A disc of one colour inside a square of another (or of unfilled background), with outlines."""
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx - size / 2 + 0.5, yy - size / 2 + 0.5)
    ink = np.clip(1.5 - np.abs(r - size * 0.35), 0, 1).astype(np.float32)
    flats = np.zeros((size, size, 4), np.uint8)
    flats[r <= size * 0.35] = (220, 80, 80, 255)
    if not background:
        flats[r > size * 0.35] = (80, 120, 220, 255)
    return make_result(flats, ink), ink, r


def test_layers_contract_and_composite():
    result, ink, r = _disc_result()
    shaded = irodori.shade(result, ink)
    assert [layer.name for layer in shaded.layers] == ["shadow", "highlight"]
    assert [layer.blend for layer in shaded.layers] == ["multiply", "screen"]
    for layer in shaded.layers:
        assert layer.rgba.shape == (96, 96, 4) and layer.rgba.dtype == np.uint8
    stack = result_layers(shaded)
    assert [layer.name for layer in stack] == ["paper", "flats", "shadow", "highlight", "lines"]
    assert np.abs(flatten(stack).astype(int) - shaded.image).max() <= 1
    # flats and lines untouched, the input result untouched, options recorded
    np.testing.assert_array_equal(shaded.flats, result.flats)
    np.testing.assert_array_equal(shaded.lines, result.lines)
    assert result.layers == [] and shaded.meta["shade"]["light"] == [315.0, 45.0]
    # the unfilled background stays unshaded
    outside = r > 96 * 0.35 + 2
    assert (shaded.layers[0].rgba[..., 3][outside] == 0).all()
    assert (shaded.image[outside] == 255).all()


@pytest.mark.parametrize("light,dark_side", [((315, 45), (1, 1)), ((90, 30), (0, -1)), ((180, 40), (-1, 0))])
def test_shadow_falls_on_the_side_away_from_the_light(light, dark_side):
    result, ink, r = _disc_result()
    alpha = irodori.shade(result, ink, light=light).layers[0].rgba[..., 3].astype(float)
    yy, xx = np.mgrid[0:96, 0:96] - 47.5
    inside = r < 96 * 0.35 - 3
    # shadow-weighted centre of the disc lies toward dark_side = (sign y, sign x)
    cy = (alpha * yy)[inside].sum() / max(alpha[inside].sum(), 1)
    cx = (alpha * xx)[inside].sum() / max(alpha[inside].sum(), 1)
    for sign, c in zip(dark_side, (cy, cx)):
        if sign:
            assert np.sign(c) == sign and abs(c) > 5
    # the side toward the light is lit
    l = light_vector(*light)
    toward = inside & ((xx * l[0] + yy * l[1]) > 20)
    assert alpha[toward].mean() < 5


def test_nothing_crosses_a_line():
    """Two areas side by side, lit in opposite ways along their shared line, at a size that is shaded
    at a smaller working size: neither area's light bleeds across the line."""
    h, w = 700, 900
    ink = np.zeros((h, w), np.float32)
    ink[:, 449:452] = 1.0
    ink[[0, 1, -2, -1], :] = 1.0
    ink[:, [0, 1, -2, -1]] = 1.0
    flats = np.zeros((h, w, 4), np.uint8)
    flats[:, :451] = (200, 90, 90, 255)
    flats[:, 451:] = (90, 90, 200, 255)
    alpha = irodori.shade(make_result(flats, ink), ink, light=(270, 30)).layers[0].rgba[..., 3]
    rows = slice(200, 500)
    # light from the left: the left area's right edge turns away (shadow), the right area's left edge faces it
    assert (alpha[rows, 444:449] > 0).all()
    assert (alpha[rows, 452:457] == 0).all()


def test_styles_levels_and_coloured_lines():
    result, ink, r = _disc_result()
    inside = r < 96 * 0.35 - 2
    cel1 = irodori.shade(result, ink, style="cel", levels=1, highlight=0)
    cel3 = irodori.shade(result, ink, style="cel", levels=3, highlight=0)
    soft = irodori.shade(result, ink, style="soft", highlight=0)
    assert [layer.name for layer in cel1.layers] == ["shadow"]
    assert len(np.unique(cel1.layers[0].rgba[..., 3][inside])) <= 2  # hard-edged: lit or shadow
    assert len(np.unique(cel3.layers[0].rgba[..., :3][inside].reshape(-1, 3), axis=0)) <= 4
    assert len(np.unique(soft.layers[0].rgba[..., 3][inside])) > 10  # smooth
    strong = irodori.shade(result, ink, strength=1.0, highlight=0)
    assert strong.layers[0].rgba[..., 3].max() > cel1.layers[0].rgba[..., 3].max()
    lined = irodori.shade(result, ink, line_color=True)
    lines = lined.layers[-1]
    assert lines.name == "lines" and lines.blend == "multiply"
    np.testing.assert_array_equal(lines.rgba[..., 3], result.lines)
    on_line = (result.lines > 200) & (result.flats[..., 3] == 255)
    assert (lines.rgba[..., 0][on_line] > lines.rgba[..., 2][on_line]).all()  # red area -> reddish line
    assert [layer.name for layer in result_layers(lined)][-1] == "lines"


def test_bad_input_is_a_one_line_error():
    result, ink, _ = _disc_result(32)
    for kwargs, match in [({"light": (315, 95)}, "elevation"), ({"light": (315, -1)}, "elevation"),
                          ({"light": ("a", 4)}, "light"), ({"style": "oil"}, "style"),
                          ({"levels": 4}, "levels"), ({"strength": 2}, "strength"),
                          ({"shadow_color": (1, 2)}, "shadow colour")]:
        with pytest.raises(IrodoriError, match=match) as e:
            irodori.shade(result, ink, **kwargs)
        assert "\n" not in str(e.value)
    with pytest.raises(IrodoriError, match="ink is"):
        irodori.shade(result, ink[:10])
    assert parse_light("315,45") == (315.0, 45.0) and parse_light(" -45 , 0 ") == (315.0, 0.0)
    for text in ("abc", "315", "1,2,3", "315,91", "nan,4"):
        with pytest.raises(IrodoriError):
            parse_light(text)


@pytest.mark.parametrize("name", ["sphere", "blobs"])
def test_synthetic_scene_matches_the_reference(name):
    from eval_shade import evaluate

    row = evaluate(name, (315, 45), size=160)
    assert row["iou"] >= 0.75
    assert row["de_shaded"] < row["de_flats"]
    assert row["corr"] > 0.5


def test_overlapping_blobs_cast_shadow_on_the_one_beneath():
    scene = make_scene("blobs", 160)
    shaded = irodori.shade(make_result(scene.flats, scene.ink), scene.ink, levels=1, highlight=0)
    ours = shaded.layers[0].rgba[..., 3] > 0
    ref = reference_shadow(scene, (315, 45))
    # the green ellipsoid (object 1) lies partly under the blue sphere (object 2): both mark its
    # shadow next to the blue outline, on the side away from the light
    near_blue = (scene.ids == 1) & (scene.ink < 0.3)
    assert (ours & near_blue).sum() > 0.5 * (ref & near_blue).sum()


# ------------------------------------------------------------------ command line
def _write_drawing(tmp_path: Path) -> tuple[Path, Path]:
    from irodori.io import write_png

    result, ink, _ = _disc_result(64)
    art = tmp_path / "disc.png"
    write_png(art, np.clip(np.rint(255 * (1 - ink)), 0, 255).astype(np.uint8))
    hints = tmp_path / "disc.hints.json"
    hints.write_text('{"version": 1, "hints": [{"type": "point", "x": 32, "y": 32, "color": "#dc5050"}]}')
    return art, hints


def test_cli_colorize_and_batch_shade(tmp_path, capsys):
    import zipfile

    from irodori.cli import main
    from irodori.io import read_rgb

    art, hints = _write_drawing(tmp_path)
    out = tmp_path / "shaded.png"
    assert main(["colorize", str(art), "--hints", str(hints), "-o", str(out), "--shade", "cel",
                 "--light", "315,45", "--line-color", "--layers", str(tmp_path / "s.ora")]) == 0
    flat = tmp_path / "flat.png"
    assert main(["colorize", str(art), "--hints", str(hints), "-o", str(flat)]) == 0
    shaded, plain = read_rgb(out).astype(int), read_rgb(flat).astype(int)
    assert (shaded[38:44, 38:44] < plain[38:44, 38:44]).all()  # lower right of the disc: in shadow
    stack = zipfile.ZipFile(tmp_path / "s.ora").read("stack.xml").decode()
    assert 'name="shadow"' in stack and 'svg:screen' in stack and stack.count("svg:multiply") == 2
    # batch: the same options on every page
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "p1.png").write_bytes(art.read_bytes())
    (pages / "p1.hints.json").write_text(hints.read_text())
    assert main(["batch", str(pages), "-o", str(tmp_path / "done"), "--shade", "soft", "--light", "270,30"]) == 0
    assert (read_rgb(tmp_path / "done" / "p1.png").astype(int) != plain).any()
    capsys.readouterr()


@pytest.mark.parametrize("args,message", [(["--shade", "cel", "--light", "abc"], "bad light"),
                                          (["--shade", "cel", "--light", "315,95"], "elevation"),
                                          (["--shade", "oil"], "cel or soft"),
                                          (["--light", "315,45"], "need --shade")])
def test_cli_bad_light_is_one_line(tmp_path, capsys, args, message):
    from irodori.cli import main

    art, _ = _write_drawing(tmp_path)
    for command in (["colorize", str(art), "-o", str(tmp_path / "x.png")], ["batch", str(tmp_path), "-o",
                                                                            str(tmp_path / "out")]):
        assert main(command + args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error:") and message in err and "\n" not in err
    assert not (tmp_path / "x.png").exists()


def test_noisy_flats_and_tiny_pictures_do_not_break_it():
    """Flats that are not flat (a colour per pixel, as a network may give) and 1-pixel-high pictures."""
    rng = np.random.default_rng(0)
    ink = np.zeros((120, 140), np.float32)
    ink[60, :] = 1.0
    flats = np.zeros((120, 140, 4), np.uint8)
    flats[..., :3] = rng.integers(0, 256, (120, 140, 3))
    flats[..., 3] = 255
    out = irodori.shade(make_result(flats, ink), ink)
    assert out.image.shape == (120, 140, 3)
    for shape in ((1, 40), (5, 5)):
        z = np.zeros(shape, np.float32)
        assert irodori.shade(make_result(np.full(shape + (4,), 200, np.uint8), z), z).image.shape == shape + (3,)
