"""Layered export: a Result as OpenRaster (``.ora``) or Photoshop (``.psd``) layers.

The stack, bottom to top, is what a colourist works with in Krita, GIMP,
Clip Studio or Photoshop. It is whatever layers the result has
(:func:`irodori.methods.picture_layers`), so no format needs special cases:

``paper``
    opaque white.
``flats``
    the method's flat colours, RGBA (alpha 0 where a region was left unfilled).
the result's extra layers, in order (:attr:`Result.layers`)
    e.g. ``shadow`` (*multiply*) and ``highlight`` (*screen*) from
    :func:`irodori.shade`, or a ``tone`` layer.
``lines``
    the untouched line art as **black with the ink as alpha**, blend mode
    *multiply* (or the result's own ``lines`` layer: coloured lines).
    Black-with-alpha gives the same picture in *normal* mode
    (``paper * (1 - ink)`` either way), so the file still looks right in a
    program that ignores blend modes, and an artist can recolour the lines by
    locking alpha and painting.
``hints`` (only when hints are given)
    the colour hints, hidden, so the artist can see what was asked for.

Visible layers flatten to exactly :attr:`Result.image` (see :func:`flatten`).
"""

from __future__ import annotations

import io as _stdio
import os
import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
from PIL import Image

from .compose import BLEND_MODES, Layer, flatten
from .errors import IrodoriError
from .hints import Hints
from .io import write_bytes_atomic
from .methods.base import Result, picture_layers

#: Suffixes :func:`write_layers` can write.
LAYER_SUFFIXES = (".ora", ".psd")
THUMBNAIL_MAX = 256
_ORA_OPS = {"normal": "svg:src-over", "multiply": "svg:multiply", "screen": "svg:screen"}

__all__ = ["BLEND_MODES", "LAYER_SUFFIXES", "Layer", "encode_ora", "encode_psd", "flatten",
           "result_layers", "write_layers"]


def result_layers(result: Result, hints: Hints | None = None) -> list[Layer]:
    """The layer stack of a Result, bottom to top (see module docstring).

    Parameters
    ----------
    result : Result with ``flats (H, W, 4) uint8``, ``lines (H, W) uint8``
        and any extra ``layers``.
    hints : Hints or None; drawn as a hidden top layer when non-empty.

    Returns
    -------
    list of Layer, each ``(H, W, 4) uint8``.
    """
    h, w = result.lines.shape
    if result.flats.shape != (h, w, 4):
        raise IrodoriError(f"flats must be (H, W, 4) RGBA of the lines' size {h}x{w}, "
                           f"got {result.flats.shape}")
    stack = picture_layers(result)
    if hints:
        stack.append(Layer("hints", hints.to_rgba((h, w)), visible=False))
    return stack


def _check(layers: list[Layer]) -> tuple[int, int]:
    if not layers:
        raise IrodoriError("a layered file needs at least one layer")
    h, w = layers[0].rgba.shape[:2]
    for layer in layers:
        if layer.rgba.shape != (h, w, 4) or layer.rgba.dtype != np.uint8:
            raise IrodoriError(f"layer {layer.name!r} must be ({h}, {w}, 4) uint8, "
                               f"got {layer.rgba.shape} {layer.rgba.dtype}")
        if layer.blend not in BLEND_MODES:
            raise IrodoriError(f"layer {layer.name!r}: blend mode {layer.blend!r} not in {BLEND_MODES}")
    return h, w


def _png(rgba: np.ndarray) -> bytes:
    buf = _stdio.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba)).save(buf, format="PNG")
    return buf.getvalue()


def encode_ora(layers: list[Layer]) -> bytes:
    """An OpenRaster file (bytes) of ``layers``, given bottom to top.

    Follows the OpenRaster 0.0.5 layout: ``mimetype`` first and stored
    uncompressed, ``stack.xml`` (top layer first, ``svg:multiply`` / ``svg:screen``
    for those modes), ``data/<n>.png`` per layer, ``mergedimage.png`` (visible
    layers flattened) and ``Thumbnails/thumbnail.png`` (at most 256 px).
    """
    h, w = _check(layers)
    merged = flatten(layers)
    thumb = Image.fromarray(merged)
    thumb.thumbnail((THUMBNAIL_MAX, THUMBNAIL_MAX))
    entries = []
    for i, layer in enumerate(reversed(layers)):
        src = f"data/{len(layers) - 1 - i:03d}_{_safe(layer.name)}.png"
        entries.append((layer, src))
    xml = ["<?xml version='1.0' encoding='UTF-8'?>",
           f'<image version="0.0.5" w="{w}" h="{h}" xres="72" yres="72">',
           "<stack>"]
    for layer, src in entries:
        op = _ORA_OPS[layer.blend]
        vis = "visible" if layer.visible else "hidden"
        xml.append(f"<layer name={quoteattr(layer.name)} src={quoteattr(src)} x=\"0\" y=\"0\" "
                   f"opacity=\"{layer.opacity:.3f}\" visibility=\"{vis}\" composite-op=\"{op}\"/>")
    xml += ["</stack>", "</image>", ""]
    buf = _stdio.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), b"image/openraster", compress_type=zipfile.ZIP_STORED)
        z.writestr("stack.xml", "\n".join(xml).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        for layer, src in entries:
            # PNG is already compressed; deflating it again only costs time.
            z.writestr(src, _png(layer.rgba), compress_type=zipfile.ZIP_STORED)
        z.writestr("mergedimage.png", _png(np.dstack([merged, np.full((h, w), 255, np.uint8)])),
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("Thumbnails/thumbnail.png", _png(np.asarray(thumb.convert("RGBA"))),
                   compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "layer"


def encode_psd(layers: list[Layer]) -> bytes:
    """A Photoshop file (bytes) of ``layers``, given bottom to top.

    An 8-bit RGBA document (alpha as each layer's transparency channel,
    not a mask) written with psd-tools; multiply and screen layers get
    Photoshop's blend modes of the same name, hidden layers are saved hidden, and the embedded
    composite is the flattened visible stack.
    """
    from psd_tools import PSDImage
    from psd_tools.constants import BlendMode

    h, w = _check(layers)
    psd = PSDImage.new("RGBA", (w, h), color=(255, 255, 255, 255))
    for layer in layers:
        mode = {"normal": BlendMode.NORMAL, "multiply": BlendMode.MULTIPLY,
                "screen": BlendMode.SCREEN}[layer.blend]
        px = psd.create_pixel_layer(Image.fromarray(np.ascontiguousarray(layer.rgba), "RGBA"),
                                    name=layer.name, opacity=int(round(layer.opacity * 255)),
                                    blend_mode=mode)
        px.visible = layer.visible
    buf = _stdio.BytesIO()
    psd.save(buf)
    return buf.getvalue()


def write_layers(path: str | os.PathLike[str], result: Result, hints: Hints | None = None,
                 overwrite: bool = False) -> Path:
    """Write a Result's layers as ``.ora`` or ``.psd`` (by suffix), atomically; returns the path."""
    suffix = Path(path).suffix.lower()
    if suffix not in LAYER_SUFFIXES:
        raise IrodoriError(f"{path}: layered output must end in .ora or .psd, got {suffix or 'no suffix'!r}")
    stack = result_layers(result, hints)
    data = encode_ora(stack) if suffix == ".ora" else encode_psd(stack)
    return write_bytes_atomic(path, data, overwrite=overwrite)
