"""Dataset builds: tiny builds of every source, splits, resume, atomicity and bad input."""

import csv
import os
import shutil
import subprocess

import cv2
import numpy as np
import pytest

from irodori.cli import main
from irodori.data import build_dataset, make_source, read_manifest, split_for_group
from irodori.data.build import BUILD_INFO
from irodori.data.manifest import pair_sha256
from irodori.data.openmoji import group_of
from irodori.data.sources import Item, Source
from irodori.errors import IrodoriError
from irodori.io import read_rgb, write_png
from irodori.synthetic import make_lineart


def _build(source, out, **kw):
    kw.setdefault("size", 64)
    kw.setdefault("workers", 1)
    return build_dataset(source, out, progress=False, **kw)


def _check_files(root, rows):
    for r in rows:
        line_b = (root / "line" / f"{r.id}.png").read_bytes()
        color_b = (root / "color" / f"{r.id}.png").read_bytes()
        assert pair_sha256(line_b, color_b) == r.sha256
        line = cv2.imdecode(np.frombuffer(line_b, np.uint8), cv2.IMREAD_UNCHANGED)
        color = cv2.imdecode(np.frombuffer(color_b, np.uint8), cv2.IMREAD_UNCHANGED)
        assert line.shape == (r.height, r.width)
        assert color.shape == (r.height, r.width, 3)


@pytest.fixture(scope="module")
def openmoji_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("om") / "openmoji"
    return out, _build(make_source("openmoji"), out, limit=14)


def test_openmoji_tiny_build(openmoji_build):
    out, report = openmoji_build
    rows = read_manifest(out)
    assert rows == report.rows and 8 <= len(rows) <= 14
    assert len(rows) + sum(report.dropped.values()) == 14
    _check_files(out, rows)
    assert {r.source for r in rows} == {"openmoji"} and {r.license for r in rows} == {"CC BY-SA 4.0"}
    assert all("OpenMoji – the open-source emoji and icon project" in r.attribution for r in rows)
    assert "CC BY-SA 4.0" in (out / "ATTRIBUTION.md").read_text(encoding="utf-8")
    # line art is black ink on white paper, and its lines are dark in the colour picture
    r = rows[-1]
    line = cv2.imread(str(out / "line" / f"{r.id}.png"), cv2.IMREAD_GRAYSCALE)
    color = read_rgb(out / "color" / f"{r.id}.png")
    assert line.max() == 255 and line.min() < 64
    assert color[line < 64].mean() < 80
    # files get the usual permissions (not the 0600 of a temporary file), readable by other users
    umask = os.umask(0)
    os.umask(umask)
    for path in (out / "line" / f"{r.id}.png", out / "manifest.csv", out / "ATTRIBUTION.md"):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


def test_skin_tone_variants_share_a_group():
    assert group_of("1F44B-1F3FB") == group_of("1F44B") == "1F44B"
    assert group_of("1F9D1-1F3FB-200D-1F91D-200D-1F9D1-1F3FC") == "1F9D1-200D-1F91D-200D-1F9D1"
    items = make_source("openmoji").items()
    waves = {it.id: it.group for it in items if it.id.startswith("1F44B")}
    assert len(waves) == 6 and set(waves.values()) == {"1F44B"}


def test_splits_are_stable_and_by_group(tmp_path, openmoji_build):
    out, report = openmoji_build
    assert [split_for_group(g) for g in ("a", "b", "1F44B")] == [split_for_group(g) for g in ("a", "b", "1F44B")]
    shares = np.array([split_for_group(f"g{i}") for i in range(4000)])
    assert 0.87 < (shares == "train").mean() < 0.93 and 0.03 < (shares == "test").mean() < 0.07
    small = _build(make_source("openmoji"), tmp_path / "small", limit=5)
    by_id = {r.id: r.split for r in report.rows}
    assert small.rows and all(by_id[r.id] == r.split for r in small.rows)
    assert all(r.split == split_for_group(r.group) for r in report.rows)
    with pytest.raises(IrodoriError, match="fractions"):
        split_for_group("a", (0.5, 0.2, 0.2))


def test_resume_skips_done_items_and_gives_the_same_manifest(tmp_path):
    out = tmp_path / "om"
    first = _build(make_source("openmoji"), out, limit=6)
    text = (out / "manifest.csv").read_text()
    victim = first.rows[0].id
    (out / "color" / f"{victim}.png").unlink()
    again = _build(make_source("openmoji"), out, limit=6)
    assert again.built == 1 and again.reused == len(first.rows) - 1
    assert (out / "manifest.csv").read_text() == text
    with pytest.raises(IrodoriError, match="another build"):
        _build(make_source("openmoji"), out, limit=6, size=96)


class _Interrupted(Source):
    """A real source whose third item stops the build, as a Ctrl-C would."""

    name = "interrupted"

    def items(self):
        return [Item(f"i{k}", f"i{k}") for k in range(5)]

    def render(self, item, size):
        if item.id == "i2":
            raise KeyboardInterrupt
        img = np.full((size, size, 3), 200, np.uint8)
        return img[..., 0], img


def test_interrupted_build_is_never_taken_as_complete(tmp_path):
    out = tmp_path / "half"
    with pytest.raises(KeyboardInterrupt):
        _build(_Interrupted(), out)
    assert not (out / "manifest.csv").exists()
    assert (out / "line" / "i1.png").exists()
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    with pytest.raises(IrodoriError, match="did not finish"):
        read_manifest(out)


def test_dicebear_tiny_build_with_pairs(tmp_path):
    out = tmp_path / "db"
    report = _build(make_source("dicebear", n=3), out, size=96)
    rows = read_manifest(out)
    assert len(rows) == 3 and {r.license for r in rows} == {"CC BY 4.0"}
    assert all("Lisa Wischofsky" in r.attribution for r in rows)
    _check_files(out, rows)
    for r in rows:
        line = cv2.imread(str(out / "line" / f"{r.id}.png"), cv2.IMREAD_GRAYSCALE)
        color = read_rgb(out / "color" / f"{r.id}.png")
        # the line art is exactly the black part of the avatar
        assert (line < 64).mean() > 0.005
        assert color[line < 64].mean() < 40
    with (out / "pairs" / "pairs.csv").open() as f:
        pairs = list(csv.DictReader(f))
    assert len(pairs) == 3
    for p, r in zip(pairs, rows):
        assert p["group"] == r.group and p["split"] == r.split
        assert float(p["paste_de2000"]) >= 4.0
        assert (out / p["line"]).is_file() and (out / p["color"]).is_file() and (out / p["ref_color"]).is_file()
        assert abs(float(p["rotate"])) <= 25
    assert "paste-unchanged mean CIEDE2000" in report.summary()


def test_dicebear_other_styles_are_evaluation_only(tmp_path):
    src = make_source("dicebear", n=2, style="lorelei", pairs_per_seed=0)
    assert src.name == "dicebear-lorelei-evalonly"
    rows = _build(src, tmp_path / "ev").rows
    assert {r.split for r in rows} == {"test"}
    with pytest.raises(IrodoriError, match="unknown DiceBear style"):
        make_source("dicebear", style="no-such-style")


def _illustration(seed, h, w):
    d = make_lineart(h, w, n_shapes=5, seed=seed)
    return (d.colors.astype(np.float32) * (1 - d.ink[..., None])).astype(np.uint8)


@pytest.fixture
def picture_folder(tmp_path):
    folder = tmp_path / "pictures"
    (folder / "nested").mkdir(parents=True)
    write_png(folder / "a.png", _illustration(1, 80, 120))
    cv2.imwrite(str(folder / "nested" / "b.jpg"), _illustration(2, 100, 70)[..., ::-1])
    cv2.imwrite(str(folder / "c.webp"), _illustration(3, 64, 64)[..., ::-1])
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    (folder / "notes.txt").write_text("not a picture")
    return folder


def test_folder_build(picture_folder, tmp_path, capsys):
    src = make_source("folder", path=picture_folder, thickness=1.0, jitter=0.5)
    report = _build(src, tmp_path / "f1", size=48)
    assert len(report.rows) == 3 and report.dropped["unreadable"] == 1
    assert "broken" in capsys.readouterr().err
    for r in report.rows:
        assert min(r.width, r.height) == 48
    _check_files(tmp_path / "f1", report.rows)
    again = _build(make_source("folder", path=picture_folder, thickness=1.0, jitter=0.5), tmp_path / "f2", size=48)
    assert [r.sha256 for r in again.rows] == [r.sha256 for r in report.rows]


def test_bad_input(tmp_path, picture_folder):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IrodoriError, match="no images"):
        make_source("folder", path=empty).items()
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "x.png").write_bytes(b"garbage")
    (junk / "y.jpg").write_bytes(b"")
    with pytest.raises(IrodoriError, match="no usable pairs"):
        _build(make_source("folder", path=junk), tmp_path / "out_junk")
    assert not (tmp_path / "out_junk" / "manifest.csv").exists()
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(IrodoriError, match="cannot write"):
        _build(make_source("folder", path=picture_folder), blocker / "out")
    with pytest.raises(IrodoriError, match="unknown data source"):
        make_source("imagenet")
    with pytest.raises(IrodoriError, match="size"):
        _build(make_source("folder", path=picture_folder), tmp_path / "o", size=8)


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody may write into: chmod for users; the immutable flag for root, who ignores modes."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(ro)],
                                                            capture_output=True).returncode != 0:
            pytest.skip("running as root without chattr +i: no way to make a read-only folder")
        try:
            yield ro
        finally:
            subprocess.run(["chattr", "-i", str(ro)], check=True)
    else:
        ro.chmod(0o500)
        try:
            yield ro
        finally:
            ro.chmod(0o700)


def test_read_only_output(read_only_dir, picture_folder, capsys):
    for out in (read_only_dir, read_only_dir / "new"):
        with pytest.raises(IrodoriError, match="cannot write"):
            _build(make_source("folder", path=picture_folder), out)
    assert main(["data", "build", "folder", str(picture_folder), "--out", str(read_only_dir), "-q"]) == 2
    assert capsys.readouterr().err.startswith("error: cannot write to output directory")
    assert list(read_only_dir.iterdir()) == []


def test_cli_build_and_sheet(tmp_path, picture_folder, capsys):
    out = tmp_path / "cli"
    assert main(["data", "build", "folder", str(picture_folder), "--out", str(out), "--size", "48", "-q",
                 "--workers", "1"]) == 0
    assert "3 pairs" in capsys.readouterr().out
    assert (out / BUILD_INFO).is_file()
    sheet = tmp_path / "sheet.png"
    assert main(["data", "sheet", str(out), "-o", str(sheet), "--n", "4"]) == 0
    img = read_rgb(sheet)
    assert img.shape[0] > 100 and img.std() > 10
    assert main(["data", "sheet", str(out), "-o", str(sheet)]) == 2
    assert main(["data", "build", "mnist", "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("error: ") and "unknown data source" in err
    assert main(["data", "build", "folder", "--out", str(tmp_path / "m")]) == 2
    assert main(["data", "sheet", str(tmp_path / "nothing"), "-o", str(tmp_path / "s.png")]) == 2


def test_readme_documents_every_data_build_option():
    from pathlib import Path

    import typer.main

    from irodori.data.commands import data_app

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Datasets\n"):]
    section = section[:section.find("\n## ", 1)]
    group = typer.main.get_command(data_app)
    for name in ("build", "sheet"):
        for param in group.commands[name].params:
            if param.param_type_name == "option" and param.name not in ("help",):
                assert any(o in section for o in param.opts), f"README Datasets lacks {param.opts}"
