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


def sample_point_hints(color: np.ndarray, ink: np.ndarray, n: int, rng: np.random.Generator,
                       radius: tuple[float, float] = (1.5, 4.0)) -> tuple[np.ndarray, np.ndarray]:
    """Simulate ``n`` user dots: discs on paper pixels, each the colour under its centre.

    Parameters
    ----------
    color : (H, W, 3) uint8 ground-truth colouring.
    ink : (H, W) float32 in [0, 1].
    n : number of dots (fewer if there is too little paper).
    rng : numpy Generator (the only source of randomness).
    radius : range of dot radii in pixels.

    Returns
    -------
    ``(colors (H, W, 3) uint8, mask (H, W) bool)`` as from ``Hints.rasterize``.
    """
    h, w = ink.shape
    colors = np.zeros((h, w, 3), np.uint8)
    mask = np.zeros((h, w), np.uint8)
    if n <= 0:
        return colors, mask.astype(bool)
    ys, xs = np.nonzero(ink < 0.25)
    if len(ys) == 0:
        return colors, mask.astype(bool)
    pick = rng.choice(len(ys), size=min(n, len(ys)), replace=False)
    for k in pick:
        y, x = int(ys[k]), int(xs[k])
        r = float(rng.uniform(*radius))
        c = tuple(int(v) for v in color[y, x])
        cv2.circle(colors, (x, y), int(round(r)), c, -1)
        cv2.circle(mask, (x, y), int(round(r)), 1, -1)
    return colors, mask.astype(bool)
