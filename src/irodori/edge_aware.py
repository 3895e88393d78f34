"""Edge-aware smoothing that stops at lines: the recursive domain-transform filter.

After Gastal and Oliveira 2011, "Domain Transform for Edge-Aware Image and
Video Processing" (recursive filter variant). Distances between neighbouring
pixels grow with the difference of a guide image, so a feedback filter
running along rows and columns barely crosses a strong guide edge. With the
line art (times a large weight) in the guide, colour spreads inside an area
and not across the lines around it; a small gap lets a little through, as a
gap should.

Used by the neural method to spread the correction a user's dot implies over
the area it sits in (see :func:`spread_from_points`).
"""

from __future__ import annotations

import numpy as np


def _sweep(img: np.ndarray, weight: np.ndarray) -> None:
    """One causal and one anti-causal pass along axis 0, in place.

    ``img (L, M, C) float32`` C-contiguous, so each step reads whole rows;
    ``weight (L, M) float32`` in [0, 1], the feedback from row ``i - 1``
    into row ``i``.
    """
    n = img.shape[0]
    for i in range(1, n):
        img[i] += weight[i, :, None] * (img[i - 1] - img[i])
    for i in range(n - 2, -1, -1):
        img[i] += weight[i + 1, :, None] * (img[i + 1] - img[i])


def domain_transform(img: np.ndarray, guide: np.ndarray, sigma_s: float, sigma_r: float,
                     iterations: int = 3) -> np.ndarray:
    """Smooth ``img`` over about ``sigma_s`` pixels without crossing edges of ``guide``.

    Parameters
    ----------
    img : (H, W, C) float32 values to smooth.
    guide : (H, W, G) float32; neighbours whose guide differs by ``d`` (sum
        over channels of absolute differences) are ``1 + d * sigma_s / sigma_r``
        apart instead of 1.
    sigma_s : spatial extent in pixels (> 0).
    sigma_r : guide difference that counts as an edge (> 0).
    iterations : horizontal + vertical rounds (3 removes the streaks a single
        round leaves).

    Returns
    -------
    (H, W, C) float32.
    """
    if img.ndim != 3 or guide.ndim != 3 or img.shape[:2] != guide.shape[:2]:
        raise ValueError(f"img and guide must be (H, W, C) of one size, got {img.shape} and {guide.shape}")
    if sigma_s <= 0 or sigma_r <= 0:
        raise ValueError("sigma_s and sigma_r must be positive")
    guide = guide.astype(np.float32, copy=False)
    dx = np.zeros(img.shape[:2], np.float32)
    dy = np.zeros(img.shape[:2], np.float32)
    dx[:, 1:] = np.abs(np.diff(guide, axis=1)).sum(axis=2)
    dy[1:, :] = np.abs(np.diff(guide, axis=0)).sum(axis=2)
    dx_t = np.ascontiguousarray((1.0 + (sigma_s / sigma_r) * dx).T)  # (W, H): columns as rows
    dy = 1.0 + (sigma_s / sigma_r) * dy
    out = img.astype(np.float32, copy=True)
    for i in range(iterations):
        # the per-round spreads of Gastal and Oliveira: together they add up to sigma_s
        sigma_i = sigma_s * np.sqrt(3.0) * 2.0 ** (iterations - i - 1) / np.sqrt(4.0 ** iterations - 1.0)
        a = np.float32(np.exp(-np.sqrt(2.0) / sigma_i))
        cols = np.ascontiguousarray(out.transpose(1, 0, 2))
        _sweep(cols, a ** dx_t)
        out = np.ascontiguousarray(cols.transpose(1, 0, 2))
        _sweep(out, a ** dy)
    return out


def spread_from_points(values: np.ndarray, mask: np.ndarray, guide: np.ndarray, sigma_s: float,
                       sigma_r: float, reach: float = 1e-4) -> np.ndarray:
    """Spread sparse ``values`` (known where ``mask``) over the areas they sit in.

    A normalized domain-transform filter: ``DT(values * mask) / DT(mask)``,
    faded to zero where the known points' filtered weight is below ``reach``
    (areas no point reaches get nothing).

    Parameters
    ----------
    values : (H, W, C) float32, read where ``mask`` is True.
    mask : (H, W) bool.
    guide, sigma_s, sigma_r : as in :func:`domain_transform`.
    reach : filtered weight under which the result fades out linearly.

    Returns
    -------
    (H, W, C) float32; zeros where nothing is known nearby.
    """
    m = mask.astype(np.float32)
    if not m.any():
        return np.zeros(values.shape, np.float32)
    c = values.shape[2]
    stacked = np.concatenate([values.astype(np.float32) * m[..., None], m[..., None]], axis=2)
    smooth = domain_transform(stacked, guide, sigma_s, sigma_r)
    num, den = smooth[..., :c], smooth[..., c:]
    confidence = np.clip(den / reach, 0.0, 1.0)
    return num / np.maximum(den, 1e-8) * confidence
