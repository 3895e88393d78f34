"""Rough sketches with ground truth: redraw clean line art as pencil or scanned ink.

:func:`roughen` takes the clean ink of a pair and returns a rough version of
the same drawing, so the pair's colours stay its ground truth. It is a pure
NumPy/OpenCV transform usable on any source (``irodori data build ...
--rough``, the training augmentation, tests and benchmarks).

How
---
1. The clean ink is thinned to its skeleton and cut at junctions into
   strokes (polylines), each with the local line width read from the
   distance transform.
2. Each stroke is redrawn by a hand: a smooth displacement field shared by
   all strokes (so junctions stay joined) wobbles it; its width follows a
   random pressure curve and tapers at free ends; some ends overshoot past
   the junction or corner; some strokes get a second, lighter pass beside
   the first (double strokes); the pen lifts here and there, leaving gaps
   from 1 px up to about 1 % of the drawing's longer side.
3. Some closed areas get hatching (parallel light strokes, sometimes
   crossed, mostly clear of the outline) and some a soft graphite smudge.
4. The strokes are composited on grey paper with a low-frequency texture
   and grain, then blurred and JPEG-compressed like a scan.

Two styles are drawn at random: ``pencil`` (grey, grainy strokes) and ``ink``
(dark, smooth strokes on a scanned page).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..errors import IrodoriError

STYLES = ("pencil", "ink")
_SS = 3  # supersampling of the stroke canvas


def max_gap(shape: tuple[int, int]) -> float:
    """The widest pen-lift gap :func:`roughen` draws at strength 1: 1 % of the longer side, at least 3 px."""
    return max(3.0, 0.01 * max(shape))


def roughen(ink: np.ndarray, seed: int | np.random.Generator = 0, strength: float = 1.0,
            color: np.ndarray | None = None, style: str | None = None) -> np.ndarray:
    """Redraw clean line art as a rough sketch (pencil or scanned ink).

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink: clean line art.
    seed : int seed or numpy Generator; the output depends only on it and the inputs.
    strength : 0..2, how rough (1 = the default; 0 returns a copy of ``ink``).
        Scales the wobble, the number and width of gaps, double strokes,
        hatching and the paper's greyness.
    color : optional (H, W, 3) uint8 colours of the drawing: hatching then
        prefers darker areas, as an artist shades hair and shadows.
    style : ``pencil``, ``ink`` or None (drawn at random).

    Returns
    -------
    (H, W) float32 in [0, 1], 1 = ink: the sketch as a grey scan (paper is
    not 0: grey paper reads as light ink).
    """
    ink = np.asarray(ink, np.float32)
    if ink.ndim != 2 or min(ink.shape) < 8:
        raise IrodoriError(f"roughen needs (H, W) ink of at least 8x8, got shape {ink.shape}")
    if not 0 <= strength <= 2:
        raise IrodoriError(f"roughen strength must be in [0, 2], got {strength}")
    if style is not None and style not in STYLES:
        raise IrodoriError(f"unknown rough style {style!r}: expected one of {', '.join(STYLES)}")
    if color is not None:
        color = np.asarray(color)
        if color.shape != (*ink.shape, 3) or color.dtype != np.uint8:
            raise IrodoriError(f"color must be (H, W, 3) uint8 matching ink {ink.shape}, "
                               f"got {color.shape} {color.dtype}")
    if strength == 0:
        return ink.copy()
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    style = style or ("pencil" if rng.random() < 0.5 else "ink")
    h, w = ink.shape
    unit = max(h, w) / 256.0  # pixels per "256 px drawing" pixel: sizes scale with the drawing

    strokes, widths = _trace(ink)
    field = _displacement(ink.shape, rng, amount=(0.5 + 0.9 * strength) * max(1.0, unit ** 0.5),
                          scale=30.0 * unit)
    canvas = np.zeros((h * _SS, w * _SS), np.uint8)
    pencil = style == "pencil"
    base_dark = rng.uniform(0.55, 0.8) if pencil else rng.uniform(0.85, 0.97)

    items: list[tuple[float, np.ndarray, np.ndarray]] = []  # (darkness, points, widths)
    for pts, wid, ends in zip(strokes, widths, _junction_ends(strokes, ink.shape)):
        pts = _displace(pts, field)
        items += _hand_stroke(pts, wid, ends, rng, strength, unit, base_dark, max_gap(ink.shape) * strength)
    items += _hatching(ink, color, rng, strength, unit, base_dark * (0.55 if pencil else 0.6), field)
    items.sort(key=lambda t: t[0])  # darker strokes drawn last win where strokes cross
    for dark, pts, wid in items:
        _draw(canvas, pts, wid, dark)
    cover = cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    cover = np.maximum(cover, _solids(ink, widths, field) * base_dark)

    if pencil:  # graphite grain: fine noise eating into the strokes
        grain = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 0.6)
        grain /= max(float(grain.std()), 1e-6)
        cover *= np.clip(0.88 + 0.16 * grain, 0.55, 1.0)
    smudge = _smudges(ink, rng, strength, unit) * (0.45 if pencil else 0.3)
    cover = np.maximum(cover, smudge)

    paper = _paper((h, w), rng, strength, unit)
    gray = paper * (1.0 - cover)
    gray = cv2.GaussianBlur(gray, (0, 0), rng.uniform(0.4, 0.6 + 0.3 * strength))
    quality = int(rng.integers(55, 92))
    ok, buf = cv2.imencode(".jpg", np.clip(np.rint(gray * 255), 0, 255).astype(np.uint8),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    if ok:
        gray = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255.0
    return np.clip(1.0 - gray, 0.0, 1.0).astype(np.float32)


# ---------------------------------------------------------------- tracing

_NB = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]  # 4-neighbours first


def _trace(ink: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Strokes of the skeleton of ``ink >= 0.5``: (N, 2) float x, y polylines and their widths."""
    from skimage.morphology import skeletonize

    solid = ink >= 0.5
    skel = skeletonize(solid)
    dist = cv2.distanceTransform(solid.astype(np.uint8), cv2.DIST_L2, 5)
    k = np.ones((3, 3), np.float32)
    deg = cv2.filter2D(skel.astype(np.float32), -1, k, borderType=cv2.BORDER_CONSTANT) - 1
    junction = skel & (deg >= 3)
    body = skel & ~junction
    n, lab = cv2.connectedComponents(body.astype(np.uint8), connectivity=8)
    h, w = ink.shape
    jy, jx = np.nonzero(junction)
    jset = set(zip(jy.tolist(), jx.tolist()))
    ys, xs = np.nonzero(lab)
    order = np.argsort(lab[ys, xs], kind="stable")
    ys, xs = ys[order], xs[order]
    bounds = np.searchsorted(lab[ys, xs], np.arange(1, n + 1))
    strokes, widths = [], []
    for c in range(1, n):
        cy, cx = ys[bounds[c - 1]:bounds[c]], xs[bounds[c - 1]:bounds[c]]
        if len(cy) < 3:  # a dot: its skeleton is a pixel or two
            x, y = float(cx.mean()), float(cy.mean())
            strokes.append(np.array([[x - 0.3, y], [x + 0.3, y]], np.float32))
            widths.append(np.full(2, max(1.0, 2.0 * float(dist[cy, cx].max())), np.float32))
            continue
        pix = set(zip(cy.tolist(), cx.tolist()))
        for path in _walk(pix):
            if len(path) < 2:
                continue
            # reach into the junctions the stroke touches, so redrawn strokes still meet
            for end in (0, -1):
                y, x = path[end]
                for dy, dx in _NB:
                    if (y + dy, x + dx) in jset:
                        if end == 0:
                            path.insert(0, (y + dy, x + dx))
                        else:
                            path.append((y + dy, x + dx))
                        break
            arr = np.array(path, np.float32)
            wid = 2.0 * dist[arr[:, 0].astype(int), arr[:, 1].astype(int)]
            strokes.append(_smooth(arr[:, ::-1].copy()))
            widths.append(np.maximum(wid, 1.0))
    return strokes, widths


def _walk(pix: set[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Order the pixels of a thin 8-connected curve into paths, from an end (or anywhere on a loop).

    Every pixel lands on some path: where a walk leaves pixels behind (a
    staircase corner, a spur), they start paths of their own. A loop is closed.
    """
    def nbrs(p: tuple[int, int]) -> list[tuple[int, int]]:
        return [(p[0] + dy, p[1] + dx) for dy, dx in _NB if (p[0] + dy, p[1] + dx) in pix]

    seen: set[tuple[int, int]] = set()
    paths = []
    ends = sorted(p for p in pix if len(nbrs(p)) == 1)
    while len(seen) < len(pix):
        start = next((p for p in ends if p not in seen), None) or min(pix - seen)
        path, cur = [start], start
        seen.add(start)
        while True:
            nxt = [q for q in nbrs(cur) if q not in seen]
            if not nxt:
                break
            cur = nxt[0]
            path.append(cur)
            seen.add(cur)
        if len(path) > 3 and max(abs(path[-1][0] - start[0]), abs(path[-1][1] - start[1])) <= 1:
            path.append(start)  # a loop
        elif paths or len(path) < len(pix):
            # reattach to the nearest pixel already drawn, so the curve stays joined
            for end in (0, -1):
                y, x = path[end]
                near = [q for q in nbrs((y, x)) if q in seen and q not in path]
                if near:
                    path.insert(0, near[0]) if end == 0 else path.append(near[0])
        paths.append(path)
    return paths


def _smooth(pts: np.ndarray) -> np.ndarray:
    """Take the pixel staircase out of a traced polyline (ends kept), then resample every ~1.5 px."""
    if len(pts) >= 5:
        padded = np.concatenate([pts[:1], pts[:1], pts, pts[-1:], pts[-1:]])
        k = np.ones(5, np.float32) / 5
        sm = np.stack([np.convolve(padded[:, i], k, mode="valid") for i in range(2)], 1)
        sm[0], sm[-1] = pts[0], pts[-1]
        pts = sm.astype(np.float32)
    return _resample(pts, 1.5)


def _resample(pts: np.ndarray, step: float) -> np.ndarray:
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] < step:
        return pts
    t = np.linspace(0.0, s[-1], max(2, int(round(s[-1] / step)) + 1))
    return np.stack([np.interp(t, s, pts[:, 0]), np.interp(t, s, pts[:, 1])], 1).astype(np.float32)


def _junction_ends(strokes: list[np.ndarray], shape: tuple[int, int]) -> list[tuple[bool, bool]]:
    """For each stroke, whether each end meets another stroke (else it is a free end)."""
    h, w = shape
    count = np.zeros((h + 2, w + 2), np.int32)
    ends = []
    for pts in strokes:
        for p in (pts[0], pts[-1]):
            count[int(round(p[1])) + 1, int(round(p[0])) + 1] += 1
    count = cv2.dilate(count.astype(np.float32), np.ones((5, 5), np.uint8))
    for pts in strokes:
        ends.append(tuple(bool(count[int(round(p[1])) + 1, int(round(p[0])) + 1] >= 2)
                          for p in (pts[0], pts[-1])))
    return ends


# ---------------------------------------------------------------- the hand

def _displacement(shape: tuple[int, int], rng: np.random.Generator, amount: float,
                  scale: float) -> np.ndarray:
    """(2, H, W) float32 smooth random displacement of at most about ``amount`` px."""
    h, w = shape
    gh, gw = max(2, int(math.ceil(h / scale)) + 1), max(2, int(math.ceil(w / scale)) + 1)
    coarse = rng.uniform(-amount, amount, size=(2, gh, gw)).astype(np.float32)
    return np.stack([cv2.resize(c, (w, h), interpolation=cv2.INTER_CUBIC) for c in coarse])


def _displace(pts: np.ndarray, field: np.ndarray) -> np.ndarray:
    h, w = field.shape[1:]
    xi = np.clip(np.rint(pts[:, 0]).astype(int), 0, w - 1)
    yi = np.clip(np.rint(pts[:, 1]).astype(int), 0, h - 1)
    return pts + np.stack([field[0, yi, xi], field[1, yi, xi]], 1)


def _noise1d(n: int, rng: np.random.Generator, corr: float) -> np.ndarray:
    """Smooth noise in about [-1, 1] along ``n`` samples, correlation length ``corr`` samples."""
    knots = max(2, int(n / max(corr, 1.0)) + 2)
    return np.interp(np.linspace(0, knots - 1, n), np.arange(knots), rng.uniform(-1, 1, knots))


def _tangent(pts: np.ndarray, end: int) -> np.ndarray:
    a, b = (pts[min(4, len(pts) - 1)], pts[0]) if end == 0 else (pts[-min(5, len(pts))], pts[-1])
    d = b - a
    return d / max(float(np.linalg.norm(d)), 1e-6)


def _hand_stroke(pts: np.ndarray, wid: np.ndarray, ends: tuple[bool, bool], rng: np.random.Generator,
                 strength: float, unit: float, dark: float, gap_max: float
                 ) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """One traced stroke redrawn by hand: pressure, overshoot, pen lifts and a second pass."""
    n = len(pts)
    wid = np.interp(np.linspace(0, len(wid) - 1, n), np.arange(len(wid)), wid)
    pressure = 1.0 + 0.35 * min(strength, 1.5) * _noise1d(n, rng, 12 * unit)
    wid = wid * pressure * rng.uniform(0.8, 1.1)
    # overshoots: past junctions and corners the pen keeps going a little
    for end in (0, 1):
        if rng.random() < (0.45 if ends[end] else 0.15) * min(strength, 1.5) and n >= 4:
            t = _tangent(pts, end)
            ext = rng.uniform(1.5, 5.0) * unit ** 0.7 * strength
            k = max(1, int(ext / 1.5))
            extra = (pts[0] if end == 0 else pts[-1]) + t[None] * np.linspace(1.5, ext, k)[:, None]
            extra_w = (wid[0] if end == 0 else wid[-1]) * np.linspace(0.9, 0.4, k)
            if end == 0:
                pts, wid = np.concatenate([extra[::-1], pts]), np.concatenate([extra_w[::-1], wid])
            else:
                pts, wid = np.concatenate([pts, extra]), np.concatenate([wid, extra_w])
            n = len(pts)
    # free ends taper (a pencil stroke starts and lifts lightly)
    for end in (0, 1):
        if not ends[end] and n >= 6:
            k = min(n // 3, 4)
            ramp = np.linspace(0.45, 1.0, k)
            if end == 0:
                wid[:k] *= ramp
            else:
                wid[-k:] *= ramp[::-1]
    # pen lifts: gaps of 1 px up to gap_max (arc length), a few per long stroke
    keep = np.ones(n, bool)
    length = 1.5 * n
    taken: list[tuple[float, float]] = []
    for _ in range(rng.poisson(strength * length / (260.0 * unit))):
        g = float(np.exp(rng.uniform(np.log(1.0), np.log(max(gap_max, 1.01)))))
        c = rng.uniform(0, n)
        # round caps reach half a width into the gap from both sides (points are 1.5 px apart)
        span = (g + float(wid[min(n - 1, int(c))])) / 1.5
        if any(abs(c - c0) < (span + s0) / 2 + 4 for c0, s0 in taken):
            continue  # gaps never merge into a wider one
        taken.append((c, span))
        keep[max(0, int(round(c - span / 2))):min(n, int(round(c + span / 2)))] = False
    d = dark * rng.uniform(0.9, 1.05)
    out = [(min(d, 1.0), p, q) for p, q in _runs(pts, wid, keep)]
    # a second, lighter pass beside the first over part of the stroke
    if n >= 8 and rng.random() < 0.45 * min(strength, 1.5):
        a = int(rng.uniform(0, 0.4) * n)
        b = int(rng.uniform(0.6, 1.0) * n)
        sub = pts[a:b]
        if len(sub) >= 4:
            tang = np.gradient(sub, axis=0)
            normal = np.stack([-tang[:, 1], tang[:, 0]], 1)
            normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-6)
            off = (rng.uniform(0.8, 2.0) * unit ** 0.5 * rng.choice([-1, 1])
                   * (0.6 + 0.4 * _noise1d(len(sub), rng, 15 * unit)))
            out.append((min(d * rng.uniform(0.6, 0.9), 1.0), sub + normal * off[:, None],
                        wid[a:b] * rng.uniform(0.5, 0.8)))
    return out


def _runs(pts: np.ndarray, wid: np.ndarray, keep: np.ndarray):
    """The pieces of a polyline where ``keep`` holds (at least 2 points each)."""
    idx = np.flatnonzero(np.diff(np.concatenate([[0], keep.view(np.int8), [0]])))
    for a, b in zip(idx[::2], idx[1::2]):
        if b - a >= 2:
            yield pts[a:b], wid[a:b]


def _draw(canvas: np.ndarray, pts: np.ndarray, wid: np.ndarray, dark: float) -> None:
    """Draw a polyline of varying width into the supersampled canvas (value = darkness)."""
    v = int(round(255 * dark))
    p = np.rint(pts * _SS * 4).astype(np.int32)  # 2 bits of sub-pixel precision
    th = np.maximum(1, np.rint(wid * _SS)).astype(int)
    for i in range(len(p) - 1):
        cv2.line(canvas, (int(p[i, 0]), int(p[i, 1])), (int(p[i + 1, 0]), int(p[i + 1, 1])), v,
                 int(th[i]), cv2.LINE_AA, 2)


def _solids(ink: np.ndarray, widths: list[np.ndarray], field: np.ndarray) -> np.ndarray:
    """(H, W) float32 coverage of the filled shapes (pupils, solid patches) that strokes cannot redraw.

    A shape is solid where the ink is much wider than the drawing's lines; it
    is kept as a filled area, moved by the same displacement as the strokes.
    """
    line_w = float(np.median(np.concatenate(widths))) if widths else 1.0
    r = int(math.ceil(0.9 * line_w)) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    solid = cv2.morphologyEx((ink >= 0.5).astype(np.uint8), cv2.MORPH_OPEN, kernel)
    if not solid.any():
        return np.zeros(ink.shape, np.float32)
    h, w = ink.shape
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    moved = cv2.remap(solid.astype(np.float32), xs - field[0], ys - field[1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return cv2.GaussianBlur(moved, (0, 0), 0.6)


# ---------------------------------------------------------------- shading and paper

def _hatching(ink: np.ndarray, color: np.ndarray | None, rng: np.random.Generator, strength: float,
              unit: float, dark: float, field: np.ndarray) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Parallel light strokes over part of some closed areas (sometimes crossed)."""
    h, w = ink.shape
    paper = (ink < 0.5).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    border = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    cand = [i for i in range(1, n) if i not in set(border.tolist())
            and 0.004 * h * w <= stats[i, cv2.CC_STAT_AREA] <= 0.35 * h * w]
    if not cand:
        return []
    weight = np.ones(len(cand))
    if color is not None:  # darker areas are shaded more often
        lum = np.array([color[lab == i].mean() for i in cand])
        weight = 0.3 + (255.0 - lum) / 255.0
    k = min(len(cand), rng.binomial(len(cand), min(1.0, 0.3 * strength)) + (1 if rng.random() < strength else 0))
    if k == 0:
        return []
    chosen = rng.choice(cand, size=k, replace=False, p=weight / weight.sum())
    out = []
    for i in chosen:
        inside = (lab == i).astype(np.uint8)
        margin = rng.uniform(0.5, 2.5) * unit
        inner = cv2.distanceTransform(inside, cv2.DIST_L2, 5) > margin
        x0, y0, bw, bh = (int(v) for v in stats[i, :4])
        # shade one side of the area: a half-plane through a point inside it
        side_angle = rng.uniform(0, 2 * np.pi)
        cx, cy = x0 + bw * rng.uniform(0.3, 0.7), y0 + bh * rng.uniform(0.3, 0.7)
        angles = [rng.uniform(0, np.pi)]
        if rng.random() < 0.3 * strength:
            angles.append(angles[0] + rng.uniform(0.35, 0.65) * np.pi)
        spacing = rng.uniform(2.5, 5.0) * unit ** 0.8
        for ang in angles:
            d = np.array([np.cos(ang), np.sin(ang)])
            nrm = np.array([-d[1], d[0]])
            r = 0.5 * math.hypot(bw, bh) + 2
            mid = np.array([x0 + bw / 2, y0 + bh / 2])
            for off in np.arange(-r, r, spacing):
                t = np.arange(-r, r, 1.0)
                line = mid[None] + nrm[None] * off + d[None] * t[:, None]
                xi, yi = np.rint(line[:, 0]).astype(int), np.rint(line[:, 1]).astype(int)
                ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
                ok[ok] = inner[yi[ok], xi[ok]]
                side = ((line[:, 0] - cx) * np.cos(side_angle) + (line[:, 1] - cy) * np.sin(side_angle)) > 0
                ok &= side
                for seg_pts, _ in _runs(line.astype(np.float32), np.ones(len(line), np.float32), ok):
                    if len(seg_pts) < 3 * unit:
                        continue
                    seg_pts = _displace(seg_pts, field * 0.5)
                    # strokes sometimes run a bit past the clean area (onto or over the outline)
                    if rng.random() < 0.25:
                        seg_pts = np.concatenate([seg_pts, seg_pts[-1:] + (seg_pts[-1:] - seg_pts[-2:-1])
                                                  * np.arange(1, int(2 * unit) + 2)[:, None]])
                    n_pts = len(seg_pts)
                    wv = rng.uniform(0.6, 1.1) * (1 + 0.2 * _noise1d(n_pts, rng, 8)) * unit ** 0.5
                    out.append((dark * rng.uniform(0.7, 1.1), seg_pts, wv.astype(np.float32)))
    return out


def _smudges(ink: np.ndarray, rng: np.random.Generator, strength: float, unit: float) -> np.ndarray:
    """(H, W) float32 soft graphite shading on one side of a few closed areas, in [0, 1]."""
    h, w = ink.shape
    out = np.zeros((h, w), np.float32)
    n, lab, stats, _ = cv2.connectedComponentsWithStats((ink < 0.5).astype(np.uint8), connectivity=4)
    cand = [i for i in range(1, n) if 0.004 * h * w <= stats[i, cv2.CC_STAT_AREA] <= 0.35 * h * w]
    if not cand:
        return out
    for i in rng.choice(cand, size=min(len(cand), rng.poisson(0.7 * strength)), replace=False):
        x0, y0, bw, bh = (int(v) for v in stats[i, :4])
        yy, xx = np.mgrid[y0:y0 + bh, x0:x0 + bw].astype(np.float32)
        ang = rng.uniform(0, 2 * np.pi)
        d = ((xx - x0 - bw / 2) * np.cos(ang) + (yy - y0 - bh / 2) * np.sin(ang)) / max(bw, bh)
        tone = np.clip(0.5 + 2.5 * d, 0, 1) * rng.uniform(0.25, 0.6)
        patch = np.zeros((h, w), np.float32)
        patch[y0:y0 + bh, x0:x0 + bw] = np.where(lab[y0:y0 + bh, x0:x0 + bw] == i, tone, 0)
        out = np.maximum(out, cv2.GaussianBlur(patch, (0, 0), 1.5 * unit))
    return out


def _paper(shape: tuple[int, int], rng: np.random.Generator, strength: float, unit: float) -> np.ndarray:
    """(H, W) float32 grey paper in [0, 1]: tone, uneven scan lighting, fibre texture and grain."""
    h, w = shape
    tone = 1.0 - rng.uniform(0.03, 0.1 + 0.08 * strength)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    light = ((xx / w - 0.5) * np.cos(ang) + (yy / h - 0.5) * np.sin(ang)) * rng.uniform(0, 0.06) * strength
    lowf = cv2.resize(rng.normal(0, 1, (6, 6)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    fibre = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2 * unit ** 0.5)
    fibre /= max(float(fibre.std()), 1e-6)
    grain = rng.normal(0, 1, (h, w)).astype(np.float32)
    paper = (tone + light + 0.012 * strength * lowf + 0.012 * strength * fibre
             + 0.012 * strength * grain)
    return np.clip(paper, 0.0, 1.0).astype(np.float32)
