"""The reference's colours, quantized into classes (k-means in Lab).

Charpiat et al. turn colour prediction into classification: the reference's
colours are clustered into K classes and each pixel of the new drawing gets
a probability for each class. Flat-coloured artwork has few colours, so K is
chosen from the image (how many coarse colour bins hold a visible share of
the paper), capped by ``max_colors``. Each class is painted with the
reference's own most common colour in it, so flat references come back
exactly rather than as a cluster mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from ..color import pack_rgb, rgb_to_lab, unpack_rgb
from ..errors import IrodoriError

PAPER = 0.3  # ink below this is paper whose colour we trust
CLEAN = 0.05  # ink below this: no anti-aliasing from lines in the colour
MIN_PAPER_SHARE = 0.05


@dataclass(frozen=True)
class Palette:
    """Colour classes: ``colors (K, 3) uint8`` (the reference's colour per class) and ``lab (K, 3) float32`` centres."""

    colors: np.ndarray
    lab: np.ndarray

    def __len__(self) -> int:
        return int(self.colors.shape[0])


def quantize(colors: np.ndarray, ink: np.ndarray, max_colors: int = 16, min_share: float = 0.002,
             seed: int = 0, max_samples: int = 40_000) -> tuple[Palette, np.ndarray]:
    """Cluster a reference's paper colours into classes.

    Parameters
    ----------
    colors : (H, W, 3) uint8 the coloured reference.
    ink : (H, W) float32 in [0, 1] its line art.
    max_colors : the largest number of classes K.
    min_share : a coarse colour bin counts as a colour when it holds at
        least this share of the paper.
    seed : seed for sampling and k-means.

    Returns
    -------
    palette : Palette with K >= 2 classes.
    classes : (H, W) int32 class of every paper pixel (``ink < 0.3``), -1 under lines.

    Raises IrodoriError when the reference has almost no paper (under 5% of
    the image) or a single colour.
    """
    paper = ink < PAPER
    share = float(paper.mean())
    if share < MIN_PAPER_SHARE:
        raise IrodoriError(f"the reference is almost all ink ({100 * (1 - share):.0f}% of it is lines); "
                           "expected a coloured page with its line art")
    pix = colors[paper]
    coarse = (pix.astype(np.int32) >> 4)
    keys = (coarse[:, 0] << 8) | (coarse[:, 1] << 4) | coarse[:, 2]
    counts = np.bincount(keys, minlength=4096)
    k = int((counts >= max(1, min_share * len(keys))).sum())
    if k < 2:
        raise IrodoriError("the reference has a single colour; it needs at least two colours to learn from")
    k = min(k, max_colors)
    rng = np.random.default_rng(seed)
    sample = pix if len(pix) <= max_samples else pix[rng.choice(len(pix), max_samples, replace=False)]
    lab_sample = rgb_to_lab(sample)
    km = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(lab_sample)
    centres = km.cluster_centers_.astype(np.float32)
    cls = km.predict(rgb_to_lab(pix)).astype(np.int32)
    # Drop empty classes (k-means on a sample may leave one unused on the full image).
    used = np.flatnonzero(np.bincount(cls, minlength=k) > 0)
    if len(used) < 2:
        raise IrodoriError("the reference has a single colour; it needs at least two colours to learn from")
    remap = np.full(k, -1, np.int32)
    remap[used] = np.arange(len(used))
    cls = remap[cls]
    centres = centres[used]
    clean = ink[paper] < CLEAN
    reps = np.zeros((len(used), 3), np.uint8)
    packed = pack_rgb(pix)
    for c in range(len(used)):
        sel = cls == c
        pick = sel & clean if (sel & clean).any() else sel
        values, n = np.unique(packed[pick], return_counts=True)
        reps[c] = unpack_rgb(values[n.argmax()])
    classes = np.full(ink.shape, -1, np.int32)
    classes[paper] = cls
    return Palette(colors=reps, lab=centres), classes
