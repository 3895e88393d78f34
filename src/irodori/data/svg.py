"""Render SVG markup to pixels: resvg (``resvg-py``), CairoSVG as a fallback."""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import IrodoriError


def render_svg(svg: str, width: int, height: int | None = None) -> np.ndarray:
    """Render SVG text to ``(H, W, 4) uint8`` RGBA (straight alpha), fitted to ``width x height``.

    Uses resvg; falls back to CairoSVG when resvg is not installed. Raises
    IrodoriError when neither is available or the SVG does not render.
    """
    height = width if height is None else height
    try:
        import resvg_py
    except ImportError:
        resvg_py = None
    if resvg_py is not None:
        try:
            png = resvg_py.svg_to_bytes(svg_string=svg, width=width, height=height, skip_system_fonts=True)
        except (ValueError, RuntimeError) as e:
            raise IrodoriError(f"SVG does not render: {e}") from None
    else:
        try:
            import cairosvg
        except ImportError:
            raise IrodoriError("rendering SVG needs resvg-py (pip install resvg-py) or cairosvg") from None
        try:
            png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=width, output_height=height)
        except Exception as e:  # cairosvg raises many types for bad markup
            raise IrodoriError(f"SVG does not render: {e}") from None
    arr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        raise IrodoriError("SVG renderer returned an unreadable PNG")
    if arr.ndim == 2:
        arr = cv2.cvtColor(arr, cv2.COLOR_GRAY2BGRA)
    elif arr.shape[2] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGR2BGRA)
    rgba = cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA)
    if rgba.shape[:2] != (height, width):
        rgba = cv2.resize(rgba, (width, height), interpolation=cv2.INTER_AREA)
    return rgba


def on_white(rgba: np.ndarray) -> np.ndarray:
    """Compose ``(H, W, 4) uint8`` RGBA over white; returns ``(H, W, 3) uint8``."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * a + 255.0 * (1.0 - a)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """``(H, W, 3) uint8`` RGB -> ``(H, W) uint8`` luma (BT.601, as ``io.load_lineart``)."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
