"""One-image fine-tuning: a tiny generator adapted to a tiny synthetic reference, then used by ``neural``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import irodori  # noqa: E402
from irodori.cli import main  # noqa: E402
from irodori.errors import IrodoriError  # noqa: E402
from irodori.io import write_bytes_atomic, write_png  # noqa: E402
from irodori.methods.neural import session  # noqa: E402
from irodori.nets import Generator, GeneratorConfig  # noqa: E402
from irodori.synthetic import make_lineart  # noqa: E402
from irodori.train.export import onnx_bytes  # noqa: E402
from irodori.train.finetune import FinetuneConfig, finetune, finetune_files, load_onnx_generator  # noqa: E402

TINY = GeneratorConfig(base=8, max_channels=16, depth=4, blocks=1, mid_blocks=1)
CFG = FinetuneConfig(crop=32, batch_size=4, lr=2e-3, threads=1)


@pytest.fixture(scope="module")
def base_model(tmp_path_factory) -> Path:
    """A tiny untrained generator exported the way the shipped model is, working size 64.

    Its weights are jittered: the exporter merges equal initializers (the zero-initialized
    last convolution of every residual block), which a trained model never has.
    """
    torch.manual_seed(0)
    netG = Generator(TINY).eval()
    with torch.no_grad():
        for p in netG.parameters():
            p.add_(torch.randn_like(p) * 1e-3)
    path = tmp_path_factory.mktemp("base") / "tiny.onnx"
    write_bytes_atomic(path, onnx_bytes(netG, {"irodori.work_size": "64"}))
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    d = make_lineart(64, 64, n_shapes=4, seed=3)
    root = tmp_path_factory.mktemp("ref")
    color = (d.colors.astype(np.float32) * (1 - d.ink[..., None])).astype(np.uint8)
    write_png(root / "lines.png", (255 - np.rint(d.ink * 255)).astype(np.uint8))
    write_png(root / "colors.png", color)
    return root / "lines.png", root / "colors.png"


def test_onnx_weights_load_into_torch(base_model):
    netG, meta = load_onnx_generator(base_model)
    assert netG.config == TINY and meta["irodori.work_size"] == "64"
    rng = np.random.default_rng(0)
    line = (rng.random((1, 1, 64, 64)) > 0.8).astype(np.float32)
    hint = np.zeros((1, 4, 16, 16), np.float32)
    hint[:, :, 4, 4] = (1.0, 0.0, 0.0, 1.0)
    with torch.no_grad():
        ours = netG(torch.from_numpy(line), torch.from_numpy(hint)).numpy()
    theirs = session(str(base_model)).run(["rgb"], {"line": line, "hint": hint})[0]
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_finetune_lowers_reference_loss_and_exports_a_neural_model(base_model, reference, tmp_path):
    lines, colors = reference
    out, card_path = finetune_files(colors, tmp_path / "m" / "char.onnx", lines, str(base_model), steps=40,
                                    minutes=None, config=CFG, progress=False)
    card = json.loads(card_path.read_text())
    assert card["steps"] == 40
    assert card["reference_l1"]["after"] < 0.7 * card["reference_l1"]["before"]
    assert card["finetuned_from"]["sha256"] == __import__("hashlib").sha256(base_model.read_bytes()).hexdigest()
    assert card["reference"]["lines"]["sha256"] != card["reference"]["colors"]["sha256"]
    ink = irodori.load_lineart(lines)
    tuned = irodori.colorize(ink, method="neural", model=str(out))
    base = irodori.colorize(ink, method="neural", model=str(base_model))
    truth = irodori.read_rgb(colors)
    err = lambda r: np.abs(r.image.astype(float) - truth).mean()  # noqa: E731
    assert tuned.image.shape == (64, 64, 3)
    assert err(tuned) < err(base)
    with pytest.raises(IrodoriError, match="exists"):
        finetune_files(colors, out, lines, str(base_model), steps=1, minutes=None, config=CFG, progress=False)


def test_finetune_without_lines_extracts_them(base_model, reference, tmp_path):
    _, colors = reference
    out, card_path = finetune_files(colors, tmp_path / "x.onnx", None, str(base_model), steps=2, minutes=None,
                                    config=CFG, progress=False)
    assert out.is_file() and "extracted" in json.loads(card_path.read_text())["reference"]["lines"]


def test_bad_inputs(base_model, reference, tmp_path):
    lines, colors = reference
    kw = dict(base_model=str(base_model), steps=1, minutes=None, config=CFG, progress=False)
    with pytest.raises(IrodoriError, match="not found|cannot"):
        finetune_files(tmp_path / "missing.png", tmp_path / "a.onnx", lines, **kw)
    with pytest.raises(IrodoriError, match="not found|cannot"):
        finetune_files(colors, tmp_path / "a.onnx", tmp_path / "missing.png", **kw)
    with pytest.raises(IrodoriError, match="must end in .onnx"):
        finetune_files(colors, tmp_path / "a.pt", lines, **kw)
    with pytest.raises(IrodoriError, match="not found"):
        finetune_files(colors, tmp_path / "a.onnx", lines, **{**kw, "base_model": str(tmp_path / "no.onnx")})
    with pytest.raises(IrodoriError, match="same size"):
        finetune(np.zeros((64, 64), np.float32), np.zeros((64, 48, 3), np.uint8), str(base_model), steps=1,
                 minutes=None, config=CFG, progress=False)
    assert not (tmp_path / "a.onnx").exists()


def test_cli_reports_bad_input(reference, tmp_path, capsys):
    lines, colors = reference
    small = tmp_path / "small.png"
    write_png(small, np.full((32, 32, 3), 255, np.uint8))
    rc = main(["finetune", "--reference-lines", str(lines), "--reference-colors", str(small),
               "-o", str(tmp_path / "m.onnx"), "--steps", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and "same size" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.onnx").exists()
