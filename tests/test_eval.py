"""``irodori eval`` end to end on tiny synthetic data, and its pieces."""

import csv
import json

import numpy as np
import pytest

from irodori.cli import main
from irodori.eval import data as eval_data
from irodori.eval import harness
from irodori.hints import Hints, Point
from irodori.io import read_rgb, write_png
from irodori.methods import describe_methods
from irodori.synthetic import make_lineart

SIZE = 64


def _dataset(root, n=5, manifest=True):
    (root / "line").mkdir(parents=True)
    (root / "color").mkdir()
    rows = []
    for i in range(n):
        d = make_lineart(SIZE, SIZE, n_shapes=5, seed=100 + i)
        write_png(root / "line" / f"p{i}.png", np.rint(255 * (1 - d.ink)).astype(np.uint8))
        colour = np.rint(d.colors * (1 - d.ink[..., None])).astype(np.uint8)
        write_png(root / "color" / f"p{i}.png", colour)
        rows.append(f"p{i},{'train' if i < 2 else 'test'}")
    if manifest:
        (root / "manifest.csv").write_text("id,split\n" + "\n".join(rows) + "\n")
    return root


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return _dataset(tmp_path_factory.mktemp("evaldata") / "tiny")


@pytest.fixture(scope="module")
def first_run(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "a"
    code = main(["eval", "--data", str(data_dir), "--methods", "gray,mean", "--hints", "0,4",
                 "-o", str(out), "-q"])
    assert code == 0
    return out


def test_end_to_end_files_and_rows(first_run):
    out = first_run
    for name in ("report.md", "results.csv", "summary.csv", "grids/tiny_0.png", "grids/tiny_4.png",
                 "plots/tiny.png", "mean/tiny.png"):
        assert (out / name).is_file(), name
    rows = _rows(out / "results.csv")
    assert len(rows) == 3 * 2 * 2  # 3 test images x 2 methods x 2 hint settings
    assert tuple(rows[0]) == harness.COLUMNS
    assert {r["status"] for r in rows} == {"ok"}
    assert {(r["method"], r["hints"]) for r in rows} == {(m, h) for m in ("gray", "mean") for h in ("0", "4")}
    for r in rows:
        assert 0 < float(r["delta_e"]) < 100 and 0 <= float(r["share_de_lt5"]) <= 1
        assert -1 <= float(r["ssim"]) <= 1 and float(r["psnr"]) > 0
        assert int(r["bleed_regions"]) >= int(r["bleeding"]) >= 0
        assert int(r["n_hints"]) == int(r["hints"])
        assert (r["adherence"] == "") == (r["hints"] == "0")
        assert float(r["seconds"]) >= 0 and float(r["peak_mib"]) >= 0
    # gray is white paper: hints are coloured, so it cannot follow them
    assert all(float(r["adherence"]) > 5 for r in rows if r["hints"] == "4" and r["method"] == "gray")
    report = (out / "report.md").read_text()
    assert "| `gray` | 0 | 3 |" in report and "FID: skipped" in report
    assert "Time spent in method calls" in report
    assert "![comparison grid](grids/tiny_" in report
    grid = read_rgb(out / "grids" / "tiny_4.png")
    assert grid.shape[1] > 4 * 100 and grid.std() > 10  # 5 columns of pictures
    mean = read_rgb(out / "mean" / "tiny.png")
    assert mean.shape == (harness.MEAN_SIZE, harness.MEAN_SIZE, 3)


def test_same_results_twice_and_in_parallel(first_run, data_dir, tmp_path):
    out = tmp_path / "b"
    assert main(["eval", "--data", str(data_dir), "--methods", "gray,mean", "--hints", "0,4",
                 "-o", str(out), "-q", "--workers", "2"]) == 0
    a, b = _rows(first_run / "results.csv"), _rows(out / "results.csv")
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("seconds", "peak_mib")} for r in rows]
    assert strip(a) == strip(b)


def test_hint_sampling_is_seeded_per_image_and_setting(data_dir):
    colour = read_rgb(data_dir / "color" / "p2.png")
    ink = 1 - read_rgb(data_dir / "line" / "p2.png")[..., 0].astype(np.float32) / 255
    s = harness.parse_settings("4")[0]
    h1, h2 = harness.simulate(s, colour, ink, "p2"), harness.simulate(s, colour, ink, "p2")
    assert h1 == h2 and len(h1) == 4
    assert harness.simulate(s, colour, ink, "p3") != h1
    assert harness.hint_seed("p2", "4") != harness.hint_seed("p2", "16")
    assert not harness.simulate(harness.parse_settings("0")[0], colour, ink, "p2")


def test_line_art_only_with_hint_files(tmp_path):
    root = tmp_path / "lines"
    root.mkdir()
    d = make_lineart(SIZE, SIZE, n_shapes=4, seed=5)
    write_png(root / "a.png", np.rint(255 * (1 - d.ink)).astype(np.uint8))
    write_png(root / "b.png", np.rint(255 * (1 - d.ink)).astype(np.uint8))
    d.hints(n=2).to_json(root / "a.hints.json")
    out = tmp_path / "r"
    assert main(["eval", "--data", str(root), "--methods", "gray", "-o", str(out), "-q"]) == 0
    rows = {r["image"]: r for r in _rows(out / "results.csv")}
    assert set(rows) == {"a", "b"} and rows["a"]["hints"] == "file"
    assert rows["a"]["n_hints"] == "2" and float(rows["a"]["adherence"]) > 0
    assert rows["b"]["n_hints"] == "0" and rows["b"]["adherence"] == ""
    assert rows["a"]["psnr"] == "" and int(rows["a"]["bleed_regions"]) > 0
    assert (out / "grids" / "lines_file.png").is_file()
    assert "No ground truth" in (out / "report.md").read_text()


def test_folder_without_manifest_and_limit(tmp_path):
    root = _dataset(tmp_path / "plain", n=4, manifest=False)
    # No train split to average: `mean` is skipped unless given an image through --option.
    write_png(tmp_path / "m.png", np.full((8, 8, 3), 90, np.uint8))
    out = tmp_path / "r"
    assert main(["eval", "--data", str(root), "--methods", "gray,mean", "--hints", "0", "-o", str(out), "-q",
                 "--option", f"mean.mean_image={tmp_path / 'm.png'}"]) == 0
    rows = _rows(out / "results.csv")
    assert len(rows) == 8 and {r["status"] for r in rows} == {"ok"}
    assert main(["eval", "--data", str(root), "--methods", "gray,mean", "--hints", "0", "-o",
                 str(tmp_path / "r2"), "-q"]) == 0
    assert {r["method"] for r in _rows(tmp_path / "r2" / "results.csv")} == {"gray"}
    assert "`mean` skipped" in (tmp_path / "r2" / "report.md").read_text()
    loaded = eval_data.load(root, limit=2)
    assert len(loaded.items) == 2 and loaded.has_truth
    assert [it.id for it in loaded.items] == [it.id for it in eval_data.load(root).items[:2]]


@pytest.mark.parametrize("args, message", [
    (["--data", "/nonexistent/x"], "data folder not found"),
    (["--hints", "0,lots"], "bad hint setting"),
    (["--methods", "gray,nope"], "unknown method"),
    (["--split", "val"], "no images in split 'val'"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--fid-weights", "/nonexistent.onnx"], "--fid-weights: file not found"),
    (["--option", "gray.nope=1"], "unknown option"),
    (["--option", "mean_image=x.png"], "expected METHOD.KEY=VALUE"),
    (["--option", "mean.mean_image=x.png"], "not among --methods"),
])
def test_bad_input_is_one_line_error(data_dir, tmp_path, capsys, args, message):
    base = {"--data": str(data_dir), "--methods": "gray"}
    argv = ["eval", "-o", str(tmp_path / "r"), "-q"]
    for k, v in base.items():
        if k not in args:
            argv += [k, v]
    assert main(argv + args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_existing_report_needs_overwrite(first_run, data_dir, capsys):
    argv = ["eval", "--data", str(data_dir), "--methods", "gray", "--hints", "0", "-o", str(first_run), "-q"]
    assert main(argv) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_plan_follows_capabilities(data_dir):
    data = eval_data.load(data_dir)
    settings = harness.parse_settings("0,4")
    names = [m["name"] for m in describe_methods()]
    p = harness.plan(data, names, settings, mean_image=None, mean_note="none")
    ran = {m.name for m in p.methods}
    for m in describe_methods():
        caps = m["capabilities"]
        wants_mean = any(o["name"] == "mean_image" for o in m["options"])
        assert (m["name"] in ran) == (not caps["needs_reference"] and not wants_mean), m["name"]
        if caps["needs_hints"] and m["name"] in ran:
            assert any(m["name"] in n and "skipped at 0" in n for n in p.notes)


def test_plan_gives_threaded_methods_one_thread_per_worker(data_dir):
    data = eval_data.load(data_dir)
    settings = harness.parse_settings("4")
    threaded = [m["name"] for m in describe_methods() if any(o["name"] == "threads" for o in m["options"])]
    assert "neural" in threaded
    names = ["fill", *threaded]
    alone = harness.plan(data, names, settings, None, "none")
    assert all("threads" not in m.options for m in alone.methods)
    shared = harness.plan(data, names, settings, None, "none", {"neural": {"threads": 3}}, threads=1)
    opts = {m.name: m.options for m in shared.methods}
    assert opts["neural"]["threads"] == 3  # an explicit --option wins
    assert "threads" not in opts["fill"]
    assert all(opts[n]["threads"] == 1 for n in threaded if n != "neural")


def test_mean_method_uses_the_mean_image(tmp_path):
    import irodori

    mean = np.zeros((8, 8, 3), np.uint8)
    mean[:, :4] = (200, 30, 30)
    mean[:, 4:] = (30, 30, 200)
    write_png(tmp_path / "mean.png", mean)
    ink = np.zeros((16, 32), np.float32)
    res = irodori.colorize(ink, method="mean", mean_image=str(tmp_path / "mean.png"))
    assert tuple(res.image[8, 2]) == (200, 30, 30) and tuple(res.image[8, 30]) == (30, 30, 200)
    with pytest.raises(irodori.IrodoriError, match="mean image not found"):
        irodori.colorize(ink, method="mean", mean_image=str(tmp_path / "missing.png"))
    # Without the option: the shipped mean of the default model's training data.
    shipped = irodori.colorize(ink, method="mean").flats[..., :3]
    assert shipped.std() > 0 and 150 < shipped.mean() < 250


def test_fid_with_local_onnx_model(tmp_path, data_dir):
    import onnx
    from onnx import TensorProto, helper

    # A tiny stand-in "Inception": average colour per channel on a 3x3 grid (27 features).
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 24, 24])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 3, 3])
    node = helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[8, 8], strides=[8, 8])
    model = helper.make_model(helper.make_graph([node], "pool", [x], [y]),
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "tiny.onnx")
    out = tmp_path / "r"
    assert main(["eval", "--data", str(data_dir), "--methods", "gray,mean", "--hints", "0", "-o", str(out),
                 "-q", "--fid-weights", str(tmp_path / "tiny.onnx")]) == 0
    report = (out / "report.md").read_text()
    assert "FID: computed" in report
    line = next(l for l in report.splitlines() if l.startswith("| `gray` | 0 |"))
    assert float(line.rstrip(" |").split("|")[-1]) > 0
    feats = np.random.default_rng(0).normal(size=(50, 4))
    assert harness.frechet_distance(feats, feats) == pytest.approx(0, abs=1e-6)
    assert harness.frechet_distance(feats, feats + 1) == pytest.approx(4, rel=1e-6)


def test_hints_file_next_to_picture_is_found(tmp_path):
    root = tmp_path / "d"
    root.mkdir()
    write_png(root / "x.png", np.full((20, 20), 255, np.uint8))
    Hints((Point(3, 3, (1, 2, 3)),)).to_json(root / "x.json")
    (item,) = eval_data.load(root).items
    assert item.hints == root / "x.json" and item.color is None
    json.loads((root / "x.json").read_text())


def test_readme_block_from_report(first_run, tmp_path):
    from irodori.eval import readme

    doc = tmp_path / "README.md"
    doc.write_text("# x\n\n## How the methods compare\n\ntext\n\n<!-- eval:begin -->\nold\n<!-- eval:end -->\n\n## After\n")
    grid = first_run / "grids" / "tiny_4.png"
    assert readme.main([str(first_run), str(doc), "--grid", str(grid), "--grid-to", "docs/g.png"]) == 0
    text = doc.read_text()
    assert "old" not in text and text.startswith("# x") and text.endswith("## After\n")
    assert "| `gray` | 2" not in text and "| method | 0 | 4 |" in text and "![" in text
    assert 0 < (tmp_path / "docs" / "g.png").stat().st_size <= readme.MAX_GRID_BYTES


def test_parse_settings():
    s = harness.parse_settings("0, 4,strokes:8,per-region")
    assert [(x.label, x.mode, x.n) for x in s] == [("0", "points", 0), ("4", "points", 4),
                                                   ("strokes:8", "strokes", 8), ("per-region", "per-region", None)]
    assert s[0].empty and not s[2].empty and not s[3].empty
    for bad in ("4,4", "", "-1", "strokes:x"):
        with pytest.raises(Exception, match="hint setting|twice|no setting"):
            harness.parse_settings(bad)


def test_splice_grids_adds_method_columns():
    from irodori.eval import readme, report

    rng = np.random.default_rng(0)
    pics = [{("", "line"): rng.integers(0, 255, (40, 40, 3), dtype=np.uint8),
             ("", "truth"): np.full((40, 40, 3), 7, np.uint8),
             ("4", "hints"): np.zeros((40, 40, 3), np.uint8),
             ("4", "a"): np.full((40, 40, 3), 50, np.uint8),
             ("4", "b"): np.full((40, 40, 3), 100, np.uint8)} for _ in range(2)]
    first = report.grid_image(pics, "4", ["a"])
    second = report.grid_image(pics, "4", ["b"])
    merged = readme.splice_grids(first, second)
    assert merged.shape == report.grid_image(pics, "4", ["a", "b"]).shape
    np.testing.assert_array_equal(merged[report.HEADER:], report.grid_image(pics, "4", ["a", "b"])[report.HEADER:])
