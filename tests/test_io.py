"""Reading line art in every format and mode, refusing bad files, and atomic writes."""

from __future__ import annotations

import io
import os
import stat
import struct
import time
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from irodori import IrodoriError, load_lineart
from irodori.io import (check_output, encode_image, open_image, read_rgb, read_rgba,
                        write_bytes_atomic, write_image, write_png)

H, W = 24, 32


def drawing() -> np.ndarray:
    """Expected ink: a full-ink line, a half-ink line and paper."""
    ink = np.zeros((H, W), np.float32)
    ink[4:6, :] = 1.0
    ink[:, 10:12] = 1.0
    ink[16:18, 2:30] = 0.5
    return ink


def gray8() -> np.ndarray:
    return np.rint(255 * (1 - drawing())).astype(np.uint8)


def save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png16(rgb16: np.ndarray) -> bytes:
    """A 16-bit-per-channel RGB PNG written by hand (Pillow cannot write one)."""
    h, w, _ = rgb16.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in rgb16)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def huge_png(w: int, h: int) -> bytes:
    """A valid PNG header that claims ``w x h`` pixels, with almost no data behind it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))


def _cases():
    g = Image.fromarray(gray8(), "L")
    rgb = Image.merge("RGB", [g, g, g])
    g16 = Image.fromarray(gray8().astype(np.uint16) * 257)
    pal = rgb.quantize(colors=8)
    return {
        "png-gray": save(g, "PNG"),
        "png-rgb": save(rgb, "PNG"),
        "png-palette": save(pal, "PNG"),
        "png-gray16": save(g16, "PNG"),
        "png-rgb16": png16(np.repeat((gray8().astype(np.uint16) * 257)[..., None], 3, axis=2)),
        "tiff-gray16": save(g16, "TIFF"),
        "tiff-rgb": save(rgb, "TIFF", compression="tiff_lzw"),
        "tiff-cmyk": save(rgb.convert("CMYK"), "TIFF"),
        "bmp-rgb": save(rgb, "BMP"),
        "bmp-gray": save(g, "BMP"),
        "webp-lossless": save(rgb, "WEBP", lossless=True),
        "png-la": save(Image.merge("LA", [g, Image.new("L", g.size, 255)]), "PNG"),
    }


@pytest.mark.parametrize("name", sorted(_cases()))
def test_lossless_formats_and_modes_give_the_same_ink(name):
    data = _cases()[name]
    ink = load_lineart(data)
    assert ink.dtype == np.float32 and ink.shape == (H, W)
    np.testing.assert_allclose(ink, drawing(), atol=1.5 / 255)


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_jpeg_is_close(mode):
    rgb = Image.merge("RGB", [Image.fromarray(gray8())] * 3)
    ink = load_lineart(save(rgb.convert(mode), "JPEG", quality=98))
    assert ink.shape == (H, W)
    assert np.abs(ink - drawing()).mean() < 0.02


def test_lossy_webp_is_close():
    rgb = Image.merge("RGB", [Image.fromarray(gray8())] * 3)
    assert np.abs(load_lineart(save(rgb, "WEBP", quality=95)) - drawing()).mean() < 0.03


def test_one_bit_image():
    bits = Image.fromarray(drawing() < 0.75).convert("1")  # True = white paper
    ink = load_lineart(save(bits, "PNG"))
    np.testing.assert_array_equal(ink, (drawing() >= 0.75).astype(np.float32))


def test_transparency_is_paper():
    rgba = np.zeros((H, W, 4), np.uint8)           # black everywhere ...
    rgba[..., 3] = np.rint(drawing() * 255)        # ... visible only where the lines are
    ink = load_lineart(save(Image.fromarray(rgba, "RGBA"), "PNG"))
    np.testing.assert_allclose(ink, drawing(), atol=1 / 255)
    # white lines-free paper that is transparent stays paper too
    rgba[..., :3] = 255
    assert load_lineart(save(Image.fromarray(rgba, "RGBA"), "PNG")).max() == 0


def test_palette_with_transparent_index_is_paper():
    pal = Image.new("P", (W, H), 0)
    pal.putpalette([0, 0, 0, 0, 0, 0] + [0] * 762)  # index 0 and 1 both black
    px = np.zeros((H, W), np.uint8)
    px[4:6] = 1
    pal = Image.fromarray(px, "P")
    pal.putpalette([0, 0, 0, 0, 0, 0] + [0] * 762)
    ink = load_lineart(save(pal, "PNG", transparency=0))
    assert ink[4:6].min() == 1.0 and ink[:4].max() == 0.0 and ink[6:].max() == 0.0


def test_exif_orientation_is_applied():
    g = np.full((20, 40), 255, np.uint8)
    g[:8, :8] = 0  # dark block at the stored image's top-left
    im = Image.fromarray(g).convert("RGB")
    exif = im.getexif()
    exif[0x0112] = 6  # display = stored rotated 90 degrees clockwise
    ink = load_lineart(save(im, "JPEG", quality=95, exif=exif.tobytes()))
    assert ink.shape == (40, 20)
    assert ink[:8, -8:].mean() > 0.9 and ink[-8:, :8].mean() < 0.1


def test_path_and_file_object_sources(tmp_path):
    p = tmp_path / "l.png"
    p.write_bytes(_cases()["png-gray"])
    np.testing.assert_array_equal(load_lineart(p), load_lineart(str(p)))
    with open(p, "rb") as f:
        np.testing.assert_array_equal(load_lineart(f), load_lineart(p))


def test_read_rgb_and_rgba():
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)
    rgba[0, 1] = (0, 0, 255, 0)
    data = save(Image.fromarray(rgba, "RGBA"), "PNG")
    np.testing.assert_array_equal(read_rgba(data), rgba)
    rgb = read_rgb(data)
    assert tuple(rgb[0, 0]) == (255, 0, 0) and tuple(rgb[0, 1]) == (255, 255, 255)
    assert read_rgba(_cases()["png-gray"])[..., 3].min() == 255


# ------------------------------------------------------------------ bad files
def test_missing_empty_directory_and_garbage(tmp_path):
    with pytest.raises(IrodoriError, match="file not found"):
        load_lineart(tmp_path / "nope.png")
    with pytest.raises(IrodoriError, match="directory"):
        load_lineart(tmp_path)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(IrodoriError, match="empty file"):
        load_lineart(tmp_path / "empty.png")
    (tmp_path / "text.png").write_text("this is not an image\n")
    with pytest.raises(IrodoriError, match="not a readable image"):
        load_lineart(tmp_path / "text.png")
    with pytest.raises(IrodoriError, match="empty file"):
        load_lineart(b"")


@pytest.mark.parametrize("name", ["png-gray", "tiff-rgb", "bmp-rgb", "webp-lossless", "png-rgb16"])
def test_truncated_files_are_refused(name):
    data = _cases()[name]
    with pytest.raises(IrodoriError, match="corrupt|not a readable"):
        load_lineart(data[: len(data) // 2])


def test_huge_header_is_refused_before_allocation():
    data = huge_png(100_000, 100_000)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(IrodoriError, match=r"100000x100000 = 10000\.0 MP, over the limit of 64\.0 MP"):
            load_lineart(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000 and time.perf_counter() - t0 < 2.0


def test_max_pixels_is_configurable():
    data = _cases()["png-gray"]
    with pytest.raises(IrodoriError, match="over the limit"):
        load_lineart(data, max_pixels=H * W - 1)
    assert load_lineart(data, max_pixels=H * W).shape == (H, W)


_SEEDS = {k: v for k, v in _cases().items() if k in ("png-gray", "png-rgb16", "tiff-cmyk", "bmp-rgb", "png-palette")}
_SEEDS["jpeg"] = save(Image.fromarray(gray8()), "JPEG")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_SEEDS)), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                 min_size=1, max_size=6))
def test_corrupted_bytes_never_escape_as_other_errors(name, flips):
    data = bytearray(_SEEDS[name])
    for pos, value in flips:
        data[pos % len(data)] = value
    try:
        ink = load_lineart(bytes(data), max_pixels=1_000_000)
    except IrodoriError as e:
        assert "\n" not in str(e)
    else:
        assert ink.dtype == np.float32 and ink.ndim == 2
        assert np.isfinite(ink).all() and ink.min() >= 0 and ink.max() <= 1


def test_the_cases_cover_the_modes_they_claim():
    modes = {k: open_image(v).mode for k, v in _cases().items()}
    assert modes["png-gray16"] == modes["tiff-gray16"] == "I;16"
    assert (modes["png-palette"], modes["tiff-cmyk"], modes["png-la"]) == ("P", "CMYK", "LA")


# --------------------------------------------------------------------- writes
def test_atomic_write_refuses_existing_and_missing_dir(tmp_path):
    target = tmp_path / "out.png"
    write_png(target, np.zeros((3, 4), np.uint8))
    before = target.read_bytes()
    with pytest.raises(IrodoriError, match="exists; pass --overwrite"):
        write_png(target, np.full((3, 4), 9, np.uint8))
    assert target.read_bytes() == before
    write_png(target, np.full((3, 4), 9, np.uint8), overwrite=True)
    assert (np.asarray(Image.open(target)) == 9).all()
    with pytest.raises(IrodoriError, match="output directory does not exist"):
        write_png(tmp_path / "no" / "out.png", np.zeros((3, 4), np.uint8))
    with pytest.raises(IrodoriError, match="is a directory"):
        write_bytes_atomic(tmp_path, b"x", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]  # no temporary files left


def test_failed_encode_leaves_nothing(tmp_path):
    with pytest.raises(IrodoriError, match="uint8"):
        write_png(tmp_path / "x.png", np.zeros((3, 4), np.float32))
    with pytest.raises(IrodoriError, match=r"\(H, W\)"):
        write_png(tmp_path / "x.png", np.zeros((3, 4, 2), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        p = write_bytes_atomic(tmp_path / "a.bin", b"abc")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o644 and p.read_bytes() == b"abc"


@pytest.mark.parametrize("suffix", [".png", ".webp", ".tif", ".tiff"])
def test_write_image_lossless_formats_keep_rgba(tmp_path, suffix):
    rgba = np.random.default_rng(0).integers(0, 256, (5, 7, 4), dtype=np.uint8)
    rgba[..., 3] = np.where(rgba[..., 3] > 128, 255, 0)
    rgba[rgba[..., 3] == 0, :3] = 0  # lossless WebP may drop colour under alpha 0
    p = write_image(tmp_path / f"x{suffix}", rgba)
    np.testing.assert_array_equal(read_rgba(p), rgba)


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg", ".bmp"])
def test_write_image_formats_without_alpha_compose_on_white(tmp_path, suffix):
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[:8] = (0, 0, 0, 255)
    p = write_image(tmp_path / f"x{suffix}", rgba)
    rgb = read_rgb(p).astype(int)
    assert rgb[:6].max() < 20 and rgb[10:].min() > 235


def test_unknown_suffix_and_check_output(tmp_path):
    with pytest.raises(IrodoriError, match="cannot write '.gif'"):
        encode_image(np.zeros((2, 2), np.uint8), ".gif")
    with pytest.raises(IrodoriError, match="expected a file ending in .png"):
        check_output(tmp_path / "x.jpg", suffixes=(".png",))
    assert check_output(tmp_path / "x.png", suffixes=(".png",)) == tmp_path / "x.png"


def test_unwritable_directory_is_a_clean_error():
    # /proc accepts no new files, even for root: the error is one line, not a traceback
    with pytest.raises(IrodoriError, match="cannot write"):
        write_bytes_atomic("/proc/irodori-test.png", b"x")
