"""Run inside Krita by tests/test_krita.py: ``kritarunner -s irodori_krita_check`` (PYTHONPATH has this
folder and integrations/krita). Builds documents, runs the plugin's action against the live server at
$IRODORI_URL, reads the new layers' pixels back and writes what it saw to $IRODORI_RESULT as JSON.
With $IRODORI_UNDO=1 (under Xvfb) it opens a window on the document and checks that one Ctrl+Z takes
the whole result away. It leaves with os._exit, skipping Krita's teardown (which crashes headless).
"""

import json
import os
import traceback

from krita import Krita

W, H = 96, 64
RED, BLUE = (230, 40, 40), (40, 60, 220)


def _bgra(rgba):
    r, g, b, a = rgba
    return bytes((b, g, r, a))


def _canvas(fill):
    return bytearray(_bgra(fill) * (W * H))


def _box(data, opaque_paper):
    """A frame split by a vertical line: two closed areas, left and right."""
    ink = _bgra((0, 0, 0, 255))
    for x in range(8, 88):
        for y in (6, 7, 56, 57):
            data[(y * W + x) * 4:(y * W + x) * 4 + 4] = ink
    for y in range(6, 58):
        for x in (8, 9, 47, 48, 86, 87):
            data[(y * W + x) * 4:(y * W + x) * 4 + 4] = ink
    return data


def _dots():
    data = _canvas((0, 0, 0, 0))
    for cx, cy, color in ((26, 30, RED), (68, 32, BLUE)):
        for y in range(cy - 2, cy + 3):
            for x in range(cx - 2, cx + 3):
                data[(y * W + x) * 4:(y * W + x) * 4 + 4] = _bgra((*color, 255))
    return bytes(data)


def _rgba_at(node, x, y, projection=False):
    px = bytes((node.projectionPixelData if projection else node.pixelData)(x, y, 1, 1))
    return [px[2], px[1], px[0], px[3]]


def _tree(node):
    return [{"name": c.name(), "type": c.type(), "blend": c.blendingMode(), "visible": c.visible(),
             "children": _tree(c) if c.type() == "grouplayer" else []} for c in node.childNodes()]


def _case(layers_mod, k, name, opaque_paper, url, undo, shade=None):
    doc = k.createDocument(W, H, name, "RGBA", "U8", "", 300.0)
    root = doc.rootNode()
    window = None
    if undo:
        window = k.openWindow()
        window.addView(doc)
    if opaque_paper:  # a scan opened as a document: one opaque layer, black lines on white paper
        lines = root.childNodes()[0]
        lines.setName("scan")
        lines.setPixelData(bytes(_box(_canvas((255, 255, 255, 255)), True)), 0, 0, W, H)
    else:  # lines on a transparent layer over a white background
        lines = doc.createNode("lines", "paintlayer")
        lines.setPixelData(bytes(_box(_canvas((0, 0, 0, 0)), False)), 0, 0, W, H)
        root.addChildNode(lines, root.childNodes()[-1])
    doc.waitForDone()
    hints = layers_mod.add_hint_layer(doc, lines)
    hints.setPixelData(_dots(), 0, 0, W, H)
    doc.waitForDone()
    doc.refreshProjection()
    before = [c.name() for c in root.childNodes()]
    group = layers_mod.colourize(doc, lines, hints, url, "fill", {}, shade=shade)
    out = {"before": before, "tree": _tree(root), "group": group.name()}
    kids = {c.name(): c for c in group.childNodes()}
    flats = kids["flats"]
    out["flats"] = {"left": _rgba_at(flats, 26, 45), "right": _rgba_at(flats, 70, 45),
                    "outside": _rgba_at(flats, 2, 2)}
    out["composite"] = {"left": _rgba_at(root, 20, 45, True), "right": _rgba_at(root, 70, 45, True),
                        "line": _rgba_at(root, 47, 30, True)}
    out["extra_layers"] = {c.name(): c.blendingMode() for c in group.childNodes() if c.name() != "flats"}
    if shade:  # the shadow darkens the side away from the light: some pixel of each area differs from the flat
        out["shaded_left"] = [_rgba_at(root, x, 45, True) for x in range(12, 46, 3)]
    if undo:
        k.action("edit_undo").trigger()
        doc.waitForDone()
        out["after_undo"] = [c.name() for c in root.childNodes()]
        k.action("edit_redo").trigger()
        doc.waitForDone()
        out["after_redo"] = [c.name() for c in root.childNodes()]
    doc.setModified(False)
    return out


def __main__(args):
    result = {"ok": False}
    try:
        import irodori_krita.layers as layers_mod
        from irodori_krita import client

        k = Krita.instance()
        url = os.environ["IRODORI_URL"]
        undo = os.environ.get("IRODORI_UNDO") == "1"
        result["shading"] = client.shading(url, next(m for m in client.methods(url) if m["name"] == "fill"))
        result["transparent_lines"] = _case(layers_mod, k, "transparent", False, url, undo)
        result["scan"] = _case(layers_mod, k, "scan", True, url, False)
        if result["shading"] is not None:
            result["shaded"] = _case(layers_mod, k, "shaded", False, url, False, shade="cel")
        try:  # a refused request comes back as the plugin's one-line error
            doc = k.createDocument(W, H, "cmyk", "CMYKA", "U8", "", 300.0)
            layers_mod.colourize(doc, doc.rootNode().childNodes()[0], None, url, "fill")
        except layers_mod.PluginError as e:
            result["cmyk_error"] = str(e)
        result["ok"] = True
    except Exception:  # noqa: BLE001  reported to the test
        result["error"] = traceback.format_exc()
    with open(os.environ["IRODORI_RESULT"], "w") as f:
        json.dump(result, f, indent=1)
    os._exit(0)
