"""The Python API: one call colours a line drawing with any registered method."""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np
from scipy import ndimage as ndi

from .compose import Layer, lines_layer
from .errors import IrodoriError
from .hints import Hints
from .methods import Reference, Result, build_options, describe_methods, get_method
from .methods.base import with_layers
from .tones import TONE_MODES, ToneAnalysis, analyse_tones, tone_layer


def check_ink(ink: Any) -> np.ndarray:
    """Validate an ink map: ``(H, W)`` float in ``[0, 1]``; returns it as float32."""
    arr = np.asarray(ink)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise IrodoriError(f"ink must be an (H, W) array, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise IrodoriError(f"ink must be float in [0, 1] (1 = ink), got dtype {arr.dtype}; "
                           "use irodori.load_lineart to read a file")
    arr = arr.astype(np.float32, copy=False)
    if not np.isfinite(arr).all() or arr.min() < 0 or arr.max() > 1:
        raise IrodoriError("ink must hold finite values in [0, 1]")
    return arr


def colorize(ink: np.ndarray, hints: Hints | None = None, reference: Reference | None = None,
             method: str = "fill", tones: str = "drop", **options: Any) -> Result:
    """Colour a line drawing.

    Parameters
    ----------
    ink : (H, W) float32 ndarray in [0, 1], 1 = ink (see :func:`irodori.load_lineart`).
    hints : Hints or None; coordinates in pixels of ``ink``.
    reference : Reference or None; a coloured page of the same character.
    method : a registered method name (:func:`irodori.list_methods`).
    tones : screentone on a manga page (:mod:`irodori.tones`): the method colours
        the drawing without it, and the tone comes back ``drop`` (not at all:
        colour replaces tone), ``shade`` (a lightened multiply layer) or
        ``keep`` (as printed); ``off`` skips the analysis (the dots are lines).
        Black fills stay black unless a hint lies on them. Pages without tone
        are coloured as they are whatever this says.
    **options : the method's options (see ``irodori methods``).

    Returns
    -------
    Result with ``image (H, W, 3) uint8``, ``flats (H, W, 4) uint8``,
    ``lines (H, W) uint8``, ``regions (H, W) int32`` or None and ``meta``.
    """
    ink = check_ink(ink)
    if tones not in TONE_MODES:
        raise IrodoriError(f"unknown tones mode {tones!r}; expected one of {', '.join(TONE_MODES)}")
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
    start = time.perf_counter()
    analysis = analyse_tones(ink) if tones != "off" else None
    work = analysis.ink if analysis is not None and analysis.found else ink
    result = colorizer.run(work, hints, reference, opts)
    if analysis is not None and analysis.found:
        result = _tones_back(result, analysis, hints, tones)
    result.meta.setdefault("method", method)
    result.meta.setdefault("options", {k: getattr(opts, k) for k in opts.__dataclass_fields__})
    result.meta["seconds"] = time.perf_counter() - start
    return result


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


def list_methods() -> list[dict[str, Any]]:
    """Every registered method: name, description, capabilities and options."""
    return describe_methods()
