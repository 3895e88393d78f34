"""Composition ``neural-flats``: the neural colours cleaned into flat fills.

Like the flattening step of style2paints: the fill engine's region graph
(:func:`irodori.regions.build_region_graph`) splits the page into regions
between lines, and each region takes one colour. Where the user's hints
reach through open paper, the colours are the hints', exactly as ``fill``
gives them (:func:`irodori.methods.fill.fill_regions`: cleaned hints, the
background policy, areas holding several colours split between them,
transparent hints unfilled); every other region takes the dominant colour
the generator (:mod:`irodori.methods.neural`) painted there (the most
common colour after quantizing to 16 levels a channel, averaged within that
bin). So dense hints can only make it more like ``fill``, never grey clouds.

Hints are cleaned first (:func:`irodori.hints.clean_hints`): a region takes
the colour covering most of its hinted paper, hint pixels over lines count
for nothing and strays over a line do not pin a neighbour. With
``background=paper`` (the default) an unhinted area open to the picture's
border stays unfilled (:mod:`irodori.background`).
"""

from __future__ import annotations

import numpy as np

from ..color import rgb_to_lab
from ..drawing import Drawing
from ..hints import CleanHints, Hints, clean_hints
from . import register
from .base import Capabilities, Reference, Result, make_result
from .neural import NeuralOptions, background_paper, model_path, neural_colors

_LEVELS = 16
_MAX_SAMPLES = 1_000_000


def region_colors(labels: np.ndarray, rgb: np.ndarray, ink: np.ndarray, n: int) -> np.ndarray:
    """Dominant colour of every region.

    Parameters
    ----------
    labels : (H, W) int32 region ids in ``[0, n)``.
    rgb : (H, W, 3) float32 colours in [0, 1].
    ink : (H, W) float32; pixels with ``ink >= 0.5`` do not vote.
    n : number of regions.

    Returns
    -------
    (n, 3) float32 in [0, 1]; a region with no paper pixel gets the mean of its pixels.
    """
    flat_lab = labels.ravel().astype(np.int64)
    flat_rgb = rgb.reshape(-1, 3)
    counts_all = np.bincount(flat_lab, minlength=n).astype(np.float64)
    mean = np.stack([np.bincount(flat_lab, flat_rgb[:, c], minlength=n) for c in range(3)], 1)
    mean = (mean / np.maximum(counts_all, 1)[:, None]).astype(np.float32)
    vote = np.flatnonzero(ink.ravel() < 0.5)
    if len(vote) > _MAX_SAMPLES:  # a big page: a regular subsample keeps every sizeable region
        vote = vote[:: int(np.ceil(len(vote) / _MAX_SAMPLES))]
    if len(vote) == 0:
        return mean
    lab, col = flat_lab[vote], flat_rgb[vote]
    q = np.clip((col * _LEVELS).astype(np.int64), 0, _LEVELS - 1)
    keys = lab * _LEVELS ** 3 + (q[:, 0] * _LEVELS + q[:, 1]) * _LEVELS + q[:, 2]
    uniq, inv, cnt = np.unique(keys, return_inverse=True, return_counts=True)
    sums = np.stack([np.bincount(inv, col[:, c], minlength=len(uniq)) for c in range(3)], 1)
    region = uniq // _LEVELS ** 3
    order = np.lexsort((-cnt, region))
    first = order[np.r_[True, region[order][1:] != region[order][:-1]]]
    out = mean.copy()
    out[region[first]] = (sums[first] / cnt[first][:, None]).astype(np.float32)
    return out


def hint_counts(labels: np.ndarray, clean: CleanHints, n: int) -> tuple[np.ndarray, list]:
    """Cleaned hint pixels per region and hint colour: ``((n, k) int64 counts, palette)``.

    Column 0 counts nothing; column ``j`` counts pixels of ``palette[j - 1]``
    (a colour or None for transparent); ``clean`` from :func:`irodori.hints.clean_hints`.
    """
    strong, _ = clean.votes(labels, n)
    counts = np.zeros((n, len(clean.palette) + 1), np.int64)
    counts[:, 1:] = np.rint(strong).astype(np.int64)
    return counts, list(clean.palette)


def hinted_colors(counts: np.ndarray, palette: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per region: ``(has_colour_hint (n,) bool, colour (n, 3) float32, transparent (n,) bool)``.

    ``counts, palette`` from :func:`hint_counts`. A region's hint colour is
    the colour covering most of its hint pixels.
    """
    n = counts.shape[0]
    has = np.zeros(n, bool)
    color = np.zeros((n, 3), np.float32)
    transparent = np.zeros(n, bool)
    best = counts.argmax(axis=1)
    for r in np.flatnonzero(counts.sum(axis=1) > 0):
        c = palette[best[r] - 1]
        if c is None:
            transparent[r] = True
        else:
            has[r] = True
            color[r] = np.asarray(c, np.float32) / 255.0
    return has, color, transparent


def split_by_hint_colors(flats_rgb: np.ndarray, labels: np.ndarray, rgb: np.ndarray, counts: np.ndarray,
                         palette: list) -> np.ndarray:
    """Regions holding dots of several colours: each pixel takes the dot colour nearest its neural colour.

    A region between lines can hold areas of several colours where no line
    separates them (an open outline joins a figure to the background; an
    unlined colour edge). One colour for the whole region would paint over
    the others, so there the network decides where each dot's colour goes
    (nearest in CIELAB).

    Parameters
    ----------
    flats_rgb : (H, W, 3) uint8 flat colours per pixel; changed in place and returned.
    labels : (H, W) int32 regions in ``[0, n)``.
    rgb : (H, W, 3) float32 neural colours in [0, 1].
    counts, palette : the hints per region, from :func:`hint_counts`.
    """
    n = counts.shape[0]
    coloured = [j + 1 for j, c in enumerate(palette) if c is not None]
    if not coloured:
        return flats_rgb
    present = counts[:, coloured] > 0
    mixed = np.flatnonzero(present.sum(axis=1) >= 2)
    if not len(mixed):
        return flats_rgb
    choices = np.array([palette[j - 1] for j in coloured], np.uint8)
    choices_lab = rgb_to_lab(choices)
    flat_labels = labels.ravel()
    in_mixed = np.zeros(n, bool)
    in_mixed[mixed] = True
    pix = np.flatnonzero(in_mixed[flat_labels])
    pix = pix[np.argsort(flat_labels[pix], kind="stable")]
    starts = np.searchsorted(flat_labels[pix], mixed)
    ends = np.searchsorted(flat_labels[pix], mixed, side="right")
    out = flats_rgb.reshape(-1, 3)
    neural_u8 = np.clip(np.rint(rgb.reshape(-1, 3)[pix] * 255.0), 0, 255).astype(np.uint8)  # in pix order
    for r, a, b in zip(mixed, starts, ends):
        idx = pix[a:b]
        options = np.flatnonzero(present[r])
        lab = rgb_to_lab(neural_u8[a:b])
        d = ((lab[:, None, :] - choices_lab[options][None]) ** 2).sum(axis=2)
        out[idx] = choices[options][d.argmin(axis=1)]
    return flats_rgb


@register
class NeuralFlats:
    """Neural colours, one per region of the fill engine's region graph."""

    name = "neural-flats"
    description = ("Neural colours cleaned into flats: each region between lines takes its dominant "
                   "neural colour, or the colour of a hint inside it (split between hints of several colours).")
    label = "Flat colours guessed by the neural network"
    summary = ("The neural network suggests colours, then every shape gets one flat colour; "
               "a dot inside a shape wins.")
    group = "hints"
    capabilities = Capabilities(needs_hints=False, uses_hints=True, flats=True)
    Options = NeuralOptions

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None,
            options: NeuralOptions, drawing: Drawing | None = None) -> Result:
        from .fill import fill_regions

        drawing = drawing if drawing is not None else Drawing(ink, copy=False)
        # A grey scan is cleaned up (kept on the drawing): the network, the regions and the
        # hint cleaning read it; the composite keeps the original lines.
        work = drawing.work_ink()
        rgb = neural_colors(work, hints, options.model, options.work_size, options.threads,
                           options.mirror, options.pin_hints)
        meta: dict = {}
        if hints:
            # the areas the hints reach through open paper take the hints' colours, as fill gives
            # them (sloppy hints cleaned, the background policy, splits between colours)
            flats, graph, unreached, meta = fill_regions(drawing, hints, unhinted="transparent",
                                                         background=options.background)
            flats = flats.copy()
        else:
            graph = drawing.region_graph()  # the lines' regions: kept on the drawing across colourings
            flats = np.zeros((*ink.shape, 4), np.uint8)
            unreached = np.ones(graph.n, bool)
        labels = graph.labels
        # the rest takes its dominant neural colour, one per region
        colors = np.clip(np.rint(region_colors(labels, rgb, work, graph.n) * 255.0), 0, 255).astype(np.uint8)
        free = unreached[labels]
        flats[free, :3] = colors[labels[free]]
        flats[free, 3] = 255
        return make_result(flats, drawing, regions=labels, model=str(model_path(options.model)),
                           n_regions=int(graph.n), background_regions=int(meta.get("background_regions", 0)),
                           hints=meta.get("hints", {}))
