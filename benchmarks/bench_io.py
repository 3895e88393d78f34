"""Benchmark: loading line art (irodori.load_lineart) against the plain float32 RGB path.

``load_lineart`` takes 8-bit pages through Pillow's uint8 luma; the
alternative converts to float32 RGB first and takes the luma in NumPy (what
the first version did). Both give the same ink to within one grey level.
Prints a table of seconds and peak traced memory, with ratios.

Run: ``.venv/bin/python benchmarks/bench_io.py [--size 4000x3000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import io
import time
import tracemalloc

import numpy as np
from PIL import Image

from irodori.io import _to_float_channels, load_lineart, open_image


def float_rgb_path(data: bytes) -> np.ndarray:
    """The alternative (the first version): float32 channels, luma by matrix product."""
    chans, alpha = _to_float_channels(open_image(data, max_pixels=10**9))
    lum = chans @ np.array([0.299, 0.587, 0.114], np.float32) if chans.ndim == 3 else chans
    ink = 1.0 - lum
    if alpha is not None:
        ink = ink * alpha
    return np.clip(ink, 0.0, 1.0).astype(np.float32)


def page(width: int, height: int, mode: str) -> bytes:
    rng = np.random.default_rng(0)
    g = np.full((height, width), 255, np.uint8)
    for _ in range(400):  # scattered strokes, like a page of panels
        y, x = rng.integers(0, height), rng.integers(0, width)
        g[y:y + 3, x:x + rng.integers(50, 800)] = 0
        g[y:y + rng.integers(50, 800), x:x + 3] = 0
    im = Image.fromarray(g).convert(mode)
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def measure(fn, data: bytes, repeat: int) -> tuple[float, float, np.ndarray]:
    best = float("inf")
    peak = 0
    out = None
    for _ in range(repeat):
        tracemalloc.start()
        t0 = time.perf_counter()
        out = fn(data)
        best = min(best, time.perf_counter() - t0)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return best, peak / 2**20, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="4000x3000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    print(f"page {w}x{h} ({w * h / 1e6:.1f} MP), best of {args.repeat}")
    print(f"{'mode':<6} {'load_lineart s':>15} {'float s':>12} {'speed-up':>9} "
          f"{'load_lineart MiB':>17} {'float MiB':>14} {'memory ratio':>13} {'max |diff|':>11}")
    for mode in ("L", "RGB", "RGBA"):
        data = page(w, h, mode)
        t_new, m_new, ink_new = measure(lambda d: load_lineart(d, max_pixels=10**9), data, args.repeat)
        t_old, m_old, ink_old = measure(float_rgb_path, data, args.repeat)
        diff = float(np.abs(ink_new - ink_old).max())
        print(f"{mode:<6} {t_new:>15.3f} {t_old:>12.3f} {t_old / t_new:>8.2f}x "
              f"{m_new:>17.0f} {m_old:>14.0f} {m_old / max(m_new, 1e-9):>12.2f}x {diff:>11.4f}")


if __name__ == "__main__":
    main()
