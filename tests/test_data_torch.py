"""PairDataset: shapes and ranges, hints from the ground truth, determinism, loaders and samplers."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import ConcatDataset, DataLoader  # noqa: E402
from torch.utils.data.distributed import DistributedSampler  # noqa: E402

from irodori.data import build_dataset, make_source  # noqa: E402
from irodori.data.hintmap import hint_map  # noqa: E402
from irodori.data.torch_dataset import PairDataset  # noqa: E402
from irodori.errors import IrodoriError  # noqa: E402
from irodori.hints import Hints, Point, Stroke  # noqa: E402


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    out = tmp_path_factory.mktemp("pairs") / "om"
    build_dataset(make_source("openmoji"), out, size=64, limit=24, workers=1, progress=False)
    return out


@pytest.mark.parametrize("augment", [True, False])
@pytest.mark.parametrize("hint_mode", ["points", "mixed", "per-region"])
def test_items_have_the_contract_shapes(root, augment, hint_mode):
    ds = PairDataset(root, split="all", size=48, augment=augment, hint_mode=hint_mode, seed=1)
    for i in range(4):
        x = ds[i]
        assert set(x) == {"line", "color", "hint"}
        assert x["line"].shape == (1, 48, 48) and x["color"].shape == (3, 48, 48) and x["hint"].shape == (4, 12, 12)
        for v in x.values():
            assert v.dtype == torch.float32 and 0.0 <= float(v.min()) and float(v.max()) <= 1.0
        mask = x["hint"][3]
        assert set(mask.unique().tolist()) <= {0.0, 1.0}
        assert (x["hint"][:3] * (1 - mask)).abs().max() == 0
        assert x["line"].max() > 0.5, "line art lost"


def test_hint_colours_come_from_the_picture(root):
    ds = PairDataset(root, split="all", size=64, augment=False, hint_mode="per-region", seed=0)
    seen = 0
    for i in range(len(ds)):
        x = ds[i]
        mask = x["hint"][3] > 0
        if not mask.any():
            continue
        # each hint cell's colour is the mean of ground-truth pixels under it (flat regions: equal)
        cells = x["color"].reshape(3, 16, 4, 16, 4)
        lo, hi = cells.amin(dim=(2, 4)), cells.amax(dim=(2, 4))
        hint = x["hint"][:3]
        assert ((hint >= lo - 0.06) & (hint <= hi + 0.06))[:, mask].all()
        seen += int(mask.sum())
    assert seen > 20


def test_validation_items_repeat_and_training_items_vary(root):
    val = PairDataset(root, split="all", size=48, augment=False, seed=3)
    a, b = val[2], val[2]
    assert all(torch.equal(a[k], b[k]) for k in a)
    train = PairDataset(root, split="all", size=48, augment=True, seed=3)
    draws = [train[2]["color"] for _ in range(4)]
    assert any(not torch.equal(draws[0], d) for d in draws[1:])


def test_loader_concat_and_distributed_sampler(root):
    train = PairDataset(root, split="train", size=32, preload=False)
    both = ConcatDataset([train, PairDataset(root, split="all", size=32, augment=False)])
    loader = DataLoader(both, batch_size=4, shuffle=True, num_workers=0, drop_last=True)
    batches = 0
    for batch in loader:
        assert batch["line"].shape == (4, 1, 32, 32) and batch["hint"].shape == (4, 4, 8, 8)
        batches += 1
        if batches == 3:
            break
    assert batches == 3
    parts = [set(DistributedSampler(train, num_replicas=2, rank=r, shuffle=True, seed=0)) for r in (0, 1)]
    assert parts[0] | parts[1] == set(range(len(train)))


def test_hint_map_rasterizes_at_a_quarter():
    hints = Hints((Point(10, 10, (255, 0, 0), 1.5), Stroke(((20, 30), (40, 30)), (0, 0, 255), 2.0)))
    m = hint_map(hints, (64, 64))
    assert m.shape == (4, 16, 16) and m.dtype == np.float32
    assert m[3, 2, 2] == 1 and tuple(m[:3, 2, 2]) == (1.0, 0.0, 0.0)
    assert m[3, 7, 5:10].all() and (m[2, 7, 5:10] == 1).all()
    assert m[3].sum() < 12
    assert not hint_map(Hints(()), (64, 64)).any()
    with pytest.raises(IrodoriError, match="divisible"):
        hint_map(hints, (62, 64))


def test_bad_arguments(root, tmp_path):
    with pytest.raises(IrodoriError, match="multiple of 4"):
        PairDataset(root, size=50)
    with pytest.raises(IrodoriError, match="hint_mode"):
        PairDataset(root, hint_mode="scribble")
    with pytest.raises(IrodoriError, match="split"):
        PairDataset(root, split="holdout")
    with pytest.raises(IrodoriError, match="manifest"):
        PairDataset(tmp_path)


def test_no_hints_mode_gives_an_empty_map(root):
    x = PairDataset(root, split="all", size=32, augment=False, hint_mode=None)[0]
    assert x["hint"].shape == (4, 8, 8) and not x["hint"].any()


def test_hint_map_matches_the_neural_method():
    """Training data and inference must draw hints alike (the Hints front and the array version)."""
    from irodori.hints import pool_hint_map
    from irodori.hints import simulate_hints
    from irodori.synthetic import make_lineart

    d = make_lineart(64, 64, n_shapes=5, seed=2)
    hints = simulate_hints(d.colors, d.ink, n=25, mode="strokes", rng=4)
    colors, mask, _ = hints.rasterize((64, 64))
    np.testing.assert_allclose(hint_map(hints, (64, 64)), pool_hint_map(colors, mask, (16, 16)), atol=1e-5)


def test_rough_augmentation_and_sloppy_hints(root):
    ds = PairDataset(root, split="all", size=48, augment=True, hint_mode="sloppy", seed=2, rough=1.0)
    clean = PairDataset(root, split="all", size=48, augment=False, hint_mode=None)
    x = ds[0]
    assert x["line"].shape == (1, 48, 48) and 0.0 <= float(x["line"].min()) and float(x["line"].max()) <= 1.0
    assert float(x["line"].median()) > float(clean[0]["line"].median())  # grey paper of a sketch
    with pytest.raises(IrodoriError):
        PairDataset(root, split="all", size=48, rough=2.0)
