"""Torch-free helpers shared by the ``neural`` method and the trainer.

The hint map is the generator's second input: ``(4, h, w) float32`` at a
quarter of the working resolution, channels ``(r, g, b) * mask, mask`` with
``r, g, b`` in ``[0, 1]``. Training and inference build it the same way: the
hints are painted at full resolution, then each ``4 x 4`` block (or, for a
page larger than the working size, each block of the scaled grid) takes the
mean colour of the hint pixels inside it and mask 1 if any lies inside.
"""

from __future__ import annotations

import cv2
import numpy as np


def hint_map(colors: np.ndarray, mask: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    """Reduce painted hints to the generator's hint map.

    Parameters
    ----------
    colors : (H, W, 3) uint8 hint colours (anything where ``mask`` is False).
    mask : (H, W) bool, True where a coloured hint lies.
    out_hw : (h, w) size of the hint map, normally the working size / 4.

    Returns
    -------
    (4, h, w) float32: ``rgb * mask`` in ``[0, 1]`` then ``mask`` in ``{0, 1}``.
    """
    h, w = out_hw
    out = np.zeros((4, h, w), np.float32)
    if not mask.any():
        return out
    m = mask.astype(np.float32)
    rgb = colors.astype(np.float32) / 255.0 * m[..., None]
    area_m = cv2.resize(m, (w, h), interpolation=cv2.INTER_AREA)
    area_rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)
    if area_rgb.ndim == 2:
        area_rgb = area_rgb[..., None]
    hit = area_m > 1e-6
    mean = np.where(hit[..., None], area_rgb / np.maximum(area_m, 1e-6)[..., None], 0.0)
    out[:3] = np.clip(mean, 0.0, 1.0).transpose(2, 0, 1)
    out[3] = hit
    return out
