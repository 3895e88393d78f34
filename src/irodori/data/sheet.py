"""Contact sheets: a grid of dataset pairs to look at."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import IrodoriError
from ..io import read_rgb
from .manifest import read_manifest

_TILE = 128
_GAP = 4


def _tile(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    scale = _TILE / max(h, w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    tile = np.full((_TILE, _TILE, 3), 255, np.uint8)
    y, x = (_TILE - small.shape[0]) // 2, (_TILE - small.shape[1]) // 2
    tile[y:y + small.shape[0], x:x + small.shape[1]] = small
    return tile


def _grid(cells: list[list[np.ndarray]], per_row: int) -> np.ndarray:
    """Lay out groups of tiles (one group = one pair) ``per_row`` groups to a row, gray gaps between."""
    width = len(cells[0])
    group_w = width * _TILE + (width - 1) * _GAP // 2
    rows = (len(cells) + per_row - 1) // per_row
    out = np.full((rows * (_TILE + _GAP) + _GAP, per_row * (group_w + _GAP) + _GAP, 3), 200, np.uint8)
    for k, group in enumerate(cells):
        r, c = divmod(k, per_row)
        y = _GAP + r * (_TILE + _GAP)
        x = _GAP + c * (group_w + _GAP)
        for tile in group:
            out[y:y + _TILE, x:x + _TILE] = tile
            x += _TILE + _GAP // 2
    return out


def _pick(n_items: int, n: int) -> list[int]:
    if n < 1:
        raise IrodoriError(f"--n must be at least 1, got {n}")
    return sorted(set(np.linspace(0, n_items - 1, min(n, n_items)).round().astype(int).tolist()))


def contact_sheet(root: str | os.PathLike[str], n: int = 16, split: str | None = None) -> np.ndarray:
    """A grid of ``n`` pairs of a dataset, each shown as line | colour
    (clean line | sketch | colour for a ``--rough`` build).

    Pairs are spread evenly over the manifest (sorted by id), so a sheet
    shows the whole dataset's variety. Returns ``(H, W, 3) uint8``.
    """
    root = Path(root)
    rows = [r for r in read_manifest(root) if split is None or r.split == split]
    if not rows:
        raise IrodoriError(f"no pairs in {root}" + (f" with split {split}" if split else ""))
    folders = ["line", "color"]
    if (root / "clean").is_dir():  # a rough build: clean line art | sketch | colour
        folders.insert(0, "clean")
    cells = [[_tile(read_rgb(root / f / f"{rows[i].id}.png")) for f in folders] for i in _pick(len(rows), n)]
    return _grid(cells, per_row=4 if len(folders) == 2 else 3)


def pairs_sheet(root: str | os.PathLike[str], n: int = 16, split: str | None = None) -> np.ndarray:
    """A grid of ``n`` same-character pairs: reference colour | target line | target colour."""
    root = Path(root)
    path = root / "pairs" / "pairs.csv"
    if not path.is_file():
        raise IrodoriError(f"{root} has no pairs/pairs.csv (only dicebear builds have pairs)")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if split is None or r["split"] == split]
    if not rows:
        raise IrodoriError(f"no pairs in {path}" + (f" with split {split}" if split else ""))
    cells = [[_tile(read_rgb(root / rows[i]["ref_color"])),
              _tile(read_rgb(root / rows[i]["line"])),
              _tile(read_rgb(root / rows[i]["color"]))] for i in _pick(len(rows), n)]
    return _grid(cells, per_row=4)
