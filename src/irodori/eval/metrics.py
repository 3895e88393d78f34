"""Image-quality metrics for colourization: pure functions on numpy arrays.

Every function takes sRGB images as ``(H, W, 3) uint8`` and line art as
``ink (H, W) float32`` in ``[0, 1]`` (1 = ink), and returns plain floats or
arrays. Colour differences are CIEDE2000 in CIE Lab (D65), where about 2.3
is a just noticeable difference.

Bleed, precisely
----------------
A *paper region* is a 4-connected piece of paper (``ink < 0.5``) of the line
art. Its *core* is the part farther than ``margin`` pixels from any ink
pixel, so anti-aliased line edges and the colour halo under them never
count. Regions whose core is smaller than ``min_area`` pixels are ignored.

A region is *uniform* in the ground truth when at least ``uniform_share`` of
its core lies within CIEDE2000 ``uniform_de`` of the ground truth's dominant
colour there (without ground truth every region counts). The *dominant*
colour of a set of pixels is the mean Lab colour of its most populated cell
when sRGB is quantized to 16 levels per channel.

A uniform region *bleeds* when more than ``bleed_share`` of its core lies
farther than CIEDE2000 ``bleed_de`` from the output's dominant colour in that
region: the output holds more than one colour cluster where the truth holds
one. The bleed rate of an image is the share of its uniform regions that bleed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from ..color import ciede2000, rgb_to_lab
from ..errors import IrodoriError
from ..hints import Hints

PSNR_CAP = 100.0
"""PSNR of identical images (dB): finite so that averages stay meaningful."""

INK_PAPER = 0.5
"""Ink below this is paper."""


def _check_rgb(image: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise IrodoriError(f"{what} must be an (H, W, 3) uint8 image, got {arr.shape} {arr.dtype}")
    return arr


def _check_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = _check_rgb(a, "output"), _check_rgb(b, "ground truth")
    if a.shape != b.shape:
        raise IrodoriError(f"output and ground truth differ in size: {a.shape[:2]} vs {b.shape[:2]}")
    return a, b


def psnr(output: np.ndarray, truth: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two ``(H, W, 3) uint8`` images.

    Identical images give :data:`PSNR_CAP` (100 dB) instead of infinity.
    """
    a, b = _check_pair(output, truth)
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    if mse == 0.0:
        return PSNR_CAP
    return float(min(PSNR_CAP, 10.0 * np.log10(255.0 ** 2 / mse)))


def ssim(output: np.ndarray, truth: np.ndarray) -> float:
    """Structural similarity (scikit-image, 7x7 window, per channel) of two ``(H, W, 3) uint8`` images.

    Returns a float in ``[-1, 1]``; 1 for identical images. Both sides must be at least 7 px.
    """
    a, b = _check_pair(output, truth)
    if min(a.shape[:2]) < 7:
        raise IrodoriError(f"SSIM needs images of at least 7x7 pixels, got {a.shape[1]}x{a.shape[0]}")
    return float(structural_similarity(a, b, channel_axis=2, data_range=255))


def delta_e_map(output: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per-pixel CIEDE2000 between two ``(H, W, 3) uint8`` images; ``(H, W) float32`` >= 0."""
    a, b = _check_pair(output, truth)
    return ciede2000(rgb_to_lab(a), rgb_to_lab(b))


def color_accuracy(output: np.ndarray, truth: np.ndarray, threshold: float = 5.0) -> tuple[float, float]:
    """Mean CIEDE2000 and the share of pixels with CIEDE2000 below ``threshold``.

    Returns ``(mean_de, share)`` with ``share`` in ``[0, 1]``.
    """
    de = delta_e_map(output, truth)
    return float(de.mean()), float((de < threshold).mean())


def paper_regions(ink: np.ndarray, margin: float = 1.5, min_area: int = 16) -> np.ndarray:
    """Cores of the connected paper regions of a line drawing.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink.
    margin : pixels within this distance of ink (``ink >= 0.5``) are left out.
    min_area : regions whose core has fewer pixels are left out.

    Returns
    -------
    (H, W) int32: region id ``0..R-1`` on each core pixel, -1 elsewhere.
    """
    ink = np.asarray(ink)
    if ink.ndim != 2:
        raise IrodoriError(f"ink must be an (H, W) array, got shape {ink.shape}")
    paper = (ink < INK_PAPER).astype(np.uint8)
    n, labels = cv2.connectedComponents(paper, connectivity=4)
    # Distance of each paper pixel to the nearest ink pixel; the image border is not ink.
    padded = np.pad(paper, 1, constant_values=1)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    core = (paper > 0) & (dist > margin)
    ids = np.where(core, labels - 1, -1)
    if n <= 1:
        return np.full(ink.shape, -1, np.int32)
    area = np.bincount(ids[core], minlength=n - 1)
    keep = area >= min_area
    remap = np.full(n - 1, -1, np.int64)
    remap[keep] = np.arange(int(keep.sum()))
    out = np.full(ink.shape, -1, np.int32)
    out[core] = remap[ids[core]]
    return out


def dominant_colors(image: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Dominant colour of every region: ``(R, 3) float32`` Lab.

    ``image (H, W, 3) uint8``, ``regions (H, W) int32`` ids ``0..R-1`` (-1 =
    ignored). The dominant colour is the mean Lab of the region's most
    populated cell of sRGB quantized to 16 levels per channel.
    """
    image = _check_rgb(image, "image")
    sel = regions >= 0
    n = int(regions.max()) + 1 if sel.any() else 0
    if n == 0:
        return np.zeros((0, 3), np.float32)
    rid = regions[sel].astype(np.int64)
    q = (image[sel] >> 4).astype(np.int64)
    cell = (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]
    key = rid * 4096 + cell
    uniq, counts = np.unique(key, return_counts=True)
    # For each region pick the cell with the most pixels (ties: lowest cell, as np.unique sorts).
    u_rid = uniq // 4096
    order = np.lexsort((-counts, u_rid))
    first = np.ones(len(order), bool)
    first[1:] = u_rid[order][1:] != u_rid[order][:-1]
    best_cell = np.full(n, -1, np.int64)
    best_cell[u_rid[order][first]] = (uniq % 4096)[order][first]
    lab = rgb_to_lab(image[sel]).astype(np.float64)
    in_best = cell == best_cell[rid]
    sums = np.zeros((n, 3))
    for c in range(3):
        sums[:, c] = np.bincount(rid[in_best], weights=lab[in_best, c], minlength=n)
    cnt = np.bincount(rid[in_best], minlength=n).astype(np.float64)
    return (sums / np.maximum(cnt, 1)[:, None]).astype(np.float32)


def off_dominant_share(image: np.ndarray, regions: np.ndarray, threshold: float) -> np.ndarray:
    """Per region, the share of its pixels farther than ``threshold`` CIEDE2000 from its dominant colour.

    ``image (H, W, 3) uint8``, ``regions (H, W) int32`` (-1 = ignored).
    Returns ``(R,) float64`` in ``[0, 1]``.
    """
    dom = dominant_colors(image, regions)
    n = dom.shape[0]
    if n == 0:
        return np.zeros(0)
    sel = regions >= 0
    rid = regions[sel].astype(np.int64)
    de = ciede2000(rgb_to_lab(image[sel]), dom[rid])
    far = np.bincount(rid, weights=(de > threshold).astype(np.float64), minlength=n)
    area = np.bincount(rid, minlength=n).astype(np.float64)
    return far / np.maximum(area, 1)


@dataclass(frozen=True)
class BleedStats:
    """Bleed of one image: ``rate = bleeding / regions`` (NaN when there are no regions)."""

    regions: int
    bleeding: int

    @property
    def rate(self) -> float:
        return self.bleeding / self.regions if self.regions else float("nan")


def bleed(output: np.ndarray, ink: np.ndarray, truth: np.ndarray | None = None, *,
          margin: float = 1.5, min_area: int = 16, bleed_de: float = 10.0, bleed_share: float = 0.1,
          uniform_de: float = 5.0, uniform_share: float = 0.95) -> BleedStats:
    """How many uniform regions of the truth hold more than one colour in the output.

    Parameters
    ----------
    output : (H, W, 3) uint8, the colourized picture.
    ink : (H, W) float32 in [0, 1], the line art (1 = ink).
    truth : (H, W, 3) uint8 ground truth, or None: then every paper region
        of the line art counts as uniform.
    margin, min_area : see :func:`paper_regions`.
    bleed_de, bleed_share : a region bleeds when more than ``bleed_share`` of
        its core lies farther than CIEDE2000 ``bleed_de`` from the output's
        dominant colour there.
    uniform_de, uniform_share : a region is uniform in the truth when at
        least ``uniform_share`` of its core lies within ``uniform_de`` of the
        truth's dominant colour.

    Returns
    -------
    BleedStats with the number of uniform regions and of those that bleed.
    See the module docstring for the definition.
    """
    output = _check_rgb(output, "output")
    if output.shape[:2] != np.shape(ink):
        raise IrodoriError(f"output and line art differ in size: {output.shape[:2]} vs {np.shape(ink)}")
    regions = paper_regions(ink, margin=margin, min_area=min_area)
    n = int(regions.max()) + 1
    if n <= 0:
        return BleedStats(0, 0)
    uniform = np.ones(n, bool)
    if truth is not None:
        _check_pair(output, truth)
        uniform = off_dominant_share(truth, regions, uniform_de) <= 1.0 - uniform_share
    share = off_dominant_share(output, regions, bleed_de)
    return BleedStats(int(uniform.sum()), int((uniform & (share > bleed_share)).sum()))


def hint_adherence(output: np.ndarray, hints: Hints, ink: np.ndarray | None = None) -> np.ndarray:
    """CIEDE2000 between each coloured hint and the output under it.

    Parameters
    ----------
    output : (H, W, 3) uint8.
    hints : the hints given to the method; transparent hints are skipped.
    ink : (H, W) float32 line art or None; where given, pixels under ink
        (``ink >= 0.5``, darkened by the line layer) are left out of a hint's
        footprint unless the hint lies entirely on ink.

    Returns
    -------
    (K,) float32: per coloured hint, the mean CIEDE2000 over its footprint.
    """
    output = _check_rgb(output, "output")
    shape = output.shape[:2]
    coloured = [h for h in hints if h.color is not None]
    if not coloured:
        return np.zeros(0, np.float32)
    lab = rgb_to_lab(output)
    paper = None if ink is None else np.asarray(ink) < INK_PAPER
    out = np.empty(len(coloured), np.float32)
    for i, h in enumerate(coloured):
        mask = Hints((h,)).label_map(shape)[0] > 0
        if paper is not None and (mask & paper).any():
            mask &= paper
        target = rgb_to_lab(np.array(h.color, np.uint8))
        out[i] = float(ciede2000(lab[mask], np.broadcast_to(target, (int(mask.sum()), 3))).mean())
    return out
