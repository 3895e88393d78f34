"""The neural methods: ONNX parity with torch, torch-free inference, any size, hints, errors, flats."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _neural_fixtures import TINY_CONFIG, make_tiny_dataset  # noqa: E402

import irodori  # noqa: E402
from irodori.errors import IrodoriError  # noqa: E402
from irodori.hints import Hints, Point  # noqa: E402
from irodori.methods import method_names  # noqa: E402
from irodori.methods import neural as neural_mod  # noqa: E402
from irodori.hints import pool_hint_map as hint_map  # noqa: E402
from irodori.synthetic import make_lineart  # noqa: E402


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A tiny generator trained for a few steps and exported: ``(onnx_path, run_dir)``."""
    from irodori.train.config import load_config
    from irodori.train.export import export_run
    from irodori.train.loop import train

    root = tmp_path_factory.mktemp("neural")
    data = make_tiny_dataset(root / "data")
    run = root / "run"
    train([data], load_config(TINY_CONFIG), run, progress=False, tensorboard=False)
    onnx_path, _ = export_run(run, root / "tiny.onnx")
    return onnx_path, run


def test_onnx_matches_torch(tiny_model):
    import onnxruntime as ort

    from irodori.train.export import load_generator

    onnx_path, run = tiny_model
    netG, _ = load_generator(run)
    d = make_lineart(64, 96, n_shapes=5, seed=3)
    colors, mask, _ = d.hints(8, seed=1).rasterize(d.ink.shape)
    hint = hint_map(colors, mask, (16, 24))[None]
    line = d.ink[None, None].astype(np.float32)
    with torch.no_grad():
        expected = netG(torch.from_numpy(line), torch.from_numpy(hint)).numpy()
    got = ort.InferenceSession(str(onnx_path)).run(["rgb"], {"line": line, "hint": hint})[0]
    assert got.shape == (1, 3, 64, 96)
    assert np.abs(got - expected).max() < 1e-3


def test_export_writes_one_file_and_a_card(tiny_model, tmp_path):
    onnx_path, run = tiny_model
    assert not list(onnx_path.parent.glob("*.onnx.data"))
    card = json.loads(onnx_path.with_suffix(".json").read_text())
    assert card["sha256"] == hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    assert card["steps"] == 8 and card["config"]["generator"]["base"] == 4
    assert {"psnr_h0", "ciede2000_h16"} <= set(card["validation"])
    assert card["data"][0]["licenses"] == {"MIT": 24}
    assert "irodori's tests" in card["data"][0]["attribution"]
    from irodori.train.export import export_run

    with pytest.raises(IrodoriError, match="exists"):
        export_run(run, onnx_path)
    with pytest.raises(IrodoriError, match=r"\.onnx"):
        export_run(run, tmp_path / "model.bin")
    with pytest.raises(IrodoriError, match="no checkpoint"):
        export_run(tmp_path, tmp_path / "m.onnx")


def test_neural_methods_are_registered():
    assert {"neural", "neural-flats"} <= set(method_names())


def test_colorize_does_not_import_torch(tiny_model, tmp_path):
    onnx_path, _ = tiny_model
    script = textwrap.dedent(f"""
        import sys
        import irodori
        from irodori.synthetic import make_lineart
        from irodori.hints import Hints, Point
        d = make_lineart(80, 120, seed=2)
        hints = Hints((Point(30, 30, (255, 0, 0), 3),))
        for m in ("neural", "neural-flats"):
            r = irodori.colorize(d.ink, hints=hints, method=m, model={str(onnx_path)!r})
            assert r.image.shape == (80, 120, 3)
        assert "torch" not in sys.modules, "torch was imported"
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "ok"


@pytest.mark.parametrize("shape,work", [((77, 131), 512), ((700, 450), 128)])
def test_any_size_comes_back_full_resolution_with_lines_untouched(tiny_model, shape, work):
    onnx_path, _ = tiny_model
    d = make_lineart(*shape, n_shapes=6, seed=4)
    r = irodori.colorize(d.ink, method="neural", model=str(onnx_path), work_size=work, background="fill")
    assert r.image.shape == (*shape, 3) and r.flats.shape == (*shape, 4) and r.lines.shape == shape
    assert (r.flats[..., 3] == 255).all()
    full_ink = d.ink > 0.999
    assert (r.image[full_ink] <= 1).all()  # lines multiply to black, untouched
    assert np.array_equal(r.lines, np.clip(np.rint(d.ink * 255), 0, 255).astype(np.uint8))


def test_default_work_size_is_the_models_training_size(tiny_model):
    onnx_path, _ = tiny_model
    sess = neural_mod.session(str(onnx_path))
    assert neural_mod.model_work_size(sess) == 64  # configs/tiny.json trains on 64 px pictures
    d = make_lineart(200, 140, n_shapes=5, seed=7)
    r = irodori.colorize(d.ink, method="neural", model=str(onnx_path))
    assert r.image.shape == (200, 140, 3)


def test_working_shape_rounds_to_stride_and_never_enlarges():
    assert neural_mod.working_shape((2000, 1400), 512, 32) == (512, 352)
    assert neural_mod.working_shape((250, 260), 512, 32) == (256, 256)
    assert neural_mod.working_shape((10, 10), 512, 32) == (32, 32)


def test_hints_change_the_colours(tiny_model):
    onnx_path, _ = tiny_model
    d = make_lineart(96, 96, n_shapes=4, seed=5)
    plain = irodori.colorize(d.ink, method="neural", model=str(onnx_path))
    ys, xs = np.nonzero(d.ink < 0.1)
    pts = tuple(Point(float(xs[i]), float(ys[i]), (255, 0, 0), 3) for i in range(0, len(ys), len(ys) // 30))
    hinted = irodori.colorize(d.ink, hints=Hints(pts), method="neural", model=str(onnx_path))
    assert np.abs(hinted.flats.astype(int) - plain.flats.astype(int)).max() > 0


def test_missing_or_broken_model_is_a_clear_error(tmp_path, monkeypatch):
    ink = np.zeros((32, 32), np.float32)
    with pytest.raises(IrodoriError, match="not found"):
        irodori.colorize(ink, method="neural", model=str(tmp_path / "nope.onnx"))
    monkeypatch.setattr(neural_mod, "DEFAULT_MODEL", tmp_path / "default.onnx")
    with pytest.raises(IrodoriError, match="make train-default"):
        irodori.colorize(ink, method="neural-flats")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(IrodoriError, match="cannot load"):
        irodori.colorize(ink, method="neural", model=str(bad))
    with pytest.raises(IrodoriError, match="work_size"):
        irodori.colorize(ink, method="neural", model=str(bad), work_size=8)


def test_neural_flats_give_one_colour_per_region_and_honour_hints(tiny_model):
    onnx_path, _ = tiny_model
    d = make_lineart(96, 128, n_shapes=5, seed=6)
    plain = irodori.colorize(d.ink, method="neural-flats", model=str(onnx_path))
    assert plain.regions is not None and plain.regions.shape == d.ink.shape
    sizes = np.bincount(plain.regions.ravel())
    a, b = np.argsort(sizes)[-2:]  # the two largest regions
    (ya, xa), (yb, xb) = (np.argwhere((plain.regions == k) & (d.ink < 0.05))[0] for k in (a, b))
    hints = Hints((Point(float(xa), float(ya), (255, 0, 0), 0.5), Point(float(xb), float(yb), None, 0.5)))
    r = irodori.colorize(d.ink, hints=hints, method="neural-flats", model=str(onnx_path))
    for k in np.unique(r.regions):
        assert len(np.unique(r.flats[r.regions == k].reshape(-1, 4), axis=0)) == 1
    assert (r.flats[r.regions == a] == (255, 0, 0, 255)).all()
    assert (r.flats[r.regions == b][:, 3] == 0).all()


def test_region_colors_pick_the_dominant_colour():
    from irodori.methods.neural_flats import region_colors

    labels = np.zeros((10, 10), np.int32)
    labels[:, 5:] = 1
    rgb = np.zeros((10, 10, 3), np.float32)
    rgb[:, :5] = (1.0, 0.0, 0.0)
    rgb[:2, :5] = (0.0, 0.0, 1.0)  # a minority in region 0
    rgb[:, 5:] = (0.0, 1.0, 0.0)
    ink = np.zeros((10, 10), np.float32)
    ink[:, 4] = 1.0  # ink does not vote
    rgb[:, 4] = (0.0, 0.0, 1.0)
    out = region_colors(labels, rgb, ink, 2)
    assert np.allclose(out[0], (1.0, 0.0, 0.0), atol=1 / 16) and np.allclose(out[1], (0.0, 1.0, 0.0), atol=1 / 16)


def test_a_region_with_dots_of_two_colours_is_split_where_the_network_puts_them():
    from irodori.hints import clean_hints
    from irodori.methods.neural_flats import hint_counts, split_by_hint_colors

    paper = np.zeros((10, 20), np.float32)
    labels = np.zeros((10, 20), np.int32)
    labels[:, 15:] = 1  # region 1 holds one dot only
    rgb = np.zeros((10, 20, 3), np.float32)
    rgb[:, :8] = (0.9, 0.2, 0.1)   # the network: reddish on the left of region 0,
    rgb[:, 8:15] = (0.1, 0.3, 0.8)  # bluish on its right
    rgb[:, 15:] = (0.9, 0.2, 0.1)
    hints = Hints((Point(2, 5, (255, 0, 0), 0.5), Point(12, 5, (0, 0, 255), 0.5), Point(17, 5, (0, 255, 0), 0.5)))
    out = split_by_hint_colors(np.full((10, 20, 3), 7, np.uint8), labels, rgb, *hint_counts(labels, clean_hints(hints, paper), 2))
    assert (out[:, :8] == (255, 0, 0)).all() and (out[:, 8:15] == (0, 0, 255)).all()
    assert (out[:, 15:] == 7).all()  # one colour of dots: left to the per-region colour
    none = hint_counts(labels, clean_hints(Hints(()), paper), 2)
    assert (split_by_hint_colors(np.full((10, 20, 3), 7, np.uint8), labels, rgb, *none) == 7).all()


def test_mirror_averages_the_page_and_its_mirror_image(tiny_model):
    onnx_path, _ = tiny_model
    ink = make_lineart(64, 96, n_shapes=5, seed=4).ink
    none = Hints(())
    both = neural_mod.neural_colors(ink, none, str(onnx_path), mirror=True)
    plain = neural_mod.neural_colors(ink, none, str(onnx_path), mirror=False)
    of_mirror = neural_mod.neural_colors(np.ascontiguousarray(ink[:, ::-1]), none, str(onnx_path),
                                         mirror=False)[:, ::-1]
    np.testing.assert_allclose(both, np.clip((plain + of_mirror) / 2, 0, 1), atol=1e-4)
    assert np.abs(plain - of_mirror).max() > 1e-3  # the network is not symmetric by itself


def test_pin_hints_meets_each_dots_colour(tiny_model):
    onnx_path, _ = tiny_model
    ink = np.zeros((64, 96), np.float32)
    ink[:, 47:49] = 1.0  # two areas
    hints = Hints((Point(20, 30, (20, 200, 40), radius=2.0), Point(75, 30, (230, 40, 200), radius=2.0)))
    pinned = neural_mod.neural_colors(ink, hints, str(onnx_path), mirror=False, pin_hints=True)
    free = neural_mod.neural_colors(ink, hints, str(onnx_path), mirror=False, pin_hints=False)
    for p in hints.items:
        want = np.array(p.color) / 255.0
        got, before = pinned[int(p.y), int(p.x)], free[int(p.y), int(p.x)]
        assert np.abs(got - want).max() < 0.02, (got, want)
        assert np.abs(before - want).max() > 0.05  # the tiny network alone misses it
    # each dot's correction stays on its side of the line
    (left, right) = (np.array(p.color) / 255.0 - free[int(p.y), int(p.x)] for p in hints.items)
    left_shift = (pinned - free)[:, :40].mean(axis=(0, 1))
    right_shift = (pinned - free)[:, 56:].mean(axis=(0, 1))
    assert np.abs(left_shift - left).sum() < np.abs(left_shift - right).sum()
    assert np.abs(right_shift - right).sum() < np.abs(right_shift - left).sum()


def test_the_last_colouring_is_remembered(tiny_model, monkeypatch):
    onnx_path, _ = tiny_model
    calls = []
    real = neural_mod._neural_colors
    monkeypatch.setattr(neural_mod, "_neural_colors", lambda *a: calls.append(a) or real(*a))
    d = make_lineart(64, 96, n_shapes=5, seed=6)
    hints = d.hints(4, seed=1)
    first = neural_mod.neural_colors(d.ink, hints, str(onnx_path))
    first[:] = 0  # callers get their own copy
    again = neural_mod.neural_colors(d.ink, hints, str(onnx_path))
    assert len(calls) == 1 and again.max() > 0
    neural_mod.neural_colors(d.ink, d.hints(3, seed=1), str(onnx_path))
    neural_mod.neural_colors(d.ink, d.hints(3, seed=1), str(onnx_path), mirror=False)
    ink2 = d.ink.copy()
    ink2[0, 0] = 1.0
    neural_mod.neural_colors(ink2, d.hints(3, seed=1), str(onnx_path), mirror=False)
    assert len(calls) == 4  # other hints, settings or drawing: computed again
