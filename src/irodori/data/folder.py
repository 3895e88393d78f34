"""A folder of colour illustrations the user owns; line art is synthesized.

Every PNG, JPEG and WebP under the folder (recursively) becomes one pair:
the picture, resized so its shorter side is ``size``, and line art made by
one of several extractors (:mod:`irodori.lineart`), picked per picture with
random parameters, so a model does not learn one extractor's quirks.
Optional random line-thickness change and small jitter imitate other pens.
Unreadable files are skipped with a warning and counted. Everything random
is seeded by the picture's id: rebuilding gives the same pairs.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import IrodoriError
from ..io import read_rgb
from ..lineart import METHODS, change_thickness, extract_lines, jitter
from .sources import Item, SkipItem, Source

SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MAX_ASPECT = 4  # the longer side is centre-cropped to at most this many times the shorter


def _item_id(rel: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", rel.rsplit(".", 1)[0]).strip("_")[:80] or "image"
    return f"{stem}-{hashlib.sha1(rel.encode('utf-8')).hexdigest()[:8]}"


def fit_shorter_side(rgb: np.ndarray, size: int) -> np.ndarray:
    """Resize ``(H, W, 3) uint8`` so the shorter side is ``size``; centre-crop past a 4:1 aspect."""
    h, w = rgb.shape[:2]
    s = size / min(h, w)
    nh, nw = max(size, round(h * s)), max(size, round(w * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    out = cv2.resize(rgb, (nw, nh), interpolation=interp) if (nh, nw) != (h, w) else rgb
    cap = MAX_ASPECT * size
    y0, x0 = max(0, (nh - cap) // 2), max(0, (nw - cap) // 2)
    return np.ascontiguousarray(out[y0:y0 + min(nh, cap), x0:x0 + min(nw, cap)])


class FolderSource(Source):
    """Colour illustrations from a folder, line art by :func:`irodori.lineart.extract_lines`."""

    name = "folder"
    license = "user-supplied"
    attribution = ""

    def __init__(self, path: str | os.PathLike[str], line_methods: tuple[str, ...] = ("xdog", "gradient"),
                 thickness: float = 0.0, jitter: float = 0.0) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise IrodoriError(f"folder not found: {self.path}")
        if not line_methods:
            raise IrodoriError("--line-methods needs at least one method")
        for m in line_methods:
            if m not in METHODS:
                raise IrodoriError(f"unknown line method {m!r}: expected one of {', '.join(METHODS)}")
        if thickness < 0 or jitter < 0:
            raise IrodoriError(f"--thickness and --jitter must be >= 0, got {thickness}, {jitter}")
        self.line_methods, self.thickness, self.jitter = tuple(line_methods), thickness, jitter

    def options(self) -> dict[str, Any]:
        return {"folder": str(self.path.resolve()), "line_methods": list(self.line_methods),
                "thickness": self.thickness, "jitter": self.jitter}

    def items(self) -> list[Item]:
        files = sorted(p for p in self.path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        if not files:
            raise IrodoriError(f"no images (PNG, JPEG, WebP) in {self.path}")
        items = []
        for p in files:
            rel = p.relative_to(self.path).as_posix()
            iid = _item_id(rel)
            items.append(Item(iid, iid, rel))
        return items

    def render(self, item: Item, size: int) -> tuple[np.ndarray, np.ndarray]:
        try:
            rgb = read_rgb(self.path / item.payload)
        except IrodoriError as e:
            raise SkipItem(str(e), warn=True) from None
        color = fit_shorter_side(rgb, size)
        rng = np.random.default_rng(int(hashlib.sha256(item.id.encode("utf-8")).hexdigest()[:16], 16))
        method = self.line_methods[int(rng.integers(len(self.line_methods)))]
        ink = extract_lines(color, method=method, rng=rng)
        if self.thickness > 0:
            ink = change_thickness(ink, float(rng.uniform(-self.thickness / 2, self.thickness)))
        if self.jitter > 0:
            ink = jitter(ink, self.jitter, rng)
        line = np.clip(np.rint((1.0 - ink) * 255.0), 0, 255).astype(np.uint8)
        return line, color
