"""Method ``match``: colour a new drawing by registering a reference of the same character onto it.

Paint-bucket colourization of animation frames from a coloured reference
(region correspondence; after Zhang et al. 2021, Dai et al. 2024 "Learning
Inclusion Matching for Animation Paint Bucket Colorization") done with
classical registration instead of a learnt matcher:

1. the reference's colours are quantized into base colours (light and shadow
   tones of a shaded reference mapped to their base:
   :func:`irodori.reference.palette.merge_shades`);
2. its line art is registered onto the new drawing
   (:func:`irodori.reference.register.register`: global mirror / rotation /
   scale / shift by chamfer matching, then dense optical flow), so every
   pixel of the new drawing has a place in the reference;
3. each region of the new drawing's region graph takes the base colour most
   of its pixels land on, votes weighted by each reference's registration
   quality (several references vote together); a region whose votes split
   between colours with no line between them (a colour-only hair tuft) is
   painted per pixel;
4. regions registration cannot place (too few votes, no clear majority, or
   a registration too poor to trust) fall back to ``svm``: Charpiat's SVMs
   on local descriptors, fitted on the best-registered reference. ``meta`` says how
   many regions (and which share of the paper) each source coloured.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from scipy import ndimage as ndi

from ..errors import IrodoriError
from ..hints import Hints
from ..reference.features import drawing_frame
from ..reference.palette import PAPER, Palette, merge_shades, quantize
from ..reference.prepare import check_reference, region_graph
from ..reference.register import Registration, register
from . import register as register_method
from .base import Capabilities, Reference, Result, make_result, option


_CORE = 0.01  # pixels nearer a line than this share of the frame side do not vote (unless all do)
_SPLIT_PIXELS = 0.002  # a region is painted per pixel when its second colour has this share of the paper


@dataclass(frozen=True)
class MatchOptions:
    """Options of the ``match`` method."""

    min_quality: float = option(0.5, "Trust the match from", "Share of the lines that must line up after "
                                "registration before a coloured page is trusted (below, svm colours).",
                                advanced=True, min=0, max=1)
    min_agreement: float = option(0.6, "Agreement per area", "Share of an area's pixels that must land on "
                                  "one colour; below, svm colours that area.", advanced=True, min=0, max=1)
    split_share: float = option(0.05, "Split areas from", "An area whose second colour gets this share "
                                "(and 0.2% of the page) is painted pixel by pixel (colour edges with no line, "
                                "areas joined through a gap).", advanced=True, min=0, max=1)
    flow: bool = option(True, "Follow the pose", "Bend the coloured page to the new pose after turning and "
                        "scaling it (dense alignment).")
    mirror: bool = option(True, "Try mirrored", "Also try the coloured page flipped left-right.")
    fallback: bool = option(True, "Learn what does not match", "Areas the page cannot be matched to are "
                            "coloured by svm, learnt from the first coloured page.", advanced=True)
    base_colors: bool = option(True, "Base colours only", "Light and shadow tones of a shaded page become "
                               "their base colour.")
    max_colors: int = option(16, "Most colours", "The most colours taken from the coloured page.", min=2)

    def validate(self) -> None:
        for name in ("min_quality", "min_agreement", "split_share"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise IrodoriError(f"option {name!r} must be in [0, 1], got {v}")
        if self.max_colors < 2:
            raise IrodoriError(f"option 'max_colors' must be >= 2, got {self.max_colors}")


def references_of(reference: Any) -> list[Reference]:
    """One reference or a sequence of them -> a non-empty list; IrodoriError otherwise."""
    if isinstance(reference, Reference):
        return [reference]
    if isinstance(reference, (list, tuple)) and reference and all(isinstance(r, Reference) for r in reference):
        return list(reference)
    raise IrodoriError("reference must be an irodori.Reference or a non-empty list of them")


def _base_classes(colors: np.ndarray, ink: np.ndarray, opts: MatchOptions) -> tuple[Palette, np.ndarray]:
    """Palette of base colours and the class of every reference pixel (-1 under its lines: no vote)."""
    palette, classes = quantize(colors, ink, max_colors=opts.max_colors)
    if opts.base_colors:
        graph = region_graph(ink)
        palette, classes, _ = merge_shades(palette, classes, graph.labels)
    return palette, classes


def _sample(classes: np.ndarray, reg: Registration) -> np.ndarray:
    """Reference class at every pixel of the new drawing (-1 where it maps off the reference)."""
    h, w = classes.shape
    x = np.rint(reg.map_x).astype(np.int64)
    y = np.rint(reg.map_y).astype(np.int64)
    ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
    out = np.full(reg.map_x.shape, -1, np.int64)
    out[ok] = classes[y[ok], x[ok]]
    return out


def _merge_palettes(palettes: list[Palette]) -> tuple[np.ndarray, list[np.ndarray]]:
    """One colour table for several references: ``(colors (K, 3) uint8, per reference old -> new (k,))``."""
    table: list[tuple[int, int, int]] = []
    maps = []
    for p in palettes:
        m = np.empty(len(p), np.int64)
        for i, c in enumerate(p.colors):
            key = tuple(int(v) for v in c)
            # The same base colour in two references (within a small tolerance) is one class.
            hit = next((j for j, t in enumerate(table) if max(abs(a - b) for a, b in zip(t, key)) <= 6), None)
            if hit is None:
                table.append(key)
                hit = len(table) - 1
            m[i] = hit
        maps.append(m)
    return np.asarray(table, np.uint8).reshape(-1, 3), maps


@register_method
class Match:
    """Registration of the reference onto the new drawing, colours voted per region (see module docstring)."""

    name = "match"
    description = ("Recommended for colouring from a reference: registers the coloured reference's line art "
                   "onto the new drawing (mirror, turn, scale, shift, then a dense alignment) and gives each "
                   "region the colour it lands on; parts it cannot place are learnt by svm. Accepts several "
                   "references (front, back, another outfit).")
    label = "Match the coloured page"
    summary = ("Lines the coloured page up with the new drawing (flipped, turned, scaled, bent to the pose) "
               "and gives every area the colour it lands on; the recommended way to colour from a page.")
    group = "reference"
    recommended = True
    several_references = True
    capabilities = Capabilities(needs_hints=False, uses_hints=True, needs_reference=True, flats=True)
    Options = MatchOptions

    def run(self, ink: np.ndarray, hints: Hints, reference: Any, options: MatchOptions) -> Result:
        if reference is None:
            raise IrodoriError("method 'match' needs a coloured reference (--reference)")
        refs = references_of(reference)
        start = time.perf_counter()
        graph = region_graph(ink)
        labels, n = graph.labels, graph.n
        palettes, class_maps, regs = [], [], []
        for ref in refs:
            colors, ref_ink = check_reference(ref)
            palette, classes = _base_classes(colors, ref_ink, options)
            try:
                reg = register(ref_ink, ink, flow=options.flow, mirror=options.mirror)
            except IrodoriError:
                reg = None
            palettes.append(palette)
            class_maps.append(classes)
            regs.append(reg)
        table, maps = _merge_palettes(palettes)
        k = len(table)
        paper = ink < PAPER
        # Votes next to the new drawing's lines are unreliable (a registration off by a few pixels spills
        # a neighbour's colour over a line): the core of each region votes, or all of a region too thin
        # to have a core.
        near = max(2.0, _CORE * drawing_frame(ink).side)
        dist = cv2.distanceTransform(paper.astype(np.uint8), cv2.DIST_L2, 3)
        core = paper & (dist >= near)
        has_core = np.bincount(labels[core], minlength=n) > 0
        voter = core | (paper & ~has_core[labels])
        votes = np.zeros((n, k))
        sampled = []  # (weight, class of every new pixel in the merged table, -1 = no vote)
        qualities = [0.0 if reg is None else reg.quality for reg in regs]
        best_q = max(qualities)
        for reg, classes, m, quality in zip(regs, class_maps, maps, qualities):
            if reg is None or quality < options.min_quality:
                continue
            # A clearly worse registration weighs little: (quality / best) ** 8 (0.8 of the best: 0.17).
            q = (quality / max(best_q, 1e-9)) ** 8
            cls = _sample(classes, reg)
            ok = paper & (cls >= 0)
            mapped = np.full(cls.shape, -1, np.int64)
            mapped[ok] = m[cls[ok]]
            sampled.append((q, mapped))
            ok &= voter
            votes += q * np.bincount(labels[ok].astype(np.int64) * k + mapped[ok], minlength=n * k).reshape(n, k)
        area = np.bincount(labels[paper].ravel(), minlength=n).astype(np.float64)
        voters = np.bincount(labels[voter].ravel(), minlength=n).astype(np.float64)
        total = votes.sum(axis=1)
        region_cls = votes.argmax(axis=1)
        share = np.where(total > 0, votes.max(axis=1) / np.maximum(total, 1e-9), 0.0)
        # Regions whose votes split between colours (a colour edge with no line, areas merged through a
        # gap in a line): painted per pixel, when the second colour is a real part, not a spill.
        second = np.sort(votes, axis=1)[:, -2] if k > 1 else np.zeros(n)
        covered = total >= 0.3 * np.maximum(voters, 1)
        split = covered & (second >= options.split_share * total) & (second >= _SPLIT_PIXELS * paper.sum())
        placed = covered & ((share >= options.min_agreement) | split)
        placed |= area == 0
        meta: dict[str, Any] = {"registration_quality": [round(q, 3) for q in qualities]}
        for i, reg in enumerate(regs):
            if reg is not None:
                meta.setdefault("registration", []).append(
                    {"reference": i, "quality": round(reg.quality, 3), "global_quality": round(reg.global_quality, 3),
                     "flow_quality": round(reg.flow_quality, 3),
                     "mirrored": reg.mirrored, "angle": round(reg.angle, 1), "scale": round(reg.scale, 3)})
        fallback = ~placed
        colours = [tuple(int(v) for v in c) for c in table]
        unary_cls = region_cls.copy()
        svm_flats = None
        if fallback.any() and options.fallback:
            from .svm import SVMOptions, apply_model, fit_cached

            model = fit_cached(refs[int(np.argmax(qualities))], SVMOptions())
            svm_flats = apply_model(model, ink, hints).flats  # pasted over the fallback regions below
            meta["fallback"] = "svm"
        elif fallback.any():
            meta["fallback"] = "none (option fallback=false): unplaced regions keep their best vote"
        if best_q < options.min_quality:
            meta["placed"] = False
            meta["note"] = (f"registration could not place the reference (quality {best_q:.2f} < "
                            f"{options.min_quality}); svm coloured the drawing")
        else:
            meta["placed"] = True
        # Hints fix the regions they touch.
        from .svm import _hinted_regions

        alphas = [255] * len(colours)
        for r, col in _hinted_regions(hints, labels, n).items():
            if col is None:
                colours.append((255, 255, 255))
                alphas.append(0)
            elif col not in colours:
                colours.append(col)
                alphas.append(255)
            unary_cls[r] = len(colours) - 1 if col is None else colours.index(col)
            split[r] = False
        lut = np.zeros((len(colours), 4), np.uint8)
        lut[:, :3] = np.asarray(colours, np.uint8)
        lut[:, 3] = alphas
        pix = unary_cls[labels]
        if split.any() and sampled:
            # Per-pixel colour inside split regions: each pixel's own votes, smoothed over 5 x 5 pixels;
            # pixels with none (next to lines) take the nearest voted pixel's.
            inside = split[labels]
            ys, xs = np.nonzero(inside)
            y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
            cand = np.flatnonzero(votes[split].sum(axis=0) > 0)
            sm = np.zeros((len(cand), y1 - y0, x1 - x0), np.float32)
            for q, mapped in sampled:
                crop = mapped[y0:y1, x0:x1]
                for i, c in enumerate(cand):
                    sm[i] += q * (crop == c)
            for i in range(len(cand)):
                sm[i] = cv2.blur(sm[i], (5, 5))
            own = cand[sm.argmax(axis=0)]
            sub = inside[y0:y1, x0:x1]
            has = (sm.max(axis=0) > 0) & sub
            if has.any():
                if (sub & ~has).any():
                    _, (iy, ix) = ndi.distance_transform_edt(~has, return_indices=True)
                    own = own[iy, ix]
                pix[y0:y1, x0:x1] = np.where(sub, own, pix[y0:y1, x0:x1])
        flats = lut[pix]
        if svm_flats is not None:
            where = fallback[labels]
            flats[where] = svm_flats[where]
        meta.update(n_regions=int(n), regions_registered=int((placed & ~fallback).sum()),
                    regions_fallback=int(fallback.sum()), regions_per_pixel=int(split.sum()),
                    paper_share_fallback=round(float(area[fallback].sum() / max(area.sum(), 1)), 4),
                    n_references=len(refs), apply_seconds=time.perf_counter() - start)
        return make_result(flats, ink, regions=labels, **meta)
