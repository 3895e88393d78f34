"""Manga-style test pages with ground truth, from any coloured pair.

A monochrome manga page is not clean line art: the artist (or assistant)
lays screentone over mid-tone areas, fills the darkest ones with black, cuts
the page into panels separated by white gutters and the letterer adds speech
balloons. The page is then printed at a high resolution and scanned or
resized, so the regular screens turn into moiré. This module fakes all of
that from a coloured pair (line art + its colours: OpenMoji, DiceBear, the
synthetic drawings of :mod:`irodori.synthetic`), keeping the truth:

* every area of the drawing (a connected piece of paper between lines) takes a
  treatment from the lightness of its true colour: light areas stay paper,
  mid tones take a screen (dot screens at 50-85 lpi and several angles, line
  tones, gradient dot tones) whose ink coverage follows the darkness, and the
  darkest areas become solid black fills;
* the page is drawn at ``supersample`` times its final size with binary
  screens, as a printer would, then area-resampled to the final size with a
  touch of blur and noise, as a scanner would: the screens alias into moiré;
* :func:`make_page` lays several drawings out as panels with borders and white
  gutters and adds speech balloons (white ellipses with a tail) lettered with
  Pillow's bundled font (Aileron Regular, CC0) or, without FreeType, OpenCV's
  Hershey stroke font.

Everything is a pure function of the arguments and ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage as ndi

from ..color import rgb_to_lab

#: tone kinds in :attr:`MangaPage.tone_kind`
NONE, DOT, LINE, GRADIENT, BLACK = 0, 1, 2, 3, 4
KIND_NAMES = {NONE: "none", DOT: "dot", LINE: "line", GRADIENT: "gradient", BLACK: "black"}

_ANGLES_DOT = (45.0, 45.0, 0.0, 15.0, 30.0, 75.0)  # 45 degrees is the usual screen angle
_ANGLES_LINE = (0.0, 90.0, 45.0, 135.0)
_PHRASES = ("WAIT!", "WHAT?!", "I KNEW IT...", "DON'T GO!", "HEY, OVER HERE!", "IS THAT YOU?",
            "NO WAY...", "LET'S GO!", "THAT'S NOT FAIR!", "HUH?", "I'LL DO IT.", "THANK YOU",
            "IT'S TOO LATE", "WHO ARE YOU?", "RUN!", "SO THIS IS IT", "YOU CAME BACK", "HMM...")


@dataclass(frozen=True)
class MangaPage:
    """A toned monochrome page and its truth, all ``(H, W)`` or ``(H, W, 3)``.

    Attributes
    ----------
    page : float32 in [0, 1], 1 = ink: the page as scanned (lines, tones, black
        fills, balloons, lettering), what a user would load.
    lines : float32 in [0, 1]: the same page without tones and black fills
        (lines, panel borders, balloon outlines, lettering) at the same
        resampling: the clean line art.
    colors : uint8 RGB truth (gutters and balloons white).
    tone : float32 in [0, 1]: the ink coverage of the screen laid on each pixel
        (0 where there is no screen; 1 in black fills).
    tone_kind : uint8: ``NONE``, ``DOT``, ``LINE``, ``GRADIENT`` or ``BLACK`` per pixel.
    gutter : bool: page paper outside every panel border.
    balloon : bool: balloon interiors (lettering included).
    text : bool: lettering pixels.
    panels : ``(x0, y0, x1, y1)`` of each panel's border, outer edge, in pixels.
    """

    page: np.ndarray
    lines: np.ndarray
    colors: np.ndarray
    tone: np.ndarray
    tone_kind: np.ndarray
    gutter: np.ndarray
    balloon: np.ndarray
    text: np.ndarray
    panels: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def toned(self) -> np.ndarray:
        """``(H, W) bool``: screened areas (dot, line or gradient tone; not black fills)."""
        return (self.tone_kind > NONE) & (self.tone_kind < BLACK)


@dataclass(frozen=True)
class ToneStyle:
    """How mid-tone areas are screened.

    ``lpi``: screen ruling range in lines per inch; ``dpi``: the final page's
    resolution (period in pixels = dpi / lpi); ``kinds``: probabilities of
    dot, line and gradient tone for a toned area; ``black_below`` and
    ``paper_above``: CIELAB L* limits of black fills and untoned areas;
    ``coverage``: ink coverage range mapped from dark to light mid tones.
    """

    lpi: tuple[float, float] = (50.0, 85.0)
    dpi: float = 300.0
    kinds: tuple[float, float, float] = (0.6, 0.15, 0.25)
    black_below: float = 28.0
    paper_above: float = 82.0
    coverage: tuple[float, float] = (0.45, 0.1)
    min_area: float = 0.002  # areas under this share of the drawing stay paper


def _screen_table(n: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """Sorted values of the dot (sum of cosines) and line (cosine) spot functions over one period."""
    t = (np.arange(n) + 0.5) / n * 2 * np.pi
    u, v = np.meshgrid(t, t)
    dot = np.sort(((np.cos(u) + np.cos(v)) / 2).ravel())
    line = np.sort(np.cos(t))
    return dot, line


_DOT_TABLE, _LINE_TABLE = _screen_table()


def _threshold(coverage: np.ndarray | float, table: np.ndarray) -> np.ndarray:
    """Spot-function threshold that inks a share ``coverage`` of a period."""
    q = np.clip(1.0 - np.asarray(coverage, np.float32), 0.0, 1.0)
    return np.interp(q, np.linspace(0, 1, len(table)), table).astype(np.float32)


def screen(shape: tuple[int, int], kind: int, period: float, angle: float,
           coverage: np.ndarray | float, phase: tuple[float, float] = (0.0, 0.0),
           origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """A binary screen: ``(h, w) bool``, True = ink.

    Parameters
    ----------
    shape : (h, w) of the patch.
    kind : ``DOT`` / ``GRADIENT`` (round dots on a square lattice) or ``LINE``.
    period : lattice period in pixels of this patch.
    angle : screen angle in degrees.
    coverage : ink share, a float or an ``(h, w)`` array (a gradient).
    phase, origin : lattice offset and the patch's position on the page (so
        patches of one sheet line up).
    """
    h, w = shape
    y, x = np.mgrid[origin[1]:origin[1] + h, origin[0]:origin[0] + w].astype(np.float32)
    a = np.deg2rad(angle)
    u = (x * np.cos(a) + y * np.sin(a)) * (2 * np.pi / period) + phase[0]
    if kind == LINE:
        spot = np.cos(u)
        return spot > _threshold(coverage, _LINE_TABLE)
    v = (-x * np.sin(a) + y * np.cos(a)) * (2 * np.pi / period) + phase[1]
    spot = (np.cos(u) + np.cos(v)) * 0.5
    return spot > _threshold(coverage, _DOT_TABLE)


def _areas(ink: np.ndarray) -> tuple[np.ndarray, int]:
    """Connected paper areas (4-connected, ``ink < 0.5``): labels 1..n, 0 on lines."""
    n, lab = cv2.connectedComponents((ink < 0.5).astype(np.uint8), connectivity=4)
    return lab.astype(np.int32), int(n)


@dataclass(frozen=True)
class _AreaTone:
    kind: int
    coverage: float
    period: float  # in final-page pixels
    angle: float
    phase: tuple[float, float]
    gradient: tuple[float, float, float] = (0.0, 0.0, 0.0)  # direction angle, start, end coverage


def plan_tones(ink: np.ndarray, colors: np.ndarray, rng: np.random.Generator,
               style: ToneStyle = ToneStyle()) -> tuple[np.ndarray, dict[int, _AreaTone]]:
    """Choose a treatment for every paper area of a drawing from its true colour.

    Returns the area labels ``(H, W) int32`` (0 on lines) and, for each toned
    or black area label, its :class:`_AreaTone`. Areas touching the border
    (the drawing's background) stay paper.
    """
    labels, n = _areas(ink)
    if n <= 1:
        return labels, {}
    L = rgb_to_lab(colors)[..., 0].astype(np.float64)
    count = np.bincount(labels.ravel(), minlength=n)
    mean_l = np.bincount(labels.ravel(), weights=L.ravel(), minlength=n) / np.maximum(count, 1)
    border = _border_labels(labels)
    min_px = style.min_area * labels.size
    plan: dict[int, _AreaTone] = {}
    # One sheet per drawing for each kind, as an assistant uses a few sheets per page.
    sheets = {k: (float(style.dpi / rng.uniform(*style.lpi)),
                  float(rng.choice(_ANGLES_LINE if k == LINE else _ANGLES_DOT)))
              for k in (DOT, LINE, GRADIENT)}
    for a in range(1, n):
        if a in border or count[a] < min_px or mean_l[a] >= style.paper_above:
            continue
        if mean_l[a] < style.black_below:
            plan[a] = _AreaTone(BLACK, 1.0, 0.0, 0.0, (0.0, 0.0))
            continue
        t = (mean_l[a] - style.black_below) / (style.paper_above - style.black_below)
        cov = float(style.coverage[0] + (style.coverage[1] - style.coverage[0]) * t)
        kind = int(rng.choice([DOT, LINE, GRADIENT], p=np.asarray(style.kinds) / sum(style.kinds)))
        period, angle = sheets[kind]
        phase = (float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0, 2 * np.pi)))
        grad = (0.0, 0.0, 0.0)
        if kind == GRADIENT:
            grad = (float(rng.uniform(0, 360)), float(rng.uniform(0.02, 0.1)),
                    float(min(cov + rng.uniform(0.15, 0.35), 0.7)))
        plan[a] = _AreaTone(kind, cov, period, angle, phase, grad)
    return labels, plan


def _render_tones(labels_hi: np.ndarray, plan: dict[int, _AreaTone], s: float,
                  origin: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Binary tone ink, coverage and kind at the supersampled scale for planned areas."""
    h, w = labels_hi.shape
    ink = np.zeros((h, w), bool)
    cov = np.zeros((h, w), np.float32)
    kind = np.zeros((h, w), np.uint8)
    if not plan:
        return ink, cov, kind
    objects = ndi.find_objects(labels_hi)
    for a, t in plan.items():
        if a > len(objects) or objects[a - 1] is None:
            continue
        sy, sx = objects[a - 1]
        y0, y1, x0, x1 = sy.start, sy.stop, sx.start, sx.stop
        mm = labels_hi[y0:y1, x0:x1] == a
        if t.kind == BLACK:
            ink[y0:y1, x0:x1] |= mm
            cov[y0:y1, x0:x1][mm] = 1.0
            kind[y0:y1, x0:x1][mm] = BLACK
            continue
        c: np.ndarray | float = t.coverage
        if t.kind == GRADIENT:
            d = np.deg2rad(t.gradient[0])
            yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
            proj = xx * np.cos(d) + yy * np.sin(d)
            lo, hi = float(proj[mm].min()), float(proj[mm].max())
            f = (proj - lo) / max(hi - lo, 1.0)
            c = (t.gradient[1] + (t.gradient[2] - t.gradient[1]) * f).astype(np.float32)
        pat = screen((y1 - y0, x1 - x0), t.kind, t.period * s, t.angle, c, t.phase,
                     (origin[0] + x0, origin[1] + y0))
        ink[y0:y1, x0:x1] |= pat & mm
        cc = np.broadcast_to(np.asarray(c, np.float32), mm.shape)
        cov[y0:y1, x0:x1][mm] = cc[mm]
        kind[y0:y1, x0:x1][mm] = t.kind
    return ink, cov, kind


def _scan(hi: np.ndarray, size: tuple[int, int], rng: np.random.Generator | None,
          noise: float) -> np.ndarray:
    """Area-resample a supersampled ink map to ``size`` (w, h), then soften and add noise."""
    out = cv2.resize(hi.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    if rng is not None and noise > 0:
        out = cv2.GaussianBlur(out, (0, 0), 0.5)
        out = out + rng.normal(0, noise, out.shape).astype(np.float32)
    return np.clip(out, 0, 1).astype(np.float32)


def _down_mask(hi: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return cv2.resize(hi.astype(np.float32), size, interpolation=cv2.INTER_AREA) >= 0.5


def tone_drawing(ink: np.ndarray, colors: np.ndarray, seed: int = 0, style: ToneStyle = ToneStyle(),
                 supersample: float = 2.5, noise: float = 0.02) -> MangaPage:
    """Screen, black-fill and 'scan' one drawing at its own size.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], the clean line art (1 = ink).
    colors : (H, W, 3) uint8, its true colours.
    seed : everything is a pure function of the arguments and this seed.
    style : tone choices (:class:`ToneStyle`).
    supersample : print resolution as a multiple of the final one (non-integer
        ratios to the screen period give moiré).
    noise : standard deviation of the scanner noise, in ink units.

    Returns
    -------
    MangaPage with no panels, gutters or balloons.
    """
    rng = np.random.default_rng(seed)
    h, w = ink.shape
    labels, plan = plan_tones(ink, colors, rng, style)
    hw = (int(round(w * supersample)), int(round(h * supersample)))
    s = hw[0] / w
    labels_hi = cv2.resize(labels, hw, interpolation=cv2.INTER_NEAREST)
    lines_hi = cv2.resize(ink, hw, interpolation=cv2.INTER_LINEAR)
    tone_hi, cov_hi, kind_hi = _render_tones(labels_hi, plan, s, (0, 0))
    page = _scan(np.maximum(lines_hi, tone_hi), (w, h), rng, noise)
    tone = cv2.resize(cov_hi, (w, h), interpolation=cv2.INTER_AREA)
    kind = cv2.resize(kind_hi, (w, h), interpolation=cv2.INTER_NEAREST)
    kind[ink >= 0.5] = NONE
    tone[kind == NONE] = 0
    z = np.zeros((h, w), bool)
    return MangaPage(page=page, lines=ink.astype(np.float32), colors=colors, tone=tone,
                     tone_kind=kind, gutter=z, balloon=z.copy(), text=z.copy())


# ----------------------------------------------------------------------------- pages

def _layout(rng: np.random.Generator, w: int, h: int, n: int, margin: int, gutter: tuple[int, int]
            ) -> list[tuple[int, int, int, int]]:
    """Panels as manga pages cut them: rows (tiers) of 1-3 panels, read right to left."""
    x0, y0, x1, y1 = margin, margin, w - margin, h - margin
    tiers = max(2, min(4, int(round(n / 2))))
    weights = rng.uniform(0.7, 1.3, tiers)
    heights = (y1 - y0 - gutter[1] * (tiers - 1)) * weights / weights.sum()
    boxes = []
    y = float(y0)
    left = n
    for i in range(tiers):
        k = 1 if left <= tiers - i else int(min(3, max(1, left - (tiers - i - 1), rng.integers(1, 4))))
        k = max(1, min(k, left - (tiers - i - 1)))
        left -= k
        ws = rng.uniform(0.6, 1.4, k)
        widths = (x1 - x0 - gutter[0] * (k - 1)) * ws / ws.sum()
        x = float(x0)
        for j in range(k):
            boxes.append((int(round(x)), int(round(y)), int(round(x + widths[j])), int(round(y + heights[i]))))
            x += widths[j] + gutter[0]
        y += heights[i] + gutter[1]
    return boxes


def _font(size: int):  # -> PIL.ImageFont.FreeTypeFont | None
    try:
        from PIL import ImageFont
        font = ImageFont.load_default(size)
        return font if hasattr(font, "getbbox") and isinstance(font, ImageFont.FreeTypeFont) else None
    except (ImportError, OSError, TypeError):
        return None


def _text_block(lines_txt: list[str], size: int) -> np.ndarray:
    """Lettering as a ``(h, w)`` float32 ink patch, centred lines."""
    font = _font(size)
    if font is not None:
        from PIL import Image, ImageDraw
        boxes = [font.getbbox(t) for t in lines_txt]
        lh = int(size * 1.2)
        tw = max(b[2] - b[0] for b in boxes) + 4
        img = Image.new("L", (tw, lh * len(lines_txt) + 4), 0)
        d = ImageDraw.Draw(img)
        for i, (t, b) in enumerate(zip(lines_txt, boxes)):
            d.text(((tw - (b[2] - b[0])) / 2 - b[0], 2 + i * lh), t, fill=255, font=font)
        return np.asarray(img, np.float32) / 255.0
    scale = size / 22.0
    th = max(1, int(round(size / 10)))
    sizes = [cv2.getTextSize(t, cv2.FONT_HERSHEY_SIMPLEX, scale, th)[0] for t in lines_txt]
    lh = int(size * 1.3)
    tw = max(s[0] for s in sizes) + 4
    img = np.zeros((lh * len(lines_txt) + 4, tw), np.uint8)
    for i, (t, s) in enumerate(zip(lines_txt, sizes)):
        cv2.putText(img, t, ((tw - s[0]) // 2, (i + 1) * lh - (lh - s[1]) // 2), cv2.FONT_HERSHEY_SIMPLEX,
                    scale, 255, th, cv2.LINE_AA)
    return img.astype(np.float32) / 255.0


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def make_page(pairs: list[tuple[np.ndarray, np.ndarray]], height: int = 1200, width: int = 848,
              seed: int = 0, style: ToneStyle = ToneStyle(), supersample: float = 2.5,
              noise: float = 0.02, balloons: tuple[int, int] = (0, 2), p_background: float = 0.35) -> MangaPage:
    """A page of panels, one drawing per panel, with gutters, balloons and lettering.

    Parameters
    ----------
    pairs : ``(ink (h, w) float32 [0, 1], colors (h, w, 3) uint8)`` drawings, one per
        panel (3 to 7 panels; reused in turn if fewer are given).
    height, width : the page in pixels (default: B5-like proportions).
    seed, style, supersample, noise : as in :func:`tone_drawing`.
    balloons : ``(min, max)`` speech balloons per panel.
    p_background : chance that a panel's background (paper outside the figure) takes a light
        dot or gradient screen, with a light tint as its true colour.

    Returns
    -------
    MangaPage: drawings are scaled to cover their panel (cropped at the
    centre), framed by a border; gutters and balloons are white in ``colors``.
    """
    if not pairs:
        raise ValueError("make_page needs at least one (ink, colors) pair")
    rng = np.random.default_rng(seed)
    n_panels = int(rng.integers(3, 8))
    margin = int(0.05 * min(height, width))
    gutter = (max(6, int(0.012 * width)), max(10, int(0.022 * height)))
    panels = _layout(rng, width, height, n_panels, margin, gutter)
    s = supersample
    H, W = int(round(height * s)), int(round(width * s))
    lines_hi = np.zeros((H, W), np.float32)
    tone_hi = np.zeros((H, W), bool)
    cov_hi = np.zeros((H, W), np.float32)
    kind_hi = np.zeros((H, W), np.uint8)
    colors = np.full((height, width, 3), 255, np.uint8)
    inside = np.zeros((height, width), bool)
    border_w = max(2, int(round(0.003 * width)))
    balloon = np.zeros((height, width), bool)
    text = np.zeros((height, width), bool)
    balloon_hi = np.zeros((H, W), np.uint8)
    outline_hi = np.zeros((H, W), np.uint8)
    letters_hi = np.zeros((H, W), np.float32)
    for i, (x0, y0, x1, y1) in enumerate(panels):
        ink, col = pairs[i % len(pairs)]
        pw, ph = x1 - x0, y1 - y0
        # Zoom to cover the panel, but no more than 1.7x (thick lines are not manga's); a drawing
        # smaller than its panel sits somewhere inside it on white paper, as figures often do.
        cover = max(pw / ink.shape[1], ph / ink.shape[0])
        f = float(min(cover * rng.uniform(1.0, 1.3), rng.uniform(1.2, 1.7)))
        dw, dh = int(np.ceil(ink.shape[1] * f)), int(np.ceil(ink.shape[0] * f))
        # Crop window of the zoomed drawing (cx, cy) and where it lands in the panel (ox, oy).
        cx = int(rng.integers(0, max(dw - pw, 0) + 1))
        cy = int(rng.integers(0, max(dh - ph, 0) + 1))
        ox = int(rng.integers(0, max(pw - dw, 0) + 1))
        oy = int(rng.integers(0, max(ph - dh, 0) + 1))
        vw, vh = min(pw, dw), min(ph, dh)
        inside[y0:y1, x0:x1] = True
        colors[y0:y1, x0:x1] = _paper_color(col)
        colors[y0 + oy:y0 + oy + vh, x0 + ox:x0 + ox + vw] = cv2.resize(
            col, (dw, dh), interpolation=cv2.INTER_LINEAR)[cy:cy + vh, cx:cx + vw]
        labels, plan = plan_tones(ink, col, rng, style)
        X0, Y0 = int(round(x0 * s)), int(round(y0 * s))
        X1, Y1 = int(round(x1 * s)), int(round(y1 * s))
        fh = (int(round(dw * s)), int(round(dh * s)))
        CX, CY = int(round(cx * s)), int(round(cy * s))
        OX, OY = X0 + int(round(ox * s)), Y0 + int(round(oy * s))
        VW, VH = min(X1 - OX, fh[0] - CX), min(Y1 - OY, fh[1] - CY)
        ink_hi = _print_lines(ink, fh, f * s)[CY:CY + VH, CX:CX + VW]
        lab_hi = cv2.resize(labels, fh, interpolation=cv2.INTER_NEAREST)[CY:CY + VH, CX:CX + VW]
        t_ink, t_cov, t_kind = _render_tones(lab_hi, plan, s, (OX, OY))
        lines_hi[OY:OY + VH, OX:OX + VW] = ink_hi
        tone_hi[OY:OY + VH, OX:OX + VW] = t_ink
        cov_hi[OY:OY + VH, OX:OX + VW] = t_cov
        kind_hi[OY:OY + VH, OX:OX + VW] = t_kind
        if rng.random() < p_background:
            # A toned panel background (sky, wall): the panel's paper outside the figure.
            bg = np.ones((Y1 - Y0, X1 - X0), bool)
            outer = np.isin(lab_hi, _border_labels(labels))
            bg[OY - Y0:OY - Y0 + VH, OX - X0:OX - X0 + VW] = outer & (ink_hi < 0.5)
            _background(rng, bg, (X0, Y0), s, style, tone_hi, cov_hi, kind_hi, colors, (x0, y0, x1, y1))
        bw = int(round(border_w * s))
        cv2.rectangle(lines_hi, (X0, Y0), (X1 - 1, Y1 - 1), 1.0, bw)
        for _ in range(int(rng.integers(balloons[0], balloons[1] + 1))):
            _balloon(rng, (x0, y0, x1, y1), s, balloon_hi, outline_hi, letters_hi, border_w)
    # Balloons hide the drawing and its tones beneath them.
    cover = balloon_hi > 0
    lines_hi[cover] = 0
    tone_hi[cover] = False
    cov_hi[cover] = 0
    kind_hi[cover] = NONE
    lines_hi = np.maximum(lines_hi, outline_hi.astype(np.float32))
    lines_hi = np.maximum(lines_hi, letters_hi)
    size = (width, height)
    page = _scan(np.maximum(lines_hi, tone_hi), size, rng, noise)
    lines = _scan(lines_hi, size, None, 0.0)
    balloon = _down_mask(balloon_hi > 0, size) & ~_down_mask(outline_hi > 0, size)
    text = cv2.resize(letters_hi, size, interpolation=cv2.INTER_AREA) >= 0.3
    kind = cv2.resize(kind_hi, size, interpolation=cv2.INTER_NEAREST)
    kind[lines >= 0.5] = NONE
    tone = cv2.resize(cov_hi, size, interpolation=cv2.INTER_AREA)
    tone[kind == NONE] = 0
    # The border and gutters: paper outside every panel frame.
    gutter = ~inside & (lines < 0.5)
    colors[~inside] = 255
    colors[balloon_hi_down(balloon_hi, size)] = 255
    return MangaPage(page=page, lines=lines, colors=colors, tone=tone, tone_kind=kind, gutter=gutter,
                     balloon=balloon, text=text, panels=tuple(panels))


def _border_labels(labels: np.ndarray) -> np.ndarray:
    """Labels of the areas touching a drawing's border (its background)."""
    return np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))


_TINTS = ((206, 228, 250), (250, 236, 214), (226, 218, 245), (214, 240, 222), (236, 236, 236))


def _background(rng: np.random.Generator, bg: np.ndarray, origin: tuple[int, int], s: float,
                style: ToneStyle, tone_hi: np.ndarray, cov_hi: np.ndarray, kind_hi: np.ndarray,
                colors: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """Lay a light dot or gradient screen on a panel's background ``bg`` (hi-res, panel-sized)."""
    X0, Y0 = origin
    h, w = bg.shape
    kind = DOT if rng.random() < 0.5 else GRADIENT
    period = style.dpi / rng.uniform(*style.lpi) * s
    angle = float(rng.choice(_ANGLES_DOT))
    cov: np.ndarray | float = float(rng.uniform(0.08, 0.2))
    if kind == GRADIENT:  # darker towards the top, as skies and night backgrounds go
        f = np.linspace(1.0, 0.0, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
        cov = (0.02 + f * rng.uniform(0.2, 0.45)).astype(np.float32)
    pat = screen((h, w), kind, period, angle, cov, (float(rng.uniform(0, 6.3)), float(rng.uniform(0, 6.3))),
                 (X0, Y0)) & bg
    tone_hi[Y0:Y0 + h, X0:X0 + w] |= pat
    cc = np.broadcast_to(np.asarray(cov, np.float32), bg.shape)
    cov_hi[Y0:Y0 + h, X0:X0 + w][bg] = cc[bg]
    kind_hi[Y0:Y0 + h, X0:X0 + w][bg] = kind
    x0, y0, x1, y1 = box
    small = cv2.resize(bg.astype(np.uint8), (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST) > 0
    tint = np.asarray(_TINTS[int(rng.integers(len(_TINTS)))], np.uint8)
    colors[y0:y1, x0:x1][small] = tint


def _paper_color(col: np.ndarray) -> np.ndarray:
    """The colour of a drawing's background (the commonest colour on its border)."""
    edge = np.concatenate([col[0], col[-1], col[:, 0], col[:, -1]])
    vals, counts = np.unique(edge, axis=0, return_counts=True)
    return vals[int(np.argmax(counts))]


def _print_lines(ink: np.ndarray, size: tuple[int, int], zoom: float) -> np.ndarray:
    """Upscale line art by ``zoom`` to ``size`` (w, h) as crisp print: sharpened edges, and lines
    thinned so a zoomed drawing keeps about a pen's width (a third of the zoom's thickening)."""
    up = cv2.resize(ink, size, interpolation=cv2.INTER_LINEAR)
    up = np.clip((up - 0.5) * 2.5 + 0.5, 0, 1)
    dt = cv2.distanceTransform((ink >= 0.5).astype(np.uint8), cv2.DIST_L2, 3)
    ridge = dt[dt >= max(float(np.percentile(dt[dt > 0], 60)) if (dt > 0).any() else 0, 1)]
    half = float(np.median(ridge)) if ridge.size else 1.0  # half the typical line width, source px
    r = int(round(half * max(zoom - 2.0, 0.0) * 0.45))
    if r >= 1:
        up = cv2.erode(up, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    return up.astype(np.float32)


def balloon_hi_down(balloon_hi: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Balloon area (outline included) at page size."""
    return cv2.resize((balloon_hi > 0).astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.05


def _balloon(rng: np.random.Generator, box: tuple[int, int, int, int], s: float, fill_hi: np.ndarray,
             outline_hi: np.ndarray, letters_hi: np.ndarray, border_w: int) -> None:
    """Draw one lettered speech balloon with a tail inside ``box`` (page pixels) at scale ``s``."""
    x0, y0, x1, y1 = box
    pw, ph = x1 - x0, y1 - y0
    size = int(rng.integers(17, 25))
    words = _wrap(str(rng.choice(_PHRASES)), int(rng.integers(6, 12)))
    block = _text_block(words, int(round(size * s)))
    bh, bw = block.shape
    ax, ay = bw / 2 * 1.35 + 8 * s, bh / 2 * 1.45 + 8 * s
    if 2 * ax > pw * s * 0.9 or 2 * ay > ph * s * 0.9:
        return
    cx = rng.uniform(x0 * s + ax + 6 * s, x1 * s - ax - 6 * s)
    cy = rng.uniform(y0 * s + ay + 6 * s, y1 * s - ay - 6 * s)
    lw = max(2, int(round(border_w * 0.8 * s)))
    # Tail: a narrow triangle pointing away from the centre, towards the speaker.
    ang = rng.uniform(0, 2 * np.pi)
    base = np.array([cx, cy])
    d = np.array([np.cos(ang), np.sin(ang)])
    nrm = np.array([-d[1], d[0]])
    tip = base + d * np.array([ax, ay]) * 1.45
    tail = np.array([base + nrm * ax * 0.18, tip, base - nrm * ax * 0.18])
    tip_ok = x0 * s < tip[0] < x1 * s and y0 * s < tip[1] < y1 * s
    shape = np.zeros_like(fill_hi)
    cv2.ellipse(shape, (int(cx), int(cy)), (int(ax), int(ay)), 0, 0, 360, 1, -1)
    if tip_ok:
        cv2.fillPoly(shape, [np.round(tail).astype(np.int32)], 1)
    near = cv2.dilate(fill_hi, cv2.getStructuringElement(cv2.MORPH_RECT, (int(6 * s) | 1,) * 2))
    if (near & shape).any():  # letterers keep balloons apart
        return
    # Outline = the shape's edge band; a later balloon hides what it covers.
    edge = shape - cv2.erode(shape, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * lw + 1, 2 * lw + 1)))
    fill_hi[shape > 0] = 1
    outline_hi[shape > 0] = 0
    outline_hi[edge > 0] = 1
    letters_hi[shape > 0] = 0
    ty, tx = int(cy - bh / 2), int(cx - bw / 2)
    letters_hi[ty:ty + bh, tx:tx + bw] = np.maximum(letters_hi[ty:ty + bh, tx:tx + bw], block)


def sheet(pages: list[np.ndarray], cols: int = 3, pad: int = 8) -> np.ndarray:
    """Contact sheet of equally tall ``(H, W)`` float ink or ``(H, W, 3)`` uint8 pictures."""
    rgb = [np.repeat(((1 - p) * 255).astype(np.uint8)[..., None], 3, 2) if p.ndim == 2 else p for p in pages]
    h = max(p.shape[0] for p in rgb)
    w = max(p.shape[1] for p in rgb)
    rows = (len(rgb) + cols - 1) // cols
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), 128, np.uint8)
    for i, p in enumerate(rgb):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad):pad + r * (h + pad) + p.shape[0], pad + c * (w + pad):pad + c * (w + pad) + p.shape[1]] = p
    return out
