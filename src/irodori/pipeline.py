"""Files in, files out: colour one line-art file and write the picture, flats and layers.

What ``irodori colorize`` and ``make demo`` do, as one function: every
output path is checked before any work (so a long run never ends in "file
exists"), inputs are read with the same pixel limit, and every output is
written atomically.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .api import colorize
from .errors import IrodoriError
from .hints import Hints
from .io import (ALPHA_SUFFIXES, DEFAULT_MAX_PIXELS, IMAGE_SUFFIXES, WRITE_SUFFIXES, check_output, load_lineart,
                 read_dpi, read_rgb, read_rgba, write_image)
from .layers import LAYER_SUFFIXES, write_layers
from .methods import Reference, Result, build_options, get_method

PathLike = str | os.PathLike[str]


@dataclass
class Outputs:
    """Where to write: the picture, and optionally the flats and layered files."""

    image: PathLike
    flats: PathLike | None = None
    layers: Sequence[PathLike] = field(default_factory=tuple)
    overwrite: bool = False
    layers_per_colour: bool = False

    def paths(self) -> list[Path]:
        out = [Path(self.image)]
        if self.flats is not None:
            out.append(Path(self.flats))
        out.extend(Path(p) for p in self.layers)
        return out

    def check(self) -> None:
        """Raise IrodoriError unless every output can be written (see :func:`irodori.io.check_output`)."""
        check_output(self.image, self.overwrite, WRITE_SUFFIXES)
        if self.flats is not None:
            check_output(self.flats, self.overwrite, ALPHA_SUFFIXES)
        for p in self.layers:
            check_output(p, self.overwrite, LAYER_SUFFIXES)
        seen: set[Path] = set()
        for p in self.paths():
            key = p.resolve()
            if key in seen:
                raise IrodoriError(f"the same output path is given twice: {p}")
            seen.add(key)


def parse_option(text: str) -> tuple[str, Any]:
    """``"KEY=VALUE"`` -> ``(key, value)``; VALUE is read as JSON when it parses, else kept as text.

    So ``gap=3`` gives an int, ``sigma=0.5`` a float, ``cleanup=false`` a
    bool, ``palette=warm`` the string ``"warm"``.
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise IrodoriError(f"bad --option {text!r}: expected KEY=VALUE")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return key, value


def check_method(method: str, options: dict[str, Any] | None = None) -> None:
    """Fail on an unknown method name or option before any file is read."""
    build_options(get_method(method), options or {})


def load_hints(path: PathLike, shape: tuple[int, int], max_pixels: int = DEFAULT_MAX_PIXELS) -> Hints:
    """Read hints from ``.json`` or a PNG hint layer the size of the line art ``shape (H, W)``."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        hints = Hints.from_json(p)
    elif suffix not in IMAGE_SUFFIXES:
        raise IrodoriError(f"hints must be a .json file or a PNG hint layer, got {p}")
    else:
        layer = read_rgba(p, max_pixels)
        if layer.shape[:2] != tuple(shape):
            raise IrodoriError(f"hint layer {p} is {layer.shape[1]}x{layer.shape[0]} but the line art "
                               f"is {shape[1]}x{shape[0]}; they must be the same size")
        if layer[..., 3].min() == 255:
            raise IrodoriError(f"hint layer {p} has no transparent pixels; paint the hints on a "
                               "transparent layer (alpha > 0 marks a hint) and export it as RGBA PNG")
        hints = Hints.from_rgba(layer)
    hints.validate(shape)
    return hints


def load_reference(colors: PathLike, lines: PathLike | None = None,
                   max_pixels: int = DEFAULT_MAX_PIXELS) -> Reference:
    """A :class:`Reference` from a coloured page and, if given, its line art.

    Without ``lines``, the line art is extracted from the colours with
    ``irodori.lineart.extract_lines`` (XDoG). Whether lines were found is
    left to the method that uses the reference (``gray`` ignores it).
    """
    rgb = read_rgb(colors, max_pixels)
    if lines is not None:
        ink = load_lineart(lines, max_pixels)
    else:
        from .lineart import extract_lines

        ink = np.asarray(extract_lines(rgb, method="xdog"), np.float32)
    if ink.shape != rgb.shape[:2]:
        raise IrodoriError(f"reference lines are {ink.shape[1]}x{ink.shape[0]} but the reference "
                           f"colours are {rgb.shape[1]}x{rgb.shape[0]}; they must be the same size")
    return Reference(colors=rgb, ink=ink)


def load_references(colors: list[PathLike], lines: list[PathLike] | None = None,
                    max_pixels: int = DEFAULT_MAX_PIXELS) -> Reference | list[Reference] | None:
    """References from repeated ``--reference`` (and ``--reference-lines``, paired in order).

    None for no reference, one :class:`Reference` for one, a list for
    several (front, back, another outfit: ``match`` votes with all of them,
    other methods use the first). ``lines`` is empty or as long as ``colors``.
    """
    lines = list(lines or [])
    if lines and not colors:
        raise IrodoriError("--reference-lines needs --reference")
    if lines and len(lines) != len(colors):
        raise IrodoriError(f"{len(colors)} --reference but {len(lines)} --reference-lines; give one line art "
                           "per reference (in the same order) or none")
    refs = [load_reference(c, lines[i] if lines else None, max_pixels) for i, c in enumerate(colors)]
    if not refs:
        return None
    return refs[0] if len(refs) == 1 else refs


def colorize_file(lineart: PathLike, outputs: Outputs, hints: PathLike | Hints | None = None,
                  method: str = "fill", options: dict[str, Any] | None = None,
                  reference: Reference | list[Reference] | None = None,
                  max_pixels: int = DEFAULT_MAX_PIXELS,
                  shading: dict[str, Any] | None = None, tones: str = "drop",
                  page: bool = True) -> tuple[Result, list[Path]]:
    """Colour the line art in ``lineart`` and write ``outputs``; returns the Result and written paths.

    Checks every output path first, then reads the line art and hints
    (``.json`` or a PNG hint layer of the same size), runs
    :func:`irodori.colorize`, then :func:`irodori.shade` with ``shading``
    (its keyword arguments, see :func:`irodori.shade.shading_options`) when
    given, and writes the picture, the flats (RGBA) and the layered files
    (with the shading layers), each atomically, each with the line art's
    resolution (dpi) when its file declares one. ``tones`` and ``page`` are
    :func:`irodori.colorize`'s manga-page settings.
    """
    outputs.check()
    check_method(method, options)
    ink = load_lineart(lineart, max_pixels)
    dpi = read_dpi(lineart)
    if hints is None or isinstance(hints, Hints):
        hint_set = hints
        if hint_set is not None:
            hint_set.validate(ink.shape)
    else:
        hint_set = load_hints(hints, ink.shape, max_pixels)
    result = colorize(ink, hint_set, reference, method=method, tones=tones, page=page, **(options or {}))
    if shading:
        from .shade import shade

        result = shade(result, ink, **shading)
    written = [write_image(outputs.image, result.image, overwrite=outputs.overwrite, dpi=dpi)]
    if outputs.flats is not None:
        written.append(write_image(outputs.flats, result.flats, overwrite=outputs.overwrite, dpi=dpi))
    for p in outputs.layers:
        written.append(write_layers(p, result, hint_set, overwrite=outputs.overwrite, dpi=dpi,
                                    per_colour=outputs.layers_per_colour))
    return result, written
