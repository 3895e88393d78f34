"""``irodori colorize``: outputs, and one test per kind of bad input (exit 2, one line, no traceback)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import irodori
from irodori.cli import main
from irodori.io import read_rgb, read_rgba

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "irodori" / "examples"
H, W = 48, 64



@pytest.fixture
def art(tmp_path):
    """A square split in two by a vertical line, and one hint per side; returns paths."""
    g = np.full((H, W), 255, np.uint8)
    g[4, 4:60] = g[43, 4:60] = 0
    g[4:44, 4] = g[4:44, 59] = 0
    g[4:44, 31:33] = 0
    line = tmp_path / "line.png"
    Image.fromarray(g).save(line)
    hints = tmp_path / "hints.json"
    hints.write_text(json.dumps({"version": 1, "hints": [
        {"type": "point", "x": 15, "y": 20, "color": "#ff0000", "radius": 3},
        {"type": "stroke", "points": [[40, 15], [50, 30]], "color": "#0000ff", "width": 3},
        {"type": "point", "x": 1, "y": 1, "color": "transparent", "radius": 1}]}))
    return line, hints


def run(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_bad(rc, err, match, tmp_path=None, before=None):
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert match in lines[0], lines[0]
    assert "Traceback" not in err
    if tmp_path is not None:
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


# --------------------------------------------------------------- good runs
def test_colorize_writes_every_output_and_prints_paths(capsys, tmp_path, art):
    line, hints = art
    outs = [tmp_path / n for n in ("c.png", "f.png", "c.ora", "c.psd")]
    rc, out, err = run(capsys, "colorize", line, "--hints", hints, "-o", outs[0], "--flats", outs[1],
                       "--layers", outs[2], "--layers", outs[3])
    assert rc == 0, err
    assert out.split() == [str(p) for p in outs]
    image = read_rgb(outs[0])
    assert tuple(image[20, 15]) == (255, 0, 0) and tuple(image[20, 45]) == (0, 0, 255)
    assert tuple(image[1, 1]) == (255, 255, 255) and tuple(image[20, 31]) == (0, 0, 0)
    flats = read_rgba(outs[1])
    assert flats.shape == (H, W, 4) and flats[1, 1, 3] == 0 and flats[20, 15, 3] == 255
    expected = irodori.colorize(irodori.load_lineart(line), irodori.Hints.from_json(hints), method="fill")
    np.testing.assert_array_equal(image, expected.image)
    assert all(p.stat().st_size > 0 for p in outs)


def test_png_hint_layer_and_options(capsys, tmp_path, art):
    line, hints = art
    layer = tmp_path / "hints.png"
    Image.fromarray(irodori.Hints.from_json(hints).to_rgba((H, W))).save(layer)
    rc, out, err = run(capsys, "colorize", line, "--hints", layer, "-o", tmp_path / "a.png")
    assert rc == 0, err
    image = read_rgb(tmp_path / "a.png")
    assert tuple(image[20, 15]) == (255, 0, 0) and tuple(image[20, 45]) == (0, 0, 255)


def test_overwrite_replaces(capsys, tmp_path, art):
    line, _ = art
    out = tmp_path / "o.png"
    out.write_bytes(b"old")
    rc, _, err = run(capsys, "colorize", line, "-m", "gray", "-o", out, "--overwrite")
    assert rc == 0, err
    assert read_rgb(out).shape == (H, W, 3)


def test_reference_with_its_lines(capsys, tmp_path, art):
    line, _ = art
    ref = tmp_path / "ref.png"
    Image.new("RGB", (W, H), (200, 100, 50)).save(ref)
    rc, out, err = run(capsys, "colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                       "--reference", ref, "--reference-lines", line)
    assert rc == 0, err


def test_reference_without_lines_extracts_them_or_says_why(capsys, tmp_path, art):
    line, _ = art
    ref = tmp_path / "ref.png"
    Image.new("RGB", (W, H), (200, 100, 50)).save(ref)
    rc, out, err = run(capsys, "colorize", line, "-m", "gray", "-o", tmp_path / "o.png", "--reference", ref)
    assert rc == 0, err


# ---------------------------------------------------------------- bad input
def huge_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _bad_case(capsys, tmp_path, argv, match):
    before = sorted(p.name for p in tmp_path.iterdir())
    rc, out, err = run(capsys, *argv)
    assert_bad(rc, err, match, tmp_path, before)


def test_missing_lineart(capsys, tmp_path):
    _bad_case(capsys, tmp_path, ["colorize", tmp_path / "nope.png", "-m", "gray", "-o", tmp_path / "o.png"],
              "file not found")


def test_empty_lineart(capsys, tmp_path):
    (tmp_path / "e.png").write_bytes(b"")
    _bad_case(capsys, tmp_path, ["colorize", tmp_path / "e.png", "-m", "gray", "-o", tmp_path / "o.png"],
              "empty file (0 bytes)")


def test_corrupt_lineart(capsys, tmp_path, art):
    line, _ = art
    (tmp_path / "c.png").write_bytes(line.read_bytes()[:60])
    _bad_case(capsys, tmp_path, ["colorize", tmp_path / "c.png", "-m", "gray", "-o", tmp_path / "o.png"],
              "corrupt or unsupported image")


def test_huge_header_refused(capsys, tmp_path):
    (tmp_path / "big.png").write_bytes(huge_png())
    _bad_case(capsys, tmp_path, ["colorize", tmp_path / "big.png", "-m", "gray", "-o", tmp_path / "o.png"],
              "100000x100000 = 10000.0 MP, over the limit of 64.0 MP")


def test_max_pixels_option(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                                 "--max-pixels", H * W - 1], "over the limit")


def test_malformed_json(capsys, tmp_path, art):
    line, _ = art
    (tmp_path / "h.json").write_text('{"version": 1, "hints": [')
    _bad_case(capsys, tmp_path, ["colorize", line, "--hints", tmp_path / "h.json", "-m", "gray",
                                 "-o", tmp_path / "o.png"], "bad hints JSON")


def _hints_file(tmp_path, hint):
    p = tmp_path / "h.json"
    p.write_text(json.dumps({"version": 1, "hints": [hint]}))
    return p


def test_unknown_hint_type(capsys, tmp_path, art):
    line, _ = art
    h = _hints_file(tmp_path, {"type": "circle", "x": 3, "y": 3, "color": "#ff0000"})
    _bad_case(capsys, tmp_path, ["colorize", line, "--hints", h, "-m", "gray", "-o", tmp_path / "o.png"],
              "unknown type 'circle'")


def test_bad_colour(capsys, tmp_path, art):
    line, _ = art
    h = _hints_file(tmp_path, {"type": "point", "x": 3, "y": 3, "color": "#ff00"})
    _bad_case(capsys, tmp_path, ["colorize", line, "--hints", h, "-m", "gray", "-o", tmp_path / "o.png"],
              "bad colour '#ff00'")


def test_hint_outside_image(capsys, tmp_path, art):
    line, _ = art
    h = _hints_file(tmp_path, {"type": "point", "x": W + 10, "y": 3, "color": "#ff0000"})
    _bad_case(capsys, tmp_path, ["colorize", line, "--hints", h, "-m", "gray", "-o", tmp_path / "o.png"],
              f"lies outside the {W}x{H} image")


def test_hints_file_of_another_kind(capsys, tmp_path, art):
    line, _ = art
    (tmp_path / "h.txt").write_text("red at the top")
    _bad_case(capsys, tmp_path, ["colorize", line, "--hints", tmp_path / "h.txt", "-m", "gray",
                                 "-o", tmp_path / "o.png"], "a .json file or a PNG hint layer")


def test_hint_layer_without_transparency(capsys, tmp_path, art):
    line, _ = art
    Image.new("RGB", (W, H), (255, 255, 255)).save(tmp_path / "h.png")  # hints painted on white paper
    _bad_case(capsys, tmp_path, ["colorize", line, "--hints", tmp_path / "h.png", "-m", "gray",
                                 "-o", tmp_path / "o.png"], "has no transparent pixels")


def test_hint_layer_of_another_size(capsys, tmp_path, art):
    line, _ = art
    Image.new("RGBA", (W + 1, H), (255, 0, 0, 255)).save(tmp_path / "h.png")
    _bad_case(capsys, tmp_path, ["colorize", line, "--hints", tmp_path / "h.png", "-m", "gray",
                                 "-o", tmp_path / "o.png"], "must be the same size")


def test_zero_hints_for_fill(capsys, tmp_path, art):
    line, _ = art
    p = tmp_path / "h.json"
    p.write_text('{"version": 1, "hints": []}')
    _bad_case(capsys, tmp_path, ["colorize", line, "--hints", p, "-o", tmp_path / "o.png"],
              "needs at least one hint")


def test_no_hints_file_for_fill(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-o", tmp_path / "o.png"], "needs at least one hint")


def test_output_directory_missing(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "no" / "o.png"],
              "output directory does not exist")


def test_flats_directory_missing(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                                 "--flats", tmp_path / "no" / "f.png"], "output directory does not exist")


def test_output_exists_is_checked_before_reading_anything(capsys, tmp_path):
    (tmp_path / "o.png").write_bytes(b"keep")
    # the line art is missing too: the output check must come first, before any work
    _bad_case(capsys, tmp_path, ["colorize", tmp_path / "missing.png", "-m", "gray", "-o", tmp_path / "o.png"],
              "exists; pass --overwrite")
    assert (tmp_path / "o.png").read_bytes() == b"keep"


def test_layers_output_exists(capsys, tmp_path, art):
    line, _ = art
    (tmp_path / "l.psd").write_bytes(b"keep")
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                                 "--layers", tmp_path / "l.psd"], "l.psd exists")


def test_unknown_method(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "magic", "-o", tmp_path / "o.png"],
              "unknown method 'magic'; available:")


def test_unknown_method_is_reported_before_reading_the_reference(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "magic", "-o", tmp_path / "o.png",
                                 "--reference", tmp_path / "missing.png"], "unknown method 'magic'")


def test_unknown_option(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "--option", "sharpness=3",
                                 "-o", tmp_path / "o.png"], "unknown option(s) sharpness")


def test_option_without_value(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "--option", "sharpness",
                                 "-o", tmp_path / "o.png"], "expected KEY=VALUE")


def test_bad_output_suffixes(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.gif"],
              "expected a file ending in")
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                                 "--flats", tmp_path / "f.jpg"], "expected a file ending in .png")
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                                 "--layers", tmp_path / "l.kra"], ".ora or .psd")


def test_same_output_twice(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                                 "--flats", tmp_path / "o.png"], "same output path is given twice")


def test_reference_lines_without_reference(capsys, tmp_path, art):
    line, _ = art
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                                 "--reference-lines", line], "--reference-lines needs --reference")


def test_reference_of_another_size(capsys, tmp_path, art):
    line, _ = art
    Image.new("RGB", (W, H + 2), (1, 2, 3)).save(tmp_path / "r.png")
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "gray", "-o", tmp_path / "o.png",
                                 "--reference", tmp_path / "r.png", "--reference-lines", line],
              "must be the same size")


def test_real_process_prints_no_traceback(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    exe = Path(sys.executable).with_name("irodori")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "irodori"]
    proc = subprocess.run(cmd + ["colorize", str(tmp_path / "bad.png"), "-m", "gray",
                                 "-o", str(tmp_path / "o.png")],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ, PYTHONWARNINGS=""))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o.png").exists()


def test_command_modules_are_added_in_one_place_and_never_import_the_cli():
    """Each command module builds its own Typer app; only cli.py knows them all (imports run one way)."""
    import ast

    from irodori import cli

    for module in cli.COMMAND_MODULES:
        tree = ast.parse(Path(module.__file__).read_text())
        imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(m == "cli" or m.endswith(".cli") for m in imported), module.__name__
    names = [c.name for m in cli.COMMAND_MODULES for c in m.app.registered_commands]
    groups = [g.name for m in cli.COMMAND_MODULES for g in m.app.registered_groups]
    assert names == ["methods", "colorize", "lines", "eval", "train", "export", "batch", "serve", "finetune"]
    assert groups == ["data"]
    assert main(["data", "--help"]) == 0


def test_methods_lists_by_what_the_artist_has(capsys):
    """``irodori methods`` prints the registry's groups and plain words, baselines last under Compare."""
    from irodori.methods import METHOD_GROUPS, describe_methods

    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    headings = [i for i, line in enumerate(lines) if line and not line.startswith(" ")]
    shown = [lines[i].split(":")[0] for i in headings]
    described = describe_methods()
    assert shown == [g.label for g in METHOD_GROUPS if any(m["group"]["id"] == g.id for m in described)]
    for m in described:
        assert f"{m['name']:<14} {m['label']}" in out
        for o in m["options"]:
            assert ("advanced: " if o["advanced"] else "") + f"--option {o['name']}=" in out
    compare = out[out.index("Compare:"):]
    for name in {"gray", "mean", "paste", "region-match"} & {m["name"] for m in described}:
        assert f"  {name} " in compare
    assert "fill           Flat colours from your dots (recommended)" in out


def test_several_references_with_match(capsys, tmp_path, art):
    line, _ = art
    col = np.full((H, W, 3), 255, np.uint8)
    col[5:43, 5:31] = (200, 40, 40)
    col[5:43, 33:59] = (40, 40, 200)
    Image.fromarray(col).save(tmp_path / "front.png")
    # The second page: the same character drawn a little further right and down.
    Image.fromarray(np.roll(col, (1, 2), (0, 1))).save(tmp_path / "back.png")
    flipped = tmp_path / "line_moved.png"
    Image.fromarray(np.roll(np.asarray(Image.open(line)), (1, 2), (0, 1))).save(flipped)
    out = tmp_path / "o.png"
    rc, _, err = run(capsys, "colorize", line, "-m", "match", "-o", out, "--reference", tmp_path / "front.png",
                     "--reference-lines", line, "--reference", tmp_path / "back.png", "--reference-lines", flipped)
    assert rc == 0, err
    got = read_rgb(out)
    assert tuple(got[20, 15]) == (200, 40, 40) and tuple(got[20, 45]) == (40, 40, 200)
    _bad_case(capsys, tmp_path, ["colorize", line, "-m", "match", "-o", tmp_path / "p.png",
                                 "--reference", tmp_path / "front.png", "--reference", tmp_path / "back.png",
                                 "--reference-lines", line], "one line art per reference")
