"""Reading and writing images: validated decoding, the ink map, atomic writes.

Every reader refuses, with an IrodoriError and before decoding any pixels,
files that are missing, empty, not images, or larger than ``max_pixels``
(default 64 MP). Every writer writes to a temporary file beside the target
and renames it into place, and refuses to replace an existing file unless
``overwrite=True``.
"""

from __future__ import annotations

import io as _stdio
import os
import tempfile
import warnings
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import IrodoriError

DEFAULT_MAX_PIXELS = 64_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp")

Source = Union[str, os.PathLike[str], bytes, BinaryIO]

# Our own limit is checked from the header before decoding; Pillow's bomb
# check would otherwise fire first with a less helpful message.
Image.MAX_IMAGE_PIXELS = None


def _name(src: Source) -> str:
    if isinstance(src, (str, os.PathLike)):
        return str(src)
    return "<upload>"


def open_image(src: Source, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Open and fully decode an image, EXIF orientation applied.

    Takes a path, bytes or a binary file. Checks the size declared in the
    header against ``max_pixels`` before any pixel is decoded. Returns a
    Pillow image in its file's mode. Raises IrodoriError on anything wrong.
    """
    name = _name(src)
    if isinstance(src, (str, os.PathLike)):
        p = Path(src)
        if not p.exists():
            raise IrodoriError(f"file not found: {name}")
        if p.is_dir():
            raise IrodoriError(f"expected an image file, got a directory: {name}")
        if p.stat().st_size == 0:
            raise IrodoriError(f"empty file (0 bytes): {name}")
        try:
            data = p.read_bytes()
        except OSError as e:
            raise IrodoriError(f"cannot read {name}: {e.strerror or e}") from None
    elif isinstance(src, bytes):
        data = src
    else:
        data = src.read()
    if not data:
        raise IrodoriError(f"empty file (0 bytes): {name}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im = Image.open(_stdio.BytesIO(data))
            w, h = im.size
            if w <= 0 or h <= 0:
                raise IrodoriError(f"image {name} has no pixels ({w}x{h})")
            if w * h > max_pixels:
                raise IrodoriError(
                    f"image {name} is {w}x{h} = {w * h / 1e6:.1f} MP, over the limit of "
                    f"{max_pixels / 1e6:.1f} MP (raise it with --max-pixels)")
            im.load()
            im = ImageOps.exif_transpose(im)
    except IrodoriError:
        raise
    except UnidentifiedImageError:
        raise IrodoriError(f"not a readable image: {name}") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as e:
        raise IrodoriError(f"corrupt or unsupported image {name}: {e}") from None
    return im


def _to_float_channels(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Decoded image -> ``(gray_or_rgb float32 [0, 1], alpha float32 [0, 1] or None)``."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im).astype(np.float64)
        peak = 65535.0 if mode != "I" or arr.max(initial=0) > 255 else 255.0
        return np.clip(arr / peak, 0, 1).astype(np.float32), None
    if mode == "F":
        arr = np.asarray(im, dtype=np.float32)
        peak = 1.0 if arr.max(initial=0) <= 1.0 else (255.0 if arr.max() <= 255 else 65535.0)
        return np.clip(arr / peak, 0, 1), None
    if mode in ("1", "L"):
        return np.asarray(im.convert("L"), dtype=np.float32) / 255.0, None
    if mode in ("LA", "La", "PA", "RGBA", "RGBa") or (mode == "P" and "transparency" in im.info):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
        return rgba[..., :3], rgba[..., 3]
    return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0, None


def load_lineart(src: Source, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Load a line drawing as an ink map.

    Accepts PNG/JPEG/WebP/TIFF/BMP in gray, RGB, RGBA, palette or CMYK, 8 or
    16 bit. Transparent pixels count as paper. Returns ``ink (H, W) float32``
    in ``[0, 1]``, 1 = full ink (black), 0 = paper (white).
    """
    chans, alpha = _to_float_channels(open_image(src, max_pixels))
    if chans.ndim == 3:
        lum = chans @ np.array([0.299, 0.587, 0.114], np.float32)
    else:
        lum = chans
    ink = 1.0 - lum
    if alpha is not None:
        ink = ink * alpha
    return np.clip(ink, 0.0, 1.0).astype(np.float32)


def read_rgb(src: Source, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Load a colour image as ``(H, W, 3) uint8`` sRGB; transparency is composed on white."""
    chans, alpha = _to_float_channels(open_image(src, max_pixels))
    if chans.ndim == 2:
        chans = np.repeat(chans[..., None], 3, axis=2)
    if alpha is not None:
        chans = chans * alpha[..., None] + (1.0 - alpha[..., None])
    return np.clip(np.rint(chans * 255.0), 0, 255).astype(np.uint8)


def read_rgba(src: Source, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Load an image as ``(H, W, 4) uint8`` RGBA (opaque where the file has no alpha)."""
    chans, alpha = _to_float_channels(open_image(src, max_pixels))
    if chans.ndim == 2:
        chans = np.repeat(chans[..., None], 3, axis=2)
    a = np.ones(chans.shape[:2], np.float32) if alpha is None else alpha
    out = np.concatenate([chans, a[..., None]], axis=2)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def _check_target(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise IrodoriError(f"{path} exists; pass --overwrite to replace it")
    if not path.parent.exists():
        raise IrodoriError(f"output directory does not exist: {path.parent}")
    if path.is_dir():
        raise IrodoriError(f"output path is a directory: {path}")


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename); returns the path.

    Refuses to replace an existing file unless ``overwrite``; refuses a
    missing parent directory. Nothing is left behind on failure.
    """
    target = Path(path)
    _check_target(target, overwrite)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if not overwrite and target.exists():
            raise IrodoriError(f"{target} exists; pass --overwrite to replace it")
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return target


def encode_png(array: np.ndarray) -> bytes:
    """Encode ``(H, W) uint8`` gray, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA as PNG bytes."""
    arr = np.ascontiguousarray(array)
    if arr.dtype != np.uint8:
        raise IrodoriError(f"expected a uint8 image, got {arr.dtype}")
    modes = {2: "L", 3: "RGB", 4: "RGBA"}
    mode = modes.get(arr.ndim if arr.ndim == 2 else arr.shape[2] if arr.ndim == 3 else -1)
    if mode is None:
        raise IrodoriError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got {arr.shape}")
    buf = _stdio.BytesIO()
    Image.fromarray(arr, mode=mode).save(buf, format="PNG")
    return buf.getvalue()


def write_png(path: str | os.PathLike[str], array: np.ndarray, overwrite: bool = False) -> Path:
    """Write a uint8 gray/RGB/RGBA array as PNG, atomically; returns the path."""
    return write_bytes_atomic(path, encode_png(array), overwrite=overwrite)
