"""The Python API: one call colours a line drawing with any registered method.

``check_ink`` and ``prepare`` live in :mod:`irodori.drawing` and are re-exported here.
"""

from __future__ import annotations

import functools
import inspect
import time
from typing import Any

import cv2
import numpy as np
from scipy import ndimage as ndi

from .compose import Layer, lines_layer
from .drawing import Drawing, check_ink, prepare
from .errors import IrodoriError
from .hints import Hints
from .methods import Reference, Result, build_options, describe_methods, get_method
from .methods.base import with_layers
from .page import analyse_page, keep_white, panel_background
from .tones import ToneAnalysis, analyse_tones, check_tones, tone_layer


def colorize(ink: "np.ndarray | Drawing", hints: Hints | None = None,
             reference: Reference | list[Reference] | None = None, method: str = "fill",
             tones: str = "drop", page: bool = True, **options: Any) -> Result:
    """Colour a line drawing.

    Parameters
    ----------
    ink : (H, W) float32 ndarray in [0, 1], 1 = ink (see :func:`irodori.load_lineart`),
        or a :class:`~irodori.drawing.Drawing` from :func:`irodori.prepare`: colouring the
        same drawing again with other hints then reuses what depends on the lines alone.
    hints : Hints or None; coordinates in pixels of ``ink``.
    reference : Reference, a list of them (several pages of the same character; methods
        that take one use the first), or None.
    method : a registered method name (:func:`irodori.list_methods`).
    tones : screentone on a manga page (:mod:`irodori.tones`): the method colours
        the drawing without it, and the tone comes back ``drop`` (not at all:
        colour replaces tone), ``shade`` (a lightened multiply layer) or
        ``keep`` (as printed); ``off`` skips the analysis (the dots are lines).
        Black fills stay black unless a hint lies on them. Pages without tone
        are coloured as they are whatever this says.
    page : keep a manga page's gutters and speech balloons white unless hinted
        (:mod:`irodori.page`).
    **options : the method's options (see ``irodori methods``).

    Returns
    -------
    Result with ``image (H, W, 3) uint8``, ``flats (H, W, 4) uint8``,
    ``lines (H, W) uint8``, ``regions (H, W) int32`` or None and ``meta``.
    """
    drawing = prepare(ink, copy=False)  # a plain array: a drawing for this call only
    ink = drawing.ink
    check_tones(tones)
    colorizer = get_method(method)
    opts = build_options(colorizer, options)
    hints = hints if hints is not None else Hints()
    if not isinstance(hints, Hints):
        raise IrodoriError(f"hints must be irodori.Hints, got {type(hints).__name__}")
    hints.validate(ink.shape)
    caps = colorizer.capabilities
    if caps.needs_hints and not hints:
        raise IrodoriError(f"method {method!r} needs at least one hint (a point or a stroke)")
    if caps.needs_reference and reference is None:
        raise IrodoriError(f"method {method!r} needs a coloured reference (--reference)")
    reference, unused = _references_for(colorizer, reference)
    start = time.perf_counter()
    analysis = drawing.memo("tones", (), lambda: analyse_tones(ink)) if tones != "off" else None
    work = drawing
    if analysis is not None and analysis.found:  # the methods colour the page without its tone
        work = drawing.memo("tones.drawing", (), lambda: Drawing(analysis.ink, copy=False))
    if _takes_drawing(type(colorizer)):
        result = colorizer.run(work.ink, hints, reference, opts, drawing=work)  # type: ignore[call-arg]
    else:
        result = colorizer.run(work.ink, hints, reference, opts)
    if analysis is not None and analysis.found:
        result = _tones_back(result, analysis, hints, tones)
    if unused:
        result.meta["references_ignored"] = unused
    if page:
        result = _page_white(result, work, hints, getattr(opts, "background", "paper"))
    result.meta.setdefault("method", method)
    result.meta.setdefault("options", {k: getattr(opts, k) for k in opts.__dataclass_fields__})
    result.meta["seconds"] = time.perf_counter() - start
    return result


def _references_for(colorizer: Any, reference: Any) -> tuple[Any, int]:
    """The reference(s) a method gets: ``(reference, how many were left out)``.

    One :class:`Reference` passes as it is. A list or tuple of them goes
    whole to a method that declares ``several_references = True``
    (``match``); any other method gets the first (and the count of the
    others is reported in ``meta["references_ignored"]``).
    """
    if reference is None or isinstance(reference, Reference):
        return reference, 0
    if isinstance(reference, (list, tuple)):
        refs = list(reference)
        if not refs or not all(isinstance(r, Reference) for r in refs):
            raise IrodoriError("reference must be an irodori.Reference or a non-empty list of them")
        if getattr(colorizer, "several_references", False):
            return refs, 0
        return refs[0], len(refs) - 1
    raise IrodoriError(f"reference must be irodori.Reference, got {type(reference).__name__}")


def _tones_back(result: Result, analysis: ToneAnalysis, hints: Hints, mode: str) -> Result:
    """Hinted black fills take their hint's colour; the tone comes back per ``mode``."""
    ink = analysis.ink
    if hints and analysis.black.any():
        n, lab = cv2.connectedComponents(analysis.black.view(np.uint8), connectivity=8)
        colors, mask, _ = hints.rasterize(ink.shape)
        hit = lab[mask]
        if hit.any():
            flats = result.flats.copy()
            ink = ink.copy()
            for c in np.unique(hit[hit > 0]):
                where = lab == c
                # The colour most of the hint's pixels on this fill carry.
                cols = colors[mask & where]
                vals, counts = np.unique(cols, axis=0, return_counts=True)
                flats[where, :3] = vals[int(np.argmax(counts))]
                flats[where, 3] = 255
                ink[where] = 0.0
                # Its highlights (unhinted paper it encloses) stay paper, whatever the method put there.
                holes = ndi.binary_fill_holes(where) & ~where & (analysis.ink < 0.5)
                if holes.any():
                    n_h, lab_h = cv2.connectedComponents(holes.view(np.uint8), connectivity=4)
                    hinted = np.zeros(n_h, bool)
                    hinted[np.unique(lab_h[mask])] = True
                    flats[holes & ~hinted[lab_h]] = 255
            result.flats = flats
            result.lines = lines_layer(ink)
            result.meta["black_fills_coloured"] = int(len(np.unique(hit[hit > 0])))
    alpha = tone_layer(analysis, mode)
    extra = []
    if alpha is not None:
        rgba = np.zeros(alpha.shape + (4,), np.uint8)
        rgba[..., 3] = alpha
        extra.append(Layer("tone", rgba, blend="multiply"))
    # Recompose the picture from its layers (flats, the method's own layers, tone, lines).
    result = with_layers(result, extra)
    result.meta["tones"] = {"mode": mode, "period": round(analysis.period, 2),
                            "area": round(float(analysis.mask.mean()), 4),
                            "seconds": round(analysis.seconds, 4)}
    return result


@functools.lru_cache(maxsize=None)
def _takes_drawing(cls: type) -> bool:
    """Whether a method's ``run`` accepts the prepared drawing (keyword ``drawing``)."""
    return "drawing" in inspect.signature(cls.run).parameters


def _page_white(result: Result, drawing: Drawing, hints: Hints, background: str = "paper") -> Result:
    """Unhinted gutters and speech balloons of a manga page stay paper, and (``background`` paper)
    unhinted panel backgrounds too."""
    structure = drawing.memo("page", (), lambda: analyse_page(drawing.ink))
    if not structure.white.any():
        return result
    if hints:
        _, mask, transparent = hints.rasterize(drawing.ink.shape)
    else:
        mask = transparent = np.zeros(drawing.ink.shape, bool)
    flats = keep_white(result.flats, structure, mask)
    if structure.is_page and background == "paper":
        # The background rule inside each panel: an unhinted panel background stays paper.
        inner = panel_background(drawing.ink, structure, mask, transparent)
        if inner.any():
            flats = flats.copy() if flats is result.flats else flats
            flats[inner] = (255, 255, 255, 0)
    result.meta["page"] = {"panels": len(structure.boxes),
                           "balloons": int(cv2.connectedComponents(structure.balloons.view(np.uint8))[0] - 1),
                           "white": round(float(structure.white.mean()), 4)}
    if flats is result.flats:
        return result
    result.flats = flats
    return with_layers(result, [])


def list_methods() -> list[dict[str, Any]]:
    """Every registered method: name, description, capabilities and options."""
    return describe_methods()
