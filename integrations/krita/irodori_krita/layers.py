"""Krita layers <-> PNG bytes, and the result of a colourization as a group of layers under the lines.

Runs inside Krita (its ``krita`` module and PyQt5); imports nothing of irodori. Pixels travel as PNG:
the line layer and the hint layer are read from their projections (masks and groups included) over the
whole canvas; the flats and any extra layers of the answer (shadow, highlight, tone, coloured lines)
come back as RGBA PNGs and are written into new paint layers, which are filled *before* they enter the
image and then added as one group in one step: a single Ctrl+Z takes the whole result away.
"""

from __future__ import annotations

import base64
from typing import Any

from PyQt5.QtCore import QBuffer, QByteArray, QIODevice
from PyQt5.QtGui import QImage

from . import client

#: irodori blend mode -> Krita composite op id.
BLEND = {"normal": "normal", "multiply": "multiply", "screen": "screen", "overlay": "overlay",
         "add": "add", "soft_light": "soft_light_svg", "darken": "darken", "lighten": "lighten"}
GROUP_PREFIX = "irodori"


class PluginError(Exception):
    """A one-line message for the artist (wrong colour space, no line layer, ...)."""


def check_document(doc: Any) -> None:
    """irodori reads and writes 8-bit RGBA pixels; other documents are refused with what to do."""
    if doc is None:
        raise PluginError("open a drawing first")
    if doc.colorModel() != "RGBA" or doc.colorDepth() != "U8":
        raise PluginError(f"irodori works on RGB/Alpha 8-bit images, this one is {doc.colorModel()} "
                          f"{doc.colorDepth()}: Image > Convert Image Color Space")


def node_png(node: Any, width: int, height: int) -> bytes:
    """The node as it looks (its projection) over the canvas ``(0, 0, width, height)``, as RGBA PNG bytes."""
    data = bytes(node.projectionPixelData(0, 0, width, height))
    if len(data) != width * height * 4:
        raise PluginError(f"layer {node.name()!r} is not an 8-bit RGBA layer")
    # Krita's 8-bit RGBA is stored B, G, R, A: QImage's ARGB32 on a little-endian machine.
    image = QImage(data, width, height, width * 4, QImage.Format_ARGB32).copy()
    buf = QBuffer()
    buf.open(QIODevice.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data())


def png_bgra(png: bytes, width: int, height: int) -> bytes:
    """Decode PNG bytes into Krita's 8-bit B, G, R, A pixel bytes (size checked)."""
    image = QImage.fromData(QByteArray(png), "PNG")
    if image.isNull():
        raise PluginError("the server sent a picture that does not decode")
    if (image.width(), image.height()) != (width, height):
        raise PluginError(f"the server sent {image.width()}x{image.height()}, expected {width}x{height}")
    image = image.convertToFormat(QImage.Format_ARGB32)
    ptr = image.constBits()
    ptr.setsize(image.byteCount())
    raw = bytes(ptr)
    stride = image.bytesPerLine()
    if stride == width * 4:
        return raw
    return b"".join(raw[y * stride:y * stride + width * 4] for y in range(height))


def is_hint_layer(node: Any) -> bool:
    """A layer named like a hint layer ("hints", "irodori hints", "colour hints", ...)."""
    return "hint" in node.name().lower()


def find_hint_layer(doc: Any) -> Any | None:
    """The topmost paint layer whose name says "hint", anywhere in the document (or None)."""
    def walk(node: Any) -> Any | None:
        for child in reversed(node.childNodes()):
            if child.type() == "paintlayer" and is_hint_layer(child):
                return child
            if child.type() == "grouplayer" and not child.name().startswith(GROUP_PREFIX):
                found = walk(child)
                if found is not None:
                    return found
        return None
    return walk(doc.rootNode())


def add_hint_layer(doc: Any, lines: Any, name: str = "irodori hints") -> Any:
    """A new empty paint layer for hints, just above the line layer (the artist paints dots on it)."""
    layer = doc.createNode(name, "paintlayer")
    parent = lines.parentNode() or doc.rootNode()
    parent.addChildNode(layer, lines)
    return layer


def _below(parent: Any, node: Any) -> Any | None:
    """The sibling directly under ``node`` in ``parent`` (None when ``node`` is the lowest)."""
    kids = parent.childNodes()  # bottom first
    ids = [k.uniqueId() for k in kids]
    i = ids.index(node.uniqueId())
    return kids[i - 1] if i > 0 else None


def add_result(doc: Any, lines: Any, answer: dict[str, Any], title: str) -> Any:
    """Add the server's answer as a group ``title`` directly under ``lines``: ``flats`` at the bottom,
    then the answer's extra layers in order, each with its blend mode, opacity and visibility.
    Returns ``(group, lines)``: ``lines`` is a new node when the lines were the lowest layer and had to
    be moved back over the group. One undo step removes the group."""
    w, h = doc.width(), doc.height()
    group = doc.createGroupLayer(title)
    children = []
    flats = doc.createNode("flats", "paintlayer")
    flats.setPixelData(QByteArray(png_bgra(base64.b64decode(answer["flats"]), w, h)), 0, 0, w, h)
    children.append(flats)
    for extra in answer.get("layers") or []:
        layer = doc.createNode(str(extra.get("name", "layer")), "paintlayer")
        layer.setPixelData(QByteArray(png_bgra(base64.b64decode(extra["rgba"]), w, h)), 0, 0, w, h)
        layer.setBlendingMode(BLEND.get(str(extra.get("blend", "normal")), "normal"))
        opacity = extra.get("opacity", 1.0)
        layer.setOpacity(int(round(255 * float(opacity))) if float(opacity) <= 1.0 else int(opacity))
        layer.setVisible(bool(extra.get("visible", True)))
        children.append(layer)
    group.setChildNodes(children)  # the group is not in the image yet: no undo steps of its own
    parent = lines.parentNode() or doc.rootNode()
    below = _below(parent, lines)
    if below is not None:
        parent.addChildNode(group, below)  # above the layer under the lines = directly under the lines
    else:
        # The lines are the lowest layer (a scan opened as a document): the group goes above them and
        # the lines move back on top, so the stack stays lines over colours. Krita's API has no "move
        # node", so this is a copy and a removal: two more undo steps.
        parent.addChildNode(group, lines)
        moved = lines.duplicate()
        moved.setName(lines.name())
        parent.addChildNode(moved, group)
        lines.remove()
        lines = moved
    doc.waitForDone()
    doc.refreshProjection()
    return group, lines


def colourize(doc: Any, lines: Any, hints: Any | None, base: str, method: str,
              options: dict[str, Any] | None = None, shade: Any = None, title: str | None = None,
              timeout: float = 300.0) -> Any:
    """The plugin's action: colour ``lines`` with the dots on ``hints`` through the server at ``base``
    (shaded in style ``shade``, e.g. "cel", when given and the server shades) and add the result as a
    group under the lines. Returns the group; raises PluginError/ServerError."""
    check_document(doc)
    if lines is None:
        raise PluginError("select the line layer first")
    if hints is not None and hints.uniqueId() == lines.uniqueId():
        raise PluginError("the hint layer and the line layer are the same layer: paint your dots on "
                          "a layer of their own (New hint layer)")
    w, h = doc.width(), doc.height()
    lineart = node_png(lines, w, h)
    hint_png = node_png(hints, w, h) if hints is not None else None
    options, fields = dict(options or {}), {}
    if shade:
        offer = client.shading(base, next((m for m in client.methods(base) if m["name"] == method), None))
        if offer is None:
            raise PluginError("this irodori server does not shade; update irodori")
        fields, extra = client.shading_request(offer, shade)
        options.update(extra)
    answer = client.colorize(base, lineart, hint_png, method, options, fields, timeout)
    return apply_answer(doc, lines, answer, title or group_title(method, shade))


def group_title(method: str, shade: Any = None) -> str:
    """The result group's name: ``irodori fill``, ``irodori fill + cel shading``."""
    return f"{GROUP_PREFIX} {method}" + (f" + {shade} shading" if shade else "")


def apply_answer(doc: Any, lines: Any, answer: dict[str, Any], title: str) -> Any:
    """:func:`add_result`, then lines drawn on opaque white paper are set to multiply (else the paper
    would hide the colours under them). Returns the group."""
    group, lines = add_result(doc, lines, answer, title)
    if opaque_share(lines, doc.width(), doc.height()) > 0.9 and lines.blendingMode() == "normal":
        lines.setBlendingMode("multiply")
        doc.waitForDone()
        doc.refreshProjection()
    return group


def opaque_share(node: Any, width: int, height: int) -> float:
    """Share of the node's pixels that are fully opaque (a scan on white paper: about 1.0)."""
    alpha = bytes(node.projectionPixelData(0, 0, width, height))[3::4]
    return alpha.count(255) / max(1, len(alpha))
