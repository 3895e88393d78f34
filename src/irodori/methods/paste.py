"""Baseline ``paste``: the reference's colours pasted unchanged under the new lines.

The floor for colouring from a reference: it is right exactly where the new
drawing matches the reference pixel for pixel. A reference of another size
is resized to the new drawing's size; colour under the reference's own
lines is replaced by the nearest paper colour so its lines do not show.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage as ndi

from ..errors import IrodoriError
from ..hints import Hints
from ..reference.palette import PAPER
from ..reference.prepare import check_reference
from . import register
from .base import Capabilities, Reference, Result, make_result


def reference_flats(colors: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """The reference's colours with its lines removed: ``(H, W, 3) uint8``.

    Pixels under lines (``ink >= 0.3``) take the colour of the nearest paper pixel.
    """
    lines = ink >= PAPER
    if not lines.any():
        return colors.copy()
    _, (iy, ix) = ndi.distance_transform_edt(lines, return_indices=True)
    return colors[iy, ix]


@register
class Paste:
    """The reference's colours, unchanged, under the new line art."""

    name = "paste"
    description = "Baseline: the reference's colours pasted unchanged under the new line art."
    label = "Paste the coloured page as it is"
    summary = "The coloured page's colours laid under the new drawing without moving them."
    group = "compare"
    capabilities = Capabilities(needs_hints=False, uses_hints=False, needs_reference=True, flats=True)

    @dataclass(frozen=True)
    class Options:
        pass

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None, options: Options) -> Result:
        if reference is None:
            raise IrodoriError("method 'paste' needs a coloured reference (--reference)")
        colors, ref_ink = check_reference(reference)
        flat = reference_flats(colors, ref_ink)
        h, w = ink.shape
        if flat.shape[:2] != (h, w):
            flat = cv2.resize(flat, (w, h), interpolation=cv2.INTER_NEAREST)
        flats = np.concatenate([flat, np.full((h, w, 1), 255, np.uint8)], axis=2)
        return make_result(flats, ink, regions=None)
