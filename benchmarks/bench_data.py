"""Benchmark of the data layer: PairDataset items/s, with and without the in-memory cache, and hint modes.

Reads a built dataset (default ``data/openmoji``) and times ``PairDataset``
items (decode + augment + simulated hints + hint map) with decoded pictures
preloaded in memory against decoding each PNG on every access, and the cost
of each hint mode against no hints, in the same run, with ratios.

Run: ``.venv/bin/python benchmarks/bench_data.py [--root data/openmoji] [--items 300]``
"""

from __future__ import annotations

import argparse
import time

import cv2
import torch


def items_per_second(ds, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        ds[i % len(ds)]
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="data/openmoji")
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    from irodori.data.torch_dataset import PairDataset

    rows = []
    t0 = time.perf_counter()
    cached = PairDataset(args.root, "val", args.size, augment=True, preload=True)
    load_s = time.perf_counter() - t0
    disk = PairDataset(args.root, "val", args.size, augment=True, preload=False)
    base = items_per_second(disk, args.items)
    rows.append(("augment+points, decode PNG each time", base, 1.0))
    rate = items_per_second(cached, args.items)
    rows.append((f"augment+points, preloaded ({load_s:.1f} s to load {len(cached)})", rate, rate / base))
    for mode in (None, "strokes", "per-region"):
        ds = PairDataset(args.root, "val", args.size, augment=True, hint_mode=mode, preload=True)
        r = items_per_second(ds, args.items)
        rows.append((f"augment+{mode or 'no hints'}, preloaded", r, r / base))
    print(f"PairDataset on {args.root} (val split), size {args.size}, {args.items} items, 1 thread")
    print(f"{'setting':<58} {'items/s':>9} {'ratio':>7}")
    for name, r, ratio in rows:
        print(f"{name:<58} {r:9.1f} {ratio:7.2f}")


if __name__ == "__main__":
    main()
