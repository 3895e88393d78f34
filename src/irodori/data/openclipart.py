"""Open Clip Art Library 0.18 (Debian's ``openclipart-svg``): public-domain cartoons as exact pairs.

The package holds 8,121 SVG drawings dedicated to the public domain (its
copyright file: Creative Commons Public Domain Dedication): people, animals,
food, objects, scenes. Many are drawn as dark outlines over flat fills, the
structure of OpenMoji and DiceBear, so repainting every paint that is not
dark white gives exact line art, pixel for pixel (dark paints (brightest channel under 90) become pure
black; gradient stops follow the same rule).

Many files are not line drawings at all: silhouettes, traced photos made of
gradients, text, flat icons without outlines. Each rendered pair is kept only
if it passes every check of :func:`check_pair`; a dropped item names the
first check it failed, so a build reports counts per reason.

The drawing is fitted, aspect kept, into a ``size x size`` square on white.
SVGs without a width and height are sized from their ``viewBox``. Items are
grouped for the split by file name without its trailing variant number
(``people_juliane_krug_08a`` -> ``people_juliane_krug``), so the variants of
one series never straddle train and test.

The files come from an extracted package folder (``--from DIR``, the folder
holding ``usr/share/openclipart/svg`` or the ``svg`` folder itself) or, when
none is given and ``apt-get`` is on the PATH, from the package downloaded and
extracted into ``~/.cache/irodori/openclipart`` (no root needed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import IrodoriError
from .sources import Item, SkipItem, Source
from .svg import on_white, render_svg, to_gray

PACKAGE = "openclipart-svg"
LICENSE = "Public Domain (CC PDD)"
ATTRIBUTION = "Open Clip Art Library 0.18 (Debian package openclipart-svg), dedicated to the public domain"
_SVG_SUBDIR = Path("usr/share/openclipart/svg")

#: a paint whose brightest channel (0..255) is below this is a line: black in the line art (a
#: saturated red has a low luma but is a colour, so the test is on the value, not the luma)
LINE_VALUE = 90
#: a line pixel (line art < 128) counts as dark in the colour picture below this luma
DARK_LUMA = 110
MIN_INK, MAX_INK = 0.006, 0.30          # share of the picture that is line
MIN_DARK_SHARE = 0.80                  # line pixels that are dark in the colour picture too
MAX_GREY_AREA = 0.01                   # mid-grey line art away from the lines (shading, gradients)
MIN_FILLED = 0.06                      # share of the picture that carries colour
MIN_COLORS = 3                         # distinct fill colours, each >= COLOR_SHARE of the filled area
MIN_CHROMATIC = 0.20                   # share of the filled area with a hue (chroma > 12), not grey
COLOR_SHARE = 0.02
MIN_TOP_COLORS_SHARE = 0.75            # the 16 main colours cover this much of the filled area
MIN_CLOSED_SHARE = 0.80                # filled pixels that match their closed area's main colour

_PAINT_ATTR = re.compile(r'\b(fill|stroke|stop-color|color)\s*=\s*"([^"]*)"')
_PAINT_ATTR_SQ = re.compile(r"\b(fill|stroke|stop-color|color)\s*=\s*'([^']*)'")
_PAINT_CSS = re.compile(r'(?<![-\w])(fill|stroke|stop-color|color)\s*:\s*([^;"\'}]+)')
_NUM = re.compile(r"^\s*([0-9.]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|mm|cm|in|pc)?\s*$")
_UNITS = {None: 1.0, "px": 1.0, "pt": 1.25, "pc": 15.0, "mm": 3.543307, "cm": 35.43307, "in": 90.0}
_CREATOR = re.compile(r"<dc:creator>.*?<dc:title>([^<]*)</dc:title>", re.S)
_TITLE = re.compile(r"<dc:title>([^<]*)</dc:title>")


def paint_rgb(value: str) -> tuple[int, int, int] | None:
    """The RGB of an SVG paint value, or None for ``none``, ``url(...)``, ``currentColor`` and unknowns."""
    v = value.strip().lower()
    if not v or v in ("none", "currentcolor", "inherit", "transparent") or v.startswith("url("):
        return None
    from PIL import ImageColor

    try:
        rgb = ImageColor.getrgb(v)
    except ValueError:
        return None
    return int(rgb[0]), int(rgb[1]), int(rgb[2])


def _repaint_value(value: str, prop: str = "") -> str:
    if prop == "fill" and value.strip().lower().startswith("url("):
        return "#ffffff"  # gradient and pattern fills are colour, not line
    rgb = paint_rgb(value)
    if rgb is None:
        return value
    return "#000000" if max(rgb) < LINE_VALUE else "#ffffff"


def line_svg(svg: str) -> str:
    """The SVG with every paint (attributes, inline and sheet CSS, gradient stops) dark -> black, else white.

    Gradient and pattern fills (``url(...)``) become white; ``none``, ``currentColor``
    and gradient strokes are kept; an element with no paint keeps
    SVG's default black fill, as it is black in the colour picture too.
    """
    svg = _PAINT_ATTR.sub(lambda m: f'{m.group(1)}="{_repaint_value(m.group(2), m.group(1))}"', svg)
    svg = _PAINT_ATTR_SQ.sub(lambda m: f"{m.group(1)}='{_repaint_value(m.group(2), m.group(1))}'", svg)
    return _PAINT_CSS.sub(lambda m: f"{m.group(1)}:{_repaint_value(m.group(2), m.group(1))}", svg)


def _length(text: str | None) -> float | None:
    if not text:
        return None
    m = _NUM.match(text)
    if not m:
        return None
    value = float(m.group(1)) * _UNITS[m.group(2)]
    return value if value > 0 else None


def _attr(tag: str, name: str) -> str | None:
    m = re.search(r'\s' + name + r'\s*=\s*(?:"([^"]*)"|\'([^\']*)\')', tag)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def natural_size(svg: str) -> tuple[float, float]:
    """The drawing's ``(width, height)`` in user units: its width/height, else its viewBox.

    Raises SkipItem when there is no ``<svg>`` element or it states no usable size.
    """
    m = re.search(r"<svg\b[^>]*>", svg)
    if m is None:
        raise SkipItem("no <svg> element")
    tag = m.group(0)
    wt, ht = _attr(tag, "width"), _attr(tag, "height")
    w, h = _length(wt), _length(ht)
    box = _attr(tag, "viewBox")
    if box and (w is None or h is None):
        parts = re.split(r"[\s,]+", box.strip())
        try:
            bw, bh = float(parts[2]), float(parts[3])
        except (IndexError, ValueError):
            bw = bh = 0.0
        if bw > 0 and bh > 0:
            w, h = bw, bh
    if w is None or h is None:
        raise SkipItem("no size (no width/height or viewBox)")
    return w, h


def _with_size(svg: str, width: float, height: float) -> str:
    """The SVG with an explicit width, height and viewBox, so every renderer scales it the same way."""
    m = re.search(r"<svg\b[^>]*>", svg)
    if m is None:
        raise SkipItem("no <svg> element")
    tag = m.group(0)
    if "viewBox" not in tag:
        tag = tag[:4] + f' viewBox="0 0 {width:g} {height:g}"' + tag[4:]
    tag = re.sub(r'\s(width|height)\s*=\s*("[^"]*"|\'[^\']*\')', "", tag)
    tag = tag[:4] + f' width="{width:g}" height="{height:g}"' + tag[4:]
    return svg[: m.start()] + tag + svg[m.end():]


def fit_square(rgba: np.ndarray, size: int) -> np.ndarray:
    """``(h, w, 4) uint8`` RGBA centred on a transparent ``(size, size, 4)`` canvas (h, w <= size)."""
    h, w = rgba.shape[:2]
    out = np.zeros((size, size, 4), np.uint8)
    y, x = (size - h) // 2, (size - w) // 2
    out[y:y + h, x:x + w] = rgba
    return out


def check_pair(line: np.ndarray, color: np.ndarray) -> str | None:
    """Why a rendered pair is not a usable line-art pair, or None when it is.

    Parameters
    ----------
    line : (H, W) uint8, black ink on white.
    color : (H, W, 3) uint8 RGB on white.

    Returns
    -------
    The reason (a short phrase used as a drop count key), or None.
    """
    from ..color import rgb_to_lab

    ink = line < 128
    ink_share = float(ink.mean())
    if ink_share < MIN_INK:
        return "too few outline pixels"
    if ink_share > MAX_INK:
        return "silhouette (mostly dark)"
    grey = (line >= 48) & (line <= 208) & ~cv2.dilate(ink.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    if grey.mean() > MAX_GREY_AREA:
        return "grey areas in the line art (transparency, gradients)"
    if float((to_gray(color)[ink] < DARK_LUMA).mean()) < MIN_DARK_SHARE:
        return "lines not dark in the colour picture"
    paper = line >= 250
    lab = rgb_to_lab(color)
    filled = paper & (np.hypot(lab[..., 1], lab[..., 2]) + (100.0 - lab[..., 0]) > 8.0)
    n_filled = int(filled.sum())
    if n_filled < MIN_FILLED * line.size:
        return "almost no colour"
    if float((np.hypot(lab[..., 1], lab[..., 2])[filled] > 12.0).mean()) < MIN_CHROMATIC:
        return "grey only"
    q = (color[filled] >> 4).astype(np.int32)
    codes = (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]
    counts = np.sort(np.bincount(codes, minlength=4096))[::-1]
    if int((counts >= COLOR_SHARE * n_filled).sum()) < MIN_COLORS:
        return "fewer than 3 fill colours"
    if counts[:16].sum() < MIN_TOP_COLORS_SHARE * n_filled:
        return "gradients or texture dominate"
    # Each closed paper area takes its main colour over all its pixels, white included: a fill
    # that leaks into the white background (no outline) is then a minority there.
    n_cc, cc = cv2.connectedComponents(paper.view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
    qa = (color >> 4).astype(np.int32)
    all_codes = (qa[..., 0] << 8) | (qa[..., 1] << 4) | qa[..., 2]
    keys = cc[paper].astype(np.int64) * 4096 + all_codes[paper]
    uniq, cnt = np.unique(keys, return_counts=True)
    comp = uniq // 4096
    best = np.zeros(n_cc, np.int64)
    np.maximum.at(best, comp, cnt)
    top = cnt == best[comp]
    first = np.unique(comp[top], return_index=True)[1]  # one main colour per area, ties by code
    main = np.full(n_cc, -1, np.int64)
    main[comp[top][first]] = (uniq % 4096)[top][first]
    matched = int((all_codes[filled] == main[cc[filled]]).sum())
    if matched < MIN_CLOSED_SHARE * n_filled:
        return "line art does not close the areas"
    return None


def precheck_color(color: np.ndarray) -> str | None:
    """A quick verdict from the colour picture alone, before the line art is rendered.

    Looser than :func:`check_pair` (which has the last word): drops pictures with
    almost no colour or no hue, so their line version need not be rendered.
    """
    from ..color import rgb_to_lab

    lab = rgb_to_lab(color)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    filled = (chroma + (100.0 - lab[..., 0]) > 8.0) & (color.max(axis=2) >= LINE_VALUE)
    if filled.mean() < 0.5 * MIN_FILLED:
        return "almost no colour"
    if float((chroma[filled] > 12.0).mean()) < 0.5 * MIN_CHROMATIC:
        return "grey only"
    return None


def find_svg_root(folder: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the package's SVGs: under ``folder`` (an extracted package), else a cached download.

    Raises IrodoriError with what to do when neither is there.
    """
    if folder is not None:
        base = Path(folder).expanduser()
        for cand in (base / _SVG_SUBDIR, base / "svg", base):
            if cand.is_dir() and any(cand.rglob("*.svg")):
                return cand
        raise IrodoriError(f"no openclipart SVG files under {base} (expected {_SVG_SUBDIR} of an extracted "
                           f"{PACKAGE} package: apt-get download {PACKAGE} && dpkg-deb -x {PACKAGE}_*.deb DIR)")
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "irodori" / "openclipart"
    if (cache / _SVG_SUBDIR).is_dir():
        return cache / _SVG_SUBDIR
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise IrodoriError(f"the openclipart source needs the {PACKAGE} files: extract the Debian package "
                           "and pass --from DIR")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        got = subprocess.run(["apt-get", "download", PACKAGE], cwd=tmp, capture_output=True, text=True)
        debs = list(Path(tmp).glob(f"{PACKAGE}_*.deb"))
        if got.returncode != 0 or not debs:
            tail = (got.stderr.strip().splitlines() or ["no .deb"])[-1]
            raise IrodoriError(f"apt-get download {PACKAGE} failed ({tail}); extract the package by hand "
                               "and pass --from DIR")
        staging = Path(tmp) / "x"
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(staging)], check=True)
        os.replace(staging / "usr", cache / "usr")
    return cache / _SVG_SUBDIR


def group_of(relpath: str) -> str:
    """The split group of a file: its name without a trailing variant number/letter."""
    stem = Path(relpath).stem.lower()
    base = re.sub(r"[-_ .]*\d+[a-z]?$", "", stem)
    return base or stem


def creator_of(svg: str) -> str:
    """The author named in the SVG's metadata (``dc:creator``), or ''."""
    m = _CREATOR.search(svg)
    return " ".join(m.group(1).split()) if m else ""


class OpenClipartSource(Source):
    """Every SVG of the Open Clip Art Library package that renders to a real line-art pair."""

    name = "openclipart"
    license = LICENSE
    attribution = ATTRIBUTION

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.root = find_svg_root(folder)

    def options(self) -> dict[str, Any]:
        return {"package": PACKAGE, "line_value": LINE_VALUE, "min_closed_share": MIN_CLOSED_SHARE}

    def items(self) -> list[Item]:
        paths = sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*.svg"))
        return [Item(re.sub(r"[^A-Za-z0-9_.-]+", "_", rel[:-4].replace("/", "__")), group_of(rel), rel)
                for rel in paths]

    def render(self, item: Item, size: int) -> tuple[np.ndarray, np.ndarray]:
        try:
            svg = (self.root / item.payload).read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            raise SkipItem(f"unreadable file ({e.strerror})", warn=True) from None
        if "<image" in svg:
            raise SkipItem("embedded raster image")
        w, h = natural_size(svg)
        scale = size / max(w, h)
        pw, ph = max(1, round(w * scale)), max(1, round(h * scale))
        if min(pw, ph) < size // 4:
            raise SkipItem("too thin (aspect over 4:1)")
        sized = _with_size(svg, w, h)
        try:
            color = on_white(fit_square(render_svg(sized, pw, ph), size))
            reason = precheck_color(color)
            if reason is not None:
                raise SkipItem(reason)
            line = to_gray(on_white(fit_square(render_svg(line_svg(sized), pw, ph), size)))
        except IrodoriError:
            raise SkipItem("does not render") from None
        reason = check_pair(line, color)
        if reason is not None:
            raise SkipItem(reason)
        return line, color

    def attribution_markdown(self) -> str:
        authors: dict[str, int] = {}
        for p in sorted(self.root.rglob("*.svg")):
            try:
                name = creator_of(p.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
            if name:
                authors[name] = authors.get(name, 0) + 1
        names = ", ".join(sorted(authors, key=str.lower))
        return (f"## Open Clip Art Library\n\n{ATTRIBUTION}. The drawings were dedicated to the public domain "
                "by their authors (Creative Commons Public Domain Dedication, see the package's copyright "
                "file); no attribution is required, and we credit the authors the files name: "
                f"{names or 'none named'}.\n")
