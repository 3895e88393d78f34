"""Batches for training: pairs from the datasets, random crop + scale + flip, simulated hints.

Every random choice of a batch comes from a numpy Generator seeded by
``(seed, step, rank)``, so a resumed run sees exactly the batches an
uninterrupted run would have seen.
"""

from __future__ import annotations

import os
from typing import Sequence

import cv2
import numpy as np
import torch
from torch.utils.data import ConcatDataset, Dataset
from torch.utils.data.distributed import DistributedSampler

from ..errors import IrodoriError
from ..hints import simulate_hints
from ..hints import pool_hint_map as hint_map


class BalancedConcat(Dataset):
    """Several datasets as one, each drawn ``share[k]`` of the time whatever its size.

    Item ``i`` of the virtual dataset is item ``i mod n_k`` of the dataset
    ``k`` whose block holds ``i``; block ``k`` is ``round(total * share[k])``
    long, with ``total`` the summed length of the parts, so an epoch has the
    usual length and a small source is repeated, a large one sampled (the
    DistributedSampler's shuffle decides which of its items an epoch meets).
    """

    def __init__(self, parts: Sequence[Dataset], shares: Sequence[float]) -> None:
        total = sum(len(p) for p in parts)
        self.parts = list(parts)
        self.lengths = [max(1, int(round(total * s))) for s in shares]
        self.starts = np.cumsum([0] + self.lengths)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, i: int) -> dict:
        k = int(np.searchsorted(self.starts, i, side="right")) - 1
        part = self.parts[k]
        return part[(int(i) - int(self.starts[k])) % len(part)]


def source_shares(sizes: Sequence[int], balance: float) -> list[float]:
    """Each source's share of the training draws: proportional to ``size ** (1 - balance)``.

    ``balance`` 0 draws every pair equally often (a large source dominates),
    1 draws every source equally often; 0.5 is in between (square root).
    """
    if not 0.0 <= balance <= 1.0:
        raise IrodoriError(f"source_balance must be in [0, 1], got {balance}")
    weights = [float(n) ** (1.0 - balance) for n in sizes]
    return [w / sum(weights) for w in weights]


def open_split(roots: Sequence[str | os.PathLike[str]], split: str, size: int,
               balance: float = 0.0) -> Dataset:
    """The ``split`` of every dataset folder in ``roots`` as one torch Dataset of pairs at ``size``.

    Uses the data package's ``PairDataset`` (``augment=False``,
    ``hint_mode=None``: this module does its own seeded augmentation and
    dots). With ``balance`` > 0 the folders are drawn by
    :func:`source_shares` (:class:`BalancedConcat`) instead of by size.
    Raises IrodoriError when a folder is not a dataset or the split is empty.
    """
    for root in roots:
        if not os.path.isfile(os.path.join(root, "manifest.csv")):
            raise IrodoriError(f"not a dataset folder (no manifest.csv): {root}; "
                               "build one with 'irodori data build'")
    from ..data.torch_dataset import PairDataset

    parts = []
    for root in roots:
        ds = PairDataset(root, split=split, size=size, augment=False, hint_mode=None, seed=0)
        if len(ds):
            parts.append(ds)
    if not parts:
        raise IrodoriError(f"no {split!r} images in {', '.join(map(str, roots))}")
    if balance > 0.0 and len(parts) > 1:
        return BalancedConcat(parts, source_shares([len(p) for p in parts], balance))
    return ConcatDataset(parts)


def pair_arrays(item: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(ink (S, S) float32, color (S, S, 3) uint8)`` from a dataset item."""
    ink = item["line"][0].numpy().astype(np.float32)
    color = np.clip(np.rint(item["color"].numpy().transpose(1, 2, 0) * 255.0), 0, 255).astype(np.uint8)
    return ink, color


def n_hints(rng: np.random.Generator, zero_prob: float, hint_max: int) -> int:
    """How many dots to simulate: none with ``zero_prob``, else ``2**u``, u ~ U[0, log2(hint_max)]."""
    if rng.random() < zero_prob:
        return 0
    return int(2 ** rng.uniform(0.0, np.log2(hint_max)))


def make_batch(dataset: Dataset, indices: Sequence[int], rng: np.random.Generator, crop: int,
               min_scale: float, zero_prob: float, hint_max: int, rough_prob: float = 0.0,
               sloppy_prob: float = 0.0) -> dict[str, torch.Tensor]:
    """Load, augment and hint one batch (dots from :func:`irodori.hints.simulate_hints`).

    With probability ``rough_prob`` a crop's line art is redrawn as a rough
    sketch (:func:`irodori.data.rough.roughen`, strength 0.5-1.5) while its
    colours stay the target; with probability ``sloppy_prob`` its hints are
    ``sloppy`` (a fifth of those ``dense``) instead of clean dots. Hints are
    always simulated on the clean line art. At 0 (the default) neither draws
    from ``rng``, so batches are those of a run without them.

    Returns ``line (B, 1, crop, crop)``, ``color (B, 3, crop, crop)`` in
    ``[0, 1]`` and ``hint (B, 4, crop/4, crop/4)`` float32 tensors.
    """
    lines, colors, hints = [], [], []
    for i in indices:
        ink, color = pair_arrays(dataset[int(i)])
        s = ink.shape[0]
        window = int(rng.integers(crop, min(s, int(round(crop / min_scale))) + 1))
        y0, x0 = (int(v) for v in rng.integers(0, s - window + 1, size=2))
        ink = ink[y0:y0 + window, x0:x0 + window]
        color = color[y0:y0 + window, x0:x0 + window]
        if window != crop:
            ink = cv2.resize(ink, (crop, crop), interpolation=cv2.INTER_AREA)
            color = cv2.resize(color, (crop, crop), interpolation=cv2.INTER_AREA)
        if rng.random() < 0.5:
            ink, color = ink[:, ::-1], color[:, ::-1]
        ink, color = np.ascontiguousarray(ink), np.ascontiguousarray(color)
        line = ink
        if rough_prob > 0 and rng.random() < rough_prob:
            from ..data.rough import roughen

            line = roughen(ink, seed=int(rng.integers(1 << 62)), strength=float(rng.uniform(0.5, 1.5)),
                           color=color)
        mode = "points"
        if sloppy_prob > 0 and rng.random() < sloppy_prob:
            mode = "dense" if rng.random() < 0.2 else "sloppy"
        n: int | None = n_hints(rng, zero_prob, hint_max)
        if mode == "dense" and n:
            n = None  # hundreds
        dots = simulate_hints(color, ink, n, mode, rng)
        hc, hm, _ = dots.rasterize(ink.shape)
        lines.append(line[None])
        colors.append(color.transpose(2, 0, 1).astype(np.float32) / 255.0)
        hints.append(hint_map(hc, hm, (crop // 4, crop // 4)))
    return {"line": torch.from_numpy(np.stack(lines)), "color": torch.from_numpy(np.stack(colors)),
            "hint": torch.from_numpy(np.stack(hints))}


class StepBatches(Dataset):
    """Training batch number ``step`` of one rank as item ``step``, for a DataLoader with workers.

    The batch depends only on ``(seed, step, rank)``: the epoch's order comes
    from ``sampler`` (a DistributedSampler, reshuffled per epoch), the crops
    and dots from a Generator seeded by ``(seed, step, rank)``. So any number
    of worker processes, or none, gives the same batches, and a resumed run
    sees what an uninterrupted one would have.
    """

    def __init__(self, dataset: Dataset, sampler: DistributedSampler, per_rank: int, rank: int, seed: int,
                 crop: int, min_scale: float, zero_prob: float, hint_max: int, rough_prob: float = 0.0,
                 sloppy_prob: float = 0.0) -> None:
        self.dataset, self.sampler, self.per_rank, self.rank, self.seed = dataset, sampler, per_rank, rank, seed
        self.crop, self.min_scale, self.zero_prob, self.hint_max = crop, min_scale, zero_prob, hint_max
        self.rough_prob, self.sloppy_prob = rough_prob, sloppy_prob
        self.per_epoch = len(sampler) // per_rank
        self._epoch, self._order = -1, []

    def __len__(self) -> int:
        return 1 << 62  # indexed by step; the loop decides where to stop

    def __getitem__(self, step: int) -> dict[str, torch.Tensor]:
        epoch, b = divmod(int(step), self.per_epoch)
        if epoch != self._epoch:
            self.sampler.set_epoch(epoch)
            self._order, self._epoch = list(self.sampler), epoch
        rng = np.random.default_rng([self.seed, int(step), self.rank])
        return make_batch(self.dataset, self._order[b * self.per_rank:(b + 1) * self.per_rank], rng,
                          self.crop, self.min_scale, self.zero_prob, self.hint_max, self.rough_prob,
                          self.sloppy_prob)


def val_batch(dataset: Dataset, indices: Sequence[int], n: int, seed: int) -> dict[str, torch.Tensor]:
    """A fixed validation batch at full size with ``n`` simulated dots per image (seeded)."""
    lines, colors, hints = [], [], []
    for i in indices:
        ink, color = pair_arrays(dataset[int(i)])
        rng = np.random.default_rng([seed, int(i), n])
        hc, hm, _ = simulate_hints(color, ink, n, "points", rng).rasterize(ink.shape)
        s = ink.shape[0]
        lines.append(ink[None])
        colors.append(color.transpose(2, 0, 1).astype(np.float32) / 255.0)
        hints.append(hint_map(hc, hm, (s // 4, s // 4)))
    return {"line": torch.from_numpy(np.stack(lines)), "color": torch.from_numpy(np.stack(colors)),
            "hint": torch.from_numpy(np.stack(hints))}
