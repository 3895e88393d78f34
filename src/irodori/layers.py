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

import cv2
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

__all__ = ["BLEND_MODES", "LAYER_SUFFIXES", "Layer", "colour_pieces", "encode_ora", "encode_psd", "flatten",
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


def colour_pieces(flats: np.ndarray, max_colours: int = 256) -> list[tuple[str, np.ndarray, int, int]]:
    """The flats cut into one piece per colour, largest area first.

    ``flats (H, W, 4) uint8`` RGBA; returns ``(name, rgba, top, left)`` per
    colour of its opaque pixels: ``name`` is ``flat #rrggbb``, ``rgba`` the
    colour over the box that holds it (transparent where the flats have
    another colour) and ``top, left`` the box's place on the page. The pieces
    together show exactly the flats. More than ``max_colours`` colours (a
    painted, not flat, picture) is an error.
    """
    from scipy import ndimage as ndi

    h, w = flats.shape[:2]
    packed = np.ascontiguousarray(flats).view(np.uint32).reshape(h, w)  # one RGBA word a pixel
    flat = packed.ravel()
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]]) if flat.size else np.zeros(0, np.int64)
    run_val = flat[starts]
    colours = np.unique(run_val)  # every colour starts some run: no pass over all pixels
    opaque = colours.view(np.uint8).reshape(-1, 4)[:, 3] > 0
    if int(opaque.sum()) > max_colours:
        raise IrodoriError(f"the flats hold {int(opaque.sum())} colours, more than {max_colours} "
                           "layers; per-colour layers are for flat colours")
    index = np.searchsorted(colours, run_val).astype(np.int32) + 1
    ids = np.repeat(index, np.diff(np.append(starts, flat.size))).reshape(h, w)
    boxes = ndi.find_objects(ids, max_label=len(colours))
    area = np.bincount(index, weights=np.diff(np.append(starts, flat.size)), minlength=len(colours) + 1)[1:]
    out = []
    for i in sorted(np.flatnonzero(opaque), key=lambda i: -area[i]):
        box = boxes[i]
        if box is None:
            continue
        part = np.where((ids[box] == i + 1)[..., None], flats[box], 0).astype(np.uint8)
        r, g, b = (int(v) for v in colours[i:i + 1].view(np.uint8)[:3])
        out.append((f"flat #{r:02x}{g:02x}{b:02x}", part, box[0].start, box[1].start))
    return out


def _pieces(layers: list[Layer], per_colour: bool) -> list[tuple[str, np.ndarray, str, bool, float, int, int]]:
    """Each layer as ``(name, rgba, blend, visible, opacity, top, left)``; with ``per_colour``,
    the ``flats`` layer as its colour pieces (:func:`colour_pieces`)."""
    out = []
    for layer in layers:
        if per_colour and layer.name == "flats":
            out += [(name, part, layer.blend, layer.visible, layer.opacity, top, left)
                    for name, part, top, left in colour_pieces(layer.rgba)]
        else:
            out.append((layer.name, layer.rgba, layer.blend, layer.visible, layer.opacity, 0, 0))
    return out


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


def _png(rgba: np.ndarray, dpi: tuple[float, float] | None = None) -> bytes:
    buf = _stdio.BytesIO()
    extra = {"dpi": tuple(float(v) for v in dpi)} if dpi else {}
    # level 1: layer files are flat colour and alpha, which deflate well at any level
    Image.fromarray(np.ascontiguousarray(rgba)).save(buf, format="PNG", compress_level=1, **extra)
    return buf.getvalue()


def encode_ora(layers: list[Layer], dpi: tuple[float, float] | None = None,
               merged: np.ndarray | None = None, per_colour: bool = False) -> bytes:
    """An OpenRaster file (bytes) of ``layers``, given bottom to top.

    Follows the OpenRaster 0.0.5 layout: ``mimetype`` first and stored
    uncompressed, ``stack.xml`` (top layer first, ``svg:multiply`` / ``svg:screen``
    for those modes, ``xres``/``yres`` the page's ``dpi``, default 72),
    ``data/<n>.png`` per layer, ``mergedimage.png`` (visible layers
    flattened, or ``merged (H, W, 3) uint8`` when the caller has it) and
    ``Thumbnails/thumbnail.png`` (at most 256 px). ``per_colour`` writes the
    ``flats`` layer as one layer per colour (:func:`colour_pieces`), each
    placed by ``x``, ``y`` over its own box.
    """
    h, w = _check(layers)
    merged = flatten(layers) if merged is None else merged
    thumb = Image.fromarray(merged)
    thumb.thumbnail((THUMBNAIL_MAX, THUMBNAIL_MAX))
    pieces = _pieces(layers, per_colour)
    entries = []
    for i, piece in enumerate(reversed(pieces)):
        src = f"data/{len(pieces) - 1 - i:03d}_{_safe(piece[0])}.png"
        entries.append((piece, src))
    xres, yres = (round(float(v), 3) for v in (dpi or (72, 72)))
    xml = ["<?xml version='1.0' encoding='UTF-8'?>",
           f'<image version="0.0.5" w="{w}" h="{h}" xres="{xres:g}" yres="{yres:g}">',
           "<stack>"]
    for (name, _, blend, visible, opacity, top, left), src in entries:
        op = _ORA_OPS[blend]
        vis = "visible" if visible else "hidden"
        xml.append(f"<layer name={quoteattr(name)} src={quoteattr(src)} x=\"{left}\" y=\"{top}\" "
                   f"opacity=\"{opacity:.3f}\" visibility=\"{vis}\" composite-op=\"{op}\"/>")
    xml += ["</stack>", "</image>", ""]
    buf = _stdio.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), b"image/openraster", compress_type=zipfile.ZIP_STORED)
        z.writestr("stack.xml", "\n".join(xml).encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        for (_, rgba, *_rest), src in entries:
            # PNG is already compressed; deflating it again only costs time.
            z.writestr(src, _png(rgba, dpi), compress_type=zipfile.ZIP_STORED)
        z.writestr("mergedimage.png", _png(cv2.cvtColor(np.ascontiguousarray(merged), cv2.COLOR_RGB2RGBA), dpi),
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("Thumbnails/thumbnail.png", _png(np.asarray(thumb.convert("RGBA"))),
                   compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "layer"


def encode_psd(layers: list[Layer], dpi: tuple[float, float] | None = None,
               merged: np.ndarray | None = None, per_colour: bool = False) -> bytes:
    """A Photoshop file (bytes) of ``layers``, given bottom to top.

    An 8-bit RGB document of RGBA pixel layers (alpha as each layer's
    transparency channel, not a mask); multiply and screen layers get
    Photoshop's blend modes of the same name, hidden layers are saved hidden,
    the embedded picture is the flattened visible stack (or ``merged (H, W, 3)
    uint8``) and the resolution is ``dpi`` (default 72). Every channel is
    RLE-compressed (:mod:`irodori.psd`). ``per_colour`` writes the ``flats``
    layer as one layer per colour (:func:`colour_pieces`), each over its own box.
    """
    from .psd import encode

    _check(layers)
    merged = flatten(layers) if merged is None else merged
    return encode(_pieces(layers, per_colour), merged, dpi=dpi)


def write_layers(path: str | os.PathLike[str], result: Result, hints: Hints | None = None,
                 overwrite: bool = False, dpi: tuple[float, float] | None = None,
                 per_colour: bool = False) -> Path:
    """Write a Result's layers as ``.ora`` or ``.psd`` (by suffix), atomically; returns the path.

    ``dpi``: the page's resolution (kept from the input, see
    :func:`irodori.io.read_dpi`); ``per_colour``: one layer per flat colour
    (see :func:`colour_pieces`), each stored over its own box.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in LAYER_SUFFIXES:
        raise IrodoriError(f"{path}: layered output must end in .ora or .psd, got {suffix or 'no suffix'!r}")
    stack = result_layers(result, hints)
    encode = encode_ora if suffix == ".ora" else encode_psd
    # the visible stack flattens to the result's picture (module docstring): no need to recompose it
    data = encode(stack, dpi=dpi, merged=result.image, per_colour=per_colour)
    return write_bytes_atomic(path, data, overwrite=overwrite)
