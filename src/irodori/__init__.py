"""irodori (彩り): line-art colourization for manga and anime artists.

>>> import irodori
>>> ink = irodori.load_lineart("page.png")
>>> hints = irodori.Hints.from_json("page.hints.json")
>>> result = irodori.colorize(ink, hints, method="fill")
>>> result.image.shape, result.flats.shape
"""

from __future__ import annotations

from .api import colorize, list_methods
from .errors import IrodoriError
from .hints import Hints, Point, Stroke
from .io import load_lineart, read_rgb
from .methods import Result
from .reference_image import Reference

__version__ = "0.1.0"

__all__ = ["colorize", "list_methods", "load_lineart", "read_rgb", "Hints", "Point", "Stroke",
           "Reference", "Result", "IrodoriError", "__version__"]
