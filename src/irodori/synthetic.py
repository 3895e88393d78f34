"""Seeded synthetic line art with ground truth, for tests and benchmarks.

:func:`make_lineart` draws a page of overlapping closed shapes (ellipses,
rotated boxes, wobbly blobs, thin slivers), some nested inside others, with
anti-aliased outlines of varying width and, optionally, gaps of known size
cut into some outlines. Shapes are painted back to front like cel layers: a
later shape hides the lines and paper of earlier ones beneath it.

The ground truth comes from the geometry, not from the pixels: each pixel
belongs to the topmost shape covering it (or to the background), so a gap
in an outline does not merge the two sides. Ground-truth regions are the
connected pieces of paper (``ink < 0.3``, where two lines closer than that touch) of one shape; every piece of one
shape shares that shape's colour.

Everything is a pure function of the arguments and ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage as ndi

from .hints import Hints, Point

_SHIFT = 4  # fixed-point bits for cv2 drawing: sub-pixel accurate outlines
_INK_PAPER = 0.3  # ink below this is paper for the ground truth (a pinch of two AA lines closes)


@dataclass(frozen=True)
class Gap:
    """A break cut into an outline: centre ``(x, y)`` in pixels, ``size`` of clear paper in pixels."""

    x: float
    y: float
    size: float
    shape: int


@dataclass(frozen=True)
class SyntheticDrawing:
    """A synthetic page and its ground truth.

    Attributes
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink.
    regions : (H, W) int32 ground-truth region id ``0..n_regions-1`` of every
        paper pixel (``ink < 0.3``), -1 under lines (and in specks of paper
        smaller than ``min_area`` pixels inside thin anti-aliased lines).
    colors : (H, W, 3) uint8 ground-truth colouring, defined everywhere
        (under lines it is the colour of the shape whose edge the line is).
    region_colors : (n_regions, 3) uint8 colour of each region.
    region_shape : (n_regions,) int32 shape id of each region (0 = background).
    gaps : the breaks cut into outlines (``size`` = clear width in pixels).
    """

    ink: np.ndarray
    regions: np.ndarray
    colors: np.ndarray
    region_colors: np.ndarray
    region_shape: np.ndarray
    gaps: tuple[Gap, ...] = field(default_factory=tuple)

    @property
    def n_regions(self) -> int:
        return int(self.region_colors.shape[0])

    def hints(self, n: int | None = None, seed: int = 0, radius: float = 1.5,
              transparent: tuple[int, ...] = ()) -> Hints:
        """One point hint per ground-truth region (see :func:`region_hints`)."""
        return region_hints(self.regions, self.region_colors, n=n, seed=seed, radius=radius,
                            transparent=transparent)


def region_hints(regions: np.ndarray, region_colors: np.ndarray, n: int | None = None,
                 seed: int = 0, radius: float = 1.5, transparent: tuple[int, ...] = ()) -> Hints:
    """Point hints at the deepest pixel of ground-truth regions.

    Parameters
    ----------
    regions : (H, W) int32, region id ``>= 0`` per paper pixel, -1 elsewhere.
    region_colors : (R, 3) uint8 colour of each region.
    n : hint only ``n`` regions, chosen at random (seeded); None = every region.
    seed : seed for choosing the regions.
    radius : point radius in pixels; shrunk so the dot stays inside its region.
    transparent : region ids whose hint colour is ``None`` (leave unfilled).

    Returns
    -------
    Hints with one :class:`~irodori.hints.Point` per chosen region, in region order.
    """
    n_regions = int(region_colors.shape[0])
    # Depth inside each region: distance to the nearest pixel of another region or a line.
    inner = regions >= 0
    same = np.ones_like(inner)
    same[:-1] &= regions[:-1] == regions[1:]
    same[1:] &= regions[1:] == regions[:-1]
    same[:, :-1] &= regions[:, :-1] == regions[:, 1:]
    same[:, 1:] &= regions[:, 1:] == regions[:, :-1]
    depth = cv2.distanceTransform((inner & same).astype(np.uint8), cv2.DIST_L2, 3)
    ids = np.arange(n_regions)
    if n is not None and n < n_regions:
        ids = np.sort(np.random.default_rng(seed).choice(n_regions, size=n, replace=False))
    if len(ids) == 0:
        return Hints(())
    # Tie-break towards the region's own pixels: add a tiny ramp so argmax is unique.
    pos = ndi.maximum_position(depth + inner * 1e-3, labels=regions + 1, index=ids + 1)
    items = []
    for rid, (y, x) in zip(ids, pos):
        r = float(min(radius, max(depth[y, x] - 1.0, 0.5)))
        col = None if int(rid) in transparent else tuple(int(c) for c in region_colors[rid])
        items.append(Point(float(x), float(y), col, r))
    return Hints(tuple(items))


def make_lineart(height: int, width: int, n_shapes: int = 12, gap: float = 0.0, seed: int = 0,
                 line_width: tuple[float, float] | None = None, p_gap: float = 0.5,
                 p_nested: float = 0.3, p_sliver: float = 0.15, min_area: int = 8,
                 shape_size: tuple[float, float] = (0.06, 0.22)) -> SyntheticDrawing:
    """Draw a seeded page of closed shapes with ground-truth regions and colours.

    Parameters
    ----------
    height, width : page size in pixels (at least 16 each).
    n_shapes : number of shapes drawn over the background.
    gap : largest gap cut into an outline, in pixels of clear paper; 0 = no gaps.
        Each gap's size is drawn from ``[gap / 2, gap]``.
    seed : everything is a pure function of the arguments and this seed.
    line_width : ``(min, max)`` outline width in pixels; default scales with the page,
        ``(1, 3)`` at 512 px.
    p_gap : chance that a (non-sliver) outline gets a gap, when ``gap > 0``.
    p_nested : chance that a shape is placed inside an earlier one.
    p_sliver : chance that a shape is a thin sliver (3-6 px of paper wide).
    min_area : paper pieces smaller than this (anti-aliasing specks along thin
        lines) are not regions; they count as line (-1).
    shape_size : ``(min, max)`` size of a top-level shape as a share of the shorter side.

    Returns
    -------
    SyntheticDrawing
    """
    if height < 16 or width < 16:
        raise ValueError(f"page must be at least 16x16, got {width}x{height}")
    rng = np.random.default_rng(seed)
    scale = min(height, width) / 512.0
    if line_width is None:
        line_width = (max(1.0, 1.0 * scale), max(1.5, 3.0 * scale))
    obj = np.zeros((height, width), np.int32)
    ink8 = np.zeros((height, width), np.uint8)
    shapes: list[tuple[np.ndarray, float]] = []  # (outline points, size) per shape id - 1
    gaps: list[Gap] = []
    for sid in range(1, n_shapes + 1):
        kind = rng.random()
        lw = float(rng.uniform(*line_width))
        thick = max(1, int(round(lw)))
        sliver = kind < p_sliver
        if shapes and rng.random() < p_nested and not sliver:
            parent_pts, parent_size = shapes[int(rng.integers(len(shapes)))]
            centre = parent_pts.mean(axis=0) + rng.normal(0, parent_size * 0.1, 2)
            size = parent_size * rng.uniform(0.25, 0.5)
        else:
            centre = np.array([rng.uniform(0, width), rng.uniform(0, height)])
            size = min(height, width) * rng.uniform(*shape_size)
        size = max(size, 6.0 + 3 * thick)
        if sliver:
            paper = rng.uniform(3.0, 6.0)
            pts = _box(centre, size * rng.uniform(1.0, 2.0), (paper + thick) / 2, rng.uniform(0, np.pi))
        elif kind < 0.45:
            pts = _ellipse(centre, size, size * rng.uniform(0.4, 1.0), rng.uniform(0, np.pi))
        elif kind < 0.7:
            pts = _box(centre, size, size * rng.uniform(0.3, 1.0), rng.uniform(0, np.pi))
        else:
            pts = _blob(centre, size, rng)
        shapes.append((pts, size))
        fixed = np.round(pts * (1 << _SHIFT)).astype(np.int32)
        cv2.fillPoly(obj, [fixed], sid, lineType=cv2.LINE_8, shift=_SHIFT)
        cv2.fillPoly(ink8, [fixed], 0, lineType=cv2.LINE_8, shift=_SHIFT)
        if gap > 0 and not sliver and rng.random() < p_gap:
            g = float(rng.uniform(gap / 2, gap))
            # Skip the gap plus the line width: each round cap reaches half a width into it.
            open_pts, mid = _cut(pts, g + thick, rng)
            if open_pts is not None:
                cv2.polylines(ink8, [np.round(open_pts * (1 << _SHIFT)).astype(np.int32)], False,
                              255, thick, lineType=cv2.LINE_AA, shift=_SHIFT)
                gaps.append(Gap(float(mid[0]), float(mid[1]), g, sid))
                continue
        cv2.polylines(ink8, [fixed], True, 255, thick, lineType=cv2.LINE_AA, shift=_SHIFT)
    ink = ink8.astype(np.float32) / 255.0
    palette = _palette(n_shapes + 1, rng)
    colors = palette[obj]
    # Ground-truth regions: connected paper pieces of one shape (4-connected).
    paper = ink < _INK_PAPER
    key = np.where(paper, obj, -1)
    regions = np.full((height, width), -1, np.int32)
    region_shape: list[int] = []
    next_id = 0
    for shape_id, box in enumerate(ndi.find_objects(key + 1)):  # slice k holds key == k
        if box is None:
            continue
        n, lab = cv2.connectedComponents((key[box] == shape_id).astype(np.uint8), connectivity=4)
        if n > 1:
            area = np.bincount(lab.ravel(), minlength=n)
            keep = area >= min_area
            keep[0] = False
            new_id = np.full(n, -1, np.int32)
            new_id[keep] = next_id + np.arange(int(keep.sum()), dtype=np.int32)
            sel = keep[lab]
            regions[box][sel] = new_id[lab[sel]]
            region_shape.extend([shape_id] * int(keep.sum()))
            next_id += int(keep.sum())
    region_shape_arr = np.asarray(region_shape, np.int32)
    return SyntheticDrawing(ink=ink, regions=regions, colors=colors,
                            region_colors=palette[region_shape_arr], region_shape=region_shape_arr,
                            gaps=tuple(gaps))


def _ellipse(c: np.ndarray, a: float, b: float, angle: float) -> np.ndarray:
    n = max(24, int(2 * np.pi * max(a, b) / 2))
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return _rotate(np.stack([a * np.cos(t), b * np.sin(t)], 1), angle) + c


def _box(c: np.ndarray, a: float, b: float, angle: float) -> np.ndarray:
    corners = np.array([[-a, -b], [a, -b], [a, b], [-a, b], [-a, -b]])
    dense = []
    for p, q in zip(corners[:-1], corners[1:]):
        k = max(2, int(np.hypot(*(q - p)) / 2))
        dense.append(p + (q - p) * np.linspace(0, 1, k, endpoint=False)[:, None])
    return _rotate(np.concatenate(dense), angle) + c


def _blob(c: np.ndarray, size: float, rng: np.random.Generator) -> np.ndarray:
    n = max(24, int(2 * np.pi * size / 2))
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n) * size
    for k in (2, 3, 5):
        r += size * rng.uniform(0, 0.25 / k * 2) * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    r = np.maximum(r, size * 0.35)
    return np.stack([r * np.cos(t), r * np.sin(t)], 1) + c


def _rotate(p: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return p @ np.array([[c, s], [-s, c]])


def _cut(pts: np.ndarray, length: float, rng: np.random.Generator
         ) -> tuple[np.ndarray | None, np.ndarray]:
    """Open a closed polyline by removing ``length`` of arc; returns (open polyline, gap centre)."""
    closed = np.concatenate([pts, pts[:1]])
    seg = np.hypot(*np.diff(closed, axis=0).T)
    total = float(seg.sum())
    if total < 4 * length:
        return None, pts[0]
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    start = float(rng.uniform(0, total - length))
    end = start + length

    def at(s: float) -> np.ndarray:
        i = min(int(np.searchsorted(cum, s, side="right")) - 1, len(seg) - 1)
        f = (s - cum[i]) / max(seg[i], 1e-9)
        return closed[i] + f * (closed[i + 1] - closed[i])

    inside = (cum > end) & (cum < total)
    before = (cum > 0) & (cum < start)
    path = np.concatenate([[at(end)], closed[inside], closed[:1], closed[before], [at(start)]])
    return path, at((start + end) / 2)


def _palette(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct, fairly saturated colours; index 0 (background) is a light tint."""
    hue = (rng.permutation(n) + rng.uniform(0, 1)) / n
    sat = rng.uniform(0.35, 0.9, n)
    val = rng.uniform(0.55, 1.0, n)
    sat[0], val[0] = 0.15, 1.0
    hsv = np.stack([hue * 180, sat * 255, val * 255], 1).astype(np.uint8)[None]
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0]
