"""The one interface every colourization method implements, and its result.

A method is a class with a ``name``, a ``description``, declared
:class:`Capabilities`, a frozen ``Options`` dataclass of its options with
their defaults, and ``run(ink, hints, reference, options) -> Result``. The
registry (:mod:`irodori.methods`) validates input and options once, at the
boundary, so methods can trust what they get.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from ..compose import composite, lines_layer
from ..hints import Hints
from ..reference_image import Reference


@dataclass(frozen=True)
class Capabilities:
    """What a method needs and gives, so the CLI, studio and evaluation need no special cases.

    ``needs_hints``: fails without at least one hint. ``uses_hints``: hints
    change the result. ``needs_reference``: needs a coloured reference of the
    same character. ``flats``: gives clean flat colours (one per region).
    """

    needs_hints: bool = False
    uses_hints: bool = True
    needs_reference: bool = False
    flats: bool = False


@dataclass
class Result:
    """What every method returns, at the input's full resolution.

    ``image (H, W, 3) uint8``: flats multiplied by the untouched line layer.
    ``flats (H, W, 4) uint8`` RGBA: colour under the lines, alpha 0 where
    left unfilled. ``lines (H, W) uint8``: the line layer as alpha (255 =
    ink). ``regions (H, W) int32`` or None: the region each pixel belongs to.
    ``meta``: method, options, timings (seconds) and anything else worth
    reporting.
    """

    image: np.ndarray
    flats: np.ndarray
    lines: np.ndarray
    regions: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def make_result(flats: np.ndarray, ink: np.ndarray, regions: np.ndarray | None = None,
                **meta: Any) -> Result:
    """Assemble a Result from ``flats (H, W, 4) uint8`` RGBA and ``ink (H, W) float32``."""
    return Result(image=composite(flats, ink), flats=flats, lines=lines_layer(ink),
                  regions=regions, meta=dict(meta))


class Colorizer(Protocol):
    """The interface of a registered method (see module docstring)."""

    name: ClassVar[str]
    description: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    Options: ClassVar[type]

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None,
            options: Any) -> Result: ...


def option_specs(options_cls: type) -> list[dict[str, Any]]:
    """Describe a method's Options dataclass: name, type, default and help for each field."""
    specs = []
    for f in dataclasses.fields(options_cls):
        default = f.default if f.default is not dataclasses.MISSING else None
        specs.append({"name": f.name, "type": getattr(f.type, "__name__", str(f.type)),
                      "default": default, "help": f.metadata.get("help", "")})
    return specs
