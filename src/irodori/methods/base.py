"""The one interface every colourization method implements, and its result.

A method is a class with a ``name``, a ``description``, declared
:class:`Capabilities`, a frozen ``Options`` dataclass of its options with
their defaults, and ``run(ink, hints, reference, options) -> Result``
(optionally with a keyword ``drawing``: the prepared
:class:`~irodori.drawing.Drawing` of ``ink``, to reuse work across colourings). The
registry (:mod:`irodori.methods`) validates input and options once, at the
boundary, so methods can trust what they get.

What people see of a method is metadata here too, so ``irodori methods``,
``GET /api/methods`` and the studio page read the same words: ``label`` and
``summary`` (plain words), ``group`` (an id of :data:`METHOD_GROUPS`: what
the artist has) and ``recommended``; each option declared with
:func:`option` carries a human ``label``, ``help``, and whether it is
``advanced`` (internals: shown collapsed).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from ..compose import Layer, composite, flatten, lines_layer
from ..drawing import Drawing
from ..errors import IrodoriError
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


@dataclass(frozen=True)
class MethodGroup:
    """Methods grouped by what the artist has; ``compare`` groups (baselines) are shown collapsed."""

    id: str
    label: str
    help: str
    compare: bool = False


#: The groups, in the order they are shown.
METHOD_GROUPS: tuple[MethodGroup, ...] = (
    MethodGroup("hints", "I have just dots",
                "Colour from dots and strokes you put on the drawing."),
    MethodGroup("reference", "I have a coloured page of the same character",
                "Colours taken from a coloured picture of the same character; dots are optional."),
    MethodGroup("compare", "Compare",
                "Baselines, to see what the real methods add; not for finished work.", compare=True),
)


def option(default: Any, label: str, help: str, *, advanced: bool = False,
           choices: dict[str, str] | None = None, path: bool = False, widget: str | None = None,
           min: float | None = None, max: float | None = None) -> Any:
    """A method option: a dataclass field carrying what the CLI, API and studio show for it.

    Parameters
    ----------
    default : the value when not given.
    label : a human name ("Close gaps up to"), not the field's identifier.
    help : one or two plain sentences on what it changes.
    advanced : an internal (sizes, threads, thresholds): shown collapsed.
    choices : for a string option, ``{value: human label}`` of the allowed values.
    path : the option names a file on the machine; the studio server never
        accepts those, so the page leaves them out.
    widget : a control the studio should use instead of the one of the type
        (a name the page knows, e.g. ``"direction"``); None = by type.
    min, max : bounds of a number option, for the studio's control.
    """
    meta = {"label": label, "help": help, "advanced": advanced, "path": path, "widget": widget,
            "choices": dict(choices) if choices else None, "min": min, "max": max}
    return field(default=default, metadata=meta)


@dataclass
class Result:
    """What every method returns, at the input's full resolution.

    ``image (H, W, 3) uint8``: flats multiplied by the untouched line layer.
    ``flats (H, W, 4) uint8`` RGBA: colour under the lines, alpha 0 where
    left unfilled. ``lines (H, W) uint8``: the line layer as alpha (255 =
    ink). ``regions (H, W) int32`` or None: the region each pixel belongs to.
    ``meta``: method, options, timings (seconds) and anything else worth
    reporting. ``layers``: extra named :class:`~irodori.compose.Layer` s
    over the flats, bottom to top (e.g. ``shadow`` multiply, ``highlight``
    screen, ``tone``); the line layer always stays on top of them, and a
    layer named ``lines`` (coloured lines) takes the place of the black one.
    ``image`` is always the flattening of :func:`picture_layers`; use
    :func:`with_layers` to add layers so it stays so.
    """

    image: np.ndarray
    flats: np.ndarray
    lines: np.ndarray
    regions: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list)


def make_result(flats: np.ndarray, ink: "np.ndarray | Drawing", regions: np.ndarray | None = None,
                **meta: Any) -> Result:
    """Assemble a Result from ``flats (H, W, 4) uint8`` RGBA and ``ink (H, W) float32``.

    ``ink`` may be a :class:`~irodori.drawing.Drawing`, whose line layer is then reused.
    """
    if isinstance(ink, Drawing):
        return Result(image=composite(flats, ink.ink), flats=flats, lines=ink.lines,
                      regions=regions, meta=dict(meta))
    return Result(image=composite(flats, ink), flats=flats, lines=lines_layer(ink),
                  regions=regions, meta=dict(meta))


def picture_layers(result: Result) -> list[Layer]:
    """The visible picture of a Result as layers, bottom to top, each ``(H, W, 4) uint8``.

    ``paper`` (opaque white), ``flats``, then ``result.layers`` in order,
    then the line layer: the result's own layer named ``lines`` if it has
    one, else black with the ink as alpha in *multiply* mode (black-with-alpha
    looks the same in *normal* mode, so programs that ignore blend modes
    still show it right).
    """
    h, w = result.lines.shape
    paper = np.full((h, w, 4), 255, np.uint8)
    extra = [layer for layer in result.layers if layer.name != "lines"]
    own = [layer for layer in result.layers if layer.name == "lines"]
    if own:
        lines = own[-1]
    else:
        rgba = np.zeros((h, w, 4), np.uint8)
        rgba[..., 3] = result.lines
        lines = Layer("lines", rgba, blend="multiply")
    return [Layer("paper", paper), Layer("flats", np.ascontiguousarray(result.flats, np.uint8)),
            *extra, lines]


def with_layers(result: Result, layers: list[Layer]) -> Result:
    """A copy of ``result`` with ``layers`` added on top of its extra layers and ``image`` recomposed.

    A layer whose name is already there replaces the old one in its place.
    Each layer must be ``(H, W, 4) uint8`` of the result's size.
    """
    h, w = result.lines.shape
    for layer in layers:
        if layer.rgba.shape != (h, w, 4) or layer.rgba.dtype != np.uint8:
            raise IrodoriError(f"layer {layer.name!r} must be ({h}, {w}, 4) uint8, "
                               f"got {layer.rgba.shape} {layer.rgba.dtype}")
    new = {layer.name: layer for layer in layers}
    merged = [new.pop(layer.name, layer) for layer in result.layers] + list(new.values())
    out = dataclasses.replace(result, layers=merged, meta=dict(result.meta))
    out.image = flatten(picture_layers(out))
    return out


class Colorizer(Protocol):
    """The interface of a registered method (see module docstring)."""

    name: ClassVar[str]
    description: ClassVar[str]
    label: ClassVar[str]
    summary: ClassVar[str]
    group: ClassVar[str]
    recommended: ClassVar[bool]
    capabilities: ClassVar[Capabilities]
    Options: ClassVar[type]

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None,
            options: Any) -> Result: ...

    # A method may also accept ``drawing: Drawing`` as a keyword argument of
    # ``run``: the prepared drawing of ``ink`` (:mod:`irodori.drawing`), to keep
    # what depends on the line art alone across colourings. The API passes it
    # to every method whose ``run`` names it.


def option_specs(options_cls: type) -> list[dict[str, Any]]:
    """Describe a method's Options dataclass, one JSON-ready dict per field.

    Keys: ``name``, ``type``, ``default``, ``label``, ``help``, ``advanced``,
    ``path``, ``widget``, ``choices`` (``[{"value", "label"}]`` or None),
    ``min``, ``max`` (see :func:`option`; a field declared without it gets
    its name as label and counts as advanced).
    """
    specs = []
    for f in dataclasses.fields(options_cls):
        default = f.default if f.default is not dataclasses.MISSING else None
        meta = f.metadata
        choices = meta.get("choices")
        specs.append({"name": f.name, "type": getattr(f.type, "__name__", str(f.type)),
                      "default": default, "label": meta.get("label", f.name.replace("_", " ")),
                      "help": meta.get("help", ""), "advanced": bool(meta.get("advanced", "label" not in meta)),
                      "path": bool(meta.get("path", False)), "widget": meta.get("widget"),
                      "choices": [{"value": k, "label": v} for k, v in choices.items()] if choices else None,
                      "min": meta.get("min"), "max": meta.get("max")})
    return specs


def group_of(name: str) -> MethodGroup:
    """The :class:`MethodGroup` with id ``name``; KeyError when there is none."""
    for g in METHOD_GROUPS:
        if g.id == name:
            return g
    raise KeyError(f"no method group {name!r}; known: {', '.join(g.id for g in METHOD_GROUPS)}")
