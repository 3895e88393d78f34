"""The hint map a network sees: hints rasterized at a quarter of the picture's size.

Shared by training (the torch Dataset) and inference, so both draw hints the
same way. Channels: R, G, B in ``[0, 1]`` multiplied by the mask, and the
mask (1 where a hint lies), as in Ci et al. 2018.
"""

from __future__ import annotations

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
    colors, mask, _ = hints.rasterize((h, w))
    m = mask.reshape(h // scale, scale, w // scale, scale).astype(np.float32)
    count = m.sum(axis=(1, 3))
    rgb = (colors.astype(np.float32) / 255.0).reshape(h // scale, scale, w // scale, scale, 3)
    total = (rgb * m[..., None]).sum(axis=(1, 3))
    hit = count > 0
    out[:3][:, hit] = (total[hit] / count[hit][:, None]).T
    out[3] = hit
    return out
