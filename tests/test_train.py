"""Training: config validation, a tiny run end to end, exact resume, learning, and DDP on gloo."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import subprocess
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch")

from _neural_fixtures import REPO, TINY_CONFIG, make_tiny_dataset  # noqa: E402

from irodori.errors import IrodoriError  # noqa: E402
from irodori.train.config import config_from_dict, load_config  # noqa: E402
from irodori.train.loop import train  # noqa: E402


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    return make_tiny_dataset(tmp_path_factory.mktemp("tiny_pairs"))


def _run(data, out, cfg=None, **kw):
    return train([data], cfg or load_config(TINY_CONFIG), out, progress=False, tensorboard=False, **kw)


def test_config_rejects_unknown_keys_and_bad_values(tmp_path):
    with pytest.raises(IrodoriError, match="unknown key"):
        config_from_dict({"stepz": 3})
    with pytest.raises(IrodoriError, match="multiples of the generator stride"):
        config_from_dict({"crop": 100})
    with pytest.raises(IrodoriError, match="expects int"):
        config_from_dict({"steps": "ten"})
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(IrodoriError, match="bad train config"):
        load_config(bad)
    for name in ("tiny.json", "default.json", "default-gpu.json", "default-rough.json", "default-rough-gpu.json"):
        load_config(REPO / "configs" / name)  # the shipped configs are valid
    with pytest.raises(IrodoriError, match="rough_prob"):
        config_from_dict({"rough_prob": 1.5})


def test_tiny_run_writes_logs_grid_and_checkpoint(tiny_data, tmp_path):
    out = tmp_path / "run"
    summary = train([tiny_data], load_config(TINY_CONFIG), out, progress=False, tensorboard=True)
    assert summary["step"] == 8
    for name in ("checkpoint.pt", "config.json", "data.json", "train.csv", "val.csv", "grid_0000008.png"):
        assert (out / name).is_file(), name
    assert any((out / "tb").iterdir())
    rows = list(csv.DictReader(open(out / "val.csv")))
    assert {"psnr_h0", "ssim_h16", "ciede2000_h16"} <= set(rows[-1])
    assert json.loads((out / "config.json").read_text())["steps"] == 8
    with pytest.raises(IrodoriError, match="--resume"):
        _run(tiny_data, out)
    with pytest.raises(IrodoriError, match="no checkpoint"):
        _run(tiny_data, tmp_path / "empty", resume=True)


def test_resume_continues_exactly(tiny_data, tmp_path):
    # the resumed half prepares its batches in 2 DataLoader processes: batches depend on the step alone
    cfg = load_config(TINY_CONFIG)
    straight = _run(tiny_data, tmp_path / "a", cfg)["models"]
    _run(tiny_data, tmp_path / "b", cfg, max_steps=4)
    resumed = _run(tiny_data, tmp_path / "b", cfg, resume=True, workers=2)["models"]
    for name in ("netG", "netD", "netG_ema"):
        a, b = straight[name].state_dict(), resumed[name].state_dict()
        for key in a:
            assert torch.equal(a[key], b[key]), f"{name}.{key} differs after resume"
    with pytest.raises(IrodoriError, match="config differs"):
        _run(tiny_data, tmp_path / "b", dataclasses.replace(cfg, steps=12), resume=True)


def test_l1_training_learns_the_colours(tiny_data, tmp_path):
    cfg = dataclasses.replace(load_config(TINY_CONFIG), steps=120, adv_start=10_000, val_every=1000,
                              ckpt_every=1000, log_every=5, lr_g=2e-3, ema_decay=0.5)
    _run(tiny_data, tmp_path / "l1", cfg)
    rows = list(csv.DictReader(open(tmp_path / "l1" / "train.csv")))
    first = sum(float(r["loss_l1"]) for r in rows[:2]) / 2
    last = sum(float(r["loss_l1"]) for r in rows[-12:]) / 12  # random shape colours: L1 has a floor
    assert last < 0.85 * first, (first, last)


DDP_SCRIPT = textwrap.dedent("""
    import sys, torch, torch.distributed as dist
    from irodori.train.config import load_config
    from irodori.train.loop import train
    data, cfg, out = sys.argv[1:4]
    models = train([data], load_config(cfg), out, progress=False, tensorboard=False)["models"]
    torch.save({k: m.state_dict() for k, m in models.items()}, f"{out}/rank{dist.get_rank()}.pt")
""")


def test_ddp_two_gloo_processes_keep_weights_equal(tiny_data, tmp_path):
    script = tmp_path / "ddp_train.py"
    script.write_text(DDP_SCRIPT)
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(script), str(tiny_data), str(TINY_CONFIG), str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0 = torch.load(out / "rank0.pt", weights_only=False)
    r1 = torch.load(out / "rank1.pt", weights_only=False)
    init = torch.load(out / "checkpoint.pt", weights_only=False)
    assert init["step"] == 8
    changed = False
    for name in ("netG", "netD", "netG_ema"):
        for key in r0[name]:
            assert torch.allclose(r0[name][key], r1[name][key], atol=1e-6), f"ranks differ at {name}.{key}"
    torch.manual_seed(0)
    from irodori.nets import Generator
    fresh = Generator(load_config(TINY_CONFIG).generator).state_dict()
    changed = any(not torch.equal(fresh[k], r0["netG"][k]) for k in fresh)
    assert changed


def test_source_balance_draws_small_folders_more_often():
    from irodori.train.data import BalancedConcat, source_shares

    assert source_shares([900, 100], 0.0) == pytest.approx([0.9, 0.1])
    assert source_shares([900, 100], 1.0) == pytest.approx([0.5, 0.5])
    assert source_shares([900, 100], 0.5) == pytest.approx([0.75, 0.25])
    with pytest.raises(IrodoriError, match="source_balance"):
        source_shares([1, 2], 1.5)
    big, small = [("big", i) for i in range(90)], [("small", i) for i in range(10)]
    ds = BalancedConcat([big, small], source_shares([90, 10], 1.0))
    items = [ds[i] for i in range(len(ds))]
    assert len(ds) == 100 and sum(s == "small" for s, _ in items) == 50
    assert {i for s, i in items if s == "small"} == set(range(10))  # the small source repeats, whole
    with pytest.raises(IrodoriError, match="source_balance"):
        config_from_dict({"source_balance": 2.0})


def test_rough_lines_and_sloppy_hints_train_on_the_tiny_config(tiny_data, tmp_path):
    """The issue-11 training noise: rough sketches as input, sloppy and dense hints; a few steps run."""
    import numpy as np

    from irodori.train.data import make_batch, open_split

    cfg = dataclasses.replace(load_config(TINY_CONFIG), rough_prob=1.0, sloppy_prob=1.0, steps=4, val_every=4,
                              ckpt_every=4)
    summary = _run(tiny_data, tmp_path / "run", cfg)
    assert summary["step"] == 4
    ds = open_split([tiny_data], "train", cfg.image_size)
    idx = list(range(min(4, len(ds))))
    plain = make_batch(ds, idx, np.random.default_rng(1), cfg.crop, cfg.min_scale, 0.0, 16)
    same = make_batch(ds, idx, np.random.default_rng(1), cfg.crop, cfg.min_scale, 0.0, 16, 0.0, 0.0)
    assert all(torch.equal(plain[k], same[k]) for k in plain)  # off = the batches of before
    noisy = make_batch(ds, idx, np.random.default_rng(1), cfg.crop, cfg.min_scale, 0.0, 16, 1.0, 1.0)
    # the first item has the same crop (later ones differ: the sketch draws from the same rng)
    assert torch.equal(noisy["color"][0], plain["color"][0])  # the target is the clean colouring
    assert not torch.equal(noisy["line"][0], plain["line"][0])
    paper = plain["line"][0] < 0.05
    assert noisy["line"][0][paper].mean() > 0.02  # grey paper of a sketch
    assert noisy["hint"][:, 3].sum() > 0
