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
    # Classify each distinct colour once (a page has far fewer colours than pixels).
    values, inverse = np.unique(pack_rgb(pix), return_inverse=True)
    cls = km.predict(rgb_to_lab(unpack_rgb(values).reshape(-1, 3))).astype(np.int32)[inverse.ravel()]
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


def merge_shades(palette: Palette, classes: np.ndarray, areas: np.ndarray | None = None,
                 max_tint: float = 1.5, darkest: float = 0.45,
                 min_contact: float = 0.03) -> tuple[Palette, np.ndarray, np.ndarray]:
    """Map the light and shadow tones of a shaded reference to their base colour.

    A shaded reference holds, inside one area bounded by lines, a base colour
    and lighter and darker tones of it separated by colour edges with no line.
    Class ``b`` is a tone of class ``a`` when ``a`` covers more of the
    reference, ``a`` is the class ``b`` touches most along edges with no line
    between them (neighbouring paper pixels; at least ``min_contact`` times
    ``b``'s pixel count of them), and ``b`` is ``a`` multiplied by
    a near-grey tint (darker in every channel, by at most ``1 / darkest``, the
    channel ratios within a factor ``max_tint`` of each other: a cel shadow)
    or screened towards white by one (lighter in every channel: a highlight).
    Colours separated by lines (a shirt and the skin) never touch, so they
    are never merged; nor is anything merged into the colour holding most of
    the picture's border (the page around the character is not shaded).

    Parameters
    ----------
    palette : the classes of :func:`quantize`.
    classes : (H, W) int32 class per pixel, -1 under lines.
    areas : unused (kept for callers that pass the region labels).

    Returns
    -------
    (palette of base colours, classes (H, W) int32 remapped, base (K,) int64:
    the new class of each old class).
    """
    k = len(palette)
    sel = classes >= 0
    total = np.bincount(classes[sel], minlength=k)
    contact = np.zeros((k, k), np.int64)
    for a, b in ((classes[:, :-1], classes[:, 1:]), (classes[:-1, :], classes[1:, :])):
        m = (a >= 0) & (b >= 0) & (a != b)
        pairs = np.bincount(a[m].astype(np.int64) * k + b[m], minlength=k * k).reshape(k, k)
        contact += pairs + pairs.T
    # The page around the character is not shaded: the class holding most of the picture's border is
    # never a base (a colour edge with no line between hair and page is a drawing style, not light).
    rim = np.concatenate([classes[0], classes[-1], classes[:, 0], classes[:, -1]])
    rim = rim[rim >= 0]
    page = int(np.bincount(rim, minlength=k).argmax()) if len(rim) else -1
    rgb = palette.colors.astype(np.float64) + 8.0
    parent = np.arange(k)
    for b in np.argsort(total):
        if total[b] == 0 or contact[b].max() == 0:
            continue
        a = int(contact[b].argmax())
        if a == page:
            continue
        # A tone shares a long edge with its base (a shadow's whole inner rim); two colours that touch
        # through a speck of anti-aliasing or a corner do not.
        if total[a] <= total[b] or contact[b, a] < min_contact * total[b]:
            continue
        ratio = rgb[b] / rgb[a]  # multiplied by a tint (shadow): darker in every channel
        screen = (271.0 - rgb[b]) / (271.0 - rgb[a])  # screened towards white (highlight): lighter in every one
        shadow = darkest <= ratio.min() and ratio.max() <= 1.05 and ratio.max() / ratio.min() <= max_tint
        light = darkest <= screen.min() and screen.max() <= 1.05 and screen.max() / screen.min() <= max_tint
        if shadow or light:
            parent[b] = a
    for _ in range(k):  # follow chains of tones to their base
        parent = parent[parent]
    roots = np.unique(parent)
    if len(roots) < 2:
        return palette, classes, np.arange(k)
    new_id = np.full(k, -1, np.int64)
    new_id[roots] = np.arange(len(roots))
    base = new_id[parent]
    out = np.where(sel, base[np.maximum(classes, 0)], -1).astype(np.int32)
    return Palette(colors=palette.colors[roots], lab=palette.lab[roots]), out, base
