"""Speed of ``match`` against ``svm`` on 1 MP drawings, in the same run.

Target (2 CPU cores): ``match`` fit + apply at most 3 s for a 1 MP drawing.
Each pair of a reference-pair build (``irodori.data.refpairs``, e.g.
``/tmp/reference/pairs512``) is upscaled to ``--size`` (default 1024, so
1 MP) and coloured by both methods from a cold start (no cached fit);
quality is the share of paper pixels within CIEDE2000 5 of the truth.

Usage::

    taskset -c 0,1 .venv/bin/python benchmarks/bench_match.py PAIRS_DIR [--n 4] [--size 1024]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import csv  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

import irodori  # noqa: E402
from irodori.color import rgb_ciede2000  # noqa: E402
from irodori.io import load_lineart, read_rgb  # noqa: E402
from irodori.methods import svm as svm_mod  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--n", type=int, default=4, help="pairs (the first 'moved' pairs of each style in turn)")
    ap.add_argument("--size", type=int, default=1024)
    args = ap.parse_args()
    with open(args.data / "pairs.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["variant"] == "moved"]
    styles = sorted({r["style"] for r in rows})
    rows = [r for i in range(len(rows)) for s in styles for r in [x for x in rows if x["style"] == s][i:i + 1]]
    rows = rows[: args.n]
    up = (args.size, args.size)
    times: dict[str, list[float]] = {"match": [], "svm": []}
    cpu: dict[str, list[float]] = {"match": [], "svm": []}
    share: dict[str, list[float]] = {"match": [], "svm": []}
    irodori.list_methods()  # imports and method discovery are not charged to the first pair
    for r in rows:
        ref = irodori.Reference(
            colors=cv2.resize(read_rgb(args.data / r["ref_color"]), up, interpolation=cv2.INTER_NEAREST),
            ink=np.clip(cv2.resize(load_lineart(args.data / r["ref_line"]), up, interpolation=cv2.INTER_LINEAR), 0, 1))
        ink = np.clip(cv2.resize(load_lineart(args.data / r["line"]), up, interpolation=cv2.INTER_LINEAR), 0, 1)
        truth = cv2.resize(read_rgb(args.data / r["color"]), up, interpolation=cv2.INTER_NEAREST)
        for m in ("match", "svm"):
            svm_mod._CACHE.clear()
            svm_mod._DRAWINGS.clear()
            t, c = time.perf_counter(), time.process_time()
            res = irodori.colorize(ink, reference=ref, method=m, tones="off")
            times[m].append(time.perf_counter() - t)
            cpu[m].append(time.process_time() - c)
            de = rgb_ciede2000(res.image, truth)
            share[m].append(float((de[ink < 0.5] < 5).mean()))
        print(f"{r['id']}: match {times['match'][-1]:.2f} s ({share['match'][-1]:.3f}), "
              f"svm {times['svm'][-1]:.2f} s ({share['svm'][-1]:.3f})", flush=True)
    print(f"\n{len(rows)} pairs at {args.size} x {args.size}, fit + apply, cold start:")
    print("| method | wall s / pair (mean) | wall s (max) | CPU s / pair | share dE<5 (paper) | wall x svm |")
    print("|---|---|---|---|---|---|")
    for m in ("match", "svm"):
        print(f"| {m} | {np.mean(times[m]):.2f} | {np.max(times[m]):.2f} | {np.mean(cpu[m]):.2f} | "
              f"{np.mean(share[m]):.3f} | {np.mean(times[m]) / np.mean(times['svm']):.2f} |")


if __name__ == "__main__":
    main()
