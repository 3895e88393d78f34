"""Colour: sRGB <-> CIE Lab (D65) and the CIEDE2000 colour difference.

Thin, typed wrappers over scikit-image so every module speaks one contract:
sRGB images are ``(..., 3) uint8``; Lab images are ``(..., 3) float32`` with
L in ``[0, 100]`` and a, b roughly in ``[-128, 127]``.
"""

from __future__ import annotations

import re

import numpy as np
from skimage import color as _skcolor

from .errors import IrodoriError

_HEX = re.compile(r"^#([0-9a-fA-F]{6})$")

RGB = tuple[int, int, int]


def parse_hex(text: str) -> RGB:
    """Parse ``#rrggbb`` into an ``(r, g, b)`` tuple of ints in ``[0, 255]``.

    Raises IrodoriError for anything else (``#fff``, names, missing ``#``).
    """
    if not isinstance(text, str) or not _HEX.match(text):
        raise IrodoriError(f"bad colour {text!r}: expected '#rrggbb' or 'transparent'")
    v = int(text[1:], 16)
    return (v >> 16) & 255, (v >> 8) & 255, v & 255


def to_hex(rgb: RGB) -> str:
    """Format an ``(r, g, b)`` tuple of ints in ``[0, 255]`` as ``#rrggbb``."""
    r, g, b = (int(c) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """``(..., 3)`` uint8 colours as one ``(...) int64`` each, ``r << 16 | g << 8 | b`` (for np.unique and keys)."""
    a = np.asarray(rgb).astype(np.int64)
    return (a[..., 0] << 16) | (a[..., 1] << 8) | a[..., 2]


def unpack_rgb(packed: np.ndarray) -> np.ndarray:
    """Inverse of :func:`pack_rgb`: ``(...)`` integers in ``[0, 2**24)`` -> ``(..., 3) uint8``."""
    v = np.asarray(packed, np.int64)
    return np.stack([(v >> 16) & 255, (v >> 8) & 255, v & 255], axis=-1).astype(np.uint8)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """Convert sRGB ``(..., 3) uint8`` to Lab ``(..., 3) float32`` (D65)."""
    rgb = np.asarray(rgb)
    if rgb.shape[-1:] != (3,):
        raise IrodoriError(f"expected an (..., 3) RGB array, got shape {rgb.shape}")
    return _skcolor.rgb2lab(rgb.astype(np.float32) / 255.0).astype(np.float32)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """Convert Lab ``(..., 3)`` float to sRGB ``(..., 3) uint8`` (clipped to gamut)."""
    rgb = _skcolor.lab2rgb(np.asarray(lab, dtype=np.float64))
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 difference between two Lab arrays of shape ``(..., 3)``.

    Returns ``(...)`` float32; 0 means identical, about 2.3 is a just
    noticeable difference.
    """
    return _skcolor.deltaE_ciede2000(np.asarray(lab1), np.asarray(lab2)).astype(np.float32)


def rgb_ciede2000(rgb1: np.ndarray, rgb2: np.ndarray) -> np.ndarray:
    """CIEDE2000 between two sRGB ``(..., 3) uint8`` arrays; returns ``(...)`` float32."""
    return ciede2000(rgb_to_lab(rgb1), rgb_to_lab(rgb2))
