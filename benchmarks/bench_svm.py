"""Benchmark of the ``svm`` reference method on a 1 MP drawing.

Targets (2 CPU cores): fit at most 10 s, apply at most 2 s for a 1 MP
drawing. The alternative in the same run: an exact RBF ``SVC(probability=True)``
(libsvm, Platt scaling) on the same descriptors and the same training
pixels, against the Nystroem + Platt-calibrated LinearSVC that ``svm`` uses,
on its default sample and on a small one. Quality is the mean CIEDE2000 of the flats against the truth on paper.

Usage::

    taskset -c 0,1 .venv/bin/python benchmarks/bench_svm.py [--data data/dicebear] [--size 1024]

With ``--data`` the pair is the first test pair of the dicebear build,
upscaled to ``--size``; without, a synthetic page (``irodori.synthetic``)
and its mirrored, shifted copy.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")

import argparse  # noqa: E402
import csv  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from irodori.color import rgb_ciede2000  # noqa: E402
from irodori.io import load_lineart, read_rgb  # noqa: E402
from irodori.methods import Reference  # noqa: E402
from irodori.methods.svm import SVMOptions, apply_model, fit_classifier, reference_samples  # noqa: E402
from irodori.synthetic import make_lineart  # noqa: E402


def _pair(data: Path | None, size: int):
    """``(reference, new ink, new truth)`` at ``size x size``."""
    if data is not None:
        with open(data / "pairs" / "pairs.csv", newline="") as f:
            row = next(r for r in csv.DictReader(f) if r["split"] == "test")
        ref_ink, ref_col = load_lineart(data / row["ref_line"]), read_rgb(data / row["ref_color"])
        ink, truth = load_lineart(data / row["line"]), read_rgb(data / row["color"])
        name = row["id"]
    else:
        d = make_lineart(256, 256, n_shapes=10, seed=1)
        ref_ink, ref_col = d.ink, d.colors
        ink = np.roll(d.ink[:, ::-1], (9, -6), (0, 1))
        truth = np.roll(d.colors[:, ::-1], (9, -6), (0, 1))
        name = "synthetic seed 1"
    up = (size, size)
    ref = Reference(colors=cv2.resize(ref_col, up, interpolation=cv2.INTER_NEAREST),
                    ink=np.clip(cv2.resize(ref_ink, up, interpolation=cv2.INTER_LINEAR), 0, 1))
    return (ref, np.clip(cv2.resize(ink, up, interpolation=cv2.INTER_LINEAR), 0, 1),
            cv2.resize(truth, up, interpolation=cv2.INTER_NEAREST), name)


def main() -> None:
    ap = argparse.ArgumentParser(description="benchmark the svm reference method")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--small", type=int, default=1000, help="samples per mirror copy for the exact-SVC comparison")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)  # SVC(probability=True) is deprecated in 1.9
    ref, ink, truth, name = _pair(args.data if args.data and args.data.exists() else None, args.size)
    paper = ink < 0.5
    print(f"pair: {name}, {args.size}x{args.size} = {args.size ** 2 / 1e6:.2f} MP; "
          f"threads: OMP={os.environ['OMP_NUM_THREADS']}, cpus allowed={len(os.sched_getaffinity(0))}")

    rows = []
    base = SVMOptions()
    small = replace(base, samples=args.small)
    for label, opts, exact in [("svm default (Nystroem + LinearSVC)", base, False),
                               ("exact RBF SVC, same sample", base, True),
                               (f"svm, small sample ({args.small}/copy)", small, False),
                               ("exact RBF SVC, same small sample", small, True)]:
        t0, c0 = time.perf_counter(), time.process_time()
        data = reference_samples(ref, opts)
        t1 = time.perf_counter()
        model = fit_classifier(data, opts, exact=exact)
        t2, c2 = time.perf_counter(), time.process_time()
        result = apply_model(model, ink)
        t3, c3 = time.perf_counter(), time.process_time()
        de = float(rgb_ciede2000(result.flats[..., :3], truth)[paper].mean())
        rows.append((label, len(data.y), t1 - t0, t2 - t1, t2 - t0, t3 - t2, c2 - c0, c3 - c2, de))

    head = ("variant", "train px", "descr s", "classif s", "fit s", "apply s", "fit cpu", "apply cpu",
            "dE2000", "fit x", "apply x")
    print(f"{head[0]:<44}" + "".join(f"{h:>10}" for h in head[1:]))
    for i, (label, n, td, tc, tf, ta, cf, ca, de) in enumerate(rows):
        exact = rows[i | 1]  # the exact SVC trained on the same sample
        print(f"{label:<44}{n:>10}{td:>10.2f}{tc:>10.2f}{tf:>10.2f}{ta:>10.2f}{cf:>10.2f}{ca:>10.2f}{de:>10.2f}"
              f"{tf / exact[4]:>10.2f}{ta / exact[5]:>10.2f}")
    print("s = wall clock; cpu = CPU seconds of this process (all its threads). Ratios (wall) are against the "
          "exact RBF SVC trained on the same sample (lower = faster).")
    print(f"load average while running: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")
    ok = rows[0][4] <= 10 and rows[0][5] <= 2
    print(f"svm default: fit {rows[0][4]:.2f} s, apply {rows[0][5]:.2f} s wall -> "
          f"{'meets' if ok else 'MISSES'} the targets (fit <= 10 s, apply <= 2 s)")


if __name__ == "__main__":
    main()
