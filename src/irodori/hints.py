"""Colour hints: points and strokes, their JSON and PNG codecs, and rasterizing.

One type serves every method, the studio, the files and the simulator. A hint
is a :class:`Point` or a :class:`Stroke` with a colour ``(r, g, b)`` or
``None`` for ``transparent`` (leave that area unfilled). Coordinates are
pixels of the line-art image, origin top-left, x to the right, y down.

JSON (version 1)::

    {"version": 1,
     "hints": [
      {"type": "point", "x": 120.5, "y": 80, "color": "#ff8800", "radius": 4},
      {"type": "stroke", "points": [[10, 10], [40, 12]], "color": "#00aaff", "width": 6},
      {"type": "point", "x": 5, "y": 5, "color": "transparent", "radius": 3}]}

PNG hint layer: RGBA, any pixel with alpha > 0 is a hint of its RGB colour
(as in PaintsChainer); each run of same-coloured pixels along a row becomes a
width-1 stroke, so the layer round-trips exactly. The PNG codec cannot
express ``transparent``.

Drawing: pixel ``(row i, column j)`` has its centre at ``(x, y) = (j, i)``;
a point covers the pixel centres within ``radius`` of it, a stroke those
within ``width / 2`` of its polyline, and every hint covers at least the
pixel under each of its points.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Union

import numpy as np

from .color import RGB, pack_rgb, parse_hex, to_hex, unpack_rgb
from .errors import IrodoriError

TRANSPARENT = "transparent"
HINTS_VERSION = 1
DEFAULT_POINT_RADIUS = 3.0
DEFAULT_STROKE_WIDTH = 4.0
MAX_HINTS = 100_000


def _color_from_json(value: Any) -> RGB | None:
    if value == TRANSPARENT:
        return None
    return parse_hex(value)


def _color_to_json(color: RGB | None) -> str:
    return TRANSPARENT if color is None else to_hex(color)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise IrodoriError(f"bad {what}: expected a finite number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Point:
    """A dot of colour: centre ``(x, y)`` in pixels, ``radius`` in pixels.

    ``color`` is ``(r, g, b)`` ints in ``[0, 255]``, or None for transparent.
    """

    x: float
    y: float
    color: RGB | None
    radius: float = DEFAULT_POINT_RADIUS


@dataclass(frozen=True)
class Stroke:
    """A polyline of colour: ``points`` ``((x, y), ...)`` in pixels, ``width`` in pixels.

    ``color`` is ``(r, g, b)`` ints in ``[0, 255]``, or None for transparent.
    """

    points: tuple[tuple[float, float], ...]
    color: RGB | None
    width: float = DEFAULT_STROKE_WIDTH


Hint = Union[Point, Stroke]


@dataclass(frozen=True)
class Hints:
    """An ordered collection of hints; later hints paint over earlier ones."""

    items: tuple[Hint, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Hint]:
        return iter(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    # ------------------------------------------------------------------ JSON
    @classmethod
    def from_dict(cls, data: Any) -> "Hints":
        """Build hints from the parsed JSON object (see module docstring)."""
        if not isinstance(data, dict):
            raise IrodoriError(f"bad hints: expected a JSON object with 'hints', got {type(data).__name__}")
        version = data.get("version", HINTS_VERSION)
        if version != HINTS_VERSION:
            raise IrodoriError(f"bad hints: unsupported version {version!r}, expected {HINTS_VERSION}")
        raw = data.get("hints")
        if not isinstance(raw, list):
            raise IrodoriError("bad hints: expected a list under 'hints'")
        if len(raw) > MAX_HINTS:
            raise IrodoriError(f"bad hints: {len(raw)} hints, at most {MAX_HINTS} allowed")
        return cls(tuple(_hint_from_dict(h, i) for i, h in enumerate(raw)))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for these hints (see module docstring)."""
        out = []
        for h in self.items:
            if isinstance(h, Point):
                out.append({"type": "point", "x": h.x, "y": h.y,
                            "color": _color_to_json(h.color), "radius": h.radius})
            else:
                out.append({"type": "stroke", "points": [list(p) for p in h.points],
                            "color": _color_to_json(h.color), "width": h.width})
        return {"version": HINTS_VERSION, "hints": out}

    @classmethod
    def from_json_text(cls, text: str) -> "Hints":
        """Parse hints from JSON text; malformed JSON raises IrodoriError."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise IrodoriError(f"bad hints JSON: {e.msg} at line {e.lineno} column {e.colno}"
                               if isinstance(e, json.JSONDecodeError) else f"bad hints JSON: {e}") from None
        return cls.from_dict(data)

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> "Hints":
        """Read hints from a JSON file (see module docstring)."""
        try:
            text = Path(path).read_text(encoding="utf-8-sig")  # Notepad writes a BOM
        except FileNotFoundError:
            raise IrodoriError(f"hints file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise IrodoriError(f"cannot read hints file {path}: {e}") from None
        return cls.from_json_text(text)

    def to_json_text(self) -> str:
        """These hints as JSON text."""
        return json.dumps(self.to_dict(), indent=1)

    def to_json(self, path: str | os.PathLike[str], overwrite: bool = False) -> Path:
        """Write these hints to a JSON file atomically; returns the path."""
        from .io import write_bytes_atomic

        return write_bytes_atomic(path, self.to_json_text().encode("utf-8"), overwrite=overwrite)

    # ------------------------------------------------------------------- PNG
    @classmethod
    def from_rgba(cls, layer: np.ndarray) -> "Hints":
        """Hints from an ``(H, W, 4) uint8`` RGBA hint layer (alpha > 0 marks a hint).

        Every horizontal run of same-coloured hint pixels becomes one
        width-1 stroke (a radius-0.5 point for a single pixel), in raster
        order, so drawing the result (:meth:`to_rgba`) paints exactly the
        hint pixels of the layer again, each in its own colour.
        """
        layer = np.asarray(layer)
        if layer.ndim != 3 or layer.shape[2] != 4 or layer.dtype != np.uint8:
            raise IrodoriError(f"hint layer must be RGBA (H, W, 4) uint8, got {layer.shape} {layer.dtype}")
        return cls(tuple(_row_runs(layer)))

    @classmethod
    def from_png(cls, path: str | os.PathLike[str]) -> "Hints":
        """Read hints from a PNG hint layer (RGBA; alpha > 0 marks a hint)."""
        from .io import read_rgba

        return cls.from_rgba(read_rgba(path))

    def to_rgba(self, shape: tuple[int, int]) -> np.ndarray:
        """Draw these hints as an ``(H, W, 4) uint8`` RGBA layer (transparent hints skipped)."""
        colors, mask, _ = self.rasterize(shape)
        out = np.zeros((*shape, 4), np.uint8)
        out[..., :3] = colors
        out[..., 3] = np.where(mask, 255, 0)
        return out

    # -------------------------------------------------------------- geometry
    def validate(self, shape: tuple[int, int]) -> None:
        """Raise IrodoriError if any hint lies outside an image of ``shape (H, W)``."""
        h, w = shape
        for i, hint in enumerate(self.items):
            pts = [(hint.x, hint.y)] if isinstance(hint, Point) else list(hint.points)
            for x, y in pts:
                if not (0 <= x <= w and 0 <= y <= h):
                    raise IrodoriError(
                        f"hint {i} at ({x:g}, {y:g}) lies outside the {w}x{h} image")

    def rasterize(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Paint the hints onto a blank canvas of ``shape (H, W)``.

        Returns ``(colors, mask, transparent)``: ``colors (H, W, 3) uint8``
        (black where no hint), ``mask (H, W) bool`` where a coloured hint lies
        and ``transparent (H, W) bool`` where a transparent hint lies. Later
        hints paint over earlier ones.
        """
        labels, palette = self.label_map(shape)
        # Look-up tables indexed by label (0 = no hint): one pass over the
        # image however many colours there are (a painted PNG layer has many).
        table = np.zeros((len(palette) + 1, 3), np.uint8)
        kind = np.zeros(len(palette) + 1, np.uint8)  # 0 none, 1 colour, 2 transparent
        for k, col in enumerate(palette, start=1):
            if col is None:
                kind[k] = 2
            else:
                table[k] = col
                kind[k] = 1
        colors = table[labels]
        kinds = kind[labels]
        return colors, kinds == 1, kinds == 2

    def label_map(self, shape: tuple[int, int]) -> tuple[np.ndarray, list[RGB | None]]:
        """Rasterize to labels: ``(labels (H, W) int32, palette)``.

        ``labels`` is 0 where no hint lies and ``k + 1`` where the hint colour
        ``palette[k]`` lies (``None`` = transparent). Hints of the same colour
        share a label; later hints paint over earlier ones. Hints outside
        the image raise IrodoriError (see :meth:`validate`).
        """
        self.validate(shape)
        labels = np.zeros(shape, np.int32)
        palette: list[RGB | None] = []
        index: dict[RGB | None, int] = {}
        for hint in self.items:
            if hint.color not in index:
                index[hint.color] = len(palette) + 1
                palette.append(hint.color)
            _draw(labels, hint, index[hint.color])
        return labels, palette

    def label_pixels(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[RGB | None]]:
        """The hint pixels of :meth:`label_map` without the full-size map.

        Returns ``(ys, xs, labels, palette)``: ``(P,) int64`` rows and columns
        of every hint pixel in raster order, ``(P,) int32`` labels ``k + 1``
        for ``palette[k]``. Each hint is drawn in its own bounding box, so the
        cost follows the hints' area, not the image's.
        """
        self.validate(shape)
        h, w = shape
        palette: list[RGB | None] = []
        index: dict[RGB | None, int] = {}
        parts_k, parts_v = [], []
        for hint in self.items:
            if hint.color not in index:
                index[hint.color] = len(palette) + 1
                palette.append(hint.color)
            if isinstance(hint, Point):
                pts, reach = [(hint.x, hint.y)], hint.radius
            else:
                pts, reach = list(hint.points), hint.width / 2.0
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            x0 = min(max(int(math.floor(min(xs) - reach)) - 1, 0), w - 1)
            x1 = min(max(int(math.ceil(max(xs) + reach)) + 1, 0), w - 1)
            y0 = min(max(int(math.floor(min(ys) - reach)) - 1, 0), h - 1)
            y1 = min(max(int(math.ceil(max(ys) + reach)) + 1, 0), h - 1)
            box = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.int32)
            _draw(box, _shifted(hint, -x0, -y0, (w, h)), 1)
            by, bx = np.nonzero(box)
            parts_k.append((by + y0).astype(np.int64) * w + (bx + x0))
            parts_v.append(np.full(len(by), index[hint.color], np.int32))
        if not parts_k:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32), palette
        keys, vals = np.concatenate(parts_k), np.concatenate(parts_v)
        # later hints paint over earlier ones: keep each pixel's last value
        uniq, last = np.unique(keys[::-1], return_index=True)
        vals = vals[::-1][last]
        return uniq // w, uniq % w, vals, palette


def _shifted(hint: Hint, dx: float, dy: float, size: tuple[int, int]) -> Hint:
    """The hint moved by ``(dx, dy)`` (drawing it into a box cut out of an image of ``size (W, H)``)."""
    if isinstance(hint, Point):
        return replace(hint, x=hint.x + dx, y=hint.y + dy)
    return replace(hint, points=tuple((x + dx, y + dy) for x, y in hint.points))


def _hint_from_dict(h: Any, i: int) -> Hint:
    if not isinstance(h, dict):
        raise IrodoriError(f"bad hint {i}: expected an object, got {type(h).__name__}")
    kind = h.get("type")
    if kind not in ("point", "stroke"):
        raise IrodoriError(f"bad hint {i}: unknown type {kind!r}, expected 'point' or 'stroke'")
    if "color" not in h:
        raise IrodoriError(f"bad hint {i}: missing 'color' ('#rrggbb' or 'transparent')")
    try:
        color = _color_from_json(h["color"])
    except IrodoriError as e:
        raise IrodoriError(f"bad hint {i}: {e}") from None
    if kind == "point":
        radius = _number(h.get("radius", DEFAULT_POINT_RADIUS), f"radius of hint {i}")
        if radius <= 0:
            raise IrodoriError(f"bad hint {i}: radius must be > 0, got {radius:g}")
        return Point(_number(h.get("x"), f"x of hint {i}"), _number(h.get("y"), f"y of hint {i}"),
                     color, radius)
    if kind == "stroke":
        pts = h.get("points")
        if not isinstance(pts, list) or not pts:
            raise IrodoriError(f"bad hint {i}: a stroke needs a non-empty list of [x, y] points")
        parsed = []
        for p in pts:
            if not isinstance(p, (list, tuple)) or len(p) != 2:
                raise IrodoriError(f"bad hint {i}: stroke points must be [x, y] pairs, got {p!r}")
            parsed.append((_number(p[0], f"x in hint {i}"), _number(p[1], f"y in hint {i}")))
        width = _number(h.get("width", DEFAULT_STROKE_WIDTH), f"width of hint {i}")
        if width <= 0:
            raise IrodoriError(f"bad hint {i}: width must be > 0, got {width:g}")
        return Stroke(tuple(parsed), color, width)
    raise IrodoriError(f"bad hint {i}: unknown type {kind!r}, expected 'point' or 'stroke'")


def _draw(labels: np.ndarray, hint: Hint, value: int) -> None:
    """Paint ``value`` on every pixel whose centre lies within the hint.

    Pixel ``(row i, column j)`` has its centre at ``(x, y) = (j, i)``. A point
    covers centres within ``radius`` of ``(x, y)``; a stroke covers centres
    within ``width / 2`` of its polyline. Exact and symmetric, so a hint
    layer read back by :meth:`Hints.from_rgba` draws the same pixels again.
    """
    if isinstance(hint, Point):
        if hint.radius < 1 and float(hint.x).is_integer() and float(hint.y).is_integer():
            _ensure_centre(labels, hint.x, hint.y, value)  # covers its own pixel only
            return
        _paint_segment(labels, (hint.x, hint.y), (hint.x, hint.y), hint.radius, value)
        _ensure_centre(labels, hint.x, hint.y, value)
        return
    pts = hint.points
    if len(pts) == 2 and hint.width < 2 and _is_row_run(pts, labels.shape):
        # A thin horizontal run on pixel centres (what a PNG hint layer reads as):
        # exactly the pixels x0..x1 of row y, so skip the distance computation.
        (x0, y), (x1, _) = pts
        lo, hi = int(min(x0, x1)), int(max(x0, x1))
        labels[int(y), lo:hi + 1] = value
        return
    half = hint.width / 2.0
    if len(pts) == 1:
        _paint_segment(labels, pts[0], pts[0], half, value)
    for p, q in zip(pts[:-1], pts[1:]):
        _paint_segment(labels, p, q, half, value)
    for x, y in pts:
        _ensure_centre(labels, x, y, value)


def _is_row_run(pts: tuple[tuple[float, float], ...], shape: tuple[int, int]) -> bool:
    (x0, y0), (x1, y1) = pts
    return (y0 == y1 and float(y0).is_integer() and float(x0).is_integer() and float(x1).is_integer()
            and 0 <= y0 < shape[0] and 0 <= min(x0, x1) and max(x0, x1) < shape[1])


def _paint_segment(labels: np.ndarray, p: tuple[float, float], q: tuple[float, float],
                   r: float, value: int) -> None:
    """Paint pixel centres within distance ``r`` of the segment ``p``-``q`` (a disc if p == q)."""
    h, w = labels.shape
    (x0, y0), (x1, y1) = p, q
    j0, j1 = max(int(math.floor(min(x0, x1) - r)), 0), min(int(math.ceil(max(x0, x1) + r)), w - 1)
    i0, i1 = max(int(math.floor(min(y0, y1) - r)), 0), min(int(math.ceil(max(y0, y1) + r)), h - 1)
    if j0 > j1 or i0 > i1:
        return
    ys = np.arange(i0, i1 + 1, dtype=np.float64)[:, None]
    xs = np.arange(j0, j1 + 1, dtype=np.float64)[None, :]
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 > 0:
        t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / length2, 0.0, 1.0)
        px, py = x0 + t * dx, y0 + t * dy
    else:
        px, py = x0, y0
    # A small epsilon so a width-1 stroke or a radius-0.5 dot covers exactly its row / pixel.
    inside = (xs - px) ** 2 + (ys - py) ** 2 <= r * r + 1e-9
    labels[i0:i1 + 1, j0:j1 + 1][inside] = value


def _ensure_centre(labels: np.ndarray, x: float, y: float, value: int) -> None:
    """A tiny hint must still mark at least its own pixel."""
    h, w = labels.shape
    xi, yi = min(max(int(round(x)), 0), w - 1), min(max(int(round(y)), 0), h - 1)
    labels[yi, xi] = value


def _row_runs(layer: np.ndarray) -> list[Hint]:
    """Runs of equal colour along rows of an RGBA layer's hint pixels, as points and strokes."""
    ys, xs = np.nonzero(layer[..., 3] > 0)  # raster order: by row, then column
    if len(xs) == 0:
        return []
    packed = pack_rgb(layer[ys, xs, :3])
    breaks = (ys[1:] != ys[:-1]) | (xs[1:] != xs[:-1] + 1) | (packed[1:] != packed[:-1])
    starts = np.concatenate([[0], np.nonzero(breaks)[0] + 1])
    ends = np.concatenate([starts[1:] - 1, [len(xs) - 1]])
    out: list[Hint] = []
    for s0, s1 in zip(starts.tolist(), ends.tolist()):
        r, g, b = (int(c) for c in unpack_rgb(packed[s0]))
        colour = (r, g, b)
        y, x0, x1 = float(ys[s0]), float(xs[s0]), float(xs[s1])
        out.append(Point(x0, y, colour, 0.5) if s0 == s1 else Stroke(((x0, y), (x1, y)), colour, 1.0))
    return out


# ------------------------------------------------------------- network hint map

def pool_hint_map(colors: np.ndarray, mask: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    """Reduce painted hints to a network's hint map (Ci et al. 2018).

    The hint map is the generator's second input, at a quarter of its working
    resolution. Training and inference build it the same way: the hints are
    painted at full resolution (normally the cleaned hints,
    :attr:`CleanHints.labels`), then each cell of the output grid takes the
    mean colour of the hint pixels inside it and mask 1 if any lies inside.

    Parameters
    ----------
    colors : (H, W, 3) uint8 hint colours (anything where ``mask`` is False).
    mask : (H, W) bool, True where a coloured hint lies.
    out_hw : (h, w) size of the hint map, normally the working size / 4.

    Returns
    -------
    (4, h, w) float32: ``rgb * mask`` in ``[0, 1]`` then ``mask`` in ``{0, 1}``.
    """
    import cv2

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


# ------------------------------------------------------------------ cleaning

CLEAN_INK = 0.3        # a hint pixel at or above this ink lies on a line and counts for nothing
CENTRE_WEIGHT = 4.0    # a pixel on a hint's centre line (a dot's centre, a stroke's polyline) weighs this much more
STRAY_SHARE = 0.5      # a piece of a hint beyond a line is a stray unless it weighs this share of its main piece
SLIVER_PX = 2.5        # a side piece of a hint within its width (at least this) of a line, in a deep area, is a sliver
ON_LINE_SHARE = 0.5    # a hint with this share of its pixels over ink lies on a line: it pins no area
KEEP_SHARE = 0.1       # a hint touching a heavier one of another colour takes its colour below this share of it
NEAR_DUPLICATE = 12    # colours this close (largest channel difference, 0..255) are one colour
_MAX_REPORTED = 20
_ABSORB_ROUNDS = 4
_DOT_RADIUS = 2.0


@dataclass(frozen=True)
class CleanHints:
    """Hints as evidence: what each area of the drawing was told, after cleaning.

    Attributes
    ----------
    labels : (H, W) int32, the hint pixels that count: 0 none, ``k + 1`` colour
        ``palette[k]``. Only paper pixels of hints that are not strays and not
        overruled in their area.
    soft : (H, W) int32, the strays (same coding): hint pixels in an area that
        their hint only brushes. They may tip an undecided area, never pin one.
    seeds : (H, W) int32, the pixels of ``labels`` on their hint's centre line
        (a dot's centre, a stroke's path): what may seed regions of their own.
    dots : the cleaned hints as sparse dots, one per closed area and colour,
        at the pixel of its heaviest hint piece farthest from any line (what
        a network trained on sparse dots should see, however dense the hints).
    palette : colours ``(r, g, b)`` or None (transparent), after merging near-duplicates.
    report : JSON-ready facts for ``meta``: pixel counts, merged colours,
        strays, hints lying only on lines, areas whose colours were overruled.
    """

    labels: np.ndarray
    soft: np.ndarray
    palette: list
    report: dict
    seeds: np.ndarray
    dots: "Hints" = field(default_factory=lambda: Hints(()))

    def colors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(colors (H, W, 3) uint8, mask (H, W) bool, transparent (H, W) bool)`` of the cleaned hints."""
        table = np.zeros((len(self.palette) + 1, 3), np.uint8)
        kind = np.zeros(len(self.palette) + 1, np.uint8)
        for k, col in enumerate(self.palette, start=1):
            kind[k] = 2 if col is None else 1
            if col is not None:
                table[k] = col
        return table[self.labels], kind[self.labels] == 1, kind[self.labels] == 2

    def votes(self, regions: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-region evidence: ``(strong (n, K) float64, soft (n, K) float64)`` hint pixels per colour.

        ``regions (H, W)`` int region ids in ``[0, n)`` (any segmentation: the
        fill engine's region graph, closed areas); ``K = len(palette)``.
        ``strong`` counts the pixels that count (:attr:`labels`), ``soft`` the strays.
        """
        k = len(self.palette)
        out = []
        for lab in (self.labels, self.soft):
            sel = lab > 0
            if not sel.any() or k == 0:
                out.append(np.zeros((n, k)))
                continue
            key = regions[sel].astype(np.int64) * k + (lab[sel].astype(np.int64) - 1)
            out.append(np.bincount(key, minlength=n * k).reshape(n, k).astype(np.float64))
        return out[0], out[1]


def paper_areas(ink: np.ndarray, ink_threshold: float = CLEAN_INK) -> tuple[int, np.ndarray]:
    """Closed paper areas: 4-connected components of ``ink < ink_threshold``.

    Returns ``(n, areas)``: ``areas (H, W) int32`` with 0 on lines and ``1..n-1`` on paper.
    """
    import cv2

    paper = (np.asarray(ink) < ink_threshold).view(np.uint8)
    n, areas = cv2.connectedComponents(paper, connectivity=4, ltype=cv2.CV_32S)
    return int(n), areas


def clean_hints(hints: "Hints", ink: np.ndarray, ink_threshold: float = CLEAN_INK,
                areas: tuple[int, np.ndarray] | None = None) -> CleanHints:
    """Turn hints as artists give them into the evidence every method uses.

    Each closed area of the drawing (paper between lines) takes the colour
    that covers most of its hinted paper:

    1. The hints are painted (later over earlier); colours closer than
       :data:`NEAR_DUPLICATE` per channel are merged into the one covering
       more pixels (anti-aliased PNG hint layers, a colour picked twice).
    2. Hint pixels over ink count for nothing (a dot partly over a line, a
       hint in the line colour on the line); a hint lying mostly (half or
       more of its pixels) over ink marks the line, and what it spills onto
       the paper beside it is only strays.
    3. Each hint (a connected blob of one colour) is cut by the lines it
       crosses into pieces of paper; each piece weighs its pixels, pixels on
       the hint's centre line more (a dot's centre, a stroke's path: where
       the artist aimed). Pieces weighing less than :data:`STRAY_SHARE` of
       the hint's main piece are strays: a stroke that wanders over a line
       into a neighbour does not pin that neighbour (as LazyBrush's soft
       scribbles); they stay as soft evidence.
    4. A hint that touches a hint of another colour on paper (not across a
       line) and weighs less than
       :data:`KEEP_SHARE` of it is overruled and takes its colour (a sloppy
       second dot over the first, the fringe of an anti-aliased hint layer);
       it is reported. Separate hints of two colours in one area are both
       kept: the method splits the area between them (an open outline, a
       colour edge no line draws).

    Parameters
    ----------
    hints : the raw hints.
    ink : (H, W) float32 in [0, 1], 1 = ink.
    ink_threshold : ink level from which a pixel is line.
    areas : precomputed :func:`paper_areas` ``(n, areas)``, or None.

    Returns
    -------
    CleanHints (see its attributes); its ``votes`` gives per-region evidence
    for any region map. Never raises on many, overlapping or contradictory
    hints; what could not be reconciled is listed in ``report``.
    """
    ink = np.asarray(ink, np.float32)
    shape = ink.shape
    raw, palette = hints.label_map(shape) if hints else (np.zeros(shape, np.int32), [])
    report: dict[str, Any] = {"hint_pixels": int(np.count_nonzero(raw)), "colours": len(palette)}
    if not palette:
        empty = np.zeros(shape, np.int32)
        return CleanHints(empty, empty.copy(), [], report, empty.copy())
    raw, palette, merged = _merge_near_duplicates(raw, palette)
    report["merged_colours"] = merged
    k = len(palette)
    n_areas, area = areas if areas is not None else paper_areas(ink, ink_threshold)

    # where the artist aimed: the centre lines of the hints, in the merged colours
    thin = Hints(tuple(h for h in hints if (h.radius if isinstance(h, Point) else h.width / 2) > 0.5))
    if thin:
        centre, cpal = _centre_lines(hints).label_map(shape)
        cmap = np.zeros(len(cpal) + 1, np.int32)
        index = {c: i + 1 for i, c in enumerate(palette)}
        for i, c in enumerate(cpal, start=1):
            cmap[i] = index.get(c, 0) or _nearest_label(c, palette)
        centre = cmap[centre]
    else:  # every hint is already one pixel wide (a PNG hint layer): its pixels are its centre
        centre = raw

    on_paper = area > 0
    sel = (raw > 0) & on_paper
    rows, cols = np.flatnonzero((raw > 0).any(axis=1)), np.flatnonzero((raw > 0).any(axis=0))
    box = ((int(rows[0]), int(rows[-1]) + 1), (int(cols[0]), int(cols[-1]) + 1))  # the hints' bounding box
    report["on_ink_pixels"] = int(np.count_nonzero((raw > 0) & ~on_paper))
    # weights of the hint pixels on paper only (a page-sized float map would cost 16 bytes a pixel)
    weight = 1.0 + CENTRE_WEIGHT * ((centre[sel] == raw[sel]) & (centre[sel] > 0))
    # overlapping hints of two colours (a sloppy second dot, an anti-aliased fringe): a
    # hint touching a much heavier one of another colour takes that colour (repeated, so
    # the rings of a soft brush fold into its core one after the other)
    conflicts: list[dict] = []
    overruled = 0
    for _ in range(_ABSORB_ROUNDS):
        blob = _blobs(raw)
        n_blob = int(blob.max()) + 1
        total = np.bincount(blob[sel], weights=weight, minlength=n_blob)
        blob_colour = np.zeros(n_blob, np.int64)
        blob_colour[blob[raw > 0]] = raw[raw > 0]
        (y0, y1), (x0, x1) = box
        touching = _touching_blobs(np.where(on_paper[y0:y1, x0:x1], blob[y0:y1, x0:x1], 0), blob_colour)
        if not len(touching):
            break
        heavier = np.full(n_blob, -1, np.int64)
        best_w = np.zeros(n_blob)
        for x, y in ((touching[:, 0], touching[:, 1]), (touching[:, 1], touching[:, 0])):
            order = np.argsort(total[y], kind="stable")  # heaviest written last
            x, y = x[order], y[order]
            better = total[y] > best_w[x]
            heavier[x[better]] = y[better]
            best_w[x[better]] = total[y[better]]
        lose = np.flatnonzero((heavier >= 0) & (total < KEEP_SHARE * best_w) & (total > 0))
        if not len(lose):
            break
        overruled += len(lose)
        for bl in lose[:max(0, _MAX_REPORTED - len(conflicts))]:
            ys, xs = np.nonzero(blob == bl)
            conflicts.append({"x": int(xs[len(xs) // 2]), "y": int(ys[len(ys) // 2]),
                              "kept": _color_to_json(palette[blob_colour[heavier[bl]] - 1]),
                              "overruled": _color_to_json(palette[blob_colour[bl] - 1])})
        new_colour = blob_colour.copy()
        new_colour[lose] = blob_colour[heavier[lose]]
        raw = new_colour[blob].astype(np.int32)
    report["overruled_hints"] = overruled
    report["conflicts"] = conflicts
    blob = _blobs(raw)
    n_blob = int(blob.max()) + 1
    # a hint's paper cut into pieces by the lines it crosses: pieces that weigh little
    # against the hint's main piece are strays (one spilling over a line, even where the
    # two sides join far away)
    piece = _blobs(np.where(sel, raw, 0), connectivity=1)
    n_piece = int(piece.max()) + 1
    inv = piece[sel]
    w = np.bincount(inv, weights=weight, minlength=n_piece)
    p_blob = np.zeros(n_piece, np.int64)
    p_blob[inv] = blob[sel]
    p_area = np.zeros(n_piece, np.int64)
    p_area[inv] = area[sel]
    best = np.zeros(n_blob)
    np.maximum.at(best, p_blob, w)
    # a hint lying mostly on a line (a scribble along it, a dot in the line colour on it)
    # marks the line, not the areas beside it: what spills onto paper is only strays
    hinted_px = np.bincount(blob[raw > 0], minlength=n_blob)
    inked_px = np.bincount(blob[(raw > 0) & ~on_paper], minlength=n_blob)
    on_line = inked_px >= ON_LINE_SHARE * np.maximum(hinted_px, 1)
    report["hints_along_lines"] = int(np.count_nonzero(on_line & (inked_px < hinted_px)))
    # a thin sliver of a hint along a line, in an area much deeper than it (the rim of a
    # block or a fat dot spilling over the line) is a stray too, whatever its length
    import cv2

    dist = cv2.distanceTransform(on_paper.view(np.uint8), cv2.DIST_L2, 3)
    area_depth = np.zeros(n_areas, np.float32)
    step = max(1, int(math.sqrt(area.size / 250_000)))  # a regular subsample: depths to within a pixel or two
    np.maximum.at(area_depth, area[::step, ::step].ravel(), dist[::step, ::step].ravel())
    piece_depth = np.zeros(n_piece, np.float32)
    np.maximum.at(piece_depth, inv, dist[sel])
    (y0, y1), (x0, x1) = box
    inner = cv2.distanceTransform(np.pad((raw[y0:y1, x0:x1] > 0).astype(np.uint8), 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    hit = raw[y0:y1, x0:x1] > 0
    width = np.zeros(n_blob, np.float32)
    np.maximum.at(width, blob[y0:y1, x0:x1][hit], 2.0 * inner[hit])
    reach = np.maximum(width[p_blob], SLIVER_PX)
    sliver = (piece_depth <= reach) & (area_depth[p_area] >= 2 * reach) & (w < best[p_blob])
    strong_pair = (w >= STRAY_SHARE * best[p_blob]) & ~on_line[p_blob] & ~sliver
    dead = np.setdiff1d(np.unique(blob[raw > 0]), np.unique(p_blob))
    report["hints_only_on_lines"] = int(len(dead))
    new_colour = np.zeros(n_blob, np.int64)
    new_colour[blob[raw > 0]] = raw[raw > 0]
    p_col = new_colour[p_blob]
    area_cols = np.unique(p_area[strong_pair] * (k + 1) + p_col[strong_pair]) // (k + 1)
    report["stray_pixels"] = int(np.round(w[~strong_pair].sum()))
    report["split_areas"] = int(np.count_nonzero(np.bincount(area_cols) > 1)) if len(area_cols) else 0
    # per pixel: strong -> labels (in the colour their hint ends with); strays -> soft
    flat_sel = np.flatnonzero(sel.ravel())
    pix_colour = new_colour[blob.ravel()[flat_sel]].astype(np.int32)
    labels = np.zeros(shape, np.int32)
    soft = np.zeros(shape, np.int32)
    good = strong_pair[inv]
    labels.ravel()[flat_sel[good]] = pix_colour[good]
    soft.ravel()[flat_sel[~good]] = pix_colour[~good]
    seeds = np.where(centre > 0, labels, 0).astype(np.int32)
    # one dot per piece that counts, where it lies deepest in its area
    ys, xs = np.nonzero(sel)
    if not len(ys):
        return CleanHints(labels, soft, palette, report, seeds)
    order = np.lexsort((dist[ys, xs], inv))
    last = order[np.r_[inv[order][1:] != inv[order][:-1], True]]
    keep = strong_pair[inv[last]] & (w[inv[last]] > 0)
    last = last[keep]
    if not len(last):  # every piece lies on a line or is a stray: nothing seeds a dot
        return CleanHints(labels, soft, palette, report, seeds, Hints(()))
    # ... and one per area and colour: its heaviest piece
    pc = p_area[inv[last]] * (k + 1) + pix_colour[last]
    order = np.lexsort((w[inv[last]], pc))
    last = last[order][np.r_[pc[order][1:] != pc[order][:-1], True]]
    dots = Hints(tuple(Point(float(xs[i]), float(ys[i]), palette[int(pix_colour[i]) - 1], _DOT_RADIUS)
                       for i in last if palette[int(pix_colour[i]) - 1] is not None))
    return CleanHints(labels, soft, palette, report, seeds, dots)


def _blobs(labels: np.ndarray, connectivity: int = 2) -> np.ndarray:
    """8-connected (``connectivity=2``; 4-connected for 1) blobs of equal non-zero label:
    ``(H, W) int32`` ids ``1..n`` in raster order, 0 elsewhere.

    The same numbering as ``skimage.measure.label(labels, background=0,
    connectivity=2)``, computed on the hint pixels only (a page holds a few
    thousand of them among millions), so it costs a pass over the page
    instead of a labelling of it.
    """
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    h, w = labels.shape
    out = np.zeros((h, w), np.int32)
    flat = labels.ravel()
    idx = np.flatnonzero(flat)  # raster order
    if not len(idx):
        return out
    ys, xs = np.divmod(idx, w)
    val = flat[idx]
    rows, cols = [], []
    for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1)) if connectivity == 2 else ((0, 1), (1, 0)):
        ny, nx = ys + dy, xs + dx
        ok = (ny < h) & (nx >= 0) & (nx < w)
        key = ny[ok] * w + nx[ok]
        pos = np.searchsorted(idx, key)
        pos = np.minimum(pos, len(idx) - 1)
        hit = (idx[pos] == key) & (val[pos] == val[ok])
        rows.append(np.flatnonzero(ok)[hit])
        cols.append(pos[hit])
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = sparse.coo_array((np.ones(len(r), np.int8), (r, c)), shape=(len(idx), len(idx)))
    _, comp = connected_components(graph.tocsr(), directed=False)
    # number components by their first pixel in raster order, as skimage does
    first = np.full(int(comp.max()) + 1, len(idx), np.int64)
    np.minimum.at(first, comp, np.arange(len(idx)))
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(1, len(first) + 1)
    out.ravel()[idx] = rank[comp]
    return out


def _touching_blobs(blob: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """(P, 2) int64 pairs of hint blobs of different colours that touch (8-neighbours; 0 = no blob)."""
    pairs = []
    for a, b in ((blob[:, :-1], blob[:, 1:]), (blob[:-1, :], blob[1:, :]),
                 (blob[:-1, :-1], blob[1:, 1:]), (blob[:-1, 1:], blob[1:, :-1])):
        m = (a > 0) & (b > 0) & (a != b)
        if m.any():
            pairs.append(np.stack([a[m], b[m]], 1))
    if not pairs:
        return np.zeros((0, 2), np.int64)
    p = np.unique(np.sort(np.concatenate(pairs), axis=1), axis=0)
    return p[colour[p[:, 0]] != colour[p[:, 1]]]


def _centre_lines(hints: "Hints") -> "Hints":
    """The same hints with every dot shrunk to its centre pixel and every stroke to 1 px wide."""
    from dataclasses import replace

    return Hints(tuple(replace(h, radius=0.5) if isinstance(h, Point) else replace(h, width=1.0)
                       for h in hints))


def _nearest_label(color: RGB | None, palette: list) -> int:
    if color is None:
        return next((i + 1 for i, c in enumerate(palette) if c is None), 0)
    best, best_d = 0, 1 << 30
    for i, c in enumerate(palette):
        if c is not None:
            d = max(abs(int(a) - int(b)) for a, b in zip(c, color))
            if d < best_d:
                best, best_d = i + 1, d
    return best


def _merge_near_duplicates(labels: np.ndarray, palette: list) -> tuple[np.ndarray, list, int]:
    """Merge colours closer than NEAR_DUPLICATE into the one covering more pixels; relabel."""
    coloured = [i for i, c in enumerate(palette) if c is not None]
    if len(coloured) < 2:
        return labels, palette, 0
    counts = np.bincount(labels.ravel(), minlength=len(palette) + 1)[1:]
    order = sorted(coloured, key=lambda i: -counts[i])
    target = list(range(len(palette)))
    keep: list[int] = []
    for i in order:
        c = np.array(palette[i], np.int16)
        match = next((j for j in keep if np.abs(np.array(palette[j], np.int16) - c).max() <= NEAR_DUPLICATE), None)
        if match is None:
            keep.append(i)
        else:
            target[i] = match
    merged = sum(1 for i, t in enumerate(target) if t != i)
    if not merged:
        return labels, palette, 0
    survivors = sorted(set(target))
    new_index = {old: new for new, old in enumerate(survivors)}
    lut = np.zeros(len(palette) + 1, np.int32)
    for i, t in enumerate(target):
        lut[i + 1] = new_index[t] + 1
    return lut[labels], [palette[i] for i in survivors], merged


# ------------------------------------------------------------------ simulation
# (appended by the data layer; used by training and by evaluation)

SIMULATE_MODES = ("points", "strokes", "per-region", "sloppy", "dense")
SLOPPY_KINDS = ("dot", "on-line", "crossing", "averaged")  # what a "sloppy" hint may be
_SLOPPY_P = (0.3, 0.2, 0.25, 0.25)  # their shares
_SIM_INK = 0.5        # a pixel at or above this ink is a line, never a hint pixel
_SIM_TOL = 12         # largest per-channel spread (0..255) inside a hint's window
_SIM_MAX_RADIUS = 3   # hint pixels lie within this many pixels of a checked centre
_SIM_P_ZERO = 0.25    # share of random counts that are zero (the model must colour unaided too)
_SIM_DENSITY = 0.005  # sigma of the half-normal hint density per 4x4 cell (Ci et al. 2018)


def ground_truth_regions(color: np.ndarray, ink: np.ndarray, tol: int = _SIM_TOL) -> np.ndarray:
    """Regions of a ground-truth colouring: connected areas of near-uniform colour not under ink.

    Parameters
    ----------
    color : (H, W, 3) uint8 ground-truth colours.
    ink : (H, W) float32 in [0, 1], 1 = ink.
    tol : neighbours whose colours differ by more than ``tol`` (any channel)
        are separated.

    Returns
    -------
    labels : (H, W) int32, region ids 0..n-1; -1 under ink and on colour edges.
    """
    color, ink = _check_color_ink(color, ink)
    planes = [color[..., i].astype(np.int16) for i in range(3)]
    edge = np.zeros(ink.shape, bool)
    edge[:, 1:] |= np.maximum.reduce([np.abs(p[:, 1:] - p[:, :-1]) for p in planes]) > tol
    edge[1:] |= np.maximum.reduce([np.abs(p[1:] - p[:-1]) for p in planes]) > tol
    free = ((ink < _SIM_INK) & ~edge).astype(np.uint8)
    import cv2

    _, labels = cv2.connectedComponents(free, connectivity=4)
    return (labels - 1).astype(np.int32)


def _check_color_ink(color: Any, ink: Any) -> tuple[np.ndarray, np.ndarray]:
    color, ink = np.asarray(color), np.asarray(ink)
    if color.ndim != 3 or color.shape[2] != 3 or color.dtype != np.uint8:
        raise IrodoriError(f"color must be (H, W, 3) uint8, got shape {color.shape} dtype {color.dtype}")
    if ink.shape != color.shape[:2]:
        raise IrodoriError(f"ink must be (H, W) = {color.shape[:2]}, got shape {ink.shape}")
    return color, ink.astype(np.float32, copy=False)


def _safe_centres(color: np.ndarray, ink: np.ndarray, reach: int, tol: int) -> np.ndarray:
    """Pixels whose ``(2 reach + 1)``-square window is inside the image, free of ink and near-uniform."""
    import cv2

    k = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    ok = cv2.dilate(ink, k) < _SIM_INK
    r, g, b = cv2.split(cv2.subtract(cv2.dilate(color, k), cv2.erode(color, k)))
    ok &= cv2.max(cv2.max(r, g), b) <= tol
    ok[:reach] = ok[-reach:] = False
    ok[:, :reach] = ok[:, -reach:] = False
    return ok


def _random_count(rng: np.random.Generator, shape: tuple[int, int]) -> int:
    if rng.random() < _SIM_P_ZERO:
        return 0
    cells = max(1, (shape[0] // 4) * (shape[1] // 4))
    density = min(abs(rng.normal(0.0, _SIM_DENSITY)), 1.0)
    return int(rng.binomial(cells, density))


def simulate_hints(color: np.ndarray, ink: np.ndarray, n: int | None = None, mode: str = "points",
                   rng: np.random.Generator | int | None = None) -> "Hints":
    """Simulate a user's colour hints from a ground-truth colouring.

    Follows Ci et al. 2018 (AlacGAN): a random number of small dots whose
    colour is read from the ground truth at the dot, plus short strokes
    inside regions and one dot per ground-truth region.

    Parameters
    ----------
    color : (H, W, 3) uint8 ground-truth colours.
    ink : (H, W) float32 in [0, 1], 1 = ink (the line art of ``color``).
    n : number of hints; None draws it at random: zero with probability
        0.25, else ``Binomial(cells, d)`` with ``cells`` the 4x4 cells of the
        picture and ``d ~ |N(0, 0.005)|`` (the hint density of Ci et al.). In
        ``per-region`` mode None means one hint for every region.
    mode : ``points`` (dots of radius 1.5-3 px), ``strokes`` (polylines of 1-4
        segments of 3-12 px, width 2-4 px, staying inside one region; a dot
        where no stroke fits), ``per-region`` (one dot in each region,
        largest regions first when ``n`` is smaller than their number), or
        hints as artists give them (:func:`_sloppy`): ``sloppy`` (each hint
        at random a clean dot, a dot on a line in the colour of the area it
        aimed at, a stroke that wanders across lines, or a dot whose colour
        was averaged over a disk that takes in line pixels) and ``dense``
        (sloppy hints by the hundred, with near-duplicates: None draws
        100-400 per 256x256 px).
    rng : a numpy Generator or an int seed; the result depends only on it
        and the inputs.

    Returns
    -------
    Hints inside the picture. In ``points``, ``strokes`` and ``per-region``
    modes every hint pixel lies on paper (ink < 0.5) and its colour matches
    the ground truth at every pixel it covers to within 12 per channel for
    dots and 18 for strokes (exactly, on flat colours); ``sloppy`` and
    ``dense`` hints break these rules on purpose. Fewer than ``n`` hints
    come back when the picture has no room for more.
    """
    color, ink = _check_color_ink(color, ink)
    if mode not in SIMULATE_MODES:
        raise IrodoriError(f"unknown hint mode {mode!r}: expected one of {', '.join(SIMULATE_MODES)}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0):
        raise IrodoriError(f"number of hints must be a non-negative integer, got {n!r}")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    h, w = ink.shape
    if n is None and mode == "dense":
        n = int(rng.uniform(100, 400) * h * w / 65536) + 1
    elif n is None and mode != "per-region":
        n = _random_count(rng, (h, w))
    if n == 0 or h <= 2 * _SIM_MAX_RADIUS or w <= 2 * _SIM_MAX_RADIUS:
        return Hints(())
    safe = _safe_centres(color, ink, _SIM_MAX_RADIUS, _SIM_TOL)
    ys, xs = np.nonzero(safe)
    if len(ys) == 0:
        return Hints(())

    def colour_at(y: int, x: int) -> RGB:
        r, g, b = (int(v) for v in color[y, x])
        return r, g, b

    if mode == "per-region":
        labels = ground_truth_regions(color, ink)
        order = rng.permutation(len(ys))
        lab = labels[ys[order], xs[order]]
        keep = lab >= 0
        order, lab = order[keep], lab[keep]
        uniq, first = np.unique(lab, return_index=True)
        area = np.bincount(labels[labels >= 0].ravel(), minlength=int(labels.max()) + 1)
        chosen = order[first[np.argsort(-area[uniq], kind="stable")]]
        if n is not None:
            chosen = chosen[:n]
        return Hints(tuple(Point(float(xs[i]), float(ys[i]), colour_at(ys[i], xs[i]),
                                 float(rng.uniform(1.5, _SIM_MAX_RADIUS))) for i in chosen))

    assert n is not None
    # Users hint the drawing more than the empty page: non-white pixels weigh 4x.
    # Weighted sampling runs on a uniform subsample of the candidates, for speed.
    pool = np.arange(len(ys)) if len(ys) <= 4 * n + 1024 else rng.choice(len(ys), 4 * n + 1024, replace=False)
    import cv2

    r, g, b = cv2.split(color)
    white = cv2.min(cv2.min(r, g), b)[ys[pool], xs[pool]] >= 250
    weight = np.where(white, 1.0, 4.0)
    picks = pool[rng.choice(len(pool), size=min(n, len(pool)), replace=False, p=weight / weight.sum())]
    if mode in ("sloppy", "dense"):
        return _sloppy(color, ink, safe, ys[picks], xs[picks], rng, duplicates=0.2 if mode == "dense" else 0.0)
    items: list[Hint] = []
    for i in picks:
        y, x = int(ys[i]), int(xs[i])
        col = colour_at(y, x)
        if mode == "strokes":
            stroke = _walk_stroke(x, y, col, safe, color, rng)
            if stroke is not None:
                items.append(stroke)
                continue
        items.append(Point(float(x), float(y), col, float(rng.uniform(1.5, _SIM_MAX_RADIUS))))
    return Hints(tuple(items))


def _sloppy(color: np.ndarray, ink: np.ndarray, safe: np.ndarray, ys: np.ndarray, xs: np.ndarray,
            rng: np.random.Generator, duplicates: float) -> "Hints":
    """Hints as artists give them, one per picked safe centre ``(ys[i], xs[i])``.

    Each is, with the shares of ``_SLOPPY_P``: a clean ``dot``; an ``on-line``
    dot, centred on the line pixel nearest the centre, in the centre's
    colour (the area the user aimed at); a ``crossing`` stroke of 2-4
    segments of 6-20 px from the centre in its colour, free to wander over
    lines and into the next area; an ``averaged`` dot whose colour is the
    mean of the ground truth over a disk of radius 3-6 px around a point
    near a line (an eyedropper that took in line pixels). With probability
    ``duplicates`` a hint is followed by a near-duplicate: moved 1-3 px,
    colour changed by up to 6 per channel.
    """
    import cv2

    h, w = ink.shape
    line = (ink >= _SIM_INK).astype(np.uint8)
    near_line = None
    if line.any():
        # for every pixel, the nearest line pixel (index into the raster order of line pixels)
        _, idx = cv2.distanceTransformWithLabels(1 - line, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
        ly, lx = np.nonzero(line)
        near_line = (ly, lx, idx)
    kinds = rng.choice(len(SLOPPY_KINDS), size=len(ys), p=_SLOPPY_P)
    items: list[Hint] = []
    for y, x, kind in zip(ys.tolist(), xs.tolist(), kinds.tolist()):
        col: RGB = tuple(int(v) for v in color[y, x])  # type: ignore[assignment]
        name = SLOPPY_KINDS[kind] if near_line is not None or kind == 2 else "dot"
        if name == "on-line":
            ly, lx, idx = near_line  # type: ignore[misc]
            j = int(idx[y, x]) - 1
            cy = float(np.clip(ly[j] + rng.uniform(-1, 1), 0, h - 1))
            cx = float(np.clip(lx[j] + rng.uniform(-1, 1), 0, w - 1))
            hint: Hint = Point(cx, cy, col, float(rng.uniform(1.5, 4.0)))
        elif name == "crossing":
            pts = [(float(x), float(y))]
            angle = rng.uniform(0, 2 * np.pi)
            for _ in range(int(rng.integers(2, 5))):
                angle += rng.uniform(-np.pi / 3, np.pi / 3)
                length = rng.uniform(6.0, 20.0)
                px, py = pts[-1]
                pts.append((float(np.clip(round(px + length * np.cos(angle), 2), 0, w - 1)),
                            float(np.clip(round(py + length * np.sin(angle), 2), 0, h - 1))))
            hint = Stroke(tuple(pts), col, float(rng.uniform(2.0, 5.0)))
        elif name == "averaged":
            ly, lx, idx = near_line  # type: ignore[misc]
            j = int(idx[y, x]) - 1
            t = rng.uniform(0.3, 0.8)  # part way from the centre to its nearest line
            cy, cx = int(round(y + t * (ly[j] - y))), int(round(x + t * (lx[j] - x)))
            r = int(rng.integers(3, 7))
            y0, y1, x0, x1 = max(0, cy - r), min(h, cy + r + 1), max(0, cx - r), min(w, cx + r + 1)
            yy, xx = np.mgrid[y0:y1, x0:x1]
            disk = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            mean = color[y0:y1, x0:x1][disk].mean(axis=0)
            hint = Point(float(cx), float(cy), tuple(int(round(v)) for v in mean),  # type: ignore[arg-type]
                         float(rng.uniform(1.5, _SIM_MAX_RADIUS)))
        else:
            hint = Point(float(x), float(y), col, float(rng.uniform(1.5, _SIM_MAX_RADIUS)))
        items.append(hint)
        if duplicates and rng.random() < duplicates:
            dx, dy = rng.uniform(1, 3) * rng.choice([-1, 1], size=2)
            c = hint.color
            assert c is not None
            jit = tuple(int(np.clip(v + rng.integers(-6, 7), 0, 255)) for v in c)
            if isinstance(hint, Point):
                dup: Hint = replace(hint, x=float(np.clip(hint.x + dx, 0, w - 1)),
                                    y=float(np.clip(hint.y + dy, 0, h - 1)), color=jit)
            else:
                dup = replace(hint, color=jit, points=tuple(
                    (float(np.clip(px + dx, 0, w - 1)), float(np.clip(py + dy, 0, h - 1)))
                    for px, py in hint.points))
            items.append(dup)
    return Hints(tuple(items))


def _walk_stroke(x: int, y: int, col: RGB, safe: np.ndarray, color: np.ndarray,
                 rng: np.random.Generator) -> "Stroke | None":
    """A short polyline from ``(x, y)`` whose samples are all safe centres of colour ``col``."""
    h, w = safe.shape
    target = np.array(col, np.int16)
    points = [(float(x), float(y))]
    angle = rng.uniform(0, 2 * np.pi)
    for _ in range(int(rng.integers(1, 5))):
        length = rng.uniform(3.0, 12.0)
        angle += rng.uniform(-np.pi / 4, np.pi / 4)
        x0, y0 = points[-1]
        x1, y1 = x0 + length * np.cos(angle), y0 + length * np.sin(angle)
        t = np.linspace(0.0, 1.0, int(np.ceil(length * 2)) + 1)
        sx = np.rint(x0 + t * (x1 - x0)).astype(np.intp)
        sy = np.rint(y0 + t * (y1 - y0)).astype(np.intp)
        if not ((sx >= 0) & (sx < w) & (sy >= 0) & (sy < h)).all() or not safe[sy, sx].all():
            break
        if np.abs(color[sy, sx].astype(np.int16) - target).max() > _SIM_TOL // 2:
            break
        points.append((float(round(x1, 2)), float(round(y1, 2))))
    if len(points) < 2:
        return None
    # Width at most 4: a covered pixel then lies within 3 px of some checked sample.
    return Stroke(tuple(points), col, float(rng.uniform(2.0, 4.0)))
