"""Benchmark of the openclipart build: files per second, CPU seconds, and the whole source extrapolated.

Builds the first ``--limit`` files of an extracted ``openclipart-svg`` package
into a temporary folder with 1 and then 2 worker processes, and prints wall
and CPU seconds (this process and its workers), the rate, and the time the
whole source (every SVG in the package) would take at that rate. CPU seconds
are the figure to trust on a shared machine: on 2 idle cores the whole build
takes about half of them.

Run: ``.venv/bin/python benchmarks/bench_openclipart.py --from DIR [--limit 400]``
(DIR: ``apt-get download openclipart-svg && dpkg-deb -x openclipart-svg_*.deb DIR``).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="folder", default=None, help="extracted openclipart-svg package")
    parser.add_argument("--limit", type=int, default=400)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()

    from irodori.data.build import build_dataset
    from irodori.data.openclipart import OpenClipartSource

    source = OpenClipartSource(args.folder)
    total = len(source.items())
    print(f"openclipart: {total} SVG files; building the first {args.limit} at {args.size} px; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'workers':>7} {'wall s':>8} {'CPU s':>8} {'files/s':>8} {'kept':>5} {'whole, wall min':>16} "
          f"{'whole, CPU min':>15}")
    base_wall = None
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            c0, t0 = cpu_seconds(), time.perf_counter()
            report = build_dataset(source, tmp, size=args.size, limit=args.limit, workers=workers, progress=False)
            wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        base_wall = base_wall or wall
        print(f"{workers:>7} {wall:>8.1f} {cpu:>8.1f} {args.limit / wall:>8.1f} {len(report.rows):>5} "
              f"{wall * total / args.limit / 60:>16.1f} {cpu * total / args.limit / 60:>15.1f}"
              f"   (x{base_wall / wall:.2f} vs 1 worker)")


if __name__ == "__main__":
    main()
