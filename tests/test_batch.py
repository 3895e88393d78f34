"""``irodori batch``: a chapter of pages, with failures, resuming, workers and per-page hints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from irodori.cli import main
from irodori.io import load_lineart, read_rgb, write_png
from irodori.synthetic import make_lineart


def _lines_png(ink: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(255 * (1 - ink)), 0, 255).astype(np.uint8)


@pytest.fixture()
def chapter(tmp_path: Path):
    """pages/ with two good pages and a corrupt one, plus a coloured reference and its lines."""
    pages = tmp_path / "pages"
    pages.mkdir()
    ref = make_lineart(96, 96, n_shapes=5, seed=11)
    write_png(tmp_path / "ref.png", ref.colors)
    write_png(tmp_path / "ref_lines.png", _lines_png(ref.ink))
    write_png(pages / "p01.png", _lines_png(ref.ink[:, ::-1]))
    write_png(pages / "p02.png", _lines_png(make_lineart(96, 96, n_shapes=5, seed=12).ink))
    (pages / "p03.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not a picture")
    return tmp_path


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    cap = capsys.readouterr()
    return code, cap.out + cap.err


def test_batch_reports_failures_and_skips_done_pages(chapter: Path, capsys):
    out = chapter / "out"
    args = ["batch", str(chapter / "pages"), "-o", str(out), "--method", "paste",
            "--reference", str(chapter / "ref.png"), "--reference-lines", str(chapter / "ref_lines.png")]
    code, text = _run(capsys, *args)
    assert code == 1
    assert "2 done, 0 skipped (already done), 1 failed" in text
    assert "failed p03.png" in text and "Traceback" not in text
    assert sorted(p.name for p in out.iterdir()) == ["p01.png", "p02.png"]
    first = (out / "p01.png").stat().st_mtime_ns

    code, text = _run(capsys, *args)  # resume: the good pages are done, the bad one fails again
    assert code == 1 and "0 done, 2 skipped (already done), 1 failed" in text
    assert (out / "p01.png").stat().st_mtime_ns == first

    (chapter / "pages" / "p03.png").unlink()
    code, text = _run(capsys, *args)
    assert code == 0 and "0 done, 2 skipped" in text

    code, text = _run(capsys, *args, "--overwrite")
    assert code == 0 and "2 done, 0 skipped" in text


def test_batch_with_two_workers(chapter: Path, capsys):
    out = chapter / "out"
    code, text = _run(capsys, "batch", str(chapter / "pages"), "-o", str(out), "--method", "gray",
                      "--workers", "2")
    assert code == 1 and "2 done, 0 skipped (already done), 1 failed" in text
    for name in ("p01.png", "p02.png"):
        picture = read_rgb(out / name)
        ink = load_lineart(chapter / "pages" / name)
        assert picture.shape == (*ink.shape, 3)


def test_batch_uses_hints_beside_each_page(chapter: Path, capsys):
    pages = chapter / "pages"
    (pages / "p03.png").unlink()
    ink = load_lineart(pages / "p01.png")
    ys, xs = np.nonzero(ink == 0)
    x, y = int(xs[len(xs) // 2]), int(ys[len(ys) // 2])
    hint = {"version": 1, "hints": [{"type": "point", "x": x, "y": y, "color": "#0a0b0c", "radius": 1}]}
    (pages / "p01.hints.json").write_text(json.dumps(hint))
    out = chapter / "out"
    code, text = _run(capsys, "batch", str(pages), "-o", str(out), "--method", "svm",
                      "--reference", str(chapter / "ref.png"), "--reference-lines", str(chapter / "ref_lines.png"),
                      "--option", "samples=1500", "--option", "components=150")
    assert code == 0, text
    assert tuple(read_rgb(out / "p01.png")[y, x]) == (10, 11, 12)
    assert not (read_rgb(out / "p02.png") == (10, 11, 12)).all(axis=2).any()


@pytest.mark.parametrize("extra, message", [
    (["--method", "nope"], "unknown method"),
    (["--method", "svm"], "needs a coloured reference"),
    (["--method", "gray", "--workers", "0"], "--workers"),
    (["--method", "gray", "--option", "bogus=1"], "unknown option"),
])
def test_batch_bad_arguments_exit_2(chapter: Path, capsys, extra, message):
    code, text = _run(capsys, "batch", str(chapter / "pages"), "-o", str(chapter / "out"), *extra)
    assert code == 2 and message in text
    assert not (chapter / "out").exists()


def test_batch_missing_pages_folder_exits_2(tmp_path: Path, capsys):
    code, text = _run(capsys, "batch", str(tmp_path / "none"), "-o", str(tmp_path / "out"))
    assert code == 2 and "pages folder not found" in text
