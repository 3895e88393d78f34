"""Method ``svm``: colour a new drawing from a coloured page of the same character.

After Charpiat et al. (2009): describe every pixel of the line art by local
descriptors at several scales (here DAISY on the ink, distance to lines,
position in the drawing's frame, and descriptors of the paper region the
pixel lies in), reduce the texture part by PCA, quantize the reference's
colours into K classes (k-means in Lab) and learn one SVM per class with
probability estimates on pixels sampled from the reference. On the new
drawing the class probabilities become the data term ``-log p`` of a Potts
energy on the fill engine's region graph (region unary = sum of its pixels'
unaries; edge cost = the graph's line-aware weights, cheap along lines),
minimized by alpha-expansion graph cuts. Each region is painted with its
class's colour as it appears in the reference; hinted regions are fixed to
the hint's colour.

The RBF SVMs use a Nystroem kernel map and linear SVMs (one per class,
one-vs-rest) with sigmoid-calibrated probabilities: close to an exact RBF
SVC (``benchmarks/bench_svm.py`` compares them) at a fraction of the cost.
The reference is mirrored left-right and both copies are learned from, so a
character drawn facing the other way is still recognised.

Sizes: the reference and the new drawing may differ in size, margins and
scale. Every descriptor is measured in the drawing's own frame (the bounding
box of its lines), and texture is computed after resizing each drawing so
that this box has the same side (``work_size`` pixels).

References
----------
G. Charpiat, I. Bezrukov, M. Hofmann, Y. Altun, B. Schölkopf. "Machine
Learning Methods for Automatic Image Colorization". In Computational
Photography: Methods and Applications, CRC Press, 2010.
Y. Boykov, O. Veksler, R. Zabih. "Fast Approximate Energy Minimization via
Graph Cuts". IEEE TPAMI 23(11), 2001.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from scipy.special import expit
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.kernel_approximation import Nystroem
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC, LinearSVC

from ..background import keep_paper
from ..errors import IrodoriError
from ..hints import Hints
from ..reference.features import DrawingFeatures, describe, work_to_full
from ..reference.palette import PAPER, Palette, merge_shades, quantize
from ..reference.prepare import check_reference, region_graph
from . import register
from .base import Capabilities, Reference, Result, make_result, option

_MIN_CLASS_SAMPLES = 6
_P_FLOOR = 1e-3
_STRIDE = 2  # unaries from every other working pixel in each direction
_PCA_SAMPLES = 4000
_MIN_PART_SAMPLES = 30


@dataclass(frozen=True)
class SVMOptions:
    """Options of the ``svm`` method."""

    samples: int = field(default=6000, metadata={"help": "reference pixels sampled for training (per mirror copy)"})
    pca: int = field(default=24, metadata={"help": "PCA components kept of the DAISY texture descriptors"})
    components: int = field(default=250, metadata={"help": "Nystroem components approximating the RBF kernel"})
    gamma: float = field(default=1.0, metadata={"help": "RBF kernel gamma on the weighted, standardized descriptors"})
    C: float = field(default=1.0, metadata={"help": "SVM regularization (larger = fit the reference harder)"})
    texture_weight: float = field(default=0.6, metadata={"help": "weight of the texture (DAISY) descriptors"})
    region_weight: float = field(default=1.0, metadata={"help": "weight of the region descriptors"})
    smoothness: float = option(1.0, "Smoothness", "How strongly neighbouring pixels keep one colour "
                               "(graph-cut smoothness; 0 = each pixel on its own).", min=0)
    max_colors: int = option(16, "Most colours", "The most colours taken from the coloured page.", min=1)
    mirror: bool = field(default=True, metadata={"help": "also learn from the left-right mirrored reference"})
    work_size: int = field(default=160, metadata={"help": "side of the drawing's frame for descriptors, pixels"})
    base_colors: bool = option(True, "Base colours only", "Light and shadow tones of a shaded page become "
                               "their base colour.")
    seed: int = field(default=0, metadata={"help": "random seed (sampling, k-means, kernel map)"})

    def validate(self) -> None:
        for name in ("samples", "pca", "components", "max_colors", "work_size"):
            if getattr(self, name) < 1:
                raise IrodoriError(f"option {name!r} must be >= 1, got {getattr(self, name)}")
        if self.max_colors < 2:
            raise IrodoriError(f"option 'max_colors' must be >= 2, got {self.max_colors}")
        if self.work_size < 32:
            raise IrodoriError(f"option 'work_size' must be >= 32, got {self.work_size}")
        for name in ("gamma", "C"):
            if not getattr(self, name) > 0:
                raise IrodoriError(f"option {name!r} must be > 0, got {getattr(self, name)}")
        for name in ("texture_weight", "region_weight", "smoothness"):
            if not getattr(self, name) >= 0:
                raise IrodoriError(f"option {name!r} must be >= 0, got {getattr(self, name)}")


@dataclass
class ReferenceModel:
    """What ``svm`` learned from a reference: descriptor maps, the classifier and the palette."""

    palette: Palette
    pca: PCA
    scaler: StandardScaler
    weights: np.ndarray
    kernel: Any
    classifier: Any
    classes: np.ndarray
    options: SVMOptions
    seconds: float = 0.0

    def features(self, texture: np.ndarray, other: np.ndarray) -> np.ndarray:
        """Raw descriptors ``texture (N, Dt)``, ``other (N, Do)`` -> kernel features ``(N, components)``."""
        z = np.concatenate([self.pca.transform(texture), other], axis=1)
        z = self.scaler.transform(z) * self.weights
        return self.kernel.transform(z)

    def predict_proba(self, texture: np.ndarray, other: np.ndarray) -> np.ndarray:
        """Class probabilities ``(N, K)`` (K = palette size; unseen classes get 0)."""
        p = self.classifier.predict_proba(self.features(texture, other))
        out = np.zeros((len(p), len(self.palette)), np.float64)
        out[:, self.classes] = p
        return out


def _training_pixels(feats: DrawingFeatures, classes_full: np.ndarray, n: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Sample working pixels of the reference: ``(index (N,), class (N,))``.

    Every (closed area, colour class) part of the drawing gets the same
    quota (or all its pixels when smaller), so an eye white or a tooth
    weighs as much as the background in training.
    """
    ys, xs = work_to_full(classes_full.shape, feats.ink_work.shape)
    cls = classes_full[np.ix_(ys, xs)].ravel()
    cls = np.where(feats.ink_work.ravel() < PAPER, cls, -1)
    valid = np.flatnonzero(cls >= 0)
    part = feats.area_of[feats.work_labels.ravel()[valid]].astype(np.int64) * (cls.max() + 1) + cls[valid]
    parts, inverse = np.unique(part, return_inverse=True)
    quota = max(_MIN_PART_SAMPLES, int(np.ceil(n / max(len(parts), 1))))
    order = rng.permutation(len(valid))
    # Rank of each pixel within its part, in a random order: keep the first `quota`.
    inv = inverse[order]
    sort = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[sort], np.arange(len(parts)))
    rank = np.empty(len(valid), np.int64)
    rank[sort] = np.arange(len(valid)) - starts[inv[sort]]
    keep = np.sort(order[rank < quota])
    idx = valid[keep]
    return idx, cls[idx].astype(np.int64)


def _platt(f: np.ndarray, target: np.ndarray, iters: int = 50) -> tuple[float, float]:
    """Platt's sigmoid ``p = 1 / (1 + exp(a f + b))`` fitted to decisions ``f (N,)`` and labels ``target (N,) bool``.

    Newton's method with backtracking on the regularized targets of Platt
    (1999), as written by Lin, Lin and Weng (2007).
    """
    n_pos = float(target.sum())
    n_neg = float(len(target) - n_pos)
    t = np.where(target, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    a, b = 0.0, float(np.log((n_neg + 1) / (n_pos + 1)))

    def loss(a: float, b: float) -> float:
        z = a * f + b
        return float(np.sum(t * np.logaddexp(0, z) + (1 - t) * np.logaddexp(0, -z)))

    cur = loss(a, b)
    for _ in range(iters):
        z = a * f + b
        p = expit(-z)
        q = p * (1 - p)
        h11, h22, h21 = float(np.sum(f * f * q)) + 1e-12, float(np.sum(q)) + 1e-12, float(np.sum(f * q))
        g1, g2 = float(np.sum(f * (t - p))), float(np.sum(t - p))
        if abs(g1) < 1e-5 and abs(g2) < 1e-5:
            break
        det = h11 * h22 - h21 * h21
        da, db = -(h22 * g1 - h21 * g2) / det, -(-h21 * g1 + h11 * g2) / det
        step = 1.0
        while step >= 1e-10:
            new = loss(a + step * da, b + step * db)
            if new < cur + 1e-4 * step * (g1 * da + g2 * db):
                a, b, cur = a + step * da, b + step * db, new
                break
            step /= 2
        else:
            break
    return a, b


class CalibratedLinearSVC:
    """One linear SVM per class (one-vs-rest) with Platt-calibrated probabilities.

    The sigmoids are fitted on out-of-fold decision values (3-fold,
    stratified), then the SVMs are refitted on all the data; probabilities
    of the classes are normalized to sum to one. Equivalent to scikit-learn's
    ``CalibratedClassifierCV(LinearSVC(), method="sigmoid", ensemble=False)``
    without its per-class L-BFGS runs, which dominate on small problems.
    """

    def __init__(self, C: float = 1.0, seed: int = 0, folds: int = 3) -> None:
        self.C, self.seed, self.folds = C, seed, folds

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, dual=True, max_iter=2000, random_state=self.seed)

    def fit(self, x: np.ndarray, y: np.ndarray) -> "CalibratedLinearSVC":
        self.classes_ = np.unique(y)
        k = len(self.classes_)
        oof = np.zeros((len(y), k))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            cv = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=self.seed)
            for train, test in cv.split(x, y):
                svm = self._svm().fit(x[train], y[train])
                d = svm.decision_function(x[test])
                d = np.stack([-d, d], axis=1) if d.ndim == 1 else d
                oof[np.ix_(test, np.searchsorted(self.classes_, svm.classes_))] = d
            self.svm_ = self._svm().fit(x, y)
        self.sigmoids_ = np.array([_platt(oof[:, c], y == self.classes_[c]) for c in range(k)])
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Probabilities ``(N, K)`` of ``classes_``, rows summing to one."""
        d = self.svm_.decision_function(x)
        d = np.stack([-d, d], axis=1) if d.ndim == 1 else d
        z = d * self.sigmoids_[:, 0] + self.sigmoids_[:, 1]
        p = expit(-z)
        return p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)


@dataclass
class TrainingSet:
    """Pixels sampled from a reference: ``texture (N, Dt)``, ``other (N, Do)`` descriptors, ``y (N,)`` classes."""

    palette: Palette
    texture: np.ndarray
    other: np.ndarray
    y: np.ndarray
    n_geometry: int


def reference_samples(reference: Reference, options: SVMOptions) -> TrainingSet:
    """Quantize a reference's colours and sample its pixels' descriptors (and its mirror's).

    Raises IrodoriError for an unusable reference (see :func:`check_reference`
    and :func:`irodori.reference.palette.quantize`).
    """
    opts = options
    colors, ink = check_reference(reference)
    palette, classes_full = quantize(colors, ink, max_colors=opts.max_colors, seed=opts.seed)
    rng = np.random.default_rng(opts.seed)
    graph = region_graph(ink)
    if opts.base_colors:
        palette, classes_full, _ = merge_shades(palette, classes_full, graph.labels)
    copies = [(ink, graph, classes_full)]
    if opts.mirror:
        copies.append((ink[:, ::-1], dataclasses.replace(graph, labels=np.ascontiguousarray(graph.labels[:, ::-1])),
                       classes_full[:, ::-1]))
    tex, oth, ys = [], [], []
    for ink_c, graph_c, classes_c in copies:
        feats = describe(np.ascontiguousarray(ink_c), graph_c, opts.work_size)
        idx, y = _training_pixels(feats, classes_c, opts.samples, rng)
        t, o = feats.pixels(idx)
        tex.append(t)
        oth.append(o)
        ys.append(y)
    texture, other, y = np.concatenate(tex), np.concatenate(oth), np.concatenate(ys)
    counts = np.bincount(y, minlength=len(palette))
    keep = np.isin(y, np.flatnonzero(counts >= _MIN_CLASS_SAMPLES))
    if len(np.unique(y[keep])) < 2:
        raise IrodoriError("the reference has fewer than two colours covering enough paper to learn from")
    return TrainingSet(palette, texture[keep], other[keep], y[keep], feats.geometry.shape[2])


# Smallest spread a descriptor is scaled by (its units: frame sides, log ratios, shares, flags). A
# descriptor that barely varies in the reference (the hair is every area's largest neighbour) would
# otherwise get a tiny scale, and a small change in the new drawing would put every pixel out of the
# RBF kernel's reach, where all classes fall back to their intercepts.
_GEOMETRY_FLOOR = (0.05, 0.05, 0.05, 0.02, 0.02, 0.02)  # dx, dy, |dx|, distance to a line, densities
_REGION_FLOOR = (0.05, 0.05, 0.05, 0.3, 0.2, 0.2, 0.1, 0.5)  # dx, dy, |dx|, log area, log axes, extent, outside
_TEXTURE_FLOOR = 0.25  # share of the first texture component's spread


def robust_scaler(z: np.ndarray, n_texture: int, n_geometry: int) -> StandardScaler:
    """A StandardScaler fitted on ``z (N, D)`` whose scales never fall below a floor per descriptor.

    ``z`` holds ``n_texture`` PCA texture components, then ``n_geometry``
    pixel geometry descriptors, then region descriptors (groups of 8).
    """
    scaler = StandardScaler().fit(z)
    d = z.shape[1]
    floor = np.zeros(d)
    floor[:n_texture] = _TEXTURE_FLOOR * float(scaler.scale_[0]) if n_texture else 0.0
    geo = np.resize(np.asarray(_GEOMETRY_FLOOR), n_geometry)
    floor[n_texture:n_texture + n_geometry] = geo
    n_reg = d - n_texture - n_geometry
    floor[n_texture + n_geometry:] = np.resize(np.asarray(_REGION_FLOOR), n_reg)
    scaler.scale_ = np.maximum(scaler.scale_, floor)
    return scaler


def fit_classifier(data: TrainingSet, options: SVMOptions, exact: bool = False) -> ReferenceModel:
    """PCA on texture, standardize and weight, then one SVM per class with probabilities.

    ``exact=False`` (what ``svm`` uses): Nystroem RBF kernel map + one-vs-rest
    LinearSVC, Platt-calibrated on 3-fold out-of-fold decisions
    (:class:`CalibratedLinearSVC`).
    ``exact=True`` (a baseline for the benchmark): scikit-learn's exact RBF
    ``SVC(probability=True)`` (libsvm, Platt scaling) on the same features.
    """
    opts = options
    start = time.perf_counter()
    rng = np.random.default_rng(opts.seed)
    texture, other, y = data.texture, data.other, data.y
    sub = rng.choice(len(y), min(len(y), _PCA_SAMPLES), replace=False)
    pca = PCA(n_components=min(opts.pca, texture.shape[1], len(sub)), random_state=opts.seed).fit(texture[sub])
    z = np.concatenate([pca.transform(texture), other], axis=1)
    scaler = robust_scaler(z, pca.n_components_, data.n_geometry)
    n_tex, n_geo = pca.n_components_, data.n_geometry
    n_reg = other.shape[1] - n_geo
    weights = np.concatenate([np.full(n_tex, opts.texture_weight / np.sqrt(n_tex)),
                              np.full(n_geo, 1.0 / np.sqrt(n_geo)),
                              np.full(n_reg, opts.region_weight / np.sqrt(n_reg))])
    z = scaler.transform(z) * weights
    if exact:
        kernel: Any = FunctionTransformer()
        clf: Any = SVC(kernel="rbf", gamma=opts.gamma, C=opts.C, probability=True,
                       random_state=opts.seed).fit(z, y)
    else:
        kernel = Nystroem(kernel="rbf", gamma=opts.gamma, n_components=min(opts.components, len(y)),
                          random_state=opts.seed).fit(z)
        clf = CalibratedLinearSVC(C=opts.C, seed=opts.seed).fit(kernel.transform(z), y)
    return ReferenceModel(palette=data.palette, pca=pca, scaler=scaler, weights=weights, kernel=kernel,
                          classifier=clf, classes=clf.classes_.astype(np.int64), options=opts,
                          seconds=time.perf_counter() - start)


def fit_reference(reference: Reference, options: SVMOptions | None = None) -> ReferenceModel:
    """Learn colour classes of a reference.

    Parameters
    ----------
    reference : Reference with ``colors (H, W, 3) uint8`` and ``ink (H, W) float32 [0, 1]``.
    options : SVMOptions (defaults when None).

    Returns
    -------
    ReferenceModel, ready for :func:`apply_model`; ``seconds`` is the whole fit.
    """
    opts = options or SVMOptions()
    start = time.perf_counter()
    model = fit_classifier(reference_samples(reference, opts), opts)
    model.seconds = time.perf_counter() - start
    return model


def region_unary(model: ReferenceModel, feats: DrawingFeatures, grid_out: dict | None = None) -> np.ndarray:
    """Data term of every region: ``(n, K) float64``, mean over its pixels of ``-log p(class)`` times sqrt(area).

    Working pixels on paper, on a grid of stride 2, stand for ``4 / scale**2``
    full-resolution pixels each; a region too small to hold one is scored once at its centroid and
    weighted by its full-resolution area. ``grid_out``, when given, receives the class
    probabilities of the grid's pixels: ``prob (h2, w2, K) float32``, ``valid (h2, w2)`` and
    ``work_shape``.
    """
    k = len(model.palette)
    wl = feats.work_labels.ravel()
    h, w = feats.ink_work.shape
    grid = np.zeros((h, w), bool)
    grid[::_STRIDE, ::_STRIDE] = True
    paper = np.flatnonzero(grid.ravel() & (feats.ink_work.ravel() < 0.5))
    seen = np.zeros(feats.n, bool)
    seen[wl[paper]] = True
    missing = np.flatnonzero(~seen & (feats.area > 0))
    t, o = feats.pixels(paper)
    if len(missing):
        # Centroid of each missing region, mapped to its nearest working pixel.
        H, W = feats.labels.shape
        flat = feats.labels.ravel()
        ys, xs = np.divmod(np.arange(H * W, dtype=np.float64), W)
        safe = np.maximum(feats.area, 1)
        cy = np.bincount(flat, ys, minlength=feats.n)[missing] / safe[missing]
        cx = np.bincount(flat, xs, minlength=feats.n)[missing] / safe[missing]
        wy = np.clip((cy * h / H).astype(np.int64), 0, h - 1)
        wx = np.clip((cx * w / W).astype(np.int64), 0, w - 1)
        widx = wy * w + wx
        t2 = feats.daisy.at(widx)
        g2 = feats.geometry.reshape(-1, feats.geometry.shape[2])[widx]
        o2 = np.concatenate([g2, feats.regions[missing]], axis=1)
        t, o = np.concatenate([t, t2]), np.concatenate([o, o2])
    p = model.predict_proba(t, o)
    if grid_out is not None:  # the class probabilities of the grid's paper pixels, for per-pixel labels
        prob = np.zeros(((h + _STRIDE - 1) // _STRIDE, (w + _STRIDE - 1) // _STRIDE, k), np.float32)
        py, px = np.divmod(paper, w)
        prob[py // _STRIDE, px // _STRIDE] = p[:len(paper)]
        valid = np.zeros(prob.shape[:2], np.float32)
        valid[py // _STRIDE, px // _STRIDE] = 1.0
        grid_out.update(prob=prob, valid=valid, work_shape=(h, w))
    nll = -np.log(np.clip(p, _P_FLOOR, 1.0))
    owner = np.concatenate([wl[paper], missing])
    weight = np.concatenate([np.full(len(paper), _STRIDE ** 2 / feats.frame.scale ** 2), feats.area[missing]])
    unary = np.zeros((feats.n, k))
    for c in range(k):
        unary[:, c] = np.bincount(owner, nll[:, c] * weight, minlength=feats.n)
    # Summed over a region's pixels, the data term grows with its area while the boundary terms grow
    # with its outline, so no smoothness could ever change a large region. Neighbouring pixels are not
    # independent evidence: a region counts as sqrt(area) samples of its mean -log p, in the units of
    # the boundary terms (pixels of outline).
    mass = np.bincount(owner, weight, minlength=feats.n)
    return unary / np.maximum(mass, 1e-9)[:, None] * np.sqrt(mass)[:, None]


def _hinted_regions(hints: Hints, labels: np.ndarray, n: int) -> dict[int, tuple[int, int, int] | None]:
    """Region -> hint colour for every region a hint touches (the hint covering most of it wins)."""
    if not hints:
        return {}
    hl, palette = hints.label_map(labels.shape)
    sel = hl > 0
    if not sel.any():
        return {}
    pairs = labels[sel].astype(np.int64) * (len(palette) + 1) + hl[sel]
    values, counts = np.unique(pairs, return_counts=True)
    best: dict[int, tuple[int, int]] = {}
    for v, c in zip(values, counts):
        r, h = divmod(int(v), len(palette) + 1)
        if r not in best or c > best[r][1]:
            best[r] = (h, int(c))
    return {r: palette[h - 1] for r, (h, _) in best.items()}


def apply_model(model: ReferenceModel, ink: np.ndarray, hints: Hints | None = None) -> Result:
    """Colour ``ink (H, W) float32 [0, 1]`` with a fitted ReferenceModel.

    Returns a Result whose flats give every region one colour of the
    reference's palette (or its hint's colour; alpha 0 for a transparent
    hint) and ``regions`` the region graph's labels.
    """
    from ..graphcut import alpha_expansion

    opts = model.options
    start = time.perf_counter()
    graph, unary, grid = _drawing_unary(model, ink)
    colours = [tuple(int(c) for c in rgb) for rgb in model.palette.colors]
    alphas = [255] * len(colours)
    hinted = _hinted_regions(hints or Hints(), graph.labels, graph.n)
    if hinted:
        extra: dict[Any, int] = {}
        for col in set(hinted.values()):
            if col is not None and col in colours:
                extra[col] = colours.index(col)
            else:
                extra[col] = len(colours)
                colours.append((255, 255, 255) if col is None else col)
                alphas.append(0 if col is None else 255)
        unary = np.concatenate([unary, np.full((graph.n, len(colours) - unary.shape[1]), np.inf)], axis=1)
        for r, col in hinted.items():
            fixed = extra[col]
            unary[r] = np.inf
            unary[r, fixed] = 0.0
    edges = np.asarray(graph.edges, np.int64).reshape(-1, 2)
    weights = np.asarray(graph.weights, np.float64) * opts.smoothness
    if opts.smoothness > 0 and len(edges):
        labels = alpha_expansion(unary, edges, weights)
    else:
        labels = np.argmin(unary, axis=1)
    table = np.zeros((len(colours), 4), np.uint8)
    table[:, :3] = np.asarray(colours, np.uint8)
    table[:, 3] = alphas
    pix = labels[graph.labels]
    split = _split_regions(grid, graph.labels, graph.n, labels, set(hinted)) if grid else []
    if split:
        pix = _pixel_labels(grid, graph.labels, split, pix)
    flats = table[pix]
    return make_result(flats, ink, regions=graph.labels, fit_seconds=model.seconds,
                       apply_seconds=time.perf_counter() - start, n_colors=len(model.palette),
                       n_regions=int(graph.n), regions_per_pixel=len(split))


_SPLIT_SHARE = 0.15  # a region is labelled per pixel when a second class wins this share of its pixels
_SPLIT_PAGE = 0.002  # ... and that share is at least this share of the page


def _grid_of_full(shape: tuple[int, int], grid: dict) -> tuple[np.ndarray, np.ndarray]:
    """Grid row and column of every full-resolution row and column: ``(gy (H,), gx (W,))``."""
    H, W = shape
    h, w = grid["work_shape"]
    h2, w2 = grid["valid"].shape
    gy = np.minimum(((np.arange(H) + 0.5) * h / H).astype(np.int64) // _STRIDE, h2 - 1)
    gx = np.minimum(((np.arange(W) + 0.5) * w / W).astype(np.int64) // _STRIDE, w2 - 1)
    return gy, gx


def _split_regions(grid: dict, labels: np.ndarray, n: int, region_label: np.ndarray,
                   fixed: set[int]) -> list[int]:
    """Regions whose pixels clearly prefer two classes (areas merged through a gap, colour edges with no
    line): a second class is the pixel-wise best on :data:`_SPLIT_SHARE` of the region's grid pixels
    and on :data:`_SPLIT_PAGE` of the page. Hinted regions (``fixed``) are never split."""
    prob, valid = grid["prob"], grid["valid"] > 0
    gy, gx = _grid_of_full(labels.shape, grid)
    # The region of each grid pixel: the label at the full-resolution pixel of its centre.
    h2, w2 = valid.shape
    H, W = labels.shape
    fy = np.minimum(((np.arange(h2) * _STRIDE + 0.5) * H / grid["work_shape"][0]).astype(np.int64), H - 1)
    fx = np.minimum(((np.arange(w2) * _STRIDE + 0.5) * W / grid["work_shape"][1]).astype(np.int64), W - 1)
    glab = labels[np.ix_(fy, fx)][valid]
    best = prob[valid].argmax(axis=1)
    k = prob.shape[2]
    counts = np.bincount(glab.astype(np.int64) * k + best, minlength=n * k).reshape(n, k)
    total = counts.sum(axis=1)
    out = []
    for r in np.flatnonzero(total > 0):
        if r in fixed:
            continue
        c = counts[r].copy()
        c[region_label[r]] = 0
        if c.max() >= _SPLIT_SHARE * total[r] and c.max() >= _SPLIT_PAGE * valid.sum():
            out.append(int(r))
    return out


def _pixel_labels(grid: dict, labels: np.ndarray, split: list[int], pix: np.ndarray) -> np.ndarray:
    """Per-pixel classes inside the ``split`` regions: class probabilities of the grid smoothed by a
    normalized convolution (sigma 1.5 grid pixels), best class, read at each full-resolution pixel."""
    prob, valid = grid["prob"], grid["valid"]
    den = cv2.GaussianBlur(valid, (0, 0), 1.5)
    sm = np.stack([cv2.GaussianBlur(prob[..., c] * valid, (0, 0), 1.5) for c in range(prob.shape[2])], axis=2)
    best = sm.argmax(axis=2)
    ok = den > 0.05
    gy, gx = _grid_of_full(labels.shape, grid)
    inside = np.isin(labels, split)
    ys, xs = np.nonzero(inside)
    take = ok[gy[ys], gx[xs]]
    out = pix.copy()
    out[ys[take], xs[take]] = best[gy[ys[take]], gx[xs[take]]]
    return out


_CACHE: OrderedDict[str, ReferenceModel] = OrderedDict()
_CACHE_SIZE = 2
# Values hold the model itself, so its id() cannot be reused while the entry lives.
_DRAWINGS: OrderedDict[tuple[int, str], tuple[ReferenceModel, Any, np.ndarray, dict]] = OrderedDict()


def _drawing_unary(model: ReferenceModel, ink: np.ndarray) -> tuple[Any, np.ndarray, dict]:
    """Region graph, region unaries and grid probabilities of a drawing under a model, remembered for the last two.

    The same drawing is often coloured again with other hints (the studio after
    each stroke, an evaluation's hint settings); hints only fix regions, so the
    descriptors and SVM probabilities are reused. Returns a copy of the unaries.
    """
    key = (id(model), hashlib.sha1(np.ascontiguousarray(ink).tobytes()).hexdigest() + str(ink.shape))
    if key not in _DRAWINGS:
        graph = region_graph(ink)
        grid: dict = {}
        unary = region_unary(model, describe(ink, graph, model.options.work_size), grid)
        _DRAWINGS[key] = (model, graph, unary, grid)
        while len(_DRAWINGS) > _CACHE_SIZE:
            _DRAWINGS.popitem(last=False)
    _DRAWINGS.move_to_end(key)
    _, graph, unary, grid = _DRAWINGS[key]
    return graph, unary.copy(), grid


def _cache_key(reference: Reference, opts: SVMOptions) -> str:
    h = hashlib.sha1()
    for arr in (reference.colors, reference.ink):
        if arr is None:  # lines to be extracted from the colours
            h.update(b"no lines")
            continue
        a = np.ascontiguousarray(arr)
        h.update(str((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    h.update(repr(opts).encode())
    return h.hexdigest()


def fit_cached(reference: Reference, options: SVMOptions) -> ReferenceModel:
    """:func:`fit_reference`, remembering the last two fits (a chapter shares one reference)."""
    key = _cache_key(reference, options)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    model = fit_reference(reference, options)
    _CACHE[key] = model
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return model


@register
class SVM:
    """Charpiat et al. example-based colouring from a reference (see module docstring)."""

    name = "svm"
    description = ("Learns the colours of a coloured reference of the same character (SVMs on local "
                   "descriptors + graph cuts) and paints a new drawing in flats.")
    label = "Learn colours from the coloured page"
    summary = ("Learns which colour goes with which kind of line on your coloured page, then paints "
               "the new drawing in flat colours; dots correct it.")
    group = "reference"
    capabilities = Capabilities(needs_hints=False, uses_hints=True, needs_reference=True, flats=True)
    Options = SVMOptions

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None, options: SVMOptions) -> Result:
        if reference is None:
            raise IrodoriError("method 'svm' needs a coloured reference (--reference)")
        model = fit_cached(reference, options)
        result = apply_model(model, ink, hints)
        return keep_paper(result, ink, hints, reference)  # the unhinted background stays paper
