"""Benchmark: screentone analysis (irodori.tones.analyse_tones) on an A4 page at 300 dpi.

Renders a manga page of 2480x3508 pixels with :func:`irodori.data.manga.make_page`
(synthetic drawings in its panels: dot, line and gradient screens, black fills,
balloons), then times ``analyse_tones`` with OpenCV limited to ``--threads``
threads (the target: at most 1 s on 2 cores). Both wall and process CPU
seconds are printed: on a shared, loaded machine the wall time says little,
while CPU seconds divided by the threads used bound what an idle machine
takes. It also prints the detection's IoU with the page's true screened areas.

Run: ``.venv/bin/python benchmarks/bench_tones.py [--repeat 3] [--threads 2]``
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np

from irodori.data.manga import make_page
from irodori.synthetic import make_lineart
from irodori.tones import analyse_tones


def a4_page(seed: int = 5):  # -> MangaPage
    """An A4 page at 300 dpi of synthetic drawings (supersampled 1.5x: the print)."""
    pairs = []
    for s in range(6):
        d = make_lineart(900, 900, n_shapes=14, seed=100 + s, line_width=(2.0, 5.0))
        pairs.append((d.ink, d.colors))
    return make_page(pairs, height=3508, width=2480, seed=seed, supersample=1.5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    t = time.perf_counter()
    page = a4_page()
    print(f"page {page.page.shape[1]}x{page.page.shape[0]} rendered in {time.perf_counter() - t:.1f} s")
    walls, cpus = [], []
    for _ in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        a = analyse_tones(page.page)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    truth = page.toned
    iou = (a.mask & truth).sum() / max((a.mask | truth).sum(), 1)
    print(f"analyse_tones: wall {np.median(walls):.3f} s (min {min(walls):.3f}), "
          f"CPU {np.median(cpus):.3f} s = {np.median(cpus) / args.threads:.3f} s on {args.threads} "
          f"idle cores; period {a.period:.2f} px, toned {a.mask.mean():.3f} of the page, IoU {iou:.3f}")


if __name__ == "__main__":
    main()
