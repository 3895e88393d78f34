"""Shading from the line art alone: light, shadow, highlight and coloured lines as layers.

:func:`shade` takes any method's :class:`~irodori.methods.Result` (its flats)
and the line art, and returns a copy with named layers added: ``shadow``
(*multiply*), ``highlight`` (*screen*) and, with ``line_color=True``,
coloured ``lines`` (色トレス). The composite includes them; the flats and
the line alpha are untouched, so an artist can repaint or hide each layer.

How (after Lumo, Johnston 2002, and Ink-and-Ray, Sýkora et al. 2014):

1. **Areas.** At a working size of about :data:`WORK_PIXELS` pixels, the
   paper between lines is cut into areas of one flat colour (lines, and any
   change of flat colour, separate areas). The unfilled background (flats
   alpha 0) is no area and stays unshaded.
2. **Inflation.** Each area is inflated into a bas-relief: the Poisson
   equation ``lap(u) = -1`` with ``u = 0`` on the area's border (its lines,
   including lines ending inside it, which become creases), solved by
   Jacobi iterations from coarse to fine; the height is ``h = depth *
   sqrt(4 u)``, exactly a hemisphere for a round area and a round tube for
   a long one (about, ``sqrt(2)`` deeper).
3. **Light.** Normals from ``h``; Lambert term ``n . l`` for a directional
   light. Convention: ``azimuth`` in degrees clockwise from the top of the
   picture (0 = from above, 90 = from the right, 270 = from the left, 315 =
   from the upper left), ``elevation`` in degrees above the picture plane
   (0 = grazing, 90 = straight from the viewer). Default ``(315, 45)``:
   upper front-left, as anime is usually lit.
4. **Depth order and cast shadow.** Where two areas meet, the one whose
   outline bulges into the other (convex along their shared line: a hair
   fringe's tips, a chin, a sleeve's cuff, an eye in a face) lies over it
   and casts a shadow onto it on the side away from the light, as far as
   the step between them and the light's elevation allow; the covered
   side also gets a little ambient occlusion along the line.
5. **Styles.** ``cel``: 1-3 hard-edged tones (thresholds on the light, so
   the edge follows the form); ``soft``: a smooth ramp. Shadows are one
   multiply colour (a greyish violet by default, ``cool_shift`` moves it
   from neutral grey to blue-violet, the anime convention); each further
   cel tone multiplies it once more. The highlight is a small screen spot
   where the surface faces the half-way vector between light and viewer,
   only on areas large enough to carry one.

The lighting is computed at the working size and brought back to full
resolution area by area (a pixel only takes light from samples of its own
flat colour), so nothing crosses a line into the neighbouring area.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from scipy import ndimage as ndi

from .compose import Layer
from .errors import IrodoriError
from .methods.base import Result, with_layers

#: Pixels of the working size the light is computed at (bigger drawings are scaled down for it).
WORK_PIXELS = 300_000
STYLES = ("cel", "soft", "none")
DEFAULT_LIGHT = (315.0, 45.0)
#: Cel thresholds on the light term (``n . l`` with occlusion and cast shadow): tone k is below the k-th.
CEL_THRESHOLDS = (0.42, 0.0, -0.3)
_CREASE = 0.1  # weight of the strict (every line a border) inflation: depth of creases at inner lines
_JF, _JT = 1.2, 0.02
_THICK = 0.5  # a rider stands this many of its inscribed radii above what it lies on
_MAX_ORDERED = 1024  # areas that take part in the depth order (the largest)
_MIN_AREA = 12  # working-size pixels: smaller areas take no form shading of their own
_RING = 16  # samples on a ring for convexity and occlusion


@dataclass(frozen=True)
class ShadeOptions:
    """Options of :func:`shade` (see its docstring)."""

    light: tuple[float, float] = DEFAULT_LIGHT
    style: str = "cel"
    strength: float = 0.6
    levels: int = 2
    shadow_color: tuple[int, int, int] | None = None
    cool_shift: float = 0.5
    highlight: float = 0.35
    occlusion: float = 0.5
    depth: float = 1.0
    line_color: bool = False


def parse_light(text: str) -> tuple[float, float]:
    """``"azimuth,elevation"`` in degrees -> a checked ``(azimuth, elevation)`` tuple.

    Raises IrodoriError (one line) for non-numbers or an elevation outside 0-90.
    """
    parts = [p.strip() for p in str(text).split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        light = (float(parts[0]), float(parts[1]))
    except ValueError:
        raise IrodoriError(f"bad light {text!r}: expected AZIMUTH,ELEVATION in degrees, e.g. 315,45") from None
    return check_light(light)


def check_light(light: Any) -> tuple[float, float]:
    """Validate ``(azimuth, elevation)`` in degrees: finite numbers, elevation in [0, 90]."""
    try:
        az, el = (float(v) for v in light)
    except (TypeError, ValueError):
        raise IrodoriError(f"light must be (azimuth, elevation) in degrees, got {light!r}") from None
    if not (math.isfinite(az) and math.isfinite(el)):
        raise IrodoriError(f"light must be finite degrees, got {light!r}")
    if not 0.0 <= el <= 90.0:
        raise IrodoriError(f"light elevation must be between 0 and 90 degrees, got {el:g}")
    return az % 360.0, el


def shading_options(style: str | None, light: str | None = None, line_color: bool = False,
                    strength: float | None = None) -> dict[str, Any] | None:
    """Keyword arguments for :func:`shade` from command-line style flags, checked; None = no shading.

    ``style`` is ``cel``, ``soft`` or None (then only ``line_color`` can ask
    for anything: coloured lines alone); ``light`` is ``"AZIMUTH,ELEVATION"``.
    """
    if style is None:
        if light is not None or strength is not None:
            raise IrodoriError("--light and --shade-strength need --shade cel or --shade soft")
        return {"style": "none", "line_color": True} if line_color else None
    if style not in ("cel", "soft"):
        raise IrodoriError(f"--shade must be cel or soft, got {style!r}")
    kwargs: dict[str, Any] = {"style": style, "line_color": bool(line_color)}
    if light is not None:
        kwargs["light"] = parse_light(light)
    if strength is not None:
        kwargs["strength"] = strength
    check_options(ShadeOptions(**kwargs))
    return kwargs


def light_vector(azimuth: float, elevation: float) -> np.ndarray:
    """Unit light direction ``(x right, y down, z toward the viewer)`` (see module docstring)."""
    a, e = math.radians(azimuth), math.radians(elevation)
    return np.array([math.cos(e) * math.sin(a), -math.cos(e) * math.cos(a), math.sin(e)], np.float32)


def check_options(opts: ShadeOptions) -> ShadeOptions:
    """Validate every option; returns the options with ``light`` normalised."""
    if opts.style not in STYLES:
        raise IrodoriError(f"shading style must be one of {', '.join(STYLES)}, got {opts.style!r}")
    for name in ("strength", "cool_shift", "highlight", "occlusion"):
        v = getattr(opts, name)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0.0 <= float(v) <= 1.0:
            raise IrodoriError(f"shading {name} must be a number in [0, 1], got {v!r}")
    if not isinstance(opts.depth, (int, float)) or not 0.05 <= float(opts.depth) <= 4.0:
        raise IrodoriError(f"shading depth must be in [0.05, 4], got {opts.depth!r}")
    if opts.levels not in (1, 2, 3) or isinstance(opts.levels, bool):
        raise IrodoriError(f"shading levels must be 1, 2 or 3, got {opts.levels!r}")
    if opts.shadow_color is not None:
        c = tuple(opts.shadow_color)
        if len(c) != 3 or not all(isinstance(v, (int, np.integer)) and 0 <= v <= 255 for v in c):
            raise IrodoriError(f"shadow colour must be (r, g, b) in 0-255, got {opts.shadow_color!r}")
    import dataclasses

    return dataclasses.replace(opts, light=check_light(opts.light))


def shadow_rgb(opts: ShadeOptions) -> np.ndarray:
    """The multiply colour of the first shadow tone, ``(3,) float32`` in [0, 1]."""
    if opts.shadow_color is not None:
        return np.asarray(opts.shadow_color, np.float32) / 255.0
    neutral = np.array([0.66, 0.66, 0.66], np.float32)
    cool = np.array([0.60, 0.58, 0.82], np.float32)
    return neutral + (cool - neutral) * float(opts.cool_shift)


# --------------------------------------------------------------------- geometry
def _areas(flats: np.ndarray, ink: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Area labels ``(h, w) int32`` (-1 = line or background) and colour codes ``(h, w) int64`` at ``shape``."""
    from skimage.measure import label

    H, W = ink.shape
    h, w = shape
    ys = np.minimum(((np.arange(h) + 0.5) * H / h).astype(np.int64), H - 1)
    xs = np.minimum(((np.arange(w) + 0.5) * W / w).astype(np.int64), W - 1)
    code = _codes(flats[ys[:, None], xs[None, :]])
    k = max(1, int(round(H / h)))
    ink_max = cv2.dilate(ink, np.ones((k, k), np.uint8)) if k > 1 else ink
    ink_s = cv2.resize(ink_max, (w, h), interpolation=cv2.INTER_AREA) if (h, w) != (H, W) else ink_max
    line = ink_s > 0.45
    keyed = np.where(line | (code < 0), -1, code)
    # connectivity=1: two areas of one colour touching only at a corner stay two.
    lab = label(keyed, background=-1, connectivity=1).astype(np.int32) - 1
    return lab, code


def _codes(rgba: np.ndarray) -> np.ndarray:
    """``(..., 4) uint8`` RGBA -> ``(...) int64`` packed RGB, -1 where alpha < 128 (unfilled)."""
    a = rgba.astype(np.int64)
    code = (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]
    return np.where(rgba[..., 3] >= 128, code, -1)


def _interior(lab: np.ndarray) -> np.ndarray:
    """Pixels whose 4 neighbours belong to their own area: where the Poisson unknowns live."""
    m = lab >= 0
    same = m.copy()
    same[1:] &= lab[1:] == lab[:-1]
    same[:-1] &= lab[:-1] == lab[1:]
    same[:, 1:] &= lab[:, 1:] == lab[:, :-1]
    same[:, :-1] &= lab[:, :-1] == lab[:, 1:]
    same[0] = same[-1] = False
    same[:, 0] = same[:, -1] = False
    return same.astype(np.float32)


_CROSS = np.array([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]], np.float32)


def inflate(lab: np.ndarray, iterations: int = 40) -> np.ndarray:
    """Solve ``lap(u) = -1`` in every area, ``u = 0`` on its border; ``(h, w) float32``.

    Coarse to fine: the solution at half size, times 4 (``u`` scales with
    size squared), starts Jacobi iterations at each size, so a large area
    converges in a few dozen iterations per level.
    """
    h, w = lab.shape
    if min(h, w) > 24:
        coarse = inflate(lab[::2, ::2], iterations)
        u = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR) * 4.0
    else:
        u = np.zeros((h, w), np.float32)
        iterations = max(iterations, 4 * max(h, w))
    inside = _interior(lab)
    u *= inside
    q = 0.25 * inside
    for _ in range(iterations):
        u = cv2.filter2D(u, -1, _CROSS, borderType=cv2.BORDER_CONSTANT)
        u += 0.25
        u *= inside
    del q
    return u


def _dome(u: np.ndarray, lab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Height ``(h, w) float32`` from the Poisson solution ``u``, and each pixel's area's inscribed radius.

    ``h = R sqrt(u / max u)`` per area, ``R`` its inscribed radius: a disc
    becomes a hemisphere, a strip a round tube, an ellipse half an ellipsoid
    as deep as it is narrow (``u`` is exactly quadratic on an ellipse).
    """
    on = lab >= 0
    out = np.zeros(lab.shape, np.float32)
    rad = np.zeros(lab.shape, np.float32)
    if not on.any():
        return out, rad
    n = int(lab.max()) + 1
    inside = _interior(lab).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    r = np.zeros(n, np.float32)
    umax = np.zeros(n, np.float32)
    np.maximum.at(r, lab[on], dist[on])
    np.maximum.at(umax, lab[on], u[on])
    k = np.where(umax > 0, r * r / np.maximum(umax, 1e-6), 0.0).astype(np.float32)
    out[on] = np.sqrt(np.maximum(u[on], 0.0) * k[lab[on]])
    rad[on] = r[lab[on]]
    return out, rad


def _ring(radius: float, n: int = _RING) -> list[tuple[int, int]]:
    t = np.arange(n) * 2 * np.pi / n
    return sorted({(int(round(radius * math.sin(a))), int(round(radius * math.cos(a)))) for a in t})


def _shift(a: np.ndarray, dy: int, dx: int, fill: Any) -> np.ndarray:
    """``out[y, x] = a[y + dy, x + dx]`` with ``fill`` outside."""
    out = np.full_like(a, fill)
    h, w = a.shape
    ys, yd = (slice(dy, h), slice(0, h - dy)) if dy >= 0 else (slice(0, h + dy), slice(-dy, h))
    xs, xd = (slice(dx, w), slice(0, w - dx)) if dx >= 0 else (slice(0, w + dx), slice(-dx, w))
    out[yd, xd] = a[ys, xs]
    return out


def depth_order(lab: np.ndarray, n: int, radius: float, background: np.ndarray | None = None,
                junction_radius: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which area lies over which, from the shape of their shared outlines.

    Returns ``front (n, n) bool`` (``front[a, b]``: area ``a`` lies over
    area ``b`` where they meet), ``shared (n, n) float64`` (how much outline
    they share, in samples) and ``own (h, w) float32``, the fraction of
    ring samples (radius ``radius``) around each pixel that fall in its own
    area: below 0.5 near an outline that bulges outward.

    Along a shared line the area whose outline bulges into the other is
    convex there and is taken to lie on top (an occluding contour is
    convex; the occluded area has the notch).
    """
    h, w = lab.shape
    if background is None:
        background = np.zeros(lab.shape, bool)
    own = np.zeros((h, w), np.float32)
    valid = np.zeros((h, w), np.float32)
    for dy, dx in _ring(radius):
        s = _shift(lab, dy, dx, -1)
        own += (s == lab)
        valid += (s >= 0)
    own = np.where(lab >= 0, own / np.maximum(valid, 1), 1.0).astype(np.float32)
    front = np.zeros((n, n), bool)
    if n < 2:
        return front, own, np.zeros((n, n))
    # Pairs across a line: a pixel of area a and one of area b a line width or two away.
    # For each, the share of ring samples (counting a and b only) that fall in its own
    # area: below one half where its outline bulges into the other.
    step = max(3, int(round(radius * 0.6)))
    ring = np.array(_ring(radius), np.int64)
    conv_sum = np.zeros((n, n), np.float64)
    count = np.zeros((n, n), np.float64)
    flat = np.pad(lab, int(radius) + step + 1, constant_values=-1)
    pw = flat.shape[1]
    off = int(radius) + step + 1
    ring_flat = ring[:, 0] * pw + ring[:, 1]
    for dy, dx in ((0, step), (step, 0), (step, step), (step, -step)):
        s = _shift(lab, dy, dx, -1)
        m = (lab >= 0) & (s >= 0) & (s != lab)
        py, px = np.nonzero(m)
        if py.size == 0:
            continue
        a, b = lab[py, px], s[py, px]
        p = (py + off) * pw + (px + off)
        q = p + dy * pw + dx
        ra = flat.ravel()[p[:, None] + ring_flat[None, :]]
        rb = flat.ravel()[q[:, None] + ring_flat[None, :]]
        fa = (ra == a[:, None]).sum(1) / np.maximum(((ra == a[:, None]) | (ra == b[:, None])).sum(1), 1)
        fb = (rb == b[:, None]).sum(1) / np.maximum(((rb == a[:, None]) | (rb == b[:, None])).sum(1), 1)
        d = (fa - fb).astype(np.float64)  # < 0: a bulges into b here
        np.add.at(conv_sum, (a, b), d)
        np.add.at(conv_sum, (b, a), -d)
        np.add.at(count, (a, b), 1)
        np.add.at(count, (b, a), 1)
    mean = np.divide(conv_sum, count, out=np.zeros_like(conv_sum), where=count > 0)
    front = (count >= 3) & (mean < -0.02)
    # Junctions are the stronger cue: where a third area (or the background) meets
    # the pair, the area on top keeps a smooth outline (about half the disc round
    # the junction), the one beneath ends in a corner (less).
    jsum, jcount = _junctions(lab, background, n, junction_radius or radius)
    has = jcount >= 2
    jmean = np.divide(jsum, jcount, out=np.zeros_like(jsum), where=has)
    front = np.where(has, jmean > _JT, front)
    return front, own, count


def _junctions(lab: np.ndarray, background: np.ndarray, n: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count, per ordered pair of areas, of (share of a - share of b) of the disc round each junction."""
    jsum = np.zeros((n, n), np.float64)
    jcount = np.zeros((n, n), np.float64)
    full = np.where(background, n, lab)  # the background is a pseudo-area n; lines stay -1
    pad = int(math.ceil(radius)) + 1
    flat = np.pad(full, pad, constant_values=n)
    pw = flat.shape[1]
    offsets = []
    for r in (0.5 * radius, radius):
        offsets += _ring(r, 12)
    offs = np.array(offsets, np.int64)
    ring_flat = offs[:, 0] * pw + offs[:, 1]
    py, px = np.nonzero(full < 0)
    if py.size == 0:
        return jsum, jcount
    p = (py + pad) * pw + (px + pad)
    samp = flat.ravel()[p[:, None] + ring_flat[None, :]]  # (N, K)
    srt = np.sort(samp, axis=1)
    distinct = ((srt[:, 1:] != srt[:, :-1]) & (srt[:, 1:] >= 0)).sum(1) + (srt[:, 0] >= 0)
    j = distinct >= 3
    if not j.any():
        return jsum, jcount
    samp = samp[j]
    valid = (samp >= 0).sum(1, keepdims=True).astype(np.float64)
    share = np.zeros(samp.shape, np.float64)
    for k in range(samp.shape[1]):
        share[:, k] = (samp == samp[:, k:k + 1]).sum(1)
    share /= np.maximum(valid, 1)
    # one vote per junction pixel and pair: take each pair once via its first columns
    K = samp.shape[1]
    for i in range(K):
        for k in range(i + 1, K):
            a, b = samp[:, i], samp[:, k]
            m = (a >= 0) & (b >= 0) & (a < n) & (b < n) & (a != b)
            first = m.copy()
            # skip if the pair (a, b) appeared in an earlier column pair of this row
            if not m.any():
                continue
            d = share[m, i] - share[m, k]
            np.add.at(jsum, (a[m], b[m]), d)
            np.add.at(jsum, (b[m], a[m]), -d)
            np.add.at(jcount, (a[m], b[m]), 1)
            np.add.at(jcount, (b[m], a[m]), 1)
            del first
    return jsum, jcount


def _cast_shadow(lab: np.ndarray, height: np.ndarray, front: np.ndarray, l: np.ndarray,
                 reach: float, thickness: np.ndarray | None = None) -> np.ndarray:
    """``(h, w) float32`` in [0, 1]: 1 where an area lying over this one hides the light.

    Marches from each pixel toward the light over the height field; a pixel
    is shadowed where a point of an area lying over its own (``front``)
    rises above the ray (softened over about a pixel of height). A caster's
    shadow reaches at most as far as its ``thickness`` (per area) lets it at
    this elevation: anime casts bands under a fringe, not long shadows.
    """
    h, w = lab.shape
    horiz = float(math.hypot(l[0], l[1]))
    if horiz < 1e-3 or not front.any():
        return np.zeros((h, w), np.float32)
    casters = front.any(1)
    receivers = front.any(0)
    on = lab >= 0
    recv = np.zeros((h, w), bool)
    recv[on] = receivers[lab[on]]
    py, px = np.nonzero(recv)
    shadow = np.zeros((h, w), np.float32)
    if py.size == 0:
        return shadow
    dx, dy = l[0] / horiz, l[1] / horiz
    tan_el = l[2] / horiz
    me = lab[py, px]
    base = height[py, px]
    best = np.zeros(py.size, np.float32)
    n_steps = int(min(64, max(16, reach / 1.5)))
    for i in range(1, n_steps + 1):
        t = reach * (i / n_steps) ** 1.3 + 1.0
        ys = np.rint(py + dy * t).astype(np.int64)
        xs = np.rint(px + dx * t).astype(np.int64)
        ok = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
        ys, xs = np.clip(ys, 0, h - 1), np.clip(xs, 0, w - 1)
        other = lab[ys, xs]
        hit = ok & (other >= 0) & (other != me)
        hit[hit] = casters[other[hit]] & front[other[hit], me[hit]]
        if thickness is not None:
            hit[hit] = t <= thickness[other[hit]] / max(tan_el, 0.2) + 2.0
        if not hit.any():
            continue
        rise = height[ys, xs] - (base + t * tan_el)
        best = np.where(hit, np.maximum(best, np.clip(rise - 0.5, 0.0, 1.0)), best)
    shadow[py, px] = best
    # Sampling the ray in steps leaves stripes where an edge is grazed: smooth them out.
    return cv2.GaussianBlur(shadow, (0, 0), 1.0) * recv


def _gradient(height: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of ``height`` that never reach into another cell (one-sided there)."""
    out = []
    for axis in (1, 0):
        fwd = np.roll(height, -1, axis) - height
        bwd = height - np.roll(height, 1, axis)
        same_f = np.roll(cells, -1, axis) == cells
        same_b = np.roll(cells, 1, axis) == cells
        if axis == 1:
            same_f[:, -1] = False
            same_b[:, 0] = False
        else:
            same_f[-1] = False
            same_b[0] = False
        g = np.where(same_f & same_b, 0.5 * (fwd + bwd), np.where(same_f, fwd, np.where(same_b, bwd, 0.0)))
        out.append(g.astype(np.float32))
    return out[0], out[1]


def _cells(lab: np.ndarray, code: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Each area's cell (the area plus its half of the lines around it) and its enclosing area.

    Returns ``cells (h, w) int32`` (-1 = unfilled background) and
    ``parent (n,) int32``: the one area that surrounds area ``a`` on every
    side (its cell touches no other area, no background and not the picture's
    edge), else ``a`` itself; followed to the outermost.
    """
    h, w = lab.shape
    bg = code < 0
    seeds = (lab >= 0) | bg
    parent = np.arange(n, dtype=np.int32)
    if not seeds.any():
        return lab.copy(), parent
    idx = ndi.distance_transform_edt(~seeds, return_distances=False, return_indices=True)
    cells = np.where(bg, -1, lab[idx[0], idx[1]]).astype(np.int32)
    if n == 0:
        return cells, parent
    # Neighbours of each cell; the picture's edge counts as background (-1).
    pad = np.pad(cells, 1, constant_values=-1)
    a_list, b_list = [], []
    for sl_a, sl_b in (((slice(1, -1), slice(1, -1)), (slice(2, None), slice(1, -1))),
                       ((slice(1, -1), slice(1, -1)), (slice(0, -2), slice(1, -1))),
                       ((slice(1, -1), slice(1, -1)), (slice(1, -1), slice(2, None))),
                       ((slice(1, -1), slice(1, -1)), (slice(1, -1), slice(0, -2)))):
        a, b = pad[sl_a], pad[sl_b]
        m = (a != b) & (a >= 0)
        a_list.append(a[m])
        b_list.append(b[m])
    a = np.concatenate(a_list).astype(np.int64)
    b = np.concatenate(b_list).astype(np.int64)
    pairs = np.unique(a * (n + 1) + (b + 1))
    pa, pb = pairs // (n + 1), pairs % (n + 1) - 1
    # A group of areas that every path to the background crosses area X (a mouth
    # with its tongue in a face, an eye with its iris) is enclosed by X: remove
    # X from the adjacency graph, and the groups cut off from the background are
    # its children. Larger X first, so the tightest enclosure wins.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    node_b = np.where(pb < 0, n, pb)
    sizes = np.bincount(cells[cells >= 0], minlength=n)
    for x in np.argsort(-sizes)[:32]:
        if sizes[x] < 0.005 * cells.size:
            break
        keep = (pa != x) & (node_b != x)
        g = coo_matrix((np.ones(int(keep.sum())), (pa[keep], node_b[keep])), shape=(n + 1, n + 1))
        _, comp = connected_components(g, directed=False)
        cut = (comp[:n] != comp[n]) & (np.arange(n) != x)
        # a cut-off group must be small beside X (a face ringed by hair is not its child)
        for c in np.unique(comp[:n][cut]):
            members = cut & (comp[:n] == c)
            if sizes[members].sum() <= 0.25 * sizes[x]:
                parent[members] = x
    for _ in range(8):  # nested: an iris in an eye in a face
        parent = parent[parent]
    return cells, parent


def parent_of(cells: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Relabel ``cells`` by each area's enclosing area (``parent``); -1 stays -1."""
    out = cells.copy()
    on = cells >= 0
    out[on] = parent[cells[on]]
    return out


@dataclass
class Lighting:
    """The light at working size: ``diffuse`` and ``spec`` ``(h, w) float32``, ``lab``, ``code``."""

    diffuse: np.ndarray
    spec: np.ndarray
    lab: np.ndarray
    code: np.ndarray


def light_areas(flats: np.ndarray, ink: np.ndarray, opts: ShadeOptions) -> Lighting:
    """Height field, normals, light, cast shadow and occlusion at working size (see module docstring).

    ``diffuse`` is the light term (``n . l``, lowered by occlusion and cast
    shadow; 1 = facing the light) and ``spec`` the highlight term in [0, 1];
    both are defined on every area pixel and carried into the lines.
    """
    H, W = ink.shape
    scale = min(1.0, math.sqrt(WORK_PIXELS / float(H * W)))
    h, w = max(8, int(round(H * scale))), max(8, int(round(W * scale)))
    lab, code = _areas(flats, ink, (h, w))
    n = int(lab.max()) + 1
    sizes = np.bincount(lab[lab >= 0], minlength=n) if n > 0 else np.zeros(0, np.int64)
    small = sizes < _MIN_AREA
    cells, parent = _cells(lab, code, n)
    # The form of each area comes from its cell with its enclosed areas (eyes,
    # a mouth, buttons) filled in and lines that end inside it ignored; the
    # strict areas (every line a border) add shallow creases and small forms.
    merged_cells = parent_of(cells, parent)
    merged = parent_of(lab, parent)
    # Depth order first: an area lying under another continues beneath it.
    ring_r = max(4.0, 0.02 * math.hypot(h, w))
    line = (lab < 0) & (code >= 0)
    dist = cv2.distanceTransform(line.astype(np.uint8), cv2.DIST_L2, 3)
    line_width = 2.0 * float(np.percentile(dist[line], 90)) if line.any() else 2.0
    # Depth order among the areas that can carry one: not specks, not enclosed (painted on
    # their parent), at most the _MAX_ORDERED largest (noisy flats make thousands of areas).
    ids = np.nonzero(~small & (parent == np.arange(n)))[0]
    if ids.size > _MAX_ORDERED:
        ids = ids[np.argsort(-sizes[ids], kind="stable")[:_MAX_ORDERED]]
    compact = np.full(n + 1, -1, np.int64)
    compact[ids] = np.arange(ids.size)
    clab = compact[merged].astype(np.int32)  # label -1 maps to compact[-1] = -1
    front, own, shared = depth_order(clab, int(ids.size), ring_r, code < 0, max(3.0, _JF * line_width + 1.0))
    back = np.full(n, -1, np.int64)
    has = front.any(1)
    if has.any():
        back[ids[has]] = ids[np.argmax(np.where(front, shared, -1.0), axis=1)[has]]
    # Own form of each area (u1), and the form of each area continued under those lying
    # over it (u2: an area that lies over another is given to it). An area on top
    # rides on the surface of the one beneath: height = its own dome + that surface.
    h_own, r_own = _dome(inflate(merged_cells), merged_cells)
    riders = back >= 0
    is_back = np.zeros(n, bool)
    is_back[back[riders]] = True
    on = merged_cells >= 0
    idx = np.maximum(merged_cells, 0)
    r_area = np.zeros(n, np.float32)
    if n:
        np.maximum.at(r_area, merged_cells[on], r_own[on])
    h_main = h_own
    if riders.any():
        # A rider that is itself beneath others keeps its cell, so it continues under them;
        # the others are given to the area beneath them, which continues under them.
        merge = riders & ~is_back
        target = np.where(merge, back, np.arange(n))
        cont_cells = np.where(on, target[idx], -1)
        h_cont, _ = _dome(inflate(cont_cells), cont_cells)
        merged_px = on & merge[idx]
        h_local = np.where(merged_px, h_own, h_cont)
        # Height of the surface beneath each rider along their shared line: measured on
        # the continued surface for a merged rider, else taken as half the area's depth.
        surf = np.zeros(n, np.float64)
        cnt = np.zeros(n, np.float64)
        for axis in (0, 1):
            for sh in (1, -1):
                nb = np.roll(merged_cells, sh, axis)
                m = on & (nb >= 0) & (nb != merged_cells)
                m[m] = back[merged_cells[m]] == nb[m]
                np.add.at(surf, merged_cells[m], h_cont[m])
                np.add.at(cnt, merged_cells[m], 1)
        surf = np.where(cnt > 0, surf / np.maximum(cnt, 1), 0.0)
        surf = np.where(merge, surf, 0.5 * r_area[np.maximum(back, 0)])
        # Each rider stands on that surface plus its own thickness (a fringe over the
        # forehead), and on whatever its back stands on (relaxed along chains).
        base = np.zeros(n, np.float64)
        for _ in range(8):
            base = np.where(riders, base[np.maximum(back, 0)] + surf + _THICK * r_area, 0.0)
        h_main = h_local + base.astype(np.float32)[idx] * on
    h_strict, _ = _dome(inflate(lab), lab)
    height = float(opts.depth) * (h_main + _CREASE * (h_strict - h_own))
    # Inscribed radius of each area: the scale of its form (an enclosed area takes its parent's).
    radius = np.zeros(n, np.float32)
    if n:
        np.maximum.at(radius, lab[lab >= 0], r_own[lab >= 0])
        radius = radius[parent]
    gx, gy = _gradient(height, merged_cells)
    norm = np.sqrt(gx * gx + gy * gy + 1.0)
    l = light_vector(*opts.light)
    diffuse = (-gx * l[0] - gy * l[1] + l[2]) / norm
    view_h = l + np.array([0, 0, 1], np.float32)
    view_h /= np.linalg.norm(view_h)
    ndoth = (-gx * view_h[0] - gy * view_h[1] + view_h[2]) / norm
    reach = float(np.percentile(radius, 90)) if n else 0.0
    cast = _cast_shadow(clab, height, front, l, max(4.0, 2.0 * reach),
                        (_THICK * float(opts.depth)) * np.maximum(radius[ids], 1.0) + 1.0)
    u_main = h_own
    occl = np.clip((0.5 - own) * 2.0, 0.0, 1.0) if opts.occlusion > 0 else np.zeros_like(own)
    # Concave corners (own > 0.5 near lines means the area wraps around): a soft contact darkening.
    near_line = np.clip(1.0 - h_main / (ring_r + 1e-6), 0.0, 1.0)
    concave = np.clip((own - 0.55) * 2.5, 0.0, 1.0) * near_line
    diffuse = diffuse - 0.6 * float(opts.occlusion) * concave - 1.2 * cast
    diffuse = diffuse * (1.0 - 0.15 * float(opts.occlusion) * occl * near_line)
    # Highlight: a sharp lobe around the half vector, only on areas big enough to carry one.
    big = radius >= max(6.0, 0.02 * math.hypot(h, w))
    spec = np.clip((ndoth - 0.975) / 0.02, 0.0, 1.0) * (1.0 - cast)
    on = lab >= 0
    keep_small = np.zeros(lab.shape, bool)
    keep_small[on] = small[lab[on]]
    diffuse = np.where(keep_small, 1.0, diffuse)
    bigpix = np.zeros(lab.shape, bool)
    bigpix[on] = big[lab[on]]
    spec = np.where(bigpix, spec, 0.0)
    # Carry each area's light into the line pixels beside it (nearest area pixel).
    if on.any() and not on.all():
        idx = ndi.distance_transform_edt(~on, return_distances=False, return_indices=True)
        diffuse = diffuse[idx[0], idx[1]]
        spec = spec[idx[0], idx[1]]
        code = np.where(code >= 0, code, code[idx[0], idx[1]])
        lab = lab[idx[0], idx[1]]
    return Lighting(diffuse.astype(np.float32), spec.astype(np.float32), lab, code)


def _to8(diffuse: np.ndarray, spec: np.ndarray) -> np.ndarray:
    """Light terms as ``(h, w, 2) uint8``: diffuse [-1, 1] -> 0..255, spec [0, 1] -> 0..255."""
    d8 = np.clip(np.rint((diffuse + 1.0) * 127.5), 0, 255).astype(np.uint8)
    s8 = np.clip(np.rint(spec * 255.0), 0, 255).astype(np.uint8)
    return np.dstack([d8, s8])


def _upsample(light: Lighting, flats: np.ndarray) -> np.ndarray:
    """Light terms (:func:`_to8`) at the flats' size ``(H, W, 2) uint8``, each pixel from its own colour.

    Bilinear everywhere, then, where the working-size neighbourhood mixes
    flat colours, again with only the samples of the pixel's own colour
    (nearest sample when none is), so light never crosses into a
    neighbouring area.
    """
    H, W = flats.shape[:2]
    h, w = light.diffuse.shape
    both = _to8(light.diffuse, light.spec)
    if (h, w) == (H, W):
        return both
    up = cv2.resize(both, (W, H), interpolation=cv2.INTER_LINEAR)
    c = light.code
    mixed = np.zeros((h, w), np.uint8)
    mixed[:-1] |= c[:-1] != c[1:]
    mixed[:, :-1] |= c[:, :-1] != c[:, 1:]
    mixed[:-1, :-1] |= c[:-1, :-1] != c[1:, 1:]
    mixed[1:, :-1] |= c[1:, :-1] != c[:-1, 1:]
    if not mixed.any():
        return up
    mixed = cv2.dilate(mixed, np.ones((2, 2), np.uint8), anchor=(1, 1))
    fix = cv2.resize(mixed, (W, H), interpolation=cv2.INTER_NEAREST)
    py, px = np.nonzero(fix)
    fy = (py + 0.5) * (h / H) - 0.5
    fx = (px + 0.5) * (w / W) - 0.5
    y0 = np.clip(np.floor(fy), 0, h - 1).astype(np.int32)
    x0 = np.clip(np.floor(fx), 0, w - 1).astype(np.int32)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    wy = np.clip(fy - y0, 0, 1).astype(np.float32)
    wx = np.clip(fx - x0, 0, 1).astype(np.float32)
    mine = _codes(flats[py, px])
    acc = np.zeros((py.size, 2), np.float32)
    wsum = np.zeros(py.size, np.float32)
    nearest = np.zeros((py.size, 2), np.float32)
    best = np.full(py.size, -1.0, np.float32)
    for yy, xx, ww in ((y0, x0, (1 - wy) * (1 - wx)), (y0, x1, (1 - wy) * wx),
                       (y1, x0, wy * (1 - wx)), (y1, x1, wy * wx)):
        val = both[yy, xx].astype(np.float32)
        wgt = np.where(c[yy, xx] == mine, ww + 1e-4, 0.0).astype(np.float32)
        acc += val * wgt[:, None]
        wsum += wgt
        better = ww > best
        nearest[better] = val[better]
        best = np.maximum(best, ww)
    val = np.where((wsum > 0)[:, None], acc / np.maximum(wsum, 1e-12)[:, None], nearest)
    up[py, px] = np.clip(np.rint(val), 0, 255).astype(np.uint8)
    return up


# ------------------------------------------------------------------------ layers
def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def shade(result: Result, ink: np.ndarray, light: tuple[float, float] = DEFAULT_LIGHT, style: str = "cel",
          strength: float = 0.6, levels: int = 2, shadow_color: tuple[int, int, int] | None = None,
          cool_shift: float = 0.5, highlight: float = 0.35, occlusion: float = 0.5, depth: float = 1.0,
          line_color: bool = False) -> Result:
    """Shade a coloured result: shadow, highlight and (optionally) coloured lines as layers.

    Parameters
    ----------
    result : any method's Result; its ``flats (H, W, 4) uint8`` are shaded
        (alpha 0 = unfilled background, left unshaded).
    ink : (H, W) float32 in [0, 1], the line art the result was coloured from.
    light : ``(azimuth, elevation)`` in degrees: azimuth clockwise from the
        top of the picture (315 = upper left), elevation above the picture
        plane, 0-90 (90 = from the viewer).
    style : ``"cel"`` (hard-edged tones), ``"soft"`` (smooth) or ``"none"``
        (no shadow or highlight: only coloured lines, with ``line_color``).
    strength : opacity of the shadow layer, 0-1.
    levels : cel shadow tones, 1-3 (each further tone multiplies once more).
    shadow_color : ``(r, g, b)`` multiply colour of the first tone; None
        derives it from ``cool_shift`` (0 neutral grey, 1 blue-violet).
    highlight : opacity of the highlight (screen) layer, 0-1; 0 = none.
    occlusion : ambient occlusion and contact shadow where areas meet, 0-1.
    depth : how far areas are inflated (1 = round), 0.05-4.
    line_color : tint the line layer toward the colour beside it, darkened (色トレス).

    Returns
    -------
    Result, a copy with layers ``shadow`` (multiply), ``highlight`` (screen,
    when ``highlight > 0``; neither with style ``"none"``) and ``lines`` (multiply, when ``line_color``)
    added and ``image`` recomposed; ``meta["shade"]`` holds the options and
    the seconds it took.
    """
    start = time.perf_counter()
    opts = check_options(ShadeOptions(tuple(light) if not isinstance(light, str) else parse_light(light),
                                      style, strength, levels,
                                      None if shadow_color is None else tuple(shadow_color),
                                      cool_shift, highlight, occlusion, depth, bool(line_color)))
    if not isinstance(result, Result):
        raise IrodoriError(f"shade needs an irodori Result, got {type(result).__name__}")
    ink = np.asarray(ink)
    if ink.shape != result.lines.shape:
        raise IrodoriError(f"ink is {ink.shape} but the result is {result.lines.shape}; "
                           "shade with the line art the result was coloured from")
    ink = ink.astype(np.float32, copy=False)
    flats = result.flats
    lighting = light_areas(flats, ink, opts)
    light8 = _upsample(lighting, flats)
    d8, s8 = cv2.split(light8)
    r_, g_, b_, alpha = cv2.split(np.ascontiguousarray(flats))
    layers = [_shadow_layer(d8, alpha, opts)] if opts.style != "none" else []
    if opts.highlight > 0 and opts.style != "none":
        # Shine shows on darker colours (hair, cloth); on skin and white it would be a blotch.
        gray = cv2.cvtColor(cv2.merge([r_, g_, b_]), cv2.COLOR_RGB2GRAY)
        shine = np.clip((1.0 - np.arange(256) / 255.0) * 1.6 - 0.1, 0.0, 1.0) * 255.0
        a = cv2.multiply(cv2.LUT(gray, np.rint(shine).astype(np.uint8)),
                         cv2.LUT(s8, np.rint(np.arange(256) * float(opts.highlight)).astype(np.uint8)),
                         scale=1.0 / 255.0)
        a = cv2.multiply(a, alpha, scale=1.0 / 255.0)
        hl = cv2.merge([np.full_like(a, 255), np.full_like(a, 250), np.full_like(a, 235), a])
        layers.append(Layer("highlight", hl, "screen"))
    if opts.line_color:
        layers.append(Layer("lines", colored_lines(flats, result.lines), "multiply"))
    out = with_layers(result, layers)
    meta = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.__dict__.items()}
    meta["seconds"] = time.perf_counter() - start
    out.meta["shade"] = meta
    return out


def _shadow_layer(d8: np.ndarray, filled: np.ndarray, opts: ShadeOptions) -> Layer:
    """The ``shadow`` layer from the light term ``d8 (H, W) uint8`` (:func:`_to8`) and flats alpha."""
    base = shadow_rgb(opts)
    H, W = d8.shape
    diffuse = np.arange(256, dtype=np.float32) / 127.5 - 1.0  # the light term of each code
    if opts.style == "cel":
        tones = np.zeros(256, np.int64)
        for t in CEL_THRESHOLDS[:opts.levels]:
            tones += diffuse < t
        power = tones.astype(np.float32)
        amount = (tones > 0).astype(np.float32)
    else:
        amount = _smoothstep(0.75, -0.25, diffuse)  # 0 lit .. 1 deep
        power = 1.0 + (_smoothstep(0.1, -0.5, diffuse) if opts.levels > 1 else 0.0)
    planes = []
    for c in range(3):
        lut = np.where(amount > 0, 255.0 * base[c] ** power, 255.0)
        planes.append(cv2.LUT(d8, np.clip(np.rint(lut), 0, 255).astype(np.uint8)))
    a = cv2.LUT(d8, np.clip(np.rint(amount * float(opts.strength) * 255.0), 0, 255).astype(np.uint8))
    planes.append(cv2.multiply(a, filled, scale=1.0 / 255.0))
    return Layer("shadow", cv2.merge(planes), "multiply")


def colored_lines(flats: np.ndarray, lines: np.ndarray, darken: float = 0.4) -> np.ndarray:
    """Coloured lines (色トレス): ``(H, W, 4) uint8`` RGBA for a *multiply* line layer.

    Each line pixel takes the flat colour beside it (the flats under a line
    hold the colour of the area it borders), times ``darken``, so the line
    multiplied over the flats is a deep, saturated version of that colour;
    the alpha is the untouched line alpha ``lines (H, W) uint8``. Over
    unfilled background the line stays black.
    """
    *rgb, a = cv2.split(np.ascontiguousarray(flats))
    full = bool((a == 255).all())
    planes = [cv2.convertScaleAbs(p, alpha=float(darken)) for p in rgb]
    if not full:
        planes = [cv2.multiply(p, a, scale=1.0 / 255.0) for p in planes]
    return cv2.merge(planes + [np.ascontiguousarray(lines)])
