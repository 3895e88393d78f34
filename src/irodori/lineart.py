"""Line extraction: synthetic line art from a colour picture.

Used to make training pairs from any colour illustration (the ``folder``
dataset source) and as the fallback when a reference picture comes without
its line art (``irodori lines``). Several extractors are offered so a model
does not learn one extractor's quirks:

``xdog``
    eXtended Difference of Gaussians (Winnemöller et al. 2012), with the
    settings of Ci et al. 2018 (AlacGAN): ``gamma=0.95, k=4.5, eps=-0.1,
    phi=1e9`` and, when an ``rng`` is given, a random ``sigma`` from
    ``{0.3, 0.4, 0.5}`` per image.
``gradient``
    Adaptive threshold of the colour gradient of a smoothed picture: edges
    between flat colours, which is what a colourist's line art follows.
``morph``
    Morphological: grey dilation minus the picture (the "dilate and
    subtract" trick of anime line-art extraction), soft-thresholded.

All return ``ink (H, W) float32`` in ``[0, 1]``, 1 = ink.

References
----------
H. Winnemöller, J. E. Kyprianidis, S. C. Olsen. XDoG: An eXtended
difference-of-Gaussians compendium including advanced image stylization.
Computers & Graphics 36(6), 2012.
Y. Ci, X. Ma, Z. Wang, H. Li, Z. Luo. User-guided deep anime line art
colorization with conditional adversarial networks. ACM MM 2018.
"""

from __future__ import annotations

from typing import Any, Callable

import cv2
import numpy as np

from .errors import IrodoriError

METHODS = ("xdog", "gradient", "morph")


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    arr = np.asarray(rgb)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise IrodoriError(f"expected an (H, W, 3) uint8 colour image, got shape {arr.shape} dtype {arr.dtype}")
    if arr.shape[0] < 3 or arr.shape[1] < 3:
        raise IrodoriError(f"image too small for line extraction: {arr.shape[1]}x{arr.shape[0]}")
    return arr


def _gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0


def xdog(rgb: np.ndarray, sigma: float = 0.4, k: float = 4.5, gamma: float = 0.95, eps: float = -0.1,
         phi: float = 1e9) -> np.ndarray:
    """XDoG line art of ``rgb (H, W, 3) uint8``; returns ``ink (H, W) float32`` in ``[0, 1]``.

    ``D = G_sigma(I) - gamma * G_{k sigma}(I)`` on the grey picture in ``[0, 1]``;
    paper where ``D >= eps``, else ``1 + tanh(phi (D - eps))`` (a soft step).
    """
    if sigma <= 0 or k <= 0 or phi <= 0:
        raise IrodoriError(f"xdog needs sigma, k, phi > 0, got sigma={sigma}, k={k}, phi={phi}")
    gray = _gray(rgb)
    g1 = cv2.GaussianBlur(gray, (0, 0), sigma)
    g2 = cv2.GaussianBlur(gray, (0, 0), sigma * k)
    d = g1 - gamma * g2
    paper = np.where(d >= eps, 1.0, 1.0 + np.tanh(np.clip(phi * (d - eps), -50, 0)))
    return np.clip(1.0 - paper, 0, 1).astype(np.float32)


def gradient(rgb: np.ndarray, sigma: float = 0.8, block: int = 15, offset: float = 0.04,
             softness: float = 0.05) -> np.ndarray:
    """Adaptive threshold of the smoothed colour gradient; returns ``ink (H, W) float32``.

    The gradient magnitude is the largest Sobel magnitude over R, G, B after a
    Gaussian blur of ``sigma``. A pixel is ink where it exceeds its local mean
    over a ``block`` window by ``offset`` (gradients in ``[0, 1]`` units),
    with a soft ramp of width ``softness``.
    """
    if sigma <= 0 or block < 3 or softness <= 0:
        raise IrodoriError(f"gradient needs sigma > 0, block >= 3, softness > 0, got {sigma}, {block}, {softness}")
    img = cv2.GaussianBlur(rgb.astype(np.float32) / 255.0, (0, 0), sigma)
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3) / 4.0
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3) / 4.0
    mag = np.sqrt(gx * gx + gy * gy).max(axis=2)
    local = cv2.blur(mag, (block | 1, block | 1))
    ink = (mag - local - offset) / softness
    return np.clip(ink, 0, 1).astype(np.float32)


def morph(rgb: np.ndarray, radius: int = 1, gain: float = 4.0, floor: float = 0.05) -> np.ndarray:
    """Grey dilation minus the picture, soft-thresholded; returns ``ink (H, W) float32``.

    ``ink = clip((dilate_r(I) - I - floor) * gain)``: dark lines and the dark
    side of colour edges light up, flat areas stay paper.
    """
    if radius < 1 or gain <= 0:
        raise IrodoriError(f"morph needs radius >= 1 and gain > 0, got {radius}, {gain}")
    gray = _gray(rgb)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    diff = cv2.dilate(gray, kernel) - gray
    return np.clip((diff - floor) * gain, 0, 1).astype(np.float32)


_EXTRACTORS: dict[str, Callable[..., np.ndarray]] = {"xdog": xdog, "gradient": gradient, "morph": morph}


def _random_params(method: str, rng: np.random.Generator) -> dict[str, Any]:
    if method == "xdog":
        return {"sigma": float(rng.choice([0.3, 0.4, 0.5]))}
    if method == "gradient":
        return {"sigma": float(rng.uniform(0.6, 1.2)), "offset": float(rng.uniform(0.03, 0.06))}
    return {"gain": float(rng.uniform(3.0, 6.0))}


def extract_lines(rgb: np.ndarray, method: str = "xdog", rng: np.random.Generator | None = None,
                  **params: Any) -> np.ndarray:
    """Line art of a colour picture.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 sRGB picture.
    method : ``xdog`` | ``gradient`` | ``morph`` (see the module docstring).
    rng : when given, parameters not set in ``params`` are drawn at random
        (per image, as in Ci et al. 2018); when None the method defaults apply.
    **params : the method's keyword parameters.

    Returns
    -------
    ink : (H, W) float32 in [0, 1], 1 = ink.
    """
    rgb = _check_rgb(rgb)
    if method not in _EXTRACTORS:
        raise IrodoriError(f"unknown line method {method!r}: expected one of {', '.join(METHODS)}")
    if rng is not None:
        params = {**_random_params(method, rng), **params}
    try:
        return _EXTRACTORS[method](rgb, **params)
    except TypeError as e:
        raise IrodoriError(f"bad parameter for line method {method!r}: {e}") from None


def change_thickness(ink: np.ndarray, delta: float) -> np.ndarray:
    """Thicken (``delta > 0``) or thin (``delta < 0``) lines by about ``|delta|`` pixels.

    Grey dilation/erosion with a round kernel; a fractional ``delta`` blends
    between the two nearest whole radii. ``ink (H, W) float32`` in, same out.
    """
    ink = np.asarray(ink, np.float32)
    if delta == 0:
        return ink.copy()
    op = cv2.dilate if delta > 0 else cv2.erode
    amount = abs(float(delta))
    lo = int(np.floor(amount))
    frac = amount - lo

    def apply(r: int) -> np.ndarray:
        if r == 0:
            return ink
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        return op(ink, kernel)

    base = apply(lo)
    out = base if frac == 0 else (1 - frac) * base + frac * apply(lo + 1)
    return np.clip(out, 0, 1).astype(np.float32)


def jitter(ink: np.ndarray, amount: float, rng: np.random.Generator, scale: float = 24.0) -> np.ndarray:
    """Displace lines by a smooth random field of at most about ``amount`` pixels.

    Imitates the small wobble of a hand-traced line. ``scale`` is the
    field's correlation length in pixels. ``ink (H, W) float32`` in, same out.
    """
    ink = np.asarray(ink, np.float32)
    if amount <= 0:
        return ink.copy()
    h, w = ink.shape
    gh, gw = max(2, int(np.ceil(h / scale)) + 1), max(2, int(np.ceil(w / scale)) + 1)
    field = rng.uniform(-amount, amount, size=(2, gh, gw)).astype(np.float32)
    dx = cv2.resize(field[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(field[1], (w, h), interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    out = cv2.remap(ink, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return np.clip(out, 0, 1).astype(np.float32)


# ---------------------------------------------------------------- scans

_SCAN_PAPER = 0.02   # paper greyer than this (ink units) marks a scan
_SCAN_TILES = 16     # the paper level is estimated on a grid of about this many tiles a side


def is_scan(ink: np.ndarray) -> bool:
    """Whether line art looks like a grey scan or photo rather than clean digital ink.

    Clean line art has white paper (ink exactly or nearly 0 on most of the
    page); a scan's paper is grey or noisy. Reads a subsample, so it costs
    well under a millisecond per megapixel. ``ink (H, W) float32``.
    """
    ink = np.asarray(ink, np.float32)
    step = max(1, int(np.sqrt(ink.size / 65536)))
    sample = ink[::step, ::step]
    return bool(np.percentile(sample, 40) > _SCAN_PAPER)


def clean_scan(ink: np.ndarray) -> np.ndarray:
    """Turn a grey scan into clean line art: white paper, full-strength lines, no grain.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink (a scan read as line art: grey
        paper reads as light ink).

    Returns
    -------
    (H, W) float32 in [0, 1]: ``(ink - paper - floor) / (line - paper - floor)``
    clipped, where ``paper`` is the local paper level (a smooth surface fitted
    to the lightest third of each tile, so uneven lighting goes; tiles that
    are mostly ink, such as solid black hair, take their neighbours' level),
    ``floor`` three robust standard deviations of the paper's grain, and
    ``line`` the 90th percentile of the lines' ink. Light marks (hatching,
    pencil shading) keep their relative weight below the lines.
    """
    ink = np.asarray(ink, np.float32)
    if ink.ndim != 2 or ink.size == 0:
        raise IrodoriError(f"ink must be a non-empty (H, W) array, got shape {ink.shape}")
    h, w = ink.shape
    th, tw = max(1, -(-h // _SCAN_TILES)), max(1, -(-w // _SCAN_TILES))
    gh, gw = -(-h // th), -(-w // tw)
    padded = np.pad(ink, ((0, gh * th - h), (0, gw * tw - w)), mode="edge")
    tiles = padded.reshape(gh, th, gw, tw).transpose(0, 2, 1, 3).reshape(gh, gw, -1)
    level = np.percentile(tiles, 30, axis=2).astype(np.float32)
    overall = float(np.median(level))
    spread = float(np.median(np.abs(level - overall))) * 1.4826 + 0.01
    bad = level > overall + 3 * spread  # a tile mostly under ink: take the page's level
    level[bad] = overall
    paper = cv2.resize(cv2.GaussianBlur(level, (0, 0), 0.8), (w, h), interpolation=cv2.INTER_LINEAR)
    flat = ink - paper
    quiet = flat[np.abs(flat) < 0.1]
    noise = float(np.median(np.abs(quiet))) * 1.4826 if quiet.size else 0.0
    floor = max(0.02, 3.0 * noise)
    strong = flat[flat > floor + 0.15]
    line = float(np.percentile(strong, 90)) if strong.size > 16 else 1.0
    line = max(line, floor + 0.2)
    out = (flat - floor) / (line - floor)
    return np.clip(out, 0.0, 1.0).astype(np.float32)
