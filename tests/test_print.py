"""Print-ready files: the page's dpi kept in every output, RLE PSD, one layer per flat colour."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image
from psd_tools import PSDImage

import irodori
from irodori.hints import Hints, Point
from irodori.io import read_dpi
from irodori.layers import colour_pieces, encode_psd, result_layers
from irodori.pipeline import Outputs, colorize_file
from irodori.psd import packbits_rows, unpackbits_rows
from irodori.synthetic import make_lineart


@pytest.fixture(scope="module")
def page():
    d = make_lineart(96, 128, n_shapes=6, seed=3)
    hints = d.hints(n=5, seed=1)
    return d, hints


@pytest.mark.parametrize("kind", ["noise", "few", "runs", "sparse", "one-column"])
def test_packbits_round_trip(kind):
    rng = np.random.default_rng(len(kind))
    shape = (7, 1) if kind == "one-column" else (9, 700)
    plane = {"noise": lambda: rng.integers(0, 256, shape),
             "few": lambda: rng.integers(0, 3, shape),
             "runs": lambda: np.repeat(rng.integers(0, 4, (9, 15)), 50, axis=1)[:, :700],
             "sparse": lambda: np.where(rng.random(shape) < 0.02, rng.integers(0, 256, shape), 7),
             "one-column": lambda: rng.integers(0, 2, shape)}[kind]().astype(np.uint8)
    counts, data = packbits_rows(plane)
    assert counts.sum() == len(data)
    np.testing.assert_array_equal(unpackbits_rows(counts, data.tobytes(), plane.shape[1]), plane)
    if kind == "runs":  # long runs code to 2 bytes per 128 pixels
        assert len(data) < plane.size / 20


def test_cli_outputs_keep_the_page_resolution(tmp_path, page):
    d, hints = page
    src = tmp_path / "page.png"
    Image.fromarray(np.rint(255 * (1 - d.ink)).astype(np.uint8)).save(src, dpi=(350, 350))
    assert read_dpi(src) == (350.0, 350.0)
    outs = Outputs(tmp_path / "out.png", tmp_path / "flats.png", (tmp_path / "o.psd", tmp_path / "o.ora"))
    result, _ = colorize_file(src, outs, hints)
    for name in ("out.png", "flats.png"):
        assert read_dpi(tmp_path / name) == (350.0, 350.0)
    psd = PSDImage.open(tmp_path / "o.psd")
    info = psd.image_resources.get_data(1005)
    assert info.horizontal / 65536 == 350 and info.vertical / 65536 == 350  # 16.16 fixed point
    np.testing.assert_array_equal(np.asarray(psd.topil())[..., :3], result.image)
    xml = zipfile.ZipFile(tmp_path / "o.ora").read("stack.xml").decode()
    assert 'xres="350"' in xml and 'yres="350"' in xml
    # JPEG and TIFF inputs too
    for suffix in (".jpg", ".tif"):
        other = tmp_path / f"page{suffix}"
        Image.open(src).convert("L").save(other, dpi=(600, 600))
        assert read_dpi(other) == (600.0, 600.0)
    plain = tmp_path / "plain.png"
    Image.open(src).save(plain)
    assert read_dpi(plain) is None


def test_flats_transparent_where_nothing_is_filled(page):
    d, _ = page
    # a transparent hint leaves its area unfilled: alpha 0 in the flats and in the flats layer
    h = d.hints(n=3, seed=2)
    first = list(h)[0]
    hints = Hints((Point(first.x, first.y, None, 1.0),) + tuple(list(h)[1:]))
    r = irodori.colorize(d.ink, hints, method="fill")
    assert (r.flats[..., 3] == 0).any() and (r.flats[..., 3] == 255).any()
    layers = {layer.name: layer for layer in result_layers(r)}
    np.testing.assert_array_equal(layers["flats"].rgba[..., 3], r.flats[..., 3])


def test_psd_is_compressed_and_one_layer_per_colour_rebuilds_the_flats(page):
    d, hints = page
    r = irodori.colorize(d.ink, hints, method="fill")
    stack = result_layers(r, hints)
    raw = sum(layer.rgba.nbytes for layer in stack) + r.image.nbytes
    data = encode_psd(stack, dpi=(300, 300), per_colour=True)
    assert len(data) < raw / 4
    psd = PSDImage.open(io.BytesIO(data))
    names = [layer.name for layer in psd]
    colours = {tuple(c) for c in r.flats[r.flats[..., 3] > 0][:, :3]}
    assert names[0] == "paper" and names[-2:] == ["lines", "hints"]
    assert len(names) == 3 + len(colours) and all(n.startswith("flat #") for n in names[1:-2])
    # the pieces put back together are exactly the flats
    canvas = np.zeros_like(r.flats)
    for name, part, top, left in colour_pieces(r.flats):
        box = canvas[top:top + part.shape[0], left:left + part.shape[1]]
        where = part[..., 3] > 0
        assert not (box[where, 3] > 0).any()  # pieces do not overlap
        box[where] = part[where]
    np.testing.assert_array_equal(canvas, r.flats)
    # and psd-tools places them where they belong
    layer = list(psd)[1]
    part = np.asarray(layer.topil())
    left, top, right, bottom = layer.bbox
    np.testing.assert_array_equal(part[..., :3][part[..., 3] > 0],
                                  r.flats[top:bottom, left:right][part[..., 3] > 0][:, :3])
    np.testing.assert_array_equal(np.asarray(psd.topil())[..., :3], r.image)


def test_cli_layers_per_colour(tmp_path, page):
    from typer.testing import CliRunner

    from irodori.cli import app

    d, hints = page
    src = tmp_path / "page.png"
    Image.fromarray(np.rint(255 * (1 - d.ink)).astype(np.uint8)).save(src)
    hints.to_json(tmp_path / "h.json")
    res = CliRunner().invoke(app, ["colorize", str(src), "--hints", str(tmp_path / "h.json"), "-o",
                                   str(tmp_path / "o.png"), "--layers", str(tmp_path / "o.ora"),
                                   "--layers-per-colour"])
    assert res.exit_code == 0, res.output
    xml = zipfile.ZipFile(tmp_path / "o.ora").read("stack.xml").decode()
    assert xml.count('name="flat #') >= 2
    res = CliRunner().invoke(app, ["colorize", str(src), "--hints", str(tmp_path / "h.json"), "-o",
                                   str(tmp_path / "p.png"), "--layers-per-colour"])
    assert res.exit_code != 0 and "--layers FILE" in res.output + str(res.exception)
