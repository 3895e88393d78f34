"""PyTorch Dataset of line-art/colour pairs with simulated hints.

The only module of the data layer that imports torch. Each item is a dict::

    "line":  (1, S, S) float32 ink in [0, 1], 1 = ink
    "color": (3, S, S) float32 RGB in [0, 1]
    "hint":  (4, S/4, S/4) float32: RGB in [0, 1] times the mask, and the mask

Training augmentation: random scale (0.8-1.25) and crop, horizontal flip,
line thickness change, JPEG compression of the line art. Hints come from
:func:`irodori.hints.simulate_hints` on the augmented pair with a random
count (zero a quarter of the time). Without ``augment`` an item is the
centre crop at scale 1 and its hints depend only on ``seed`` and the index,
so validation is repeatable. Several roots combine with
``torch.utils.data.ConcatDataset``; ``DistributedSampler`` works as with any
map-style dataset.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import IrodoriError
from ..hints import SIMULATE_MODES, Hints, simulate_hints
from ..lineart import change_thickness
from .hintmap import HINT_SCALE, hint_map
from .manifest import SPLITS, read_manifest

HINT_MODES = (*SIMULATE_MODES, "mixed")
_PRELOAD_LIMIT = 3 << 30  # bytes of decoded pixels kept in memory under preload="auto"


def _read_png(path: Path, flags: int) -> np.ndarray:
    data = np.fromfile(path, np.uint8)
    img = cv2.imdecode(data, flags)
    if img is None:
        raise IrodoriError(f"unreadable dataset image: {path}")
    return img


class PairDataset(Dataset):
    """Line art, colour and a hint map for every pair of one split of a built dataset.

    Parameters
    ----------
    root : dataset folder with ``manifest.csv`` (see :mod:`irodori.data.manifest`).
    split : ``train``, ``val``, ``test`` or ``all``.
    size : side ``S`` of the square crops; a multiple of 4.
    augment : random scale/crop/flip/thickness/JPEG (training) or a fixed centre crop.
    hint_mode : a :data:`irodori.hints.SIMULATE_MODES` mode (``points``,
        ``strokes``, ``per-region``, ``sloppy``, ``dense``) or ``mixed`` (points
        or strokes at random per item); None leaves the hint map empty (for a
        trainer that simulates its own hints).
    rough : with ``augment``, the probability that an item's line art is
        redrawn as a rough sketch (:func:`irodori.data.rough.roughen`,
        strength 0.5-1.5) while its colours and hints stay those of the clean
        drawing; 0 = never.
    seed : base seed of augmentation and hints.
    preload : keep decoded pictures in memory: True, False or ``"auto"``
        (when they take under 3 GiB). Preloaded arrays are shared copy-on-write
        with forked DataLoader workers.
    """

    def __init__(self, root: str | os.PathLike[str], split: str = "train", size: int = 256,
                 augment: bool = True, hint_mode: str | None = "points", seed: int = 0,
                 preload: bool | str = "auto", rough: float = 0.0) -> None:
        if split not in (*SPLITS, "all"):
            raise IrodoriError(f"split must be one of {', '.join(SPLITS)} or all, got {split!r}")
        if size < 8 or size % HINT_SCALE:
            raise IrodoriError(f"size must be a multiple of {HINT_SCALE} and at least 8, got {size}")
        if hint_mode is not None and hint_mode not in HINT_MODES:
            raise IrodoriError(f"hint_mode must be one of {', '.join(HINT_MODES)}, got {hint_mode!r}")
        self.root = Path(root)
        self.rows = [r for r in read_manifest(self.root) if split == "all" or r.split == split]
        if not self.rows:
            raise IrodoriError(f"no pairs with split {split!r} in {self.root}")
        self.split, self.size, self.augment = split, size, augment
        if not 0 <= rough <= 1:
            raise IrodoriError(f"rough must be a probability in [0, 1], got {rough}")
        self.hint_mode, self.seed, self.rough = hint_mode, seed, rough
        self._draws = 0
        nbytes = sum(r.width * r.height * 4 for r in self.rows)
        if preload == "auto":
            preload = nbytes <= _PRELOAD_LIMIT
        self._cache: list[tuple[np.ndarray, np.ndarray]] | None = None
        if preload:
            self._cache = [self._decode(i) for i in range(len(self.rows))]

    def __len__(self) -> int:
        return len(self.rows)

    def _decode(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        row = self.rows[index]
        line = _read_png(self.root / "line" / f"{row.id}.png", cv2.IMREAD_GRAYSCALE)
        color = cv2.cvtColor(_read_png(self.root / "color" / f"{row.id}.png", cv2.IMREAD_COLOR),
                             cv2.COLOR_BGR2RGB)
        if line.shape != color.shape[:2]:
            raise IrodoriError(f"line and colour of {row.id} differ in size: {line.shape} vs {color.shape[:2]}")
        return line, color

    def _rng(self, index: int) -> np.random.Generator:
        if not self.augment:
            return np.random.default_rng([self.seed, index])
        # Differs per epoch: forked workers get a fresh torch seed, the draw counter moves in-process.
        self._draws += 1
        return np.random.default_rng([self.seed, index, self._draws, torch.initial_seed() % (1 << 32)])

    def _geometry(self, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        """The 2x3 affine map from the stored picture to the ``S x S`` crop."""
        h, w = shape
        s = self.size / min(h, w)
        flip = False
        if self.augment:
            s *= float(np.exp(rng.uniform(np.log(0.8), np.log(1.25))))
            flip = bool(rng.random() < 0.5)
        sw, sh = w * s, h * s
        if self.augment:
            tx = rng.uniform(min(0.0, self.size - sw), max(0.0, self.size - sw))
            ty = rng.uniform(min(0.0, self.size - sh), max(0.0, self.size - sh))
        else:
            tx, ty = (self.size - sw) / 2, (self.size - sh) / 2
        m = np.array([[s, 0.0, tx], [0.0, s, ty]], np.float64)
        if flip:
            m = np.array([[-1.0, 0.0, self.size], [0.0, 1.0, 0.0]]) @ np.vstack([m, [0, 0, 1]])
        return m

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < len(self.rows):
            raise IndexError(index)
        line, color = self._cache[index] if self._cache is not None else self._decode(index)
        rng = self._rng(index)
        m = self._geometry(line.shape, rng)
        shrink = m[0, 0] ** 2 + m[0, 1] ** 2 < 1.0
        interp = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        dsize = (self.size, self.size)
        line = cv2.warpAffine(line, m, dsize, flags=interp, borderValue=255)
        color = cv2.warpAffine(color, m, dsize, flags=interp, borderValue=(255, 255, 255))
        if self.augment and rng.random() < 0.3:
            quality = int(rng.integers(40, 96))
            ok, buf = cv2.imencode(".jpg", line, [cv2.IMWRITE_JPEG_QUALITY, quality])
            line = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else line
        ink = 1.0 - line.astype(np.float32) / 255.0
        if self.augment and rng.random() < 0.3:
            ink = change_thickness(ink, float(rng.uniform(-0.5, 1.0)))
        mode = self.hint_mode
        if mode == "mixed":
            mode = "points" if rng.random() < 0.5 else "strokes"
        hints = Hints(()) if mode is None else simulate_hints(color, ink, n=None, mode=mode, rng=rng)
        if self.augment and self.rough and rng.random() < self.rough:
            from .rough import roughen

            ink = roughen(ink, seed=int(rng.integers(1 << 62)), strength=float(rng.uniform(0.5, 1.5)),
                          color=color)
        return {
            "line": torch.from_numpy(ink[None].copy()),
            "color": torch.from_numpy(np.ascontiguousarray(color.transpose(2, 0, 1), np.float32) / 255.0),
            "hint": torch.from_numpy(hint_map(hints, (self.size, self.size))),
        }

    def info(self) -> dict[str, Any]:
        """Where the items come from: root, split, count and their sources and licenses."""
        return {"root": str(self.root), "split": self.split, "n": len(self.rows),
                "sources": sorted({r.source for r in self.rows}),
                "licenses": sorted({r.license for r in self.rows})}
