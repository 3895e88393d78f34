"""Layered export: OpenRaster and PSD files read back with zipfile + Pillow and psd-tools."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from PIL import Image
from psd_tools import PSDImage
from psd_tools.constants import BlendMode

from irodori import Hints, IrodoriError, Point, Stroke
from irodori.layers import Layer, encode_ora, encode_psd, flatten, result_layers, write_layers
from irodori.methods import make_result, with_layers

H, W = 36, 52


@pytest.fixture
def result():
    rng = np.random.default_rng(1)
    ink = np.zeros((H, W), np.float32)
    ink[10, :] = 1.0
    ink[:, 20] = 0.6
    ink[25:27, 5:45] = rng.uniform(0, 1, (2, 40)).astype(np.float32)
    flats = np.zeros((H, W, 4), np.uint8)
    flats[:10] = (250, 200, 40, 255)
    flats[11:, :20] = (30, 140, 220, 255)
    flats[11:, 21:] = (0, 0, 0, 0)  # left unfilled
    flats[10] = (250, 200, 40, 255)
    flats[:, 20] = (30, 140, 220, 255)
    return make_result(flats, ink)


@pytest.fixture
def hints():
    return Hints((Point(5, 5, (250, 200, 40), 2), Stroke(((3, 20), (15, 30)), (30, 140, 220), 3),
                  Point(40, 30, None, 2)))


def test_stack_order_and_lines_layer(result, hints):
    stack = result_layers(result, hints)
    assert [layer.name for layer in stack] == ["paper", "flats", "lines", "hints"]
    assert [layer.blend for layer in stack] == ["normal", "normal", "multiply", "normal"]
    assert [layer.visible for layer in stack] == [True, True, True, False]
    lines = stack[2].rgba
    assert (lines[..., :3] == 0).all()
    np.testing.assert_array_equal(lines[..., 3], result.lines)
    np.testing.assert_array_equal(stack[3].rgba, hints.to_rgba((H, W)))
    assert [layer.name for layer in result_layers(result)] == ["paper", "flats", "lines"]


def test_visible_layers_flatten_to_the_result_image(result, hints):
    flat = flatten(result_layers(result, hints)).astype(int)
    assert np.abs(flat - result.image).max() <= 1
    # black-with-alpha lines give the same picture in normal mode too
    stack = result_layers(result)
    normal = [stack[0], stack[1], type(stack[2])("lines", stack[2].rgba, blend="normal")]
    assert np.abs(flatten(normal).astype(int) - result.image).max() <= 1


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def test_openraster_file(result, hints):
    data = encode_ora(result_layers(result, hints))
    z = zipfile.ZipFile(io.BytesIO(data))
    first = z.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert z.read("mimetype") == b"image/openraster"
    assert data[30:38] == b"mimetype" and data[38:54] == b"image/openraster"  # readable by magic
    root = ET.fromstring(z.read("stack.xml"))
    assert (root.get("w"), root.get("h")) == (str(W), str(H))
    layers = root.find("stack").findall("layer")
    assert [layer.get("name") for layer in layers] == ["hints", "lines", "flats", "paper"]  # top first
    assert [layer.get("composite-op") for layer in layers] == [
        "svg:src-over", "svg:multiply", "svg:src-over", "svg:src-over"]
    assert [layer.get("visibility") for layer in layers] == ["hidden", "visible", "visible", "visible"]
    expected = {layer.name: layer.rgba for layer in result_layers(result, hints)}
    for layer in layers:
        px = _png(z.read(layer.get("src")))
        assert px.shape == (H, W, 4)
        np.testing.assert_array_equal(px, expected[layer.get("name")])
    merged = _png(z.read("mergedimage.png"))
    assert merged.shape[:2] == (H, W)
    assert np.abs(merged[..., :3].astype(int) - result.image).max() <= 1
    assert _png(z.read("Thumbnails/thumbnail.png")).shape[:2] == (H, W)  # small images stay as they are


def test_openraster_thumbnail_is_at_most_256():
    ink = np.zeros((300, 600), np.float32)
    r = make_result(np.full((300, 600, 4), 255, np.uint8), ink)
    z = zipfile.ZipFile(io.BytesIO(encode_ora(result_layers(r))))
    assert _png(z.read("Thumbnails/thumbnail.png")).shape[:2] == (128, 256)


def test_psd_file(result, hints):
    psd = PSDImage.open(io.BytesIO(encode_psd(result_layers(result, hints))))
    assert psd.size == (W, H)
    layers = list(psd)
    assert [layer.name for layer in layers] == ["paper", "flats", "lines", "hints"]  # bottom first
    assert [layer.blend_mode for layer in layers] == [BlendMode.NORMAL, BlendMode.NORMAL,
                                                      BlendMode.MULTIPLY, BlendMode.NORMAL]
    assert [layer.visible for layer in layers] == [True, True, True, False]
    expected = result_layers(result, hints)
    for layer, want in zip(layers, expected):
        assert layer.bbox == (0, 0, W, H) and not layer.has_mask()
        np.testing.assert_array_equal(np.asarray(layer.topil()), want.rgba)
    merged = np.asarray(psd.topil())[..., :3].astype(int)
    assert np.abs(merged - result.image).max() <= 1
    composite = np.asarray(psd.composite())[..., :3].astype(int)  # psd-tools' own blending
    assert np.abs(composite - result.image).max() <= 2


def test_psd_with_fully_transparent_flats():
    r = make_result(np.zeros((H, W, 4), np.uint8), np.zeros((H, W), np.float32))
    psd = PSDImage.open(io.BytesIO(encode_psd(result_layers(r))))
    assert len(list(psd)) == 3 and (np.asarray(psd.topil())[..., :3] == 255).all()


@pytest.mark.parametrize("suffix", [".ora", ".psd"])
def test_write_layers_is_atomic_and_refuses_overwrite(tmp_path, result, suffix):
    p = write_layers(tmp_path / f"x{suffix}", result)
    size = p.stat().st_size
    with pytest.raises(IrodoriError, match="exists"):
        write_layers(p, result, Hints((Point(1, 1, (1, 2, 3)),)))
    assert p.stat().st_size == size
    write_layers(p, result, Hints((Point(1, 1, (1, 2, 3)),)), overwrite=True)
    assert p.stat().st_size != size
    assert [q.name for q in tmp_path.iterdir()] == [p.name]


def test_write_layers_bad_suffix_and_bad_layers(tmp_path, result):
    with pytest.raises(IrodoriError, match=".ora or .psd"):
        write_layers(tmp_path / "x.kra", result)
    bad = result_layers(result)
    with pytest.raises(IrodoriError, match="must be"):
        encode_ora([bad[0], type(bad[0])("x", np.zeros((2, 2, 4), np.uint8))])
    with pytest.raises(IrodoriError, match="blend mode"):
        encode_psd([type(bad[0])("x", bad[0].rgba, blend="overlay")])


@pytest.fixture
def shaded(result):
    """The result with a shadow (multiply), a highlight (screen) and coloured lines."""
    shadow = np.zeros((H, W, 4), np.uint8)
    shadow[:, :10] = (120, 110, 200, 160)
    highlight = np.zeros((H, W, 4), np.uint8)
    highlight[:5, 30:] = (255, 255, 255, 90)
    lines = np.zeros((H, W, 4), np.uint8)
    lines[..., :3] = (90, 20, 10)
    lines[..., 3] = result.lines
    return with_layers(result, [Layer("shadow", shadow, "multiply"), Layer("highlight", highlight, "screen"),
                                Layer("lines", lines, "multiply")])


def test_extra_layers_sit_between_flats_and_lines_and_flatten_to_the_image(result, shaded, hints):
    stack = result_layers(shaded, hints)
    assert [layer.name for layer in stack] == ["paper", "flats", "shadow", "highlight", "lines", "hints"]
    assert [layer.blend for layer in stack] == ["normal", "normal", "multiply", "screen", "multiply", "normal"]
    assert np.abs(flatten(stack).astype(int) - shaded.image).max() <= 1
    assert shaded.image.dtype == np.uint8 and shaded.image.shape == (H, W, 3)
    # multiply darkens, screen lightens, only where the layers have alpha
    base, img = result.image.astype(int), shaded.image.astype(int)
    assert (img[12:, :10] < base[12:, :10]).all(axis=-1).mean() > 0.9
    assert (img[:5, 30:] >= base[:5, 30:]).all()
    np.testing.assert_array_equal(img[12:24, 12:19], base[12:24, 12:19])  # no layer there
    # the original result is untouched; adding a layer of the same name replaces it in place
    assert result.layers == [] and shaded.layers[0].name == "shadow"
    again = with_layers(shaded, [Layer("shadow", np.zeros((H, W, 4), np.uint8), "multiply")])
    assert [layer.name for layer in again.layers] == ["shadow", "highlight", "lines"]
    with pytest.raises(IrodoriError, match="must be"):
        with_layers(result, [Layer("x", np.zeros((3, 3, 4), np.uint8))])


def test_flatten_blend_modes_on_known_values():
    def one(rgba, blend):
        return Layer("x", np.array([[rgba]], np.uint8), blend)
    base = one((200, 100, 50, 255), "normal")
    assert flatten([base, one((128, 128, 128, 255), "multiply")])[0, 0].tolist() == [100, 50, 25]
    assert flatten([base, one((128, 128, 128, 255), "screen")])[0, 0].tolist() == [228, 178, 153]
    assert flatten([base, one((0, 0, 0, 0), "screen")])[0, 0].tolist() == [200, 100, 50]


def test_shading_layers_in_openraster_and_psd(shaded, hints):
    z = zipfile.ZipFile(io.BytesIO(encode_ora(result_layers(shaded, hints))))
    layers = ET.fromstring(z.read("stack.xml")).find("stack").findall("layer")
    assert [(layer.get("name"), layer.get("composite-op")) for layer in layers] == [
        ("hints", "svg:src-over"), ("lines", "svg:multiply"), ("highlight", "svg:screen"),
        ("shadow", "svg:multiply"), ("flats", "svg:src-over"), ("paper", "svg:src-over")]
    merged = _png(z.read("mergedimage.png"))[..., :3].astype(int)
    assert np.abs(merged - shaded.image).max() <= 1
    psd = PSDImage.open(io.BytesIO(encode_psd(result_layers(shaded, hints))))
    assert [(layer.name, layer.blend_mode) for layer in psd] == [
        ("paper", BlendMode.NORMAL), ("flats", BlendMode.NORMAL), ("shadow", BlendMode.MULTIPLY),
        ("highlight", BlendMode.SCREEN), ("lines", BlendMode.MULTIPLY), ("hints", BlendMode.NORMAL)]
    assert np.abs(np.asarray(psd.topil())[..., :3].astype(int) - shaded.image).max() <= 1
    assert np.abs(np.asarray(psd.composite())[..., :3].astype(int) - shaded.image).max() <= 2
