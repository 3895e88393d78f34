"""Validating a reference and building the region graph the reference methods share."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import IrodoriError
from ..reference_image import Reference
from .features import INK_LINE


def check_reference(reference: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate a reference; returns ``(colors (H, W, 3) uint8, ink (H, W) float32 [0, 1])``.

    A reference whose ``ink`` is None gets its lines extracted from its
    colours (``irodori.lineart.extract_lines``). Raises IrodoriError for a
    wrong type or shape, lines and colours of different sizes, or line art
    with no lines (for instance when extraction found none).
    """
    if not isinstance(reference, Reference):
        raise IrodoriError(f"reference must be irodori.Reference, got {type(reference).__name__}")
    colors = np.asarray(reference.colors)
    if colors.ndim != 3 or colors.shape[2] != 3 or colors.dtype != np.uint8:
        raise IrodoriError(f"reference colours must be an (H, W, 3) uint8 array, got {colors.shape} {colors.dtype}")
    if reference.ink is None:
        ink = extract_reference_lines(colors)
    else:
        ink = np.asarray(reference.ink)
    if ink.ndim != 2 or not np.issubdtype(ink.dtype, np.floating):
        raise IrodoriError(f"reference ink must be an (H, W) float array in [0, 1], got {ink.shape} {ink.dtype}")
    if ink.shape != colors.shape[:2]:
        raise IrodoriError(f"reference lines are {ink.shape[1]}x{ink.shape[0]} but its colours are "
                           f"{colors.shape[1]}x{colors.shape[0]}; they must be the same size")
    ink = ink.astype(np.float32, copy=False)
    if not np.isfinite(ink).all() or ink.min() < 0 or ink.max() > 1:
        raise IrodoriError("reference ink must hold finite values in [0, 1]")
    if not (ink >= INK_LINE).any():
        raise IrodoriError("the reference's line art has no lines; give its line art with --reference-lines")
    return colors, ink


def extract_reference_lines(colors: np.ndarray) -> np.ndarray:
    """Line art of a coloured reference ``(H, W, 3) uint8`` -> ink ``(H, W) float32``; IrodoriError if none found."""
    from ..lineart import extract_lines

    ink = np.asarray(extract_lines(colors, method="xdog"), np.float32)
    if ink.shape != colors.shape[:2] or not (ink >= INK_LINE).any():
        raise IrodoriError("could not extract line art from the reference colours; "
                           "give its line art with --reference-lines")
    return ink


GAP_SHARE = 0.012  # the largest line gap closed, as a share of the drawing's frame side


def drawing_gap(ink: np.ndarray) -> float:
    """Largest gap in a line (pixels) the reference methods close: tied to the drawing's size.

    :data:`GAP_SHARE` of the side of the lines' bounding box, and never less
    than the region graph's own default, so a reference and a new drawing of
    different sizes close the same openings of the character.
    """
    from ..regions import default_gap

    from .features import drawing_frame

    return max(default_gap(ink.shape), GAP_SHARE * drawing_frame(ink).side)


def region_graph(ink: np.ndarray, gap: float | None = None) -> Any:
    """The fill engine's region graph of ``ink (H, W) float32`` (see :mod:`irodori.regions`).

    ``gap``: the largest line gap closed, pixels (None = :func:`drawing_gap`).
    """
    from ..regions import build_region_graph

    graph = build_region_graph(ink, gap=drawing_gap(ink) if gap is None else gap)
    if graph.n < 1:
        raise IrodoriError("the line art has no paper regions")
    return graph
