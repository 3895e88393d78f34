"""Baseline ``region-match``: each region takes the colour of the most similar reference region.

Both drawings are cut into the fill engine's paper regions; every region is
described by its position in the drawing's frame, its area and its shape
(:func:`irodori.reference.features.region_descriptors`, the region's own
part), and a region of the new drawing takes the colour of the nearest
reference region in that standardized space. The honest competitor for
``svm``: same regions, no learning and no spatial coherence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..background import keep_paper
from ..errors import IrodoriError
from ..hints import Hints
from ..reference.features import drawing_frame, region_descriptors
from ..reference.palette import quantize
from ..reference.prepare import check_reference, region_graph
from . import register
from .base import Capabilities, Reference, Result, make_result

_OWN = 8  # the region's own descriptors (not its neighbour's)


def reference_region_colors(classes: np.ndarray, labels: np.ndarray, n: int, k: int) -> np.ndarray:
    """Majority colour class of each reference region: ``(n,) int64``, -1 for regions with no paper."""
    sel = classes >= 0
    votes = np.zeros((n, k), np.int64)
    np.add.at(votes, (labels[sel], classes[sel]), 1)
    out = votes.argmax(axis=1)
    out[votes.sum(axis=1) == 0] = -1
    return out


@register
class RegionMatch:
    """Nearest reference region by position, area and shape."""

    name = "region-match"
    description = ("Baseline: each region takes the colour of the reference region most similar in "
                   "position, area and shape.")
    label = "Copy colours of similar shapes"
    summary = "Each shape takes the colour of the shape of the coloured page most like it in place and size."
    group = "compare"
    capabilities = Capabilities(needs_hints=False, uses_hints=False, needs_reference=True, flats=True)

    @dataclass(frozen=True)
    class Options:
        pass

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None, options: Options) -> Result:
        if reference is None:
            raise IrodoriError("method 'region-match' needs a coloured reference (--reference)")
        colors, ref_ink = check_reference(reference)
        palette, classes = quantize(colors, ref_ink)
        ref_graph = region_graph(ref_ink)
        ref_cls = reference_region_colors(classes, ref_graph.labels, ref_graph.n, len(palette))
        ref_desc = region_descriptors(ref_graph.labels, ref_graph.n, drawing_frame(ref_ink))[:, :_OWN]
        usable = ref_cls >= 0
        ref_desc, ref_cls = ref_desc[usable], ref_cls[usable]
        graph = region_graph(ink)
        desc = region_descriptors(graph.labels, graph.n, drawing_frame(ink))[:, :_OWN]
        mu, sd = ref_desc.mean(axis=0), ref_desc.std(axis=0) + 1e-6
        a, b = (desc - mu) / sd, (ref_desc - mu) / sd
        d = (a * a).sum(1)[:, None] - 2 * a @ b.T + (b * b).sum(1)[None, :]
        region_cls = ref_cls[d.argmin(axis=1)]
        table = np.concatenate([palette.colors, np.full((len(palette), 1), 255, np.uint8)], axis=1)
        flats = table[region_cls[graph.labels]]
        return keep_paper(make_result(flats, ink, regions=graph.labels), ink, hints, reference)
