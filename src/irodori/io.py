"""Reading and writing images: validated decoding, the ink map, atomic writes.

Every reader refuses, with an IrodoriError and before decoding any pixels,
files that are missing, empty, not images, or larger than ``max_pixels``
(default 64 MP). Every writer writes to a temporary file beside the target
and renames it into place, and refuses to replace an existing file unless
``overwrite=True``.
"""

from __future__ import annotations

import io as _stdio
import math
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
            with open(p, "rb") as f:
                return _decode(f, name, max_pixels)
        except OSError as e:
            raise IrodoriError(f"cannot read {name}: {e.strerror or e}") from None
    data = src if isinstance(src, bytes) else src.read()
    if not data:
        raise IrodoriError(f"empty file (0 bytes): {name}")
    return _decode(_stdio.BytesIO(data), name, max_pixels)


def _decode(f: BinaryIO, name: str, max_pixels: int) -> Image.Image:
    """Read the header, check the size, then decode (Pillow reads lazily from ``f``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im = Image.open(f)
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
    except MemoryError:
        raise IrodoriError(f"not enough memory to decode {name}") from None
    except Exception as e:  # noqa: BLE001
        # Decoders raise many types on hostile or truncated files (OSError,
        # SyntaxError, struct.error, IndexError...): all mean "bad file".
        raise IrodoriError(f"corrupt or unsupported image {name}: {_short(e)}") from None
    return im


def _short(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _to_float_channels(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Decoded image -> ``(gray_or_rgb float32 [0, 1], alpha float32 [0, 1] or None)``."""
    try:
        return _channels(im)
    except (ValueError, OSError, TypeError) as e:
        raise IrodoriError(f"unsupported image mode {im.mode!r}: {_short(e)}") from None


def _channels(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
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
    if _has_alpha(im):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
        return rgba[..., :3], rgba[..., 3]
    return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0, None


def load_lineart(src: Source, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Load a line drawing as an ink map.

    Accepts PNG/JPEG/WebP/TIFF/BMP in gray, RGB, RGBA, palette or CMYK, 8 or
    16 bit. Transparent pixels count as paper. Returns ``ink (H, W) float32``
    in ``[0, 1]``, 1 = full ink (black), 0 = paper (white).
    """
    im = open_image(src, max_pixels)
    refuse_colour_picture(im, _name(src))
    if im.mode in _HIGH_DEPTH:
        chans, _ = _to_float_channels(im)
        return np.clip(1.0 - chans, 0.0, 1.0).astype(np.float32)
    # 8-bit paths go through Pillow's uint8 luma (ITU-R 601: 0.299 R + 0.587 G
    # + 0.114 B) so a 64 MP page needs bytes, not float32 RGB, in between.
    try:
        if _has_alpha(im):
            la = np.asarray(im.convert("RGBA").convert("LA"))
            lum, alpha = la[..., 0], la[..., 1]
        else:
            lum = np.asarray(im if im.mode == "L" else im.convert("RGB").convert("L"))
            alpha = None
    except (ValueError, OSError, TypeError) as e:
        raise IrodoriError(f"unsupported image mode {im.mode!r}: {_short(e)}") from None
    ink = _INK_OF_GRAY[lum]  # one table look-up per pixel
    if alpha is not None:
        ink *= _UNIT[alpha]
    return ink


COLOUR_CHROMA = 60   # a pixel is coloured from this spread (max - min) of its channels, 0..255
COLOUR_AREA = 0.03   # a picture with this share of its pixels inside areas of colour is a colour picture
_AREA_RADIUS = 2     # ... a coloured pixel is inside an area when all within this many (sample) pixels are too
_SAMPLE_PIXELS = 250_000


def colour_area_share(rgba: np.ndarray) -> float:
    """Share of the pixels of ``rgba (H, W, 4) uint8`` that lie inside areas of colour.

    A pixel is coloured when it is opaque and its channels spread by at least
    :data:`COLOUR_CHROMA` and differs from the paper (the median colour, so
    a tinted scan is not colour); it is inside an area when every pixel within
    2 pixels is coloured too, so coloured lines (a sketch in coloured
    pencil) do not count, while fills do.
    """
    import cv2

    rgb = rgba[..., :3].astype(np.int16)
    paper = np.median(rgb.reshape(-1, 3), axis=0)  # tinted paper (a yellowed scan) is not colour
    off_paper = np.abs(rgb - paper).max(axis=2) > 40
    coloured = ((rgb.max(axis=2) - rgb.min(axis=2) >= COLOUR_CHROMA) & (rgba[..., 3] >= 128)
                & off_paper).astype(np.uint8)
    k = 2 * _AREA_RADIUS + 1
    inside = cv2.erode(coloured, np.ones((k, k), np.uint8), borderType=cv2.BORDER_REPLICATE)
    return float(np.count_nonzero(inside)) / max(int(coloured.size), 1)


def refuse_colour_picture(im: Image.Image, name: str = "the image") -> None:
    """Raise :class:`~irodori.errors.ColourPictureError` if ``im`` is a colour picture, not line art.

    Line art is paper with lines, dark or coloured. A picture of which at
    least 3 % lies inside areas of saturated colour (see
    :func:`colour_area_share`) is a colour illustration or a photo: its gray
    levels would become lines and walls. Gray and black-and-white images are
    never refused; a sketch in coloured pencil passes. The check looks at a
    subsample of at most 250,000 pixels.
    """
    from .errors import ColourPictureError

    if im.mode in ("1", "L", "LA", "La", "I", "F") or im.mode.startswith("I;"):
        return
    w, h = im.size
    step = max(1, math.ceil(math.sqrt(w * h / _SAMPLE_PIXELS)))
    try:
        small = im.resize((max(1, w // step), max(1, h // step)), Image.Resampling.NEAREST) if step > 1 else im
        rgba = np.asarray(small.convert("RGBA"))
    except (ValueError, OSError, TypeError):
        return  # the loader reports what it cannot decode
    share = colour_area_share(rgba)
    if share >= COLOUR_AREA:
        given = name if name != "<upload>" else "PICTURE.png"
        raise ColourPictureError(
            f"{'the line art' if name == '<upload>' else name} looks like a colour picture, not line art "
            f"({100 * share:.0f}% of it is areas of colour); extract its lines first: "
            f"irodori lines {given} -o lines.png")


_UNIT = np.arange(256, dtype=np.float32) / np.float32(255.0)
_INK_OF_GRAY = np.float32(1.0) - _UNIT


_HIGH_DEPTH = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("LA", "La", "PA", "RGBA", "RGBa") or (im.mode == "P" and "transparency" in im.info)


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


def check_output(path: str | os.PathLike[str], overwrite: bool = False,
                 suffixes: tuple[str, ...] | None = None) -> Path:
    """Check that ``path`` can be written, before any work is done; returns it as a Path.

    Raises IrodoriError when the path is a directory, its directory is
    missing, it exists and ``overwrite`` is false, or (when ``suffixes`` is
    given) its suffix is not one of them.
    """
    target = Path(path)
    if suffixes is not None and target.suffix.lower() not in suffixes:
        raise IrodoriError(f"{target}: expected a file ending in {' or '.join(suffixes)}, "
                           f"got {target.suffix or 'no suffix'!r}")
    if target.is_dir():
        raise IrodoriError(f"output path is a directory: {target}")
    if not target.parent.is_dir():
        raise IrodoriError(f"output directory does not exist: {target.parent}")
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise IrodoriError(f"{target} exists; pass --overwrite to replace it")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise IrodoriError(f"cannot write to directory {target.parent}: permission denied")
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, overwrite: bool = False,
                       sync: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename); returns the path.

    Refuses to replace an existing file unless ``overwrite``; refuses a
    missing parent directory. Readers see either the old file or the whole
    new one, never a partial write; nothing is left behind on failure.
    Without ``overwrite`` the file is put in place with a hard link, which
    fails if another writer created the target in the meantime. ``sync=False``
    skips the fsync, for bulk writers (a dataset build's thousands of files).
    """
    target = check_output(path, overwrite)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise IrodoriError(f"cannot write {target}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        # mkstemp makes 0600 files; an output should get the usual permissions.
        os.chmod(tmp, 0o666 & ~_umask())
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise IrodoriError(f"{target} exists; pass --overwrite to replace it") from None
            except OSError:
                # Filesystems without hard links: check, then rename.
                if target.exists():
                    raise IrodoriError(f"{target} exists; pass --overwrite to replace it") from None
                os.replace(tmp, target)
    except OSError as e:
        raise IrodoriError(f"cannot write {target}: {e.strerror or e}") from None
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
    return target


_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP",
            ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}
#: Suffixes :func:`write_image` can write; those in ALPHA_SUFFIXES keep an alpha channel.
WRITE_SUFFIXES = tuple(_FORMATS)
ALPHA_SUFFIXES = (".png", ".webp", ".tif", ".tiff")


def _pil_image(array: np.ndarray) -> Image.Image:
    arr = np.ascontiguousarray(array)
    if arr.dtype != np.uint8:
        raise IrodoriError(f"expected a uint8 image, got {arr.dtype}")
    if arr.ndim == 2:
        mode = "L"
    elif arr.ndim == 3 and arr.shape[2] in (3, 4):
        mode = "RGB" if arr.shape[2] == 3 else "RGBA"
    else:
        raise IrodoriError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got {arr.shape}")
    return Image.fromarray(arr, mode=mode)


def encode_image(array: np.ndarray, suffix: str = ".png", dpi: tuple[float, float] | None = None) -> bytes:
    """Encode ``(H, W) uint8`` gray, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA in the format of ``suffix``.

    PNG, WebP and TIFF are lossless (WebP) or exact and keep alpha; JPEG
    (quality 95) and BMP drop alpha by composing on white. ``dpi (x, y)``
    is stored where the format has a place for it (PNG pHYs, JPEG JFIF,
    TIFF, BMP), so a print page keeps its resolution.
    """
    fmt = _FORMATS.get(suffix.lower())
    if fmt is None:
        raise IrodoriError(f"cannot write {suffix!r} images; use one of {', '.join(WRITE_SUFFIXES)}")
    im = _pil_image(array)
    if im.mode == "RGBA" and suffix.lower() not in ALPHA_SUFFIXES:
        paper = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(paper, im).convert("RGB")
    buf = _stdio.BytesIO()
    extra = {"dpi": (float(dpi[0]), float(dpi[1]))} if dpi and fmt != "WEBP" else {}
    if fmt == "JPEG":
        im.save(buf, format=fmt, quality=95, **extra)
    elif fmt == "WEBP":
        im.save(buf, format=fmt, lossless=True)
    elif fmt == "TIFF":
        im.save(buf, format=fmt, compression="tiff_adobe_deflate", **extra)
    else:
        im.save(buf, format=fmt, **extra)
    return buf.getvalue()


def read_dpi(src: Source) -> tuple[float, float] | None:
    """The resolution an image file declares, ``(x, y)`` pixels per inch, or None.

    PNG pHYs, JPEG JFIF or EXIF, TIFF and BMP resolutions, as Pillow reads
    them from the header (no pixels are decoded). Centimetre units are
    converted; a missing, zero or unit-less resolution gives None.
    """
    try:
        if isinstance(src, (str, os.PathLike)):
            with Image.open(src) as im:
                info = dict(im.info)
        else:
            data = src if isinstance(src, bytes) else src.read()
            with Image.open(_stdio.BytesIO(data)) as im:
                info = dict(im.info)
    except Exception:  # noqa: BLE001  unreadable: the loader reports it
        return None
    dpi = info.get("dpi")
    if dpi is None and info.get("jfif_unit") == 2 and "jfif_density" in info:
        dpi = tuple(v * 2.54 for v in info["jfif_density"])
    try:
        x, y = (float(v) for v in dpi)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    if not (x > 1 and y > 1):  # 0 or 1 means "no unit" in several writers
        return None
    # PNG stores pixels per metre: 350 dpi reads back as 350.012; keep the round number
    return tuple(float(round(v)) if abs(v - round(v)) < 0.05 else round(v, 3) for v in (x, y))  # type: ignore[return-value]


def encode_png(array: np.ndarray) -> bytes:
    """Encode ``(H, W) uint8`` gray, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA as PNG bytes."""
    return encode_image(array, ".png")


def write_png(path: str | os.PathLike[str], array: np.ndarray, overwrite: bool = False) -> Path:
    """Write a uint8 gray/RGB/RGBA array as PNG, atomically; returns the path."""
    return write_bytes_atomic(path, encode_png(array), overwrite=overwrite)


def write_image(path: str | os.PathLike[str], array: np.ndarray, overwrite: bool = False,
                dpi: tuple[float, float] | None = None) -> Path:
    """Write a uint8 gray/RGB/RGBA array in the format its suffix names, atomically; returns the path.

    ``dpi``: the resolution to record (see :func:`encode_image`).
    """
    return write_bytes_atomic(path, encode_image(array, Path(path).suffix, dpi=dpi), overwrite=overwrite)
