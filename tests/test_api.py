"""The Python API, the pipeline behind the CLI, and the bundled example / demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import irodori
from irodori import Hints, IrodoriError, Point
from irodori.compose import lines_layer
from irodori.demo import HINTS, LINEART, main as demo_main, run as demo_run
from irodori.io import read_rgb, read_rgba
from irodori.pipeline import parse_option

EXAMPLES = LINEART.parent



def test_public_names():
    for name in ["load_lineart", "colorize", "list_methods", "Hints", "Point", "Stroke", "Result",
                 "Reference", "IrodoriError"]:
        assert hasattr(irodori, name), name


def test_list_methods_is_json_ready_and_describes_options():
    methods = irodori.list_methods()
    json.dumps(methods)
    names = [m["name"] for m in methods]
    assert names == sorted(names) and "gray" in names
    for m in methods:
        assert set(m) >= {"name", "description", "capabilities", "options"}
        for o in m["options"]:
            assert set(o) >= {"name", "type", "default", "help"}


def test_readme_example_runs(tmp_path):
    ink = irodori.load_lineart(LINEART)
    hints = irodori.Hints.from_json(HINTS)
    result = irodori.colorize(ink, hints, method="fill")
    h, w = ink.shape
    assert result.image.shape == (h, w, 3) and result.image.dtype == np.uint8
    assert result.flats.shape == (h, w, 4) and result.flats.dtype == np.uint8
    np.testing.assert_array_equal(result.lines, lines_layer(ink))
    assert result.meta["method"] == "fill" and result.meta["seconds"] >= 0
    hints.to_json(tmp_path / "copy.json")
    assert irodori.Hints.from_json(tmp_path / "copy.json") == hints


def test_hints_from_png_through_the_api(tmp_path):
    from irodori.io import write_png

    hints = Hints((Point(3, 4, (10, 20, 30), 2),))
    write_png(tmp_path / "h.png", hints.to_rgba((10, 12)))
    assert Hints.from_png(tmp_path / "h.png").to_rgba((10, 12)).tolist() == hints.to_rgba((10, 12)).tolist()


@pytest.mark.parametrize("ink, match", [
    (np.zeros((4, 4), np.uint8), "float"),
    (np.zeros((4, 4, 3), np.float32), r"\(H, W\)"),
    (np.full((4, 4), np.nan, np.float32), "finite"),
    (np.full((4, 4), 2.0, np.float32), r"\[0, 1\]"),
])
def test_colorize_validates_ink(ink, match):
    with pytest.raises(IrodoriError, match=match):
        irodori.colorize(ink, method="gray")


def test_colorize_validates_method_options_and_hints():
    ink = np.zeros((8, 8), np.float32)
    with pytest.raises(IrodoriError, match="unknown method"):
        irodori.colorize(ink, method="nope")
    with pytest.raises(IrodoriError, match="unknown option"):
        irodori.colorize(ink, method="gray", strength=2)
    with pytest.raises(IrodoriError, match="irodori.Hints"):
        irodori.colorize(ink, [Point(1, 1, (0, 0, 0))], method="gray")
    with pytest.raises(IrodoriError, match="outside"):
        irodori.colorize(ink, Hints((Point(20, 1, (0, 0, 0)),)), method="gray")


def test_fill_needs_hints_and_rejects_bad_options():
    ink = np.zeros((8, 8), np.float32)
    with pytest.raises(IrodoriError, match="needs at least one hint"):
        irodori.colorize(ink, method="fill")
    with pytest.raises(IrodoriError, match="unknown option"):
        irodori.colorize(ink, Hints((Point(1, 1, (0, 0, 0)),)), method="fill", nonsense=1)


@pytest.mark.parametrize("text, expected", [
    ("gap=3", ("gap", 3)), ("sigma=0.5", ("sigma", 0.5)), ("mirror=false", ("mirror", False)),
    ("unhinted=transparent", ("unhinted", "transparent")), ("model=", ("model", "")),
    ("name=\"a b\"", ("name", "a b")), (" k = 1", ("k", 1)), ("x=null", ("x", None)),
])
def test_parse_option(text, expected):
    assert parse_option(text) == expected


@pytest.mark.parametrize("text", ["gap", "=3", ""])
def test_parse_option_errors(text):
    with pytest.raises(IrodoriError, match="KEY=VALUE"):
        parse_option(text)


# ------------------------------------------------------------ bundled example
def test_example_is_small_line_art():
    assert LINEART.stat().st_size < 200_000 and (EXAMPLES / "aiko_color.png").stat().st_size < 200_000
    ink = irodori.load_lineart(LINEART)
    assert ink.shape == (512, 512)
    assert 0.02 < (ink > 0.5).mean() < 0.15  # a drawing of lines, not blank, not a filled picture
    hints = Hints.from_json(HINTS)
    assert 6 <= len(hints) <= 15
    hints.validate(ink.shape)


def test_example_fill_matches_the_artists_colour_regions():
    """Each region of the original colouring gets the one colour its hints ask for."""
    original = read_rgb(EXAMPLES / "aiko_color.png")
    ink = irodori.load_lineart(LINEART)
    flats = irodori.colorize(ink, Hints.from_json(HINTS), method="fill").flats
    paper = ink < 0.05
    wanted = {(133, 194, 198): (0x5a, 0x4a, 0x9c),   # hair
              (158, 86, 34): (0xf6, 0xd2, 0xb4),     # skin
              (143, 46, 69): (0x8e, 0x2b, 0x3f),     # mouth
              (234, 134, 158): (0xef, 0x8f, 0xa1)}   # tongue
    hair = (original == (133, 194, 198)).all(-1) & paper
    _, parts = cv2.connectedComponents(hair.astype(np.uint8), connectivity=4)
    tie = parts == parts[504, 291]  # the hair tie is hair-coloured in the original; the hints make it red
    assert 100 < tie.sum() < 400 and (flats[tie][:, :3] == (0xe0, 0x49, 0x3a)).all(-1).mean() > 0.99
    for original_colour, colour in wanted.items():
        sel = (original == original_colour).all(-1) & paper & ~tie
        assert sel.sum() > 400
        ok = (flats[sel][:, 3] == 255) & (flats[sel][:, :3] == colour).all(-1)
        assert ok.mean() > 0.995, (original_colour, ok.mean())
    background = (original == 255).all(-1) & paper
    assert (flats[background][:, 3] == 0).mean() > 0.99  # transparent hints keep the paper white


def test_demo_writes_and_rewrites_its_outputs(tmp_path, capsys):
    out = tmp_path / "out"
    paths = demo_run(out)
    names = sorted(p.name for p in paths)
    from irodori.demo import DEMO_METHODS

    assert "fill" in [m for m, _ in DEMO_METHODS]
    assert names == sorted(["aiko_hints.png"] + [f"aiko_{m}{suffix}" for m, _ in DEMO_METHODS
                                                 for suffix in (".png", "_flats.png", ".ora", ".psd")])
    assert sorted(p.name for p in out.iterdir()) == names
    assert demo_main([str(out)]) == 0  # a second run replaces its own outputs
    printed = capsys.readouterr().out
    assert all(str(p) in printed for p in paths)
    image = read_rgb(out / "aiko_fill.png")
    assert image.shape == (512, 512, 3)
    assert read_rgba(out / "aiko_hints.png")[..., 3].any()


def test_demo_refuses_a_file_as_folder(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert demo_main([str(tmp_path / "f")]) == 2
    assert capsys.readouterr().err.startswith("error: demo output folder is a file")


def test_make_example_recreates_the_bundled_line_art(tmp_path, monkeypatch):
    """The bundled drawing is what the packaged DiceBear source renders to (nothing hand-edited)."""
    pytest.importorskip("dicebear")
    pytest.importorskip("resvg_py")
    from irodori.examples import make_example

    monkeypatch.setattr(make_example, "HERE", tmp_path)
    make_example.main()
    # another resvg release may anti-alias a few edge pixels differently, nothing more
    diff = np.abs(irodori.load_lineart(tmp_path / "aiko.png") - irodori.load_lineart(LINEART))
    assert diff.mean() < 0.002 and (diff > 0.25).mean() < 0.001
    cdiff = np.abs(read_rgb(tmp_path / "aiko_color.png").astype(int) - read_rgb(EXAMPLES / "aiko_color.png"))
    assert (cdiff.max(axis=2) > 64).mean() < 0.001


def test_python_dash_m_demo_in_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "irodori.demo", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "aiko_fill.psd" in proc.stdout and (tmp_path / "o" / "aiko_fill.ora").exists()


def _readme_section(title: str) -> str:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_readme_python_example_runs(tmp_path, monkeypatch):
    section = _readme_section("Python API")
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "page.png").write_bytes(LINEART.read_bytes())
    (tmp_path / "page.hints.json").write_bytes(HINTS.read_bytes())
    exec(compile(code, "README.md", "exec"), {})
    assert Hints.from_json(tmp_path / "copy.hints.json") == Hints.from_json(HINTS)


def test_readme_hint_example_is_valid():
    section = _readme_section("Hint format")
    example = section.split("```json\n", 1)[1].split("```", 1)[0]
    assert len(Hints.from_json_text(example)) == 3


def test_readme_documents_every_colorize_option(capsys):
    from irodori.cli import main

    assert main(["colorize", "--help"]) == 0
    flags = {w.strip(",") for w in capsys.readouterr().out.split() if w.startswith("--")} - {"--help"}
    section = _readme_section("Command line")
    assert flags and all(f in section for f in flags), sorted(f for f in flags if f not in section)
