"""Descriptors of a line drawing for example-based colouring.

Every descriptor lives in the drawing's own frame: positions and sizes are
measured relative to the bounding box of the ink, and texture descriptors are
computed on a copy of the ink resized so that this box has a fixed side
(``work_size`` pixels). A reference and a new drawing of the same character
therefore get comparable descriptors whatever their image sizes, margins or
scale.

Two kinds of descriptor, after Charpiat et al. (2009), who describe each
pixel by local texture (SURF at several scales) and let a graph cut enforce
spatial coherence:

- *pixel* descriptors at working resolution: DAISY histograms of the ink's
  gradient orientations at two radii (local line configuration), blurred ink
  density, distance to the nearest line, and position in the frame;
- *region* descriptors of the paper region a pixel lies in (regions from the
  fill engine's region graph): position, area, extent, elongation, whether
  it touches the image border, and the same for its largest neighbour.

References
----------
G. Charpiat, I. Bezrukov, M. Hofmann, Y. Altun, B. Schölkopf. "Machine
Learning Methods for Automatic Image Colorization". In Computational
Photography: Methods and Applications, CRC Press, 2010.
E. Tola, V. Lepetit, P. Fua. "DAISY: An Efficient Dense Descriptor Applied
to Wide-Baseline Stereo". IEEE TPAMI 32(5), 2010.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from scipy import ndimage as ndi

from ..errors import IrodoriError

INK_LINE = 0.5  # ink at or above this is a line for the frame and distances
OUTSIDE_RIM = 0.08  # a region holding this share of the image border is the outside (without a hull)
OUTSIDE_HULL = 0.3  # a border region with this share of its area outside the lines' hull is the outside
_DAISY_RADII = (0.035, 0.09)  # DAISY radii as fractions of the frame side
_DENSITY_SIGMAS = (0.02, 0.06)  # ink density blur, fractions of the frame side


@dataclass(frozen=True)
class Frame:
    """The drawing's frame: the bounding box of its lines, in full-resolution pixels.

    ``cy, cx``: centre of the box; ``side``: its longer side (>= 1); ``scale``:
    working pixels per full-resolution pixel (``work_size / side``, capped).
    """

    cy: float
    cx: float
    side: float
    scale: float


def drawing_frame(ink: np.ndarray, work_size: int = 256, max_work_pixels: int = 1_500_000) -> Frame:
    """The frame of a drawing ``ink (H, W) float32 [0, 1]``.

    Raises IrodoriError if the drawing has no line (nothing at or above
    ``INK_LINE``).
    """
    lines = ink >= INK_LINE
    rows = np.flatnonzero(lines.any(axis=1))
    cols = np.flatnonzero(lines.any(axis=0))
    if rows.size == 0:
        raise IrodoriError("the line art has no lines (no pixel darker than 50% gray)")
    y0, y1, x0, x1 = rows[0], rows[-1], cols[0], cols[-1]
    side = float(max(y1 - y0, x1 - x0) + 1)
    scale = work_size / side
    h, w = ink.shape
    # A tiny drawing on a huge page would make a huge working image: cap its size.
    scale = min(scale, np.sqrt(max_work_pixels / float(h * w)))
    return Frame(cy=(y0 + y1) / 2.0, cx=(x0 + x1) / 2.0, side=side, scale=float(scale))


def work_shape(shape: tuple[int, int], frame: Frame) -> tuple[int, int]:
    """Working-resolution shape ``(h, w)`` of a full-resolution ``shape (H, W)``."""
    return (max(1, int(round(shape[0] * frame.scale))), max(1, int(round(shape[1] * frame.scale))))


def to_work(image: np.ndarray, frame: Frame, nearest: bool = False) -> np.ndarray:
    """Resize a full-resolution ``(H, W[, C])`` image to working resolution."""
    h, w = work_shape(image.shape[:2], frame)
    if nearest:
        return cv2.resize(image, (w, h), interpolation=cv2.INTER_NEAREST)
    interp = cv2.INTER_AREA if frame.scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, (w, h), interpolation=interp)


def work_to_full(shape_full: tuple[int, int], shape_work: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Full-resolution row and column of each working pixel's centre: ``(ys (h,), xs (w,))`` int."""
    H, W = shape_full
    h, w = shape_work
    ys = np.clip(((np.arange(h) + 0.5) * H / h).astype(np.int64), 0, H - 1)
    xs = np.clip(((np.arange(w) + 0.5) * W / w).astype(np.int64), 0, W - 1)
    return ys, xs


def pixel_descriptors(ink_work: np.ndarray, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel descriptors of the working-resolution ink.

    Parameters
    ----------
    ink_work : (h, w) float32 in [0, 1], the ink at working resolution.
    frame : the drawing's frame (positions are relative to it).

    Returns
    -------
    texture : (h, w, 208) float32, DAISY at two radii (2 rings x 6
        histograms x 8 orientations, plus the centre histogram).
    geometry : (h, w, 6) float32: position ``dx, dy, |dx|`` in frame sides,
        distance to the nearest line in frame sides, and ink density at two
        blur scales.
    """
    return DaisyTexture(ink_work, frame).dense(), geometry_descriptors(ink_work, frame)


def geometry_descriptors(ink_work: np.ndarray, frame: Frame) -> np.ndarray:
    """The ``geometry`` half of :func:`pixel_descriptors`: ``(h, w, 6) float32``."""
    h, w = ink_work.shape
    side = frame.side * frame.scale
    yy = ((np.arange(h, dtype=np.float32) + 0.5) / frame.scale - frame.cy) / frame.side
    xx = ((np.arange(w, dtype=np.float32) + 0.5) / frame.scale - frame.cx) / frame.side
    dy = np.broadcast_to(yy[:, None], (h, w))
    dx = np.broadcast_to(xx[None, :], (h, w))
    paper = (ink_work < INK_LINE).astype(np.uint8)
    dist = cv2.distanceTransform(paper, cv2.DIST_L2, 3) / side
    dens = [cv2.GaussianBlur(ink_work, (0, 0), max(0.5, s * side)) for s in _DENSITY_SIGMAS]
    return np.stack([dx, dy, np.abs(dx), np.minimum(dist, 0.25), *dens], axis=2).astype(np.float32)


def skimage_daisy(ink_work: np.ndarray, frame: Frame) -> np.ndarray:
    """DAISY at every pixel by :func:`skimage.feature.daisy` itself: ``(h, w, 208) float32``.

    The plain dense computation that :class:`DaisyTexture` reproduces
    number for number at the pixels it is asked for; kept as its reference
    for tests and benchmarks. ``ink_work (h, w) float32`` in [0, 1].
    """
    from skimage.feature import daisy

    h, w = ink_work.shape
    side = frame.side * frame.scale
    blocks = []
    for frac in _DAISY_RADII:
        r = max(3, int(round(frac * side)))
        d = daisy(np.pad(ink_work.astype(np.float64), r + 1), step=1, radius=r, rings=2, histograms=6,
                  orientations=8, normalization="l1")
        blocks.append(d[1:h + 1, 1:w + 1])
    return np.concatenate(blocks, axis=2).astype(np.float32)


class DaisyTexture:
    """DAISY descriptors of a working-resolution ink at two radii, computed only where asked.

    The same numbers as :func:`skimage.feature.daisy` (``step=1, rings=2,
    histograms=6, orientations=8, normalization="l1"``) at every pixel, as
    :func:`pixel_descriptors` documents them. ``daisy`` smooths the
    orientation maps once and then assembles and normalizes a 104-value
    descriptor at every pixel; most of its time goes to that second part,
    while a reference's training set needs a few thousand pixels and a
    drawing's unaries a quarter of them. Here the smoothed maps are kept and
    descriptors are assembled for the pixels asked for.

    Parameters
    ----------
    ink_work : (h, w) float32 in [0, 1], the ink at working resolution.
    frame : the drawing's frame (the DAISY radii are fractions of its side).
    """

    rings, histograms, orientations = 2, 6, 8

    def __init__(self, ink_work: np.ndarray, frame: Frame) -> None:
        self.shape = ink_work.shape
        side = frame.side * frame.scale
        img = ink_work.astype(np.float64)
        self._layers = []
        for frac in _DAISY_RADII:
            r = max(3, int(round(frac * side)))
            # Working pixel (y, x) is pixel (y + r + 1, x + r + 1) of the padded image.
            self._layers.append((r + 1, self._smoothed(np.pad(img, r + 1, mode="constant"), r)))
        per = (self.rings * self.histograms + 1) * self.orientations
        self.dim = per * len(self._layers)

    def _smoothed(self, image: np.ndarray, radius: int) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
        """skimage's smoothed orientation maps ``(rings + 1, H, W, orientations)`` and the ring offsets."""
        from skimage.filters import gaussian

        rings, o_n = self.rings, self.orientations
        sigmas = [radius * (i + 1) / float(2 * rings) for i in range(rings)]
        ring_radii = [radius * (i + 1) / float(rings) for i in range(rings)]
        dx = np.zeros(image.shape, np.float64)
        dy = np.zeros(image.shape, np.float64)
        dx[:, :-1] = np.diff(image, n=1, axis=1)
        dy[:-1, :] = np.diff(image, n=1, axis=0)
        grad_mag = np.sqrt(dx ** 2 + dy ** 2)
        grad_ori = np.arctan2(dy, dx)
        kappa = o_n / np.pi
        angles = [2 * o * np.pi / o_n - np.pi for o in range(o_n)]
        hist = np.empty((o_n,) + image.shape, np.float64)
        for i, o in enumerate(angles):
            hist[i] = np.exp(kappa * np.cos(grad_ori - o))
            hist[i] = np.multiply(hist[i], grad_mag)
        sigmas = [sigmas[0]] + sigmas
        smooth = np.empty((rings + 1,) + image.shape + (o_n,), np.float64)
        for i in range(rings + 1):
            for j in range(o_n):
                smooth[i, :, :, j] = gaussian(hist[j], sigma=sigmas[i], mode="reflect")
        theta = [2 * math.pi * j / self.histograms for j in range(self.histograms)]
        offsets = [(i + 1, int(round(ring_radii[i] * math.sin(t))), int(round(ring_radii[i] * math.cos(t))))
                   for i in range(rings) for t in theta]
        return smooth, offsets

    def at(self, index: np.ndarray) -> np.ndarray:
        """Descriptors of working pixels ``index (N,)`` (flat indices): ``(N, dim) float32``."""
        index = np.asarray(index, np.int64)
        y, x = np.divmod(index, self.shape[1])
        out = np.empty((len(index), self.dim), np.float32)
        o_n = self.orientations
        at = 0
        for centre, (smooth, offsets) in self._layers:
            cy, cx = y + centre, x + centre
            parts = [smooth[0, cy, cx]] + [smooth[ring, cy + oy, cx + ox] for ring, oy, ox in offsets]
            d = np.concatenate(parts, axis=1) + 1e-10
            # daisy divides by the sum over the descriptor taken along a strided axis, i.e. in order:
            # summed the same way here so that the numbers are the same to the last bit.
            total = d[:, 0].copy()
            for k in range(1, d.shape[1]):
                total += d[:, k]
            out[:, at:at + d.shape[1]] = d / total[:, None]
            at += d.shape[1]
        return out

    def dense(self) -> np.ndarray:
        """Descriptors of every working pixel: ``(h, w, dim) float32``."""
        h, w = self.shape
        return self.at(np.arange(h * w)).reshape(h, w, self.dim)


def line_hull(ink: np.ndarray) -> np.ndarray:
    """``(H, W) bool``: inside the convex hull of the drawing's lines (``ink >= INK_LINE``).

    A body cut by the picture's border lies inside it (its lines reach the
    border on both sides); the background around the character mostly does not.
    """
    ys, xs = np.nonzero(ink >= INK_LINE)
    hull = np.zeros(ink.shape, np.uint8)
    if len(ys) >= 3:
        pts = np.stack([xs, ys], axis=1).astype(np.int32)
        cv2.fillConvexPoly(hull, cv2.convexHull(pts), 1)
    else:
        hull[:] = 1
    return hull.astype(bool)


def outside_regions(labels: np.ndarray, n: int, hull: np.ndarray | None = None) -> np.ndarray:
    """``(n,) bool``: the regions that are the outside of the drawing (the page around the character).

    Without ``hull``: every region holding at least :data:`OUTSIDE_RIM` of the
    image border. With ``hull`` (:func:`line_hull`): a region touching the
    border is the outside when at least :data:`OUTSIDE_HULL` of its area lies
    outside the lines' convex hull (a shirt or hair cut by the border lies
    inside it, so it keeps its own shape descriptors), and the region holding
    most of the border always is.
    """
    rim = np.concatenate([labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]])
    on_rim = np.bincount(rim, minlength=n)
    if hull is None:
        return on_rim >= OUTSIDE_RIM * len(rim)
    area = np.maximum(np.bincount(labels.ravel(), minlength=n), 1)
    out_area = np.bincount(labels[~hull], minlength=n)
    outside = (on_rim > 0) & (out_area >= OUTSIDE_HULL * area)
    outside[int(on_rim.argmax())] = True
    return outside


def region_descriptors(labels: np.ndarray, n: int, frame: Frame,
                       edges: np.ndarray | None = None, hull: np.ndarray | None = None) -> np.ndarray:
    """Descriptors of every region of a drawing, in its frame.

    Parameters
    ----------
    labels : (H, W) int32 region id ``0..n-1`` of every pixel (full resolution).
    n : number of regions.
    frame : the drawing's frame.
    edges : (E, 2) int adjacency of regions, or None.
    hull : (H, W) bool inside the lines' convex hull, or None (see :func:`outside_regions`).

    Returns
    -------
    (n, 16) float32: for the region, ``dx, dy, |dx|`` of its centroid (frame
    sides), log area (frame side squared), log major and minor axis length,
    extent (area / bounding-box area), outside flag (a region holding 8% of
    the image border or more: all its other descriptors are 0); then the same
    first eight for its largest neighbour (zeros without ``edges`` or
    neighbour).
    """
    H, W = labels.shape
    flat = labels.ravel()
    area = np.bincount(flat, minlength=n).astype(np.float64)
    safe = np.maximum(area, 1.0)
    ys, xs = np.divmod(np.arange(H * W, dtype=np.float64), W)
    my = np.bincount(flat, ys, minlength=n) / safe
    mx = np.bincount(flat, xs, minlength=n) / safe
    vyy = np.bincount(flat, ys * ys, minlength=n) / safe - my * my
    vxx = np.bincount(flat, xs * xs, minlength=n) / safe - mx * mx
    vxy = np.bincount(flat, xs * ys, minlength=n) / safe - mx * my
    tr = vxx + vyy
    det = np.sqrt(np.maximum((vxx - vyy) ** 2 / 4 + vxy ** 2, 0))
    major = 4 * np.sqrt(np.maximum(tr / 2 + det, 0)) + 1
    minor = 4 * np.sqrt(np.maximum(tr / 2 - det, 0)) + 1
    boxes = ndi.find_objects(labels + 1, max_label=n)
    extent = np.ones(n)
    for i, box in enumerate(boxes):
        if box is not None:
            extent[i] = area[i] / ((box[0].stop - box[0].start) * (box[1].stop - box[1].start))
    # The outside holds a good part of the image border; a strand of hair
    # cut by the border holds a little of it and is still part of the character.
    border = outside_regions(labels, n, hull).astype(np.float64)
    s = frame.side
    dx = (mx - frame.cx) / s
    dy = (my - frame.cy) / s
    own = np.stack([dx, dy, np.abs(dx), np.log(safe / s ** 2), np.log(major / s), np.log(minor / s),
                    extent, border], axis=1)
    # The outside of the drawing: its centroid and size say where the canvas
    # ends, not what the character looks like, so it gets one fixed descriptor.
    own[border > 0, :7] = 0.0
    nb = np.zeros_like(own)
    if edges is not None and len(edges):
        e = np.asarray(edges, np.int64)
        both = np.concatenate([e, e[:, ::-1]])
        # Largest neighbour of each region: sort by (region, neighbour area) and take the last.
        order = np.lexsort((area[both[:, 1]], both[:, 0]))
        both = both[order]
        last = np.r_[both[1:, 0] != both[:-1, 0], True]
        nb[both[last, 0]] = own[both[last, 1]]
    return np.concatenate([own, nb], axis=1).astype(np.float32)


@dataclass
class DrawingFeatures:
    """All descriptors of one drawing, computed once.

    ``labels (H, W) int32`` full-resolution regions; ``work_labels (h, w)``
    the region of each working pixel; ``ink_work (h, w) float32``;
    ``daisy`` the texture descriptors (:class:`DaisyTexture`, computed per
    pixel on demand),
    ``geometry (h, w, Dg)`` pixel descriptors;
    ``regions (n, Dr)`` region descriptors; ``area (n,)`` full-resolution
    region areas; ``area_of (n,)`` the closed area of each region.
    """

    frame: Frame
    labels: np.ndarray
    n: int
    work_labels: np.ndarray
    ink_work: np.ndarray
    daisy: DaisyTexture
    geometry: np.ndarray
    regions: np.ndarray
    area: np.ndarray
    area_of: np.ndarray

    def pixels(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Descriptors of working pixels ``index (N,)`` (flat indices).

        Returns ``(texture (N, Dt), other (N, Dg + Dr))`` float32.
        """
        t = self.daisy.at(index)
        g = self.geometry.reshape(-1, self.geometry.shape[2])[index]
        r = self.regions[self.work_labels.ravel()[index]]
        return t, np.concatenate([g, r], axis=1)


def closed_areas(graph: Any) -> tuple[np.ndarray, int, np.ndarray]:
    """The closed paper areas of a region graph: ``(area of each region (n,) int64, m, edges (E', 2))``.

    A closed area is what an artist sees as one shape (the face, the hair);
    the region graph may cut it into several regions at narrow necks. Falls
    back to the regions themselves for a graph without ``closed``.
    """
    closed = getattr(graph, "closed", None)
    if closed is None:
        return np.arange(graph.n), graph.n, np.asarray(graph.edges, np.int64).reshape(-1, 2)
    ids, region_area = np.unique(np.asarray(closed), return_inverse=True)
    e = region_area[np.asarray(graph.edges, np.int64).reshape(-1, 2)]
    e = np.sort(e[e[:, 0] != e[:, 1]], axis=1)
    e = np.unique(e, axis=0) if len(e) else e.reshape(0, 2)
    return region_area.astype(np.int64), len(ids), e


def describe(ink: np.ndarray, graph: Any, work_size: int = 256) -> DrawingFeatures:
    """Compute every descriptor of a drawing.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink.
    graph : its region graph (:func:`irodori.regions.build_region_graph`):
        ``labels (H, W) int32``, ``n``, ``edges (E, 2)`` and ``closed (n,)``.
    work_size : side of the frame at working resolution, in pixels.

    Returns
    -------
    DrawingFeatures whose region descriptors are those of the closed area
    the region lies in (16, with its largest neighbouring area) followed by
    the region's own (8).
    """
    labels, n = graph.labels, graph.n
    frame = drawing_frame(ink, work_size)
    ink_work = np.clip(to_work(ink, frame), 0, 1).astype(np.float32)
    ys, xs = work_to_full(ink.shape, ink_work.shape)
    work_labels = labels[np.ix_(ys, xs)]
    daisy_texture, geometry = DaisyTexture(ink_work, frame), geometry_descriptors(ink_work, frame)
    area_of, m, area_edges = closed_areas(graph)
    hull = line_hull(ink)
    by_area = region_descriptors(area_of[labels], m, frame, area_edges, hull)[area_of]
    own = region_descriptors(labels, n, frame, hull=hull)[:, :8]
    regions = np.concatenate([by_area, own], axis=1)
    area = np.bincount(labels.ravel(), minlength=n).astype(np.float64)
    return DrawingFeatures(frame, labels, n, work_labels, ink_work, daisy_texture, geometry, regions, area,
                           area_of)
