"""irodori (彩り): line-art colourization for manga and anime artists.

>>> import irodori
>>> ink = irodori.load_lineart("page.png")
>>> hints = irodori.Hints.from_json("page.hints.json")
>>> result = irodori.colorize(ink, hints, method="fill")
>>> result.image.shape, result.flats.shape
>>> drawing = irodori.prepare(ink)        # re-colouring with new hints reuses it
>>> result = irodori.colorize(drawing, hints, method="fill")
"""

from __future__ import annotations

from .api import colorize, list_methods
from .drawing import Drawing, prepare
from .errors import IrodoriError
from .hints import Hints, Point, Stroke
from .io import load_lineart, read_rgb
from .methods import Result
from .reference_image import Reference
from .shade import shade  # the function; the module stays importable as irodori.shade via `from irodori.shade import ...`

__version__ = "0.1.0"

__all__ = ["colorize", "prepare", "Drawing", "list_methods", "load_lineart", "read_rgb", "Hints", "Point", "Stroke",
           "Reference", "Result", "IrodoriError", "shade", "__version__"]
