"""Screentone: find it, lift it off the line art, give it back as a layer.

A printed or scanned manga page carries screentone (dot screens, line tones,
gradient dot tones) over its mid-tone areas. To a colourization method the
dots are lines: every dot is a tiny closed region and the colour never
reaches the paper between them. :func:`analyse_tones` separates the page into

* ``ink``: the drawing without its tone (outlines, hatching that means a
  line, lettering and black fills kept), what methods colour;
* ``tone``: the screen's grey value per pixel (its ink coverage, smoothed),
  which :func:`apply_tones` puts back on the coloured picture as the artist
  chooses: not at all (``drop``, as Clip Studio's "remove tones" prepares a
  page for colour), as a lightened multiply layer (``shade``), or as printed
  (``keep``);
* ``mask`` (screened areas) and ``black`` (solid black fills).

How tone is found, and why this way
-----------------------------------
A screen is a *periodic* texture much finer than the drawing: along any row
or column the ink alternates every half period (1.75-4 px at 50-85 lpi and
300 dpi). An outline crosses a row once or twice. So the detector counts
*alternations*: sign changes of the band-passed page (page minus its
Gaussian blur, with a dead zone above the scanner's noise) between pixels
one or two apart, along rows and along columns, and averages the count over
a window of a few periods. Line tones alternate along one axis only, so the
larger of the two densities is used. Moiré (the screen aliased by a scan
or a resize) lowers the contrast of the alternation but not its rate, which
is why the density of alternations is used and not their energy: the
energy of a lone thick outline equals that of a light screen, its
alternation rate does not. This needs no training data and has two
parameters with a physical meaning (the window and the density), which is
why it was chosen over a learnt classifier: a classifier trained on our own
synthetic screens would learn their exact rendering.

Inside a detected area the page is *descreened*: blurred at half the
screen period measured there (2 / alternation rate), which leaves a flat
plateau at the screen's coverage. Structural lines (outlines, a nose drawn
over a toned face, the edge between two tones) are the ridges darker than
that plateau, found with a morphological black top-hat wider than a line;
their pixels keep the page's own ink, and everything else in the toned area
becomes paper. The toned area itself is then snapped to the drawing: the
paper pieces of the tone-free drawing that the coarse detection mostly
covers, so its edge follows the outlines rather than the window.

References
----------
Clip Studio Paint, "Convert to grayscale / remove tones"; the descreening
(low-pass at the screen period) is the usual one of scanners' "descreen".
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass

import cv2
import numpy as np

from .errors import IrodoriError

TONE_MODES = ("drop", "shade", "keep", "off")


@dataclass(frozen=True)
class ToneAnalysis:
    """What :func:`analyse_tones` found; every array is ``(H, W)``.

    Attributes
    ----------
    ink : float32 in [0, 1], 1 = ink: the drawing without its screentone.
    tone : float32 in [0, 1]: the screen's ink coverage per pixel, smoothed;
        0 outside screened areas.
    mask : bool: screened areas.
    black : bool: solid black fills (left in ``ink``).
    page : float32: the ink map as given (for ``keep``).
    period : median screen period in pixels (0.0 when no screen was found).
    seconds : time taken.
    """

    ink: np.ndarray
    tone: np.ndarray
    mask: np.ndarray
    black: np.ndarray
    page: np.ndarray
    period: float = 0.0
    seconds: float = 0.0

    @property
    def found(self) -> bool:
        """Whether any screentone was found."""
        return bool(self.period > 0.0)


def _alternations(hp: np.ndarray, a: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows/columns alternation maps (uint8 0/1): ``hp`` swings from above ``a`` to below ``-a``
    (or back) between pixels one or two apart."""
    pos = (hp > a).view(np.uint8)
    neg = (hp < -a).view(np.uint8)
    h = np.zeros(hp.shape, np.uint8)
    v = np.zeros(hp.shape, np.uint8)
    for d in (1, 2):
        h[:, :-d] |= (pos[:, :-d] & neg[:, d:]) | (neg[:, :-d] & pos[:, d:])
        v[:-d] |= (pos[:-d] & neg[d:]) | (neg[:-d] & pos[d:])
    return h, v


def _disk(r: int) -> np.ndarray:
    r = max(int(r), 1)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def analyse_tones(ink: np.ndarray, window: int = 25, density: float = 0.25, swing: float = 0.04,
                  min_area: int = 900, ridge: float = 0.12,
                  min_share: float = 0.05) -> ToneAnalysis:
    """Find screentone and black fills in a page and separate them from its lines.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink: the page as loaded.
    window : side in pixels of the window the alternation rate is averaged over
        (a few screen periods; 15 suits 50-85 lpi at 300 dpi and finer pages).
    density : alternations per pixel (along the busier axis) above which a
        window is screened; a screen of period ``p`` gives about ``2 / p``, one
        outline about ``2 / window``.
    swing : dead zone of the band-passed page, in ink units (above the noise
        of a scan).
    min_area : screened areas smaller than this many pixels are ignored
        (lettering, a knot of hatching).
    ridge : how much darker than the descreened tone a line must be to be
        kept as a line.
    min_share : share of a candidate area's high-frequency energy that must sit
        in its strongest sharp spectral peak for it to count as a screen.

    Returns
    -------
    ToneAnalysis (``found`` is False and ``ink`` is the input when there is no tone).
    """
    start = time.perf_counter()
    ink = np.asarray(ink)
    if ink.ndim != 2 or not np.issubdtype(ink.dtype, np.floating):
        raise IrodoriError(f"ink must be an (H, W) float array, got shape {ink.shape} dtype {ink.dtype}")
    if window < 3 or density <= 0 or swing <= 0 or min_area < 1:
        raise IrodoriError("analyse_tones needs window >= 3, density > 0, swing > 0, min_area >= 1")
    page = ink.astype(np.float32, copy=False)
    H, W = page.shape
    hp = page - cv2.GaussianBlur(page, (0, 0), 1.5)
    # The coarse map, the black fills and the areas' outlines are found at half resolution.
    coarse2, alt2 = _coarse_mask(hp, window, density, swing, min_area)
    black = _black_fills(page)
    empty = ToneAnalysis(ink=page, tone=np.zeros_like(page), mask=np.zeros((H, W), bool), black=black,
                         page=page, period=0.0, seconds=0.0)
    if not coarse2.any():
        return _timed(empty, start)
    free = page.copy()
    tone = np.zeros_like(page)
    mask = np.zeros((H, W), bool)
    periods = []
    n, lab2, stats, _ = cv2.connectedComponentsWithStats(coarse2.view(np.uint8), connectivity=8)
    pad = window
    for c in range(1, n):
        x, y, w, h, _area = stats[c]
        x0, y0 = max(2 * x - pad, 0), max(2 * y - pad, 0)
        x1, y1 = min(2 * (x + w) + pad, W), min(2 * (y + h) + pad, H)
        box = (slice(y0, y1), slice(x0, x1))
        sub = page[box]
        m = _up(lab2 == c, box)
        desc, share, p = _descreen(sub, m)
        if share < min_share:  # busy line work, not a screen: leave it alone
            continue
        p = float(np.clip(p, 2.0, window))
        periods.append(p)
        blk = black[box]
        # Lines are ridges darker than the flat descreened tone: a black top-hat wider than a line.
        # Where they are is read from a Gaussian descreen (no leftover ripple; hysteresis keeps thin
        # lines whole); their ink from the notched page (sharp; dots beside a line are gone).
        k = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * int(np.ceil(1.2 * p)) + 1,) * 2)
        smooth = cv2.GaussianBlur(sub, (0, 0), 0.4 * p)
        plateau = np.clip(cv2.morphologyEx(smooth, cv2.MORPH_OPEN, k), 0, 1)
        where = _hysteresis(smooth - plateau, ridge / 3, ridge * 2 / 3) | blk
        where = cv2.dilate(where.view(np.uint8), _disk(1)) > 0
        top = desc - np.clip(cv2.morphologyEx(desc, cv2.MORPH_OPEN, k), 0, 1)
        line_ink = np.clip((top - ridge / 2) / np.maximum(1.0 - plateau - ridge / 2, 0.05), 0, 1)
        # Where the blurred ridge is strong, the page's own ink is the line's (a line along the
        # axis of an axis-aligned screen loses much of itself in the notch).
        core = (smooth - plateau) > ridge
        line_ink = np.where(blk | core, sub, np.minimum(line_ink, np.maximum(sub, 0)))
        # The area's own outline, where a dark screen drowns its ridge: near the window's edge,
        # ink that runs on straight for more than two periods (dots do not) is kept as line.
        edge = _edge_lines(sub, m, p)
        line_ink = np.where(edge, np.maximum(line_ink, sub), line_ink)
        f = np.where(m, np.where(where | edge, line_ink, 0.0), free[box]).astype(np.float32)
        alt = _up(alt2, box)
        area = _snap(f, m, alt, window)
        f = _erase_specks(f, area, m, p)
        free[box] = f
        mask[box] |= area
        # The tone layer: the plateau, carried from the window's area to the snapped one.
        spread = cv2.dilate(np.where(m, plateau, 0).astype(np.float32), k)
        tone[box] = np.where(area, np.where(m, plateau, spread), tone[box])
    if not periods:
        return _timed(empty, start)
    return _timed(ToneAnalysis(ink=free, tone=tone, mask=mask, black=black, page=page,
                               period=float(np.median(periods))), start)


def _timed(a: ToneAnalysis, start: float) -> ToneAnalysis:
    return dataclasses.replace(a, seconds=time.perf_counter() - start)


def _up(half: np.ndarray, box: tuple[slice, slice]) -> np.ndarray:
    """The part ``box`` (full-resolution slices) of a half-resolution bool or 0/1 map, at full size."""
    ys, xs = box
    h, w = ys.stop - ys.start, xs.stop - xs.start
    part = half[ys.start // 2:(ys.stop + 1) // 2, xs.start // 2:(xs.stop + 1) // 2].view(np.uint8)
    big = np.repeat(np.repeat(part, 2, 0), 2, 1)
    oy, ox = ys.start % 2, xs.start % 2
    return big[oy:oy + h, ox:ox + w] > 0


def _descreen(sub: np.ndarray, m: np.ndarray, contrast: float = 6.0, low: float = 1 / 14,
              min_sharp: float = 8.0) -> tuple[np.ndarray, float, float]:
    """Notch a screen out of a patch in the frequency domain.

    ``sub (h, w) float32`` page patch, ``m (h, w) bool`` the part thought
    screened. The spectrum of the screened part is searched for peaks (bins
    ``contrast`` times above the log-mean of their 9x9 neighbourhood) at
    periods under ``1 / low`` pixels; those bins are zeroed in the spectrum of
    the screened part. Returns the patch descreened where ``m``, the share of
    the band's energy within two bins of the strongest peak and its mirror (a
    screen: much of it; line art: little; 0 when that peak is not at least
    ``min_sharp`` times the mean of the bins around it) and that peak's period
    in pixels.
    """
    h, w = sub.shape
    fh, fw = cv2.getOptimalDFTSize(h), cv2.getOptimalDFTSize(w)
    mean = float(sub[m].mean()) if m.any() else float(sub.mean())
    # One spectrum, of the screened part only (zero elsewhere): searched for peaks and notched.
    probe = cv2.copyMakeBorder(np.where(m, sub - mean, 0).astype(np.float32), 0, fh - h, 0, fw - w,
                               cv2.BORDER_CONSTANT, value=0)
    pspec = cv2.dft(probe, flags=cv2.DFT_COMPLEX_OUTPUT)
    spec = pspec.copy()
    power = pspec[..., 0] ** 2 + pspec[..., 1] ** 2
    logp = np.log(power + 1e-9)
    bg = np.fft.ifftshift(cv2.blur(np.fft.fftshift(logp), (9, 9), borderType=cv2.BORDER_REFLECT))
    fy = np.fft.fftfreq(fh).astype(np.float32)[:, None]
    fx = np.fft.fftfreq(fw).astype(np.float32)[None, :]
    r = np.sqrt(fy * fy + fx * fx)
    band = r > low
    peaks = band & (logp - bg > 2 * np.log(contrast))
    total = float(power[band].sum())
    if not peaks.any() or total <= 0:
        return sub, 0.0, 0.0
    k = int(np.argmax(np.where(peaks, power, 0)))
    period = float(1.0 / r.ravel()[k])
    # Periodic means concentrated: the share of the band's energy within two bins of the
    # strongest peak and its mirror image. Uneven hatching spreads along a line of bins instead.
    ky, kx = divmod(k, fw)
    near = float(power[np.ix_(np.arange(ky - 2, ky + 3) % fh, np.arange(kx - 2, kx + 3) % fw)].sum())
    ring = float(power[np.ix_(np.arange(ky - 6, ky + 7) % fh, np.arange(kx - 6, kx + 7) % fw)].sum()) - near
    # A screen's peak also stands far above the bins around it (a 13x13 ring): uneven hatching's
    # energy comes in broad ridges of the spectrum, not points.
    sharp = near / max(ring / (169 - 25) * 25, 1e-12)
    share = 2 * near / total if sharp >= min_sharp else 0.0
    # Harmonics of every peak (a screen's dots are not sine waves), then a margin for leakage.
    iy, ix = np.nonzero(peaks)
    sy = np.where(iy > fh // 2, iy - fh, iy)
    sx = np.where(ix > fw // 2, ix - fw, ix)
    for mult in (2, 3):
        hy, hx = sy * mult, sx * mult
        ok = (np.abs(hy) < fh // 2) & (np.abs(hx) < fw // 2)
        peaks[hy[ok] % fh, hx[ok] % fw] = True
    notch = cv2.dilate(peaks.view(np.uint8), np.ones((5, 5), np.uint8)) > 0
    notch &= band
    spec[notch] = 0
    out = cv2.dft(spec, flags=cv2.DFT_INVERSE | cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)[:h, :w] + mean
    return np.where(m, out, sub).astype(np.float32), share, period


def _edge_lines(sub: np.ndarray, m: np.ndarray, period: float) -> np.ndarray:
    """Ink within a band around the edge of ``m`` that survives opening by a straight segment
    ``2.5 * period`` long in one of four directions (outlines do, screen dots do not)."""
    r = int(max(8, round(2 * period)))
    band = (cv2.dilate(m.view(np.uint8), _disk(r)) > 0) & ~(cv2.erode(m.view(np.uint8), _disk(r)) > 0)
    ink = ((sub > 0.35) & band).view(np.uint8)
    if not ink.any():
        return np.zeros_like(m)
    kept = np.zeros(sub.shape, np.uint8)
    for k in _segments(int(round(2.5 * period)) | 1):
        kept |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, k)
    return kept > 0


@functools.lru_cache(maxsize=16)
def _segments(n: int) -> tuple[np.ndarray, ...]:
    """Structuring elements: straight one-pixel segments ``n`` long at eight angles."""
    out = []
    c = n // 2
    for a in np.arange(8) * np.pi / 8:
        k = np.zeros((n, n), np.uint8)
        dx, dy = c * np.cos(a), c * np.sin(a)
        cv2.line(k, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1, 1)
        out.append(k)
    return tuple(out)


def _hysteresis(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Pixels above ``low`` 8-connected to a pixel above ``high``."""
    weak = (x > low).view(np.uint8)
    n, lab = cv2.connectedComponents(weak, connectivity=8)
    strong = np.zeros(n, bool)
    strong[np.unique(lab[x > high])] = True
    strong[0] = False
    return strong[lab]


def _coarse_mask(hp: np.ndarray, window: int, density: float, swing: float, min_area: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Half-resolution map of windows whose alternation rate (busier axis) exceeds ``density``,
    cleaned of small bits, and the half-resolution alternation map (uint8 0/1).

    Alternations along rows are counted on every other row and those along
    columns on every other column: the rate over a window is the same and the
    work is halved."""
    h, _ = _alternations(hp[::2], swing)
    _, v = _alternations(hp[:, ::2], swing)
    h2, v2 = h[:, ::2], v[::2]
    hh, ww = min(h2.shape[0], v2.shape[0]), min(h2.shape[1], v2.shape[1])
    h2, v2 = h2[:hh, :ww], v2[:hh, :ww]
    win = max(window // 2, 2)
    # Alternations sit on half the columns (rows) of each kept row (column): twice the rate.
    rate = np.maximum(cv2.boxFilter(h2, cv2.CV_32F, (win, win), borderType=cv2.BORDER_REFLECT),
                      cv2.boxFilter(v2, cv2.CV_32F, (win, win), borderType=cv2.BORDER_REFLECT))
    m = (rate > density).view(np.uint8)
    # An area must hold a disk about a window wide: a pair or trio of parallel lines (a double
    # outline, a tube) is a narrow band of alternations, a screened area is not.
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, _disk(max(window // 4, 1)))
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, _disk(max(window // 6, 1)))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area / 4
    keep[0] = False
    full_h, full_w = (hp.shape[0] + 1) // 2, (hp.shape[1] + 1) // 2
    out = np.zeros((full_h, full_w), bool)
    out[:hh, :ww] = keep[lab]
    alt = np.zeros((full_h, full_w), np.uint8)
    alt[:hh, :ww] = h2 | v2
    return out, alt


def _black_fills(page: np.ndarray) -> np.ndarray:
    """Solid ink areas much wider than a line (survive opening by a disk of radius 4) and large;
    found at half resolution."""
    half = cv2.resize(page, ((page.shape[1] + 1) // 2, (page.shape[0] + 1) // 2), interpolation=cv2.INTER_AREA)
    core = cv2.morphologyEx((half > 0.6).view(np.uint8), cv2.MORPH_OPEN, _disk(2))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(core, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= 100
    keep[0] = False
    grown = cv2.dilate(keep[lab].view(np.uint8), _disk(1))
    solid = _up(grown, (slice(0, page.shape[0]), slice(0, page.shape[1])))
    return solid & (page > 0.5)


def _snap(free: np.ndarray, coarse: np.ndarray, alt: np.ndarray, window: int) -> np.ndarray:
    """Screened area = paper pieces of the tone-free drawing that the coarse mask mostly covers
    and that alternate inside (``alt``: the page's alternation map), not white pieces the
    window's reach merged in. Works on one area's box: pieces cut by its edge are only partial."""
    paper = (free < 0.5).view(np.uint8)
    n, lab = cv2.connectedComponents(paper, connectivity=4)
    flat = lab.ravel()
    total = np.bincount(flat, minlength=n)
    inside = np.bincount(flat[coarse.ravel()], minlength=n)
    busy = np.bincount(flat[alt.ravel()], minlength=n) / np.maximum(total, 1)
    share = inside / np.maximum(total, 1)
    edge = np.zeros(n, bool)
    edge[np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])] = True
    take = (share >= 0.5) & (busy > 0.025) & ~edge
    take[0] = False
    snapped = take[lab]
    # A piece the window covers only in part (the page's background, or an area whose outline has
    # a gap): take the window's own verdict there, pulled in by a quarter window.
    part = ((share > 0.02) & ~take)[lab]
    part[lab == 0] = False
    inner = cv2.erode(coarse.view(np.uint8), _disk(window // 4)) > 0
    near = cv2.boxFilter(alt.view(np.uint8), cv2.CV_32F, (9, 9)) > 0.05  # white shapes inside a tone stay out
    mask = snapped | (part & inner & near)
    # The anti-aliased rim where tone meets a line belongs to the tone, not the line's core.
    rim = (cv2.dilate(mask.view(np.uint8), _disk(1)) > 0) & (free < 0.9)
    return mask | rim


def _erase_specks(free: np.ndarray, mask: np.ndarray, coarse: np.ndarray, period: float) -> np.ndarray:
    """Remove ink specks (remaining dots) that sit inside or touch the screened area."""
    b = (free >= 0.5).view(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(b, connectivity=8)
    small = (stats[:, cv2.CC_STAT_WIDTH] <= 1.5 * period) & (stats[:, cv2.CC_STAT_HEIGHT] <= 1.5 * period)
    small[0] = False
    zone = cv2.dilate((mask | coarse).view(np.uint8), _disk(2)) > 0
    hit = np.zeros(n, bool)
    hit[np.unique(lab[zone & (lab > 0)])] = True
    speck = (small & hit)[lab]
    # Grey halo of a removed dot: clear the low ink around it too.
    speck = cv2.dilate(speck.view(np.uint8), _disk(1)) > 0
    out = free.copy()
    out[speck & zone] = 0.0
    return out


def check_tones(mode: str) -> None:
    """Raise IrodoriError unless ``mode`` is one of :data:`TONE_MODES`."""
    if mode not in TONE_MODES:
        raise IrodoriError(f"unknown tones mode {mode!r}; expected one of {', '.join(TONE_MODES)}")


def apply_tones(image: np.ndarray, analysis: ToneAnalysis, mode: str = "drop", strength: float = 0.5
                ) -> np.ndarray:
    """Put the tone back on a coloured picture.

    Parameters
    ----------
    image : (H, W, 3) uint8, the picture coloured from ``analysis.ink``.
    analysis : what :func:`analyse_tones` found on the page.
    mode : ``drop`` (colour replaces tone: the picture unchanged), ``shade``
        (the smoothed tone as a multiply layer at ``strength``) or ``keep``
        (the screen as printed, multiplied at full strength).
    strength : opacity of the ``shade`` layer in [0, 1].

    Returns
    -------
    (H, W, 3) uint8 picture.
    """
    check_tones(mode)
    layer = tone_layer(analysis, mode, strength)
    if layer is None:
        return image
    keep = 1.0 - layer.astype(np.float32) / 255.0
    return np.clip(np.rint(image.astype(np.float32) * keep[..., None]), 0, 255).astype(np.uint8)


def tone_layer(analysis: ToneAnalysis, mode: str = "shade", strength: float = 0.5) -> np.ndarray | None:
    """The tone as a multiply layer's alpha: ``(H, W) uint8`` (255 = black), None for ``drop``/``off``
    or when no tone was found. ``shade``: the smoothed coverage times ``strength``; ``keep``: the
    screen's own ink (the page minus the tone-free drawing)."""
    if mode in ("drop", "off") or not analysis.found:
        return None
    if mode == "shade":
        v = analysis.tone * float(np.clip(strength, 0.0, 1.0))
    else:
        v = np.where(analysis.mask, np.clip(analysis.page - analysis.ink, 0, 1), 0.0)
    return np.clip(np.rint(v * 255.0), 0, 255).astype(np.uint8)
