"""Speed of :func:`irodori.shade` beside the flat fill it follows, on synthetic pages.

For each size (1 MP and an A4 page at 300 dpi, 2480 x 3508, by default) a
synthetic page from :func:`irodori.synthetic.make_lineart` with one point
hint in each of up to 100 regions is coloured with ``fill``, then shaded
(``cel`` and ``soft``, default light, with coloured lines). Times are the
best of ``--repeat`` runs in this process, limited to 2 threads (OpenCV,
BLAS); the first run of each is a warm-up and not counted. Both wall time
and CPU time (all threads of the process) are printed: on a shared, loaded
machine the CPU time is the fairer bound of what 2 idle cores take.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_shade.py [--sizes 1,a4] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import cv2  # noqa: E402

cv2.setNumThreads(2)

import irodori  # noqa: E402
from irodori.shade import shade  # noqa: E402
from irodori.synthetic import make_lineart  # noqa: E402

SIZES = {"1": (1000, 1000), "a4": (3508, 2480)}


def best_of(fn, repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (this process, all threads) of ``repeat`` calls after a warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,a4", help="comma list of: 1 (1000x1000), a4 (2480x3508)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; seconds as wall / CPU")
    print("| page | pixels | fill | shade cel | shade soft + coloured lines |")
    print("|---|---|---|---|---|")
    for key in args.sizes.split(","):
        h, w = SIZES[key]
        page = make_lineart(h, w, n_shapes=60, seed=3)
        ink, hints = page.ink, page.hints()
        result = irodori.colorize(ink, hints, method="fill")
        t_fill = best_of(lambda: irodori.colorize(ink, hints, method="fill"), args.repeat)
        t_cel = best_of(lambda: shade(result, ink, style="cel"), args.repeat)
        t_soft = best_of(lambda: shade(result, ink, style="soft", line_color=True), args.repeat)
        cells = " | ".join(f"{a:.2f} / {b:.2f}" for a, b in (t_fill, t_cel, t_soft))
        print(f"| {key} | {w}x{h} | {cells} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
