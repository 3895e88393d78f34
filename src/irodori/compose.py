"""Compose flats and line art into the picture an artist sees.

Lines are never altered: the composite is the flats multiplied by the line
layer, exactly what a paint program shows with the lines layer in multiply
mode over the flats layer on white paper.
"""

from __future__ import annotations

import numpy as np


def lines_layer(ink: np.ndarray) -> np.ndarray:
    """Line layer as alpha: ``ink (H, W) float32 [0, 1]`` -> ``(H, W) uint8`` (255 = ink)."""
    return np.clip(np.rint(ink * 255.0), 0, 255).astype(np.uint8)


def flatten_on_paper(flats: np.ndarray) -> np.ndarray:
    """Flats ``(H, W, 4) uint8`` RGBA over white paper -> ``(H, W, 3) uint8``."""
    a = flats[..., 3:4].astype(np.float32) / 255.0
    rgb = flats[..., :3].astype(np.float32) * a + 255.0 * (1.0 - a)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def composite(flats: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """Multiply flats by the line layer.

    Takes ``flats (H, W, 4) uint8`` RGBA (alpha 0 shows white paper) and
    ``ink (H, W) float32 [0, 1]``; returns the ``(H, W, 3) uint8`` picture.
    """
    alpha = flats[..., 3]
    paper = flats[..., :3] if (alpha == 255).all() else flatten_on_paper(flats)
    keep = 1.0 - ink.astype(np.float32, copy=False)
    out = np.empty(paper.shape, np.uint8)
    # One channel at a time: a full-page (H, W, 3) float32 temporary costs
    # about 200 MB at 16 MP and most of the time.
    for c in range(3):
        out[..., c] = np.clip(np.rint(paper[..., c] * keep), 0, 255)
    return out
