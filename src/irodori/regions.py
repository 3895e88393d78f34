"""The region graph of a line drawing: paper over-segmented between lines.

:func:`build_region_graph` cuts the paper into regions so that every closed
area of the drawing is one or more regions and every gap in a line up to
``gap`` pixels wide becomes a short shared boundary between two regions.
Methods label the graph (a few thousand nodes) instead of the pixel grid
(millions), which makes a full page sub-second.

How
---
1. Paper is ``ink < ink_threshold``. Its 4-connected components at full
   resolution are the truly closed areas (slivers and specks included).
2. The ink is max-pooled by an integer factor ``f`` so the working map has
   about one megapixel (lines never vanish; they thicken by < f pixels).
3. On the working map, the distance to ink is computed; seeds are the
   connected parts of paper farther than ``gap / 2`` from ink, so any
   opening narrower than ``gap`` separates seeds, and every paper component
   too thin to hold a seed is a seed as a whole. Paper takes its nearest
   seed of the same component, lines their nearest paper: regions meet on
   the lines and across gaps and narrow necks (Fourey, Tschumperle and
   Revoy 2018 close gaps with the same geometry; LazyBrush, Sykora et al.
   2009, relies on such short cuts being cheap). A level-ordered watershed
   would place those cuts a little better but costs ten times more here,
   and OpenCV's fast watershed grows by grey-level steps, which lets a seed
   creep along the thin band of paper beside a line into the next basin.
4. Full-resolution pixels take their basin, unless the basin belongs to
   another closed area (near lines, where the working map is coarser): then
   they take their area's main basin; closed areas too small for any basin
   become regions of their own.
5. Two regions are joined by an edge weighted by the cost of cutting between
   them: the length (full-resolution pixels) of their shared boundary that
   crosses paper, plus ``LINE_COST`` per pixel of boundary lying on a line
   (less on darker lines).

References
----------
D. Sykora, J. Dingliana, S. Collins. LazyBrush: Flexible painting tool for
hand-drawn cartoons. Computer Graphics Forum 28(2), 2009.
S. Fourey, D. Tschumperle, D. Revoy. A fast and efficient semi-guided
algorithm for flat coloring line-arts. Vision, Modeling and Visualization, 2018.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

LINE_COST = 0.05  # cut along a line, per pixel, relative to a pixel of cut across paper (scaled by lightness)
DEFAULT_WORK_PIXELS = 1_100_000
FULL_LINE = 0.7  # in a cleaned scan, a stroke whose darkest pixel within 2 px is lighter than this is texture
AUTO_GAP = 0.01  # gap="auto": this share of the drawing's longer side


@dataclass(frozen=True)
class RegionGraph:
    """Regions of a line drawing and their adjacency.

    Attributes
    ----------
    labels : (H, W) int32, region id in ``[0, n)`` of every pixel; pixels under
        lines belong to an adjacent region.
    n : number of regions.
    edges : (E, 2) int32, pairs of adjacent regions ``i < j``, each pair once.
    weights : (E,) float32 > 0, cost of giving the two regions different
        colours: full-resolution pixels of boundary across paper, plus
        about ``LINE_COST`` per pixel of boundary on a line.
    open_length : (E,) float32 >= 0, the part of the boundary that crosses
        paper (0 = the regions touch only across a line).
    area : (n,) int64, pixels of each region (lines included).
    closed : (n,) int32, the closed paper area (4-connected component of
        ``ink < ink_threshold`` at full resolution, ids from 1) each region
        lies in.
    scale : the working-map reduction factor ``f``.
    gap : the gap size (pixels) the seeds were built for.
    """

    labels: np.ndarray
    n: int
    edges: np.ndarray
    weights: np.ndarray
    open_length: np.ndarray
    area: np.ndarray
    closed: np.ndarray
    scale: int
    gap: float


def default_gap(shape: tuple[int, int]) -> float:
    """The largest gap closed by ``gap="auto"``, in pixels: 1 % of the longer side, at least 3.

    A hand-drawn line lifts the pen for a few pixels per hundred; 1 % closes
    the gaps of rough sketches and scans (``benchmarks/bench_rough.py``).
    """
    return max(3.0, AUTO_GAP * max(shape))


def resolve_gap(gap: float | str | None, shape: tuple[int, int]) -> float:
    """A ``gap`` option in pixels: a number >= 0 as it is; ``"auto"`` or None = :func:`default_gap`."""
    if gap is None or (isinstance(gap, str) and gap == "auto"):
        return default_gap(shape)
    if isinstance(gap, str):
        try:
            gap = float(gap)
        except ValueError:
            raise ValueError(f"gap must be a number of pixels or 'auto', got {gap!r}") from None
    gap = float(gap)
    if not gap >= 0:
        raise ValueError(f"gap must be >= 0 or 'auto', got {gap}")
    return gap


def prepare_ink(ink: np.ndarray, cleanup: bool | str = "auto", ink_threshold: float = 0.3) -> np.ndarray:
    """The ink the region graph works on: a grey scan cleaned up, clean line art as it is.

    A scan (``cleanup="auto"`` and :func:`irodori.lineart.is_scan`, or
    ``cleanup=True``) is cleaned by :func:`irodori.lineart.clean_scan`
    (white paper, lines at full strength); then its faint strokes, those whose
    darkest pixel within 2 px stays under :data:`FULL_LINE` (hatching, pencil
    shading, smudges), become texture: their ink drops to half of
    ``ink_threshold``, so they are paper to the regions (no walls, no seeds cut
    apart) while a cut across them still costs half a paper pixel. Clean line
    art (``cleanup=False`` or not a scan) comes back unchanged, since a light
    line drawn on purpose there is a wall.

    ``ink (H, W) float32`` in [0, 1] in, same out (the input itself when nothing is done).
    """
    from .lineart import clean_scan, is_scan

    if cleanup not in ("auto", True, False):
        raise ValueError(f"cleanup must be 'auto', True or False, got {cleanup!r}")
    if not (cleanup is True or (cleanup == "auto" and is_scan(ink))):
        return ink
    ink = clean_scan(ink)
    strong = cv2.dilate(ink, np.ones((5, 5), np.uint8)) >= FULL_LINE
    faint = (ink >= ink_threshold) & ~strong
    ink[faint] = 0.5 * ink_threshold
    return ink


@dataclass(frozen=True)
class RegionBase:
    """The part of :func:`build_region_graph` that hint marks do not change.

    Computed once per drawing, ``gap`` and ``ink_threshold`` (see
    :class:`irodori.drawing.Drawing`): the closed areas at full resolution,
    the working map and its seeds. Arrays are read-only.
    """

    shape: tuple[int, int]
    gap: float
    f: int
    n_closed: int
    closed: np.ndarray      # (H, W) int32 closed paper areas, 0 = ink
    ink_low: np.ndarray     # (hl, wl) float32 max-pooled ink
    paper_low: np.ndarray   # (hl, wl) uint8
    dist: np.ndarray        # (hl, wl) float32 distance to ink on the working map
    seeds: np.ndarray       # (hl, wl) int32 seed cores, 0 = none
    n_seed: int
    low_cc: np.ndarray      # (hl, wl) int32 paper components of the working map
    n_low: int


def region_base(ink: np.ndarray, gap: float | str | None = "auto", ink_threshold: float = 0.3,
                work_pixels: int = DEFAULT_WORK_PIXELS, cleanup: bool | str = "auto") -> RegionBase:
    """Steps 1 to 3 of :func:`build_region_graph` up to the seeds, which need no hints.

    ``ink (H, W) float32 [0, 1]``; see :func:`build_region_graph` for the rest.
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2 or ink.size == 0:
        raise ValueError(f"ink must be a non-empty (H, W) array, got shape {ink.shape}")
    h, w = ink.shape
    gap = resolve_gap(gap, ink.shape)
    ink = prepare_ink(ink, cleanup, ink_threshold)
    f = max(1, math.ceil(math.sqrt(h * w / work_pixels)))

    # 1. closed areas at full resolution
    paper = (ink < ink_threshold).view(np.uint8)
    n_closed, closed = cv2.connectedComponents(paper, connectivity=4, ltype=cv2.CV_32S)
    del paper

    # 2. working map: max-pooled ink, so a block is paper only if all of it is
    hl, wl = -(-h // f), -(-w // f)
    if f == 1:
        ink_low = ink
    else:
        padded = ink
        if (hl * f, wl * f) != (h, w):
            padded = np.zeros((hl * f, wl * f), np.float32)
            padded[:h, :w] = ink
        rows = padded[0::f]
        for k in range(1, f):
            rows = np.maximum(rows, padded[k::f])
        ink_low = rows[:, 0::f]
        for k in range(1, f):
            ink_low = np.maximum(ink_low, rows[:, k::f])
        ink_low = np.ascontiguousarray(ink_low)
    paper_low = (ink_low < ink_threshold).astype(np.uint8)

    # 3. seeds on the working map
    dist = cv2.distanceTransform(paper_low, cv2.DIST_L2, 5)
    radius = (gap / 2.0 + 0.5) / f  # half a pixel of slack for anti-aliased line ends
    n_seed, seeds = cv2.connectedComponents((dist > radius).view(np.uint8) if radius > 0 else paper_low,
                                            connectivity=4, ltype=cv2.CV_32S)
    n_low, low_cc = cv2.connectedComponents(paper_low, connectivity=4, ltype=cv2.CV_32S)
    for a in (closed, ink_low, paper_low, dist, seeds, low_cc):
        a.setflags(write=False)
    return RegionBase(shape=(h, w), gap=gap, f=f, n_closed=int(n_closed), closed=closed, ink_low=ink_low,
                      paper_low=paper_low, dist=dist, seeds=seeds, n_seed=int(n_seed), low_cc=low_cc,
                      n_low=int(n_low))


def marks_keep_regions(base: RegionBase, marks: "np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray]") -> bool:
    """True if ``marks`` give the same regions as no marks (each mark on a seed core, one label a core).

    Then the graph built without marks can serve (region ids may differ, the
    regions do not). ``marks``: an (H, W) int map or sparse ``(ys, xs, labels)``.
    """
    ys, xs, lab = _marks_low(base, marks)
    if not len(ys):
        return True
    core = base.seeds[ys, xs]
    if (core == 0).any():
        return False
    pair = np.unique(core.astype(np.int64) * (int(lab.max()) + 1) + lab)
    return len(np.unique(pair // (int(lab.max()) + 1))) == len(pair)


def _marks_low(base: RegionBase, marks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mark pixels sampled on the working map's grid and on its paper: ``(ys, xs, labels)``."""
    f = base.f
    if isinstance(marks, tuple):
        ys, xs, lab = (np.asarray(a) for a in marks)
        on = (ys % f == 0) & (xs % f == 0) & (lab > 0)
        ys, xs, lab = ys[on] // f, xs[on] // f, lab[on].astype(np.int64)
    else:
        m = np.asarray(marks)[::f, ::f]
        ys, xs = np.nonzero(m)
        lab = m[ys, xs].astype(np.int64)
    keep = base.paper_low[ys, xs] > 0
    return ys[keep], xs[keep], lab[keep]


def build_region_graph(ink: np.ndarray, gap: float | str | None = "auto", ink_threshold: float = 0.3,
                       work_pixels: int = DEFAULT_WORK_PIXELS,
                       marks: "np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray] | None" = None,
                       base: RegionBase | None = None, cleanup: bool | str = "auto") -> RegionGraph:
    """Over-segment the paper of a line drawing and build its region adjacency graph.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink.
    gap : largest gap in a line (pixels) that separates regions; ``"auto"``
        (or None) = :func:`default_gap`, 1 % of the longer side.
    cleanup : ``"auto"``: a grey scan is cleaned first and its faint strokes
        are texture (:func:`prepare_ink`); True always; False never.
    ink_threshold : pixels with ink below this are paper.
    work_pixels : the working map is reduced by the smallest integer factor
        that brings it under this many pixels.
    marks : (H, W) int, sparse ``(ys, xs, labels)`` or None: labels > 0 that
        must not share a region with another label (for instance rasterized
        hints, see :meth:`irodori.hints.Hints.label_pixels`). Each label's
        pixels on paper seed a region of their own, so a region thinner than
        ``gap`` that is joined to its neighbour through a gap is still
        separated when it is marked. A seed holding one label becomes that
        label's; a seed holding several is dropped and its paper is shared
        out by the marks.
    base : the hint-free steps already computed for this ink, gap and
        threshold (:func:`region_base`), or None to compute them.

    Returns
    -------
    RegionGraph (see its attributes; module docstring for the method).
    """
    if base is None:
        base = region_base(ink, gap, ink_threshold, work_pixels, cleanup)
    h, w = base.shape
    gap, f = base.gap, base.f
    hl, wl = base.paper_low.shape
    closed, n_closed = base.closed, base.n_closed
    ink_low, paper_low, dist, low_cc, n_low = base.ink_low, base.paper_low, base.dist, base.low_cc, base.n_low
    seeds, n_seed = base.seeds, base.n_seed
    if marks is not None:
        seeds = seeds.copy()
        n_seed = _add_marks(seeds, n_seed, _marks_low(base, marks), low_cc, dist)
    has_seed = np.zeros(n_low, bool)
    has_seed[low_cc[seeds > 0]] = True
    has_seed[0] = True
    missing = np.flatnonzero(~has_seed)
    if len(missing):
        seeds = seeds.copy() if not seeds.flags.writeable else seeds
        new_id = np.zeros(n_low, np.int32)
        new_id[missing] = n_seed + np.arange(len(missing), dtype=np.int32)
        thin = new_id[low_cc] > 0
        seeds[thin] = new_id[low_cc[thin]]
        n_seed += len(missing)
    n_basin = n_seed - 1
    if n_basin == 0:  # no paper at the working scale: one region under everything
        basin = np.zeros((hl, wl), np.int32)
        n_basin = 1
    else:
        basin = _grow(seeds, n_seed, paper_low, low_cc) - 1

    # 4. full-resolution labels
    # each basin lies in one closed area: read it at the top-left pixel of its paper blocks
    block_closed = closed[::f, ::f]
    on_paper = paper_low > 0
    basin_closed = np.zeros(n_basin, np.int32)
    basin_closed[basin[on_paper]] = block_closed[on_paper]
    basin_area_low = np.bincount(basin[on_paper], minlength=n_basin)
    # main basin of each closed area: its largest
    main = np.full(n_closed, -1, np.int64)
    order = np.argsort(basin_area_low, kind="stable")
    main[basin_closed[order]] = order
    main[0] = -1
    small = np.flatnonzero(main < 0)
    small = small[small > 0]
    main[small] = n_basin + np.arange(len(small))
    n = n_basin + len(small)

    if f == 1:  # paper already took a seed of its own area; every area has a seed
        labels = basin.copy()
        area = np.bincount(labels.ravel(), minlength=n).astype(np.int64)
        around = np.zeros(0, np.int64)
        extra_pairs = []
    else:
        labels = np.ascontiguousarray(
            cv2.resize(basin, (wl * f, hl * f), interpolation=cv2.INTER_NEAREST)[:h, :w])
        # Blocks that are all paper are right by construction; only blocks that hold
        # ink can have pixels of another closed area than their basin's.
        by, bx = np.nonzero(~on_paper)
        oy, ox = np.divmod(np.arange(f * f, dtype=np.int32), f)
        ys = (by.astype(np.int32)[:, None] * f + oy).ravel()
        xs = (bx.astype(np.int32)[:, None] * f + ox).ravel()
        block_basin = np.repeat(basin[by, bx], f * f)
        inside = (ys < h) & (xs < w)
        ys, xs, block_basin = ys[inside], xs[inside], block_basin[inside]
        cl = closed[ys, xs]
        bad = (cl > 0) & (basin_closed[block_basin] != cl)
        new_label = main[cl[bad]]
        labels[ys[bad], xs[bad]] = new_label.astype(np.int32)
        valid = np.minimum(f, h - np.arange(hl) * f)[:, None] * np.minimum(f, w - np.arange(wl) * f)[None, :]
        area = np.bincount(basin.ravel(), weights=valid.ravel(), minlength=n)
        area -= np.bincount(block_basin[bad], minlength=n)
        area += np.bincount(new_label, minlength=n)
        area = np.rint(area).astype(np.int64)
        extra_pairs = _passages(labels, closed, ys, xs, cl, basin_closed, basin, on_paper, low_cc,
                                n_closed)
        # one pixel of each small closed area, and the basin of its block
        where = np.full(n_closed, -1, np.int64)
        where[cl] = np.arange(len(cl))
        around = block_basin[where[small]].astype(np.int64)

    # 5. edges: basin adjacency on the working map. Per boundary pixel: 1 where it
    # crosses clean paper, falling to 0 at the ink threshold (faint lines still stop
    # colour); on lines, LINE_COST times the squared lightness of the line, so an
    # area closed off by a pinch of two lines joins the side the pinch faces.
    pairs, opens, lines = [], [], []
    for a, b, ia, ib in ((basin[:, :-1], basin[:, 1:], ink_low[:, :-1], ink_low[:, 1:]),
                         (basin[:-1, :], basin[1:, :], ink_low[:-1, :], ink_low[1:, :])):
        diff = a != b
        pa, pb = a[diff].astype(np.int64), b[diff].astype(np.int64)
        darkest = np.maximum(ia[diff], ib[diff])
        openness = np.clip(1.0 - darkest / ink_threshold, 0.0, 1.0)
        pairs.append(np.stack([np.minimum(pa, pb), np.maximum(pa, pb)], 1))
        opens.append(openness * f)
        light = np.clip((1.0 - darkest) / (1.0 - ink_threshold), 0.0, 1.0)
        lines.append((1.0 - openness) * (light * light + 0.01) * f)
    # small closed areas hang off the region around them by a weak edge
    if len(small):
        pairs.append(np.stack([around, main[small]], 1))
        opens.append(np.zeros(len(small)))
        lines.append(np.full(len(small), 0.01 * f))
    pairs += extra_pairs
    opens += [np.ones(len(x), np.float64) for x in extra_pairs]
    lines += [np.zeros(len(x), np.float64) for x in extra_pairs]
    pair = np.concatenate(pairs)
    if len(pair):
        key = pair[:, 0] * n + pair[:, 1]
        uniq, inv = np.unique(key, return_inverse=True)
        open_len = np.bincount(inv, weights=np.concatenate(opens))
        line_len = np.bincount(inv, weights=np.concatenate(lines))
        edges = np.stack([uniq // n, uniq % n], 1).astype(np.int32)
        open_length = open_len.astype(np.float32)
        weights = (open_len + LINE_COST * np.maximum(line_len, 0.01)).astype(np.float32)
    else:
        edges = np.zeros((0, 2), np.int32)
        open_length = np.zeros(0, np.float32)
        weights = np.zeros(0, np.float32)

    closed_of = np.zeros(n, np.int32)
    closed_of[:n_basin] = basin_closed
    closed_of[main[small]] = small
    return RegionGraph(labels=labels, n=int(n), edges=edges, weights=weights, open_length=open_length,
                       area=area, closed=closed_of, scale=int(f), gap=gap)


def _add_marks(seeds: np.ndarray, n_seed: int, marks_low: tuple[np.ndarray, np.ndarray, np.ndarray],
               low_cc: np.ndarray, dist: np.ndarray) -> int:
    """Turn marks (on the working map, from :func:`_marks_low`) into watershed seeds (in place);
    returns the new seed count (ids ``< n``)."""
    ys, xs, lab = marks_low
    if not len(ys):
        return n_seed
    # one seed per (label, closed area) so a seed never spans two areas
    key = low_cc[ys, xs].astype(np.int64) * (int(lab.max()) + 1) + lab
    uniq, inv = np.unique(key, return_inverse=True)
    ids = (n_seed + inv).astype(np.int32)
    core = seeds[ys, xs]
    on_core = core > 0
    if on_core.any():
        pair = np.unique(np.stack([core[on_core], ids[on_core]], 1), axis=0)
        per_core = np.bincount(pair[:, 0], minlength=n_seed)
        table = np.arange(n_seed, dtype=np.int32)
        single = per_core[pair[:, 0]] == 1
        table[pair[single, 0]] = pair[single, 1]  # a core with one mark becomes that mark's
        seeds[...] = table[seeds]
        for c in np.flatnonzero(per_core > 1):    # a core with several: split at its narrowest
            _split_core(seeds, c, ys[core == c], xs[core == c], ids[core == c], dist)
    seeds[ys, xs] = ids
    return n_seed + len(uniq)


def _split_core(seeds: np.ndarray, core: int, ys: np.ndarray, xs: np.ndarray, ids: np.ndarray,
                dist: np.ndarray) -> None:
    """Share a seed holding several marks among them by a level-ordered watershed on the
    inverted distance to ink, so they meet where the paper is narrowest (in place)."""
    from skimage.segmentation import watershed

    cy, cx = np.nonzero(seeds == core)
    y0, y1, x0, x1 = cy.min(), cy.max() + 1, cx.min(), cx.max() + 1
    mask = seeds[y0:y1, x0:x1] == core
    markers = np.zeros(mask.shape, np.int32)
    markers[ys - y0, xs - x0] = ids
    grown = watershed(-dist[y0:y1, x0:x1], markers=markers, mask=mask)
    box = seeds[y0:y1, x0:x1]
    box[mask] = grown[mask]


def _nearest(labels: np.ndarray) -> np.ndarray:
    """For every pixel, the label of the nearest pixel with ``labels > 0`` (Euclidean)."""
    _, idx = cv2.distanceTransformWithLabels((labels == 0).view(np.uint8), cv2.DIST_L2, 5,
                                             labelType=cv2.DIST_LABEL_PIXEL)
    order = np.concatenate([[0], labels[labels > 0]]).astype(np.int32)  # labels in raster order
    return order[idx]


def _grow(seeds: np.ndarray, n_seed: int, paper: np.ndarray, paper_cc: np.ndarray) -> np.ndarray:
    """Grow seeds (ids ``1..n_seed-1``) over the whole map.

    Paper takes its nearest seed of the same paper component (its largest
    seed where the nearest lies across a line); line pixels then take the
    region of their nearest paper. A nearest-seed split puts the boundary
    between two seeds of one component midway, which is across the gap or
    neck that separates them, since seeds stay ``gap / 2`` away from ink.
    """
    near = _nearest(seeds)
    seed_cc = np.zeros(n_seed, np.int32)
    seed_cc[seeds[seeds > 0]] = paper_cc[seeds > 0]
    size = np.bincount(seeds.ravel(), minlength=n_seed)
    size[0] = -1
    order = np.argsort(size, kind="stable")
    main = np.zeros(int(paper_cc.max()) + 1, np.int32)
    main[seed_cc[order]] = order
    out = np.where(paper > 0, near, 0).astype(np.int32)
    wrong = (paper > 0) & (seed_cc[near] != paper_cc)
    out[wrong] = main[paper_cc[wrong]]
    return _nearest(out)


def _passages(labels, closed, ys, xs, cl, basin_closed, basin, on_paper, low_cc, n_closed):
    """Region pairs joined through paper passages narrower than the working scale.

    The working map closes them, so two of its pieces of paper can be one
    closed area at full resolution. Returns ``(k, 2)`` region pairs, one row
    per full-resolution pixel pair across such a passage (inside blocks that
    hold ink, the only place a passage can be).
    """
    basin_cc = np.zeros(len(basin_closed), np.int64)
    basin_cc[basin[on_paper]] = low_cc[on_paper]
    pieces = np.unique(basin_closed.astype(np.int64) * (int(basin_cc.max()) + 1) + basin_cc)
    count = np.bincount(pieces // (int(basin_cc.max()) + 1), minlength=n_closed)
    multi = count > 1
    sel = multi[cl]
    if not sel.any():
        return []
    h, w = labels.shape
    ys, xs, cl = ys[sel], xs[sel], cl[sel]
    own = labels[ys, xs].astype(np.int64)
    out = []
    for dy, dx in ((0, 1), (1, 0)):
        ok = (ys + dy < h) & (xs + dx < w)
        ny, nx = ys[ok] + dy, xs[ok] + dx
        other = labels[ny, nx].astype(np.int64)
        cross = (closed[ny, nx] == cl[ok]) & (other != own[ok])
        a, b = own[ok][cross], other[cross]
        out.append(np.stack([np.minimum(a, b), np.maximum(a, b)], 1))
    return out
