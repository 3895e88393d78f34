"""The hint map a network sees: hints rasterized at a quarter of the picture's size.

Shared by training (the torch Dataset) and inference, so both draw hints the
same way: this is the ``Hints`` front of :func:`irodori.hints.pool_hint_map`,
which pools painted hint arrays. Channels: R, G, B in ``[0, 1]`` multiplied by the mask, and the
mask (1 where a hint lies), as in Ci et al. 2018.
"""

from __future__ import annotations

import numpy as np

from ..errors import IrodoriError
from ..hints import Hints
from ..hints import pool_hint_map as pooled_hint_map

HINT_SCALE = 4


def hint_map(hints: Hints, shape: tuple[int, int], scale: int = HINT_SCALE) -> np.ndarray:
    """Rasterize ``hints`` for a picture of ``shape (H, W)`` into ``(4, H // scale, W // scale) float32``.

    Hints are drawn at full size (:meth:`Hints.rasterize`) and pooled over
    ``scale x scale`` cells: a cell touched by a hint gets the mean colour of
    its hint pixels and mask 1; other cells are 0. Transparent hints are left out. ``H`` and ``W``
    must be multiples of ``scale``.
    """
    h, w = shape
    if scale < 1 or h % scale or w % scale:
        raise IrodoriError(f"hint map needs a size divisible by {scale}, got {w}x{h}")
    colors, mask, _ = hints.rasterize((h, w))
    return pooled_hint_map(colors, mask, (h // scale, w // scale))
