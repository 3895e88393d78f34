"""Helpers for the neural tests: a tiny paired dataset drawn by the synthetic generator."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from irodori.io import write_png
from irodori.synthetic import make_lineart

REPO = Path(__file__).resolve().parents[1]
TINY_CONFIG = REPO / "configs" / "tiny.json"
COLUMNS = ["id", "group", "split", "source", "license", "attribution", "width", "height", "sha256"]


def make_tiny_dataset(root: Path, n: int = 24, size: int = 64) -> Path:
    """Write ``n`` synthetic line/colour pairs in the dataset layout (line/, color/, manifest.csv)."""
    (root / "line").mkdir(parents=True, exist_ok=True)
    (root / "color").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        d = make_lineart(size, size, n_shapes=4, seed=i)
        line = (255 - np.rint(d.ink * 255)).astype(np.uint8)
        color = (d.colors.astype(np.float32) * (1 - d.ink[..., None])).astype(np.uint8)
        write_png(root / "line" / f"s{i:03d}.png", line, overwrite=True)
        write_png(root / "color" / f"s{i:03d}.png", color, overwrite=True)
        split = "train" if i % 4 else ("val" if i % 8 == 0 else "test")
        rows.append({"id": f"s{i:03d}", "group": f"s{i:03d}", "split": split, "source": "synthetic",
                     "license": "MIT", "attribution": "irodori tests", "width": size, "height": size,
                     "sha256": ""})
    with open(root / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    (root / "ATTRIBUTION.md").write_text("Synthetic shapes drawn by irodori's tests.\n")
    return root
