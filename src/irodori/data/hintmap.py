"""The hint map a network sees: hints rasterized at a quarter of the picture's size.

Shared by training (the torch Dataset) and inference, so both draw hints the
same way. Channels: R, G, B in ``[0, 1]`` multiplied by the mask, and the
mask (1 where a hint lies), as in Ci et al. 2018.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import IrodoriError
from ..hints import Hints

HINT_SCALE = 4


def hint_map(hints: Hints, shape: tuple[int, int], scale: int = HINT_SCALE) -> np.ndarray:
    """Rasterize ``hints`` for a picture of ``shape (H, W)`` into ``(4, H // scale, W // scale) float32``.

    Hints are drawn at full size and pooled over ``scale x scale`` cells: a
    cell touched by a hint gets the mean colour of its hint pixels and mask
    1; other cells are 0. Transparent hints are left out. ``H`` and ``W``
    must be multiples of ``scale``.
    """
    h, w = shape
    if scale < 1 or h % scale or w % scale:
        raise IrodoriError(f"hint map needs a size divisible by {scale}, got {w}x{h}")
    out = np.zeros((4, h // scale, w // scale), np.float32)
    if not hints:
        return out
    labels, palette = hints.label_map((h, w))
    # Per label: (r, g, b, 1) for a coloured hint, zeros for none or transparent.
    lut = np.zeros((len(palette) + 1, 4), np.float32)
    for k, col in enumerate(palette):
        if col is not None:
            lut[k + 1] = (col[0] / 255.0, col[1] / 255.0, col[2] / 255.0, 1.0)
    # INTER_AREA at an integer factor is the exact mean over each scale x scale cell.
    area = cv2.resize(np.take(lut, labels, axis=0), (w // scale, h // scale), interpolation=cv2.INTER_AREA)
    hit = area[..., 3] > 1e-6
    out[:3][:, hit] = (area[hit, :3] / area[hit, 3:4]).T
    out[3] = hit
    return out
