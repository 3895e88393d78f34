"""Registration of a reference's line art onto a new drawing of the same character.

Two steps, both on distance-transformed line maps (smooth, so a line a few
pixels away still pulls):

1. **global**: a similarity transform (mirror, rotation, scale, shift). The
   frames (bounding boxes of the lines) and the line pixels' centroids give
   the scale and shift; mirror and rotation (-30..30 degrees) are searched
   by the chamfer distance (mean distance from the transformed reference's
   line pixels to the new drawing's lines, and back), then refined locally;
2. **dense**: optical flow (OpenCV DIS) between the new drawing's and the
   globally aligned reference's blurred line maps, for the non-rigid rest
   (a head turned, an arm moved).

The result maps every pixel of the new drawing to a position in the
reference (:attr:`Registration.map_x`, :attr:`Registration.map_y`, for
``cv2.remap``) with a quality: the share of the new drawing's line pixels
that have a reference line within a few pixels after alignment.

References
----------
H. G. Barrow, J. M. Tenenbaum, R. C. Bolles, H. C. Wolf. "Parametric
correspondence and chamfer matching". IJCAI 1977.
T. Kroeger, R. Timofte, D. Dai, L. Van Gool. "Fast Optical Flow using Dense
Inverse Search". ECCV 2016.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import IrodoriError
from .features import INK_LINE

WORK_SIDE = 256  # the new drawing's frame is registered at this side (pixels)
_ANGLES = tuple(range(-30, 31, 6))
_NEAR = 0.015  # a line within this share of the frame side counts as matched (quality)


@dataclass
class Registration:
    """Where each pixel of the new drawing lies in the reference.

    ``map_x, map_y (H, W) float32``: reference coordinates of every pixel of
    the new drawing (``cv2.remap`` maps). ``matrix (2, 3) float64``: the
    global similarity from new-drawing pixels to reference pixels.
    ``global_quality`` in [0, 1]: share of line pixels matched within
    :data:`_NEAR` of the frame after the global step (symmetric mean);
    ``flow_quality`` the same after the dense step; ``quality``: the global
    one, or the geometric mean of both when the flow is used (a free-form
    flow bends any drawing some way towards any other). ``mirrored``,
    ``angle`` (degrees), ``scale``: the global step's parameters.
    """

    map_x: np.ndarray
    map_y: np.ndarray
    matrix: np.ndarray
    quality: float
    global_quality: float
    flow_quality: float
    mirrored: bool
    angle: float
    scale: float


def _lines(ink: np.ndarray) -> np.ndarray:
    return (ink >= INK_LINE)


def _frame(lines: np.ndarray) -> tuple[float, float, float]:
    ys, xs = np.nonzero(lines)
    if len(ys) < 8:
        raise IrodoriError("the line art has too few line pixels to register")
    return float(ys.mean()), float(xs.mean()), float(max(ys.max() - ys.min(), xs.max() - xs.min()) + 1)


def _similarity(scale: float, angle: float, mirror: bool, src_c: tuple[float, float],
                dst_c: tuple[float, float]) -> np.ndarray:
    """(2, 3) matrix taking source (x, y) to destination: mirror about the source centre, rotate, scale."""
    a = math.radians(angle)
    c, s = math.cos(a) * scale, math.sin(a) * scale
    m = np.array([[c, -s], [s, c]])
    if mirror:
        m = m @ np.array([[-1.0, 0.0], [0.0, 1.0]])
    sy, sx = src_c
    dy, dx = dst_c
    t = np.array([dx, dy]) - m @ np.array([sx, sy])
    return np.concatenate([m, t[:, None]], axis=1)


def _chamfer(dt: np.ndarray, pts: np.ndarray, m: np.ndarray) -> float:
    """Mean of ``dt`` at points ``pts (N, 2)`` (x, y) mapped by ``m``; points off the map cost the most."""
    q = pts @ m[:, :2].T + m[:, 2]
    x = np.rint(q[:, 0]).astype(np.int64)
    y = np.rint(q[:, 1]).astype(np.int64)
    h, w = dt.shape
    ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    cost = np.full(len(q), float(dt.max()))
    cost[ok] = dt[y[ok], x[ok]]
    return float(cost.mean())


def _points(lines: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    ys, xs = np.nonzero(lines)
    idx = rng.choice(len(ys), min(n, len(ys)), replace=False) if len(ys) > n else np.arange(len(ys))
    return np.stack([xs[idx], ys[idx]], axis=1).astype(np.float64)


def _to_work(ink: np.ndarray, side: float) -> tuple[np.ndarray, float]:
    f = min(1.0, WORK_SIDE / side)
    h, w = ink.shape
    if f >= 1.0:
        return ink.astype(np.float32), 1.0
    small = cv2.resize(ink.astype(np.float32), (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA)
    return small, f


def register(ref_ink: np.ndarray, ink: np.ndarray, flow: bool = True, mirror: bool = True) -> Registration:
    """Register the reference's line art ``ref_ink (h, w)`` onto ``ink (H, W)`` (float32 [0, 1], 1 = ink).

    Sizes, aspect ratios and orientations may differ. ``flow``: also the
    dense step; ``mirror``: also try the mirrored reference. Raises
    IrodoriError when either drawing has (almost) no lines.
    """
    rng = np.random.default_rng(0)
    ref_lines_full, new_lines_full = _lines(ref_ink), _lines(ink)
    _, _, ref_side_full = _frame(ref_lines_full)
    _, _, new_side_full = _frame(new_lines_full)
    # Work at a resolution where the new drawing's frame is WORK_SIDE, the reference at the same scale
    # relative to its own frame.
    new_w, fn = _to_work(ink, new_side_full)
    ref_w, fr = _to_work(ref_ink, ref_side_full)
    new_l, ref_l = new_w >= INK_LINE * 0.8, ref_w >= INK_LINE * 0.8
    if new_l.sum() < 8 or ref_l.sum() < 8:
        raise IrodoriError("the line art has too few line pixels to register")
    ncy, ncx, nside = _frame(new_l)
    rcy, rcx, rside = _frame(ref_l)
    dt_new = cv2.distanceTransform((~new_l).astype(np.uint8), cv2.DIST_L2, 3)
    dt_ref = cv2.distanceTransform((~ref_l).astype(np.uint8), cv2.DIST_L2, 3)
    p_ref, p_new = _points(ref_l, 1500, rng), _points(new_l, 1500, rng)

    def cost(m: np.ndarray) -> float:
        inv = cv2.invertAffineTransform(m)
        return _chamfer(dt_new, p_ref, m) + _chamfer(dt_ref, p_new, inv)

    base_scale = nside / rside
    best = (math.inf, None, 0.0, False, base_scale, (ncy, ncx))
    for mir in ((False, True) if mirror else (False,)):
        for ang in _ANGLES:
            for sc in (0.9, 1.0, 1.1):
                m = _similarity(base_scale * sc, ang, mir, (rcy, rcx), (ncy, ncx))
                c = cost(m)
                if c < best[0]:
                    best = (c, m, float(ang), mir, base_scale * sc, (ncy, ncx))
    # Local refinement: coordinate descent on angle, scale and shift.
    c0, m, ang, mir, sc, (cy, cx) = best
    steps = [3.0, 0.04, 3.0]
    for _ in range(4):
        improved = False
        for dang, dsc, dy, dx in ((steps[0], 0, 0, 0), (-steps[0], 0, 0, 0), (0, steps[1], 0, 0),
                                  (0, -steps[1], 0, 0), (0, 0, steps[2], 0), (0, 0, -steps[2], 0),
                                  (0, 0, 0, steps[2]), (0, 0, 0, -steps[2])):
            cand = _similarity(sc * (1 + dsc), ang + dang, mir, (rcy, rcx), (cy + dy, cx + dx))
            c = cost(cand)
            if c < c0:
                c0, m, ang, sc, cy, cx = c, cand, ang + dang, sc * (1 + dsc), cy + dy, cx + dx
                improved = True
        if not improved:
            steps = [s / 2 for s in steps]
    # m maps reference work pixels to new work pixels; warp the reference's lines onto the new drawing.
    hn, wn = new_w.shape
    ref_on_new = cv2.warpAffine(ref_w, m, (wn, hn), flags=cv2.INTER_LINEAR, borderValue=0.0)
    near = max(1.5, _NEAR * nside)
    gq = _quality(new_l, ref_on_new >= INK_LINE * 0.8, near)
    fx = np.zeros((hn, wn), np.float32)
    fy = np.zeros((hn, wn), np.float32)
    q = fq = gq
    if flow:
        a = _flow_image(new_w, nside)
        b = _flow_image(ref_on_new, nside)
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        dis.setFinestScale(0)
        f = dis.calc(a, b, None)
        f = cv2.GaussianBlur(f, (0, 0), max(1.0, 0.01 * nside))
        gx, gy = np.meshgrid(np.arange(wn, dtype=np.float32), np.arange(hn, dtype=np.float32))
        warped = cv2.remap(ref_on_new, gx + f[..., 0], gy + f[..., 1], cv2.INTER_LINEAR, borderValue=0.0)
        fq = _quality(new_l, warped >= INK_LINE * 0.8, near)
        if fq >= gq:  # the flow helped: keep it
            # A free-form flow lines up lines of any two drawings somewhat: trust it only as far as the
            # rigid step agrees (geometric mean; an unrelated drawing scores ~0.3 rigid, ~0.8 bent).
            fx, fy, q = f[..., 0], f[..., 1], math.sqrt(fq * gq)
    # Compose: full-res new pixel -> work new pixel (+ flow) -> work ref pixel (inverse of m) -> full ref pixel.
    H, W = ink.shape
    inv = cv2.invertAffineTransform(m)
    xs = (np.arange(W, dtype=np.float32) + 0.5) * fn - 0.5
    ys = (np.arange(H, dtype=np.float32) + 0.5) * fn - 0.5
    gx, gy = np.meshgrid(xs, ys)
    if flow and (fx.any() or fy.any()):
        gx = gx + cv2.resize(fx, (W, H), interpolation=cv2.INTER_LINEAR)
        gy = gy + cv2.resize(fy, (W, H), interpolation=cv2.INTER_LINEAR)
    rx = inv[0, 0] * gx + inv[0, 1] * gy + inv[0, 2]
    ry = inv[1, 0] * gx + inv[1, 1] * gy + inv[1, 2]
    map_x = ((rx + 0.5) / fr - 0.5).astype(np.float32)
    map_y = ((ry + 0.5) / fr - 0.5).astype(np.float32)
    # The global matrix in full-resolution pixels (new -> reference).
    s_new = np.diag([fn, fn, 1.0])
    s_ref = np.diag([1 / fr, 1 / fr, 1.0])
    inv3 = np.vstack([inv, [0, 0, 1]])
    full = (s_ref @ inv3 @ s_new)[:2]
    return Registration(map_x, map_y, full, float(q), float(gq), float(fq), bool(mir), float(ang),
                        float(sc * fn / fr))


def _flow_image(ink_w: np.ndarray, side: float) -> np.ndarray:
    """uint8 image for optical flow: the lines blurred into a smooth distance-like profile."""
    lines = (ink_w >= INK_LINE * 0.8).astype(np.float32)
    blur = cv2.GaussianBlur(lines, (0, 0), max(1.0, 0.012 * side))
    blur = blur / max(float(blur.max()), 1e-6)
    return np.clip(np.sqrt(blur) * 255, 0, 255).astype(np.uint8)


def _quality(a: np.ndarray, b: np.ndarray, near: float) -> float:
    """Symmetric share of line pixels of ``a`` within ``near`` pixels of a line of ``b`` and back."""
    if not a.any() or not b.any():
        return 0.0
    da = cv2.distanceTransform((~a).astype(np.uint8), cv2.DIST_L2, 3)
    db = cv2.distanceTransform((~b).astype(np.uint8), cv2.DIST_L2, 3)
    return 0.5 * float((db[a] <= near).mean()) + 0.5 * float((da[b] <= near).mean())
