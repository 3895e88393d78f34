"""The Python API: one call colours a line drawing with any registered method."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .errors import IrodoriError
from .hints import Hints
from .methods import Reference, Result, build_options, describe_methods, get_method


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
             method: str = "fill", **options: Any) -> Result:
    """Colour a line drawing.

    Parameters
    ----------
    ink : (H, W) float32 ndarray in [0, 1], 1 = ink (see :func:`irodori.load_lineart`).
    hints : Hints or None; coordinates in pixels of ``ink``.
    reference : Reference or None; a coloured page of the same character.
    method : a registered method name (:func:`irodori.list_methods`).
    **options : the method's options (see ``irodori methods``).

    Returns
    -------
    Result with ``image (H, W, 3) uint8``, ``flats (H, W, 4) uint8``,
    ``lines (H, W) uint8``, ``regions (H, W) int32`` or None and ``meta``.
    """
    ink = check_ink(ink)
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
    result = colorizer.run(ink, hints, reference, opts)
    result.meta.setdefault("method", method)
    result.meta.setdefault("options", {k: getattr(opts, k) for k in opts.__dataclass_fields__})
    result.meta["seconds"] = time.perf_counter() - start
    return result


def list_methods() -> list[dict[str, Any]]:
    """Every registered method: name, description, capabilities and options."""
    return describe_methods()
