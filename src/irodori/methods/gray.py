"""Baseline ``gray``: the line art on white paper, no colour at all.

The floor every method must beat in evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..hints import Hints
from . import register
from .base import Capabilities, Reference, Result, make_result


@register
class Gray:
    """Line art on white: flats are white everywhere."""

    name = "gray"
    description = "Baseline: the line art on white paper (no colour)."
    label = "No colour (lines on white)"
    summary = "The drawing on white paper: the starting point every method is compared with."
    group = "compare"
    capabilities = Capabilities(needs_hints=False, uses_hints=False, flats=True)

    @dataclass(frozen=True)
    class Options:
        pass

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None, options: Options) -> Result:
        flats = np.full((*ink.shape, 4), 255, np.uint8)
        return make_result(flats, ink, regions=None)
