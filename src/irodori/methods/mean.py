"""Baseline ``mean``: the per-pixel mean colour of the training images.

What a method scores when it knows the data set but not the drawing: the
average of every training colour image (resized to one size), stretched to
the input's size and put under the lines. ``irodori eval --mean-from DIR``
computes the mean image from DIR's train split and passes its PNG as the
``mean_image`` option. Without that option the method uses the shipped
``models/mean_train.png``: the mean of the default neural model's training
images (OpenMoji and DiceBear train splits, 64 x 64; ``make mean-image``
rebuilds it).
"""

from __future__ import annotations

import os
from pathlib import Path
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..errors import IrodoriError
from ..hints import Hints
from ..io import read_rgb
from . import register

SHIPPED_MEAN = Path(__file__).resolve().parent.parent / "models" / "mean_train.png"
from .base import Capabilities, Reference, Result, make_result, option


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> np.ndarray:
    return read_rgb(path)


def resized_mean(path: str, shape: tuple[int, int]) -> np.ndarray:
    """The mean image at ``path`` resized to ``shape (H, W)``: ``(H, W, 3) uint8``."""
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        raise IrodoriError(f"mean image not found: {path}") from None
    mean = _load(path, mtime)
    h, w = shape
    if mean.shape[:2] == (h, w):
        return mean
    interp = cv2.INTER_AREA if mean.shape[0] > h and mean.shape[1] > w else cv2.INTER_LINEAR
    return cv2.resize(mean, (w, h), interpolation=interp)


@register
class Mean:
    """Flats are the training set's mean colour image, resized to the input."""

    name = "mean"
    description = "Baseline: the per-pixel mean colour of the training images (option mean_image)."
    label = "Average training colours"
    summary = "Every pixel gets the average colour of the network's training pictures there."
    group = "compare"
    capabilities = Capabilities(needs_hints=False, uses_hints=False, flats=False)

    @dataclass(frozen=True)
    class Options:
        mean_image: str | None = option(
            None, "Mean image file",
            "PNG of the mean training colour image (irodori eval --mean-from DIR writes one); "
            "default: the mean of the default model's training data.", advanced=True, path=True)

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None, options: Options) -> Result:
        rgb = resized_mean(options.mean_image or str(SHIPPED_MEAN), ink.shape)
        flats = np.concatenate([rgb, np.full((*ink.shape, 1), 255, np.uint8)], axis=2)
        return make_result(flats, ink, regions=None)
