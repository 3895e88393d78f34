"""The coloured reference a reference method learns from: a core type.

A :class:`Reference` is a coloured page of the same character with its line
art. It lives in the core (not in :mod:`irodori.methods`) so that the
reference toolkit (:mod:`irodori.reference`: descriptors, palette,
registration) and every adapter can use it without importing the methods;
:mod:`irodori.methods` re-exports it for existing callers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Reference:
    """A coloured page of the same character: ``colors (H, W, 3) uint8`` and ``ink (H, W) float32``.

    ``ink`` may be None: the lines are then extracted from the colours
    (:func:`irodori.reference.prepare.check_reference`).
    """

    colors: np.ndarray
    ink: np.ndarray | None
