"""What a studio worker does with one request: bytes in, bytes out.

:func:`handle` is a pure function of a :class:`Job` (the request's fields,
files as bytes) and returns a :class:`Reply` (status, media type, body). It
runs in the server's worker processes, so decoding, colouring and encoding
never touch the event loop, and it never raises: bad input becomes a 4xx
reply with a one-line message, a bug becomes a 500.

Status codes follow the stage that failed: the request itself is malformed
(bad JSON, not an image) -> 400; an image over the pixel limit -> 413; a
well-formed request the method cannot use (unknown method or option, hints
outside the image, a missing reference) -> 422.

JSON replies (``format=json``) hold ``image`` (RGB) and ``flats`` (RGBA) as
base64 PNGs and, where the method knows them, ``regions`` as a base64 RGB
PNG id map: ``id = r * 65536 + g * 256 + b - 1`` (so black, ``-1``, means
"no region"), and ``layers``: the result's extra named layers, bottom to top
(shading, tones, coloured lines), each ``{name, blend, visible, opacity,
rgba}`` with ``rgba`` a base64 RGBA PNG (empty list when there are none).
"""

from __future__ import annotations

import base64
import hashlib
import io as _stdio
import json
import math
import re
import sys
import traceback
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..api import colorize
from ..color import pack_rgb, unpack_rgb
from ..drawing import Drawing
from ..errors import ColourPictureError, IrodoriError
from ..hints import Hints
from ..io import load_lineart
from ..methods import Reference, Result

#: Answers of ``POST /api/colorize`` (``format``) and ``POST /api/layers``.
COLORIZE_FORMATS = ("png", "json")
LAYER_FORMATS = ("ora", "psd")
_MEDIA = {"png": "image/png", "json": "application/json",
          "ora": "image/openraster", "psd": "image/vnd.adobe.photoshop"}
_INK_CACHE_SIZE = 3  # drawings kept per worker: about 15 bytes a pixel each with their region graph
_FILE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{2,5}$")


@dataclass(frozen=True)
class Job:
    """One request, as plain data that pickles cheaply to a worker process.

    ``op`` is ``"colorize"``, ``"layers"``, ``"check"`` (is ``lineart``
    usable line art?) or ``"lines"`` (extract line art from the colour
    picture in ``lineart``); files are raw bytes; ``hints``
    and ``options`` are JSON text (None = no hints / default options);
    ``fmt`` is one of :data:`COLORIZE_FORMATS` or :data:`LAYER_FORMATS`;
    ``shading`` is JSON text of :func:`irodori.shade` options (None = no
    shading), see :func:`parse_shading`.
    """

    op: str
    lineart: bytes
    method: str
    hints: str | None = None
    options: str | None = None
    reference: bytes | None = None
    reference_lines: bytes | None = None
    more_references: tuple[bytes, ...] = ()
    more_reference_lines: tuple[bytes, ...] = ()
    fmt: str = "png"
    max_pixels: int = 16_000_000
    regions: bool = True
    shading: str | None = None
    hint_layer: bytes | None = None  # a PNG hint layer (alpha > 0 marks a hint), instead of ``hints``


@dataclass(frozen=True)
class Reply:
    """A finished answer: HTTP ``status``, ``media_type``, ``body`` bytes, optional download name."""

    status: int
    media_type: str
    body: bytes
    filename: str | None = None
    seconds: float = 0.0


class Rejected(Exception):
    """Bad input with the HTTP status it deserves."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def error_reply(status: int, message: str, code: str | None = None) -> Reply:
    """A JSON error answer ``{"error": message}``, with ``"code"`` where the error has one.

    Codes: ``colour_picture`` (422): the line art is a colour picture; the
    studio offers to extract its lines (``irodori lines``) instead.
    """
    body = {"error": message} if code is None else {"error": message, "code": code}
    return Reply(status, "application/json", json.dumps(body).encode("utf-8"))


def handle(job: Job) -> Reply:
    """Run one job; never raises (see module docstring)."""
    try:
        return _handle(job)
    except Rejected as e:
        return error_reply(e.status, e.message, e.code)
    except MemoryError:
        return error_reply(413, "not enough memory for this image; try a smaller one")
    except Exception as e:  # noqa: BLE001  a bug: report it, keep the worker alive
        traceback.print_exc(file=sys.stderr)
        return error_reply(500, f"internal error ({type(e).__name__}); see the server log")


def _handle(job: Job) -> Reply:
    if job.op == "check":
        return check_lineart(job)
    if job.op == "lines":
        return extract_lines_reply(job)
    formats = COLORIZE_FORMATS if job.op == "colorize" else LAYER_FORMATS if job.op == "layers" else None
    if formats is None:
        raise Rejected(400, f"unknown operation {job.op!r}")
    if job.fmt not in formats:
        raise Rejected(400, f"bad format {job.fmt!r}: expected {' or '.join(formats)}")
    # Stage 1: parse and decode everything before any work (400 / 413).
    try:
        hints = Hints.from_json_text(job.hints) if job.hints and job.hints.strip() else None
        options = parse_options(job.options)
    except IrodoriError as e:
        raise Rejected(400, str(e)) from None
    drawing = _decode_ink(job.lineart, "line art", job.max_pixels)
    if job.hint_layer is not None:
        hints = _decode_hint_layer(job, drawing.ink.shape)
    reference = _decode_reference(job) if job.reference is not None else None
    if job.reference is None and job.reference_lines is not None:
        raise Rejected(400, "reference_lines needs a reference (the coloured page) too")
    try:
        shading = parse_shading(job.shading)
    except IrodoriError as e:
        raise Rejected(400, str(e)) from None
    # Stage 2: colour (422). The flat colours are kept for the last few requests, so
    # moving the light in the studio re-shades without colouring again.
    try:
        refuse_paths(options)
        key = hashlib.sha1(repr((hashlib.sha1(job.lineart).hexdigest(), job.hints, job.options, job.method,
                                 job.reference and hashlib.sha1(job.reference).hexdigest(),
                                 job.reference_lines and hashlib.sha1(job.reference_lines).hexdigest(),
                                 job.hint_layer and hashlib.sha1(job.hint_layer).hexdigest(),
                                 job.max_pixels)).encode()).hexdigest()
        result = _result_cache.get(key)
        if result is None:
            result = colorize(drawing, hints, reference, method=job.method, **options)
            _result_cache[key] = result
            while len(_result_cache) > _RESULT_CACHE_SIZE:
                _result_cache.popitem(last=False)
        else:
            _result_cache.move_to_end(key)
        if shading is not None:
            from ..shade import shade

            result = shade(result, drawing.ink, **shading)
    except IrodoriError as e:
        raise Rejected(422, str(e)) from None
    seconds = float(result.meta.get("seconds", 0.0))
    if job.op == "layers":
        from ..io import read_dpi
        from ..layers import encode_ora, encode_psd, result_layers

        stack = result_layers(result, hints)
        encode = encode_ora if job.fmt == "ora" else encode_psd
        body = encode(stack, dpi=read_dpi(job.lineart), merged=result.image)
        return Reply(200, _MEDIA[job.fmt], body, filename=f"irodori.{job.fmt}", seconds=seconds)
    if job.fmt == "json":
        body = json.dumps(result_json(result, regions=job.regions)).encode("utf-8")
        return Reply(200, _MEDIA["json"], body, seconds=seconds)
    return Reply(200, _MEDIA["png"], fast_png(result.image), seconds=seconds)


def check_lineart(job: Job) -> Reply:
    """Decode ``job.lineart`` as line art exactly as colouring would: 200 JSON ``{"width", "height"}``.

    Whatever colouring would refuse is refused here the same way (400, 413,
    or 422 with ``code`` where the loader gives one, e.g. a colour picture),
    so the studio can ask before the artist puts a dot on it. The decoded
    drawing stays in this worker's cache for the colouring that follows.
    """
    drawing = _decode_ink(job.lineart, "line art", job.max_pixels)
    h, w = drawing.shape
    return Reply(200, _MEDIA["json"], json.dumps({"width": w, "height": h}).encode("utf-8"))


def extract_lines_reply(job: Job) -> Reply:
    """Line art of the colour picture in ``job.lineart``, as ``irodori lines`` makes it: a gray PNG.

    Black lines on white, the picture's size; XDoG (:func:`irodori.lineart.extract_lines`).
    """
    from ..io import read_rgb
    from ..lineart import extract_lines

    _check_pixels(job.lineart, "picture", job.max_pixels)
    try:
        rgb = read_rgb(job.lineart, job.max_pixels)
    except IrodoriError as e:
        raise Rejected(400, f"picture: {e}") from None
    ink = extract_lines(rgb, method="xdog")
    gray = np.clip(np.rint((1.0 - ink) * 255.0), 0, 255).astype(np.uint8)
    return Reply(200, _MEDIA["png"], fast_png(gray), filename="lines.png")


#: Keys a ``shading`` JSON object may hold: the options of :func:`irodori.shade`.
SHADING_KEYS = ("style", "light", "strength", "levels", "shadow_color", "cool_shift", "highlight", "occlusion",
                "depth", "line_color")
_RESULT_CACHE_SIZE = 2
_result_cache: "OrderedDict[str, Result]" = OrderedDict()


def parse_shading(text: str | None) -> dict[str, Any] | None:
    """Shading JSON text -> keyword arguments of :func:`irodori.shade`, or None for no shading.

    ``{"style": "cel", "light": [315, 45], "line_color": true}``; an empty
    object, ``null`` or an empty field means no shading. Values are checked
    when shading runs (422); unknown keys and bad JSON are refused here.
    """
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as e:
        raise IrodoriError(f"bad shading JSON: {e}") from None
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        raise IrodoriError(f"shading must be a JSON object, got {type(value).__name__}")
    unknown = sorted(set(value) - set(SHADING_KEYS))
    if unknown:
        raise IrodoriError(f"unknown shading option(s) {', '.join(unknown)}; known: {', '.join(SHADING_KEYS)}")
    return value


def parse_options(text: str | None) -> dict[str, Any]:
    """Options JSON text -> dict; empty or None means no options."""
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as e:
        raise IrodoriError(f"bad options JSON: {e}") from None
    if not isinstance(value, dict):
        raise IrodoriError(f"options must be a JSON object, got {type(value).__name__}")
    return value


def refuse_paths(options: dict[str, Any]) -> None:
    """The studio opens no file a client names: refuse option values that look like paths.

    Methods take some files as string options (a model, a mean image); those
    are for the CLI, where the user owns the machine.
    """
    for key, value in options.items():
        if isinstance(value, str) and (any(c in value for c in "/\\~") or _FILE_SUFFIX.search(value)):
            raise IrodoriError(f"option {key!r}: the studio server does not accept file paths ({value!r}); "
                               "use the command line for options that name files")


def warm_up(method: str) -> None:
    """Colour a tiny drawing once, so the first real request does not pay for lazy imports."""
    ink = np.zeros((32, 32), np.float32)
    ink[4, 4:28] = ink[27, 4:28] = ink[4:28, 4] = ink[4:28, 27] = 1.0
    hints = Hints.from_dict({"hints": [{"type": "point", "x": 16, "y": 16, "color": "#ff0000"}]})
    try:
        colorize(ink, hints, None, method=method)
    except Exception:  # noqa: BLE001  a warm-up must never stop a worker from starting
        pass


def result_json(result: Result, regions: bool = True) -> dict[str, Any]:
    """A Result as a JSON-ready dict of base64 PNGs (see module docstring); ``regions=False`` leaves them out."""
    h, w = result.image.shape[:2]
    out: dict[str, Any] = {
        "width": w, "height": h,
        "method": result.meta.get("method"),
        "seconds": result.meta.get("seconds"),
        "meta": _plain(result.meta),
        "image": _b64png(result.image),
        "flats": _b64png(result.flats),
    }
    if regions and result.regions is not None:
        out["regions"] = _b64png(encode_regions(result.regions))
    if "tones" in result.meta:  # a manga page: the lines the method coloured, screentone lifted off
        out["lines"] = _b64png(255 - result.lines)
    out["layers"] = [{"name": layer.name, "blend": layer.blend, "visible": layer.visible,
                      "opacity": layer.opacity, "rgba": _b64png(layer.rgba)} for layer in result.layers]
    return out


def encode_regions(regions: np.ndarray) -> np.ndarray:
    """Region ids ``(H, W) int`` (-1 = none) -> ``(H, W, 3) uint8`` RGB, ``id + 1`` in 24 bits."""
    v = regions.astype(np.int64) + 1
    if v.size and (v.min() < 0 or v.max() >= 1 << 24):
        raise IrodoriError("region ids must lie in [-1, 2**24 - 2] to encode as RGB")
    return unpack_rgb(v)


def decode_regions(rgb: np.ndarray) -> np.ndarray:
    """Inverse of :func:`encode_regions`: ``(H, W, 3) uint8`` -> ``(H, W) int32`` ids (-1 = none)."""
    return (pack_rgb(rgb) - 1).astype(np.int32)


def fast_png(array: np.ndarray) -> bytes:
    """``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4) uint8`` as PNG at zlib level 1.

    Answers cross a loopback or a LAN, where a file twice the size costs
    nothing, while level 6 (:func:`irodori.io.encode_png`) takes 15-40 %
    longer (about 46 against 61-65 ms for 1 MP RGB here); the CLI keeps
    the smaller files.
    """
    from PIL import Image

    buf = _stdio.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def _b64png(array: np.ndarray) -> str:
    return base64.b64encode(fast_png(array)).decode("ascii")


def _plain(meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON-safe scalars (and lists/dicts of them) of a meta dict."""
    def ok(v: Any) -> bool:
        if isinstance(v, (str, bool, int)) or v is None:
            return True
        if isinstance(v, float):
            return math.isfinite(v)
        if isinstance(v, (list, tuple)):
            return all(ok(x) for x in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and ok(x) for k, x in v.items())
        return False

    return {k: v for k, v in meta.items() if isinstance(k, str) and ok(v)}


# ----------------------------------------------------------------- decoding
_ink_cache: "OrderedDict[tuple[str, int], Drawing]" = OrderedDict()


def _decode_ink(data: bytes, what: str, max_pixels: int) -> Drawing:
    """Line-art bytes -> its prepared :class:`~irodori.drawing.Drawing`, cached by content.

    The studio resends one drawing with every dot, so the worker keeps the
    last few drawings (:data:`_INK_CACHE_SIZE`) and with them what depends on
    the lines alone (region graph, line layer, tone analysis): a new dot
    only pays for the cut and the paint.
    """
    key = (hashlib.sha1(data).hexdigest(), max_pixels)
    drawing = _ink_cache.get(key)
    if drawing is not None:
        _ink_cache.move_to_end(key)
        return drawing
    _check_pixels(data, what, max_pixels)
    try:
        ink = load_lineart(data, max_pixels)
    except ColourPictureError as e:
        raise Rejected(422, f"{what}: {e}", e.code) from None
    except IrodoriError as e:
        raise Rejected(400, f"{what}: {e}") from None
    drawing = Drawing(ink, copy=False)
    drawing.ink.setflags(write=False)
    _ink_cache[key] = drawing
    while len(_ink_cache) > _INK_CACHE_SIZE:
        _ink_cache.popitem(last=False)
    return drawing


def _check_pixels(data: bytes, what: str, max_pixels: int) -> None:
    """413 for an image whose header declares more than ``max_pixels``; other problems are left to the decoder."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(_stdio.BytesIO(data)) as im:
                w, h = im.size
    except Exception:  # noqa: BLE001  not an image: load_lineart says so precisely
        return
    if w * h > max_pixels:
        raise Rejected(413, f"{what} is {w}x{h} = {w * h / 1e6:.1f} MP, over this server's limit of "
                            f"{max_pixels / 1e6:.1f} MP")


def _decode_hint_layer(job: Job, shape: tuple[int, int]) -> Hints:
    """The PNG hint layer of ``job`` as hints (as ``--hints FILE.png``): 400 when it does not decode,
    comes with hint JSON too, or is not the line art's size."""
    from ..io import read_rgba

    assert job.hint_layer is not None
    if job.hints and job.hints.strip():
        raise Rejected(400, "send hints (JSON) or hint_layer (PNG), not both")
    _check_pixels(job.hint_layer, "hint layer", job.max_pixels)
    try:
        layer = read_rgba(job.hint_layer, job.max_pixels)
    except IrodoriError as e:
        raise Rejected(400, f"hint layer: {e}") from None
    if layer.shape[:2] != tuple(shape):
        raise Rejected(400, f"the hint layer is {layer.shape[1]}x{layer.shape[0]}, the line art "
                            f"{shape[1]}x{shape[0]}: they must be the same size")
    return Hints.from_rgba(layer)


def _decode_reference(job: Job) -> Reference | list[Reference]:
    """The job's reference, or a list of them when several were sent (400 for a bad one)."""
    from ..pipeline import load_reference

    assert job.reference is not None
    colors = (job.reference,) + tuple(job.more_references)
    lines = ((job.reference_lines,) + tuple(job.more_reference_lines)) if job.reference_lines is not None \
        else (None,) * len(colors)
    refs = []
    for i, (c, ln) in enumerate(zip(colors, lines)):
        what = "reference" if len(colors) == 1 else f"reference {i + 1}"
        _check_pixels(c, what, job.max_pixels)
        if ln is not None:
            _check_pixels(ln, f"{what} lines", job.max_pixels)
        try:
            refs.append(load_reference(c, ln, job.max_pixels))  # type: ignore[arg-type]
        except IrodoriError as e:
            raise Rejected(400, f"{what}: {e}") from None
    return refs[0] if len(refs) == 1 else refs
