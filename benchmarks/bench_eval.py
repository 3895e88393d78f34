"""Benchmark of the evaluation's per-output metrics and of svm's DAISY descriptors.

``irodori eval`` scores every output of every method under every hint
setting (about 23 outputs per DiceBear picture). The metrics convert each
distinct colour (or output/truth colour pair) once, compute SSIM on OpenCV
box filters, and prepare the truth's half of bleed and each hint's footprint
once per picture. The alternative in the same run is the per-pixel
computation (scikit-image SSIM, Lab and CIEDE2000 of every pixel, bleed
regions and hint footprints redone per output); both give the same numbers
(tests/test_metrics.py). For svm, the alternative is scikit-image's dense
``daisy`` at every working pixel against :class:`DaisyTexture`, which keeps
daisy's smoothed maps and assembles descriptors only at the pixels used
(a reference's training sample; a drawing's stride-2 grid).

Usage::

    taskset -c 0 .venv/bin/python benchmarks/bench_eval.py [--data data/dicebear] [--images 6]

Needs a dataset built by ``irodori data build`` (its test split).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from skimage.metrics import structural_similarity  # noqa: E402

from irodori.api import colorize  # noqa: E402
from irodori.color import ciede2000, rgb_to_lab  # noqa: E402
from irodori.eval import data as eval_data  # noqa: E402
from irodori.eval import harness, metrics  # noqa: E402
from irodori.hints import Hints  # noqa: E402
from irodori.io import load_lineart, read_rgb  # noqa: E402
from irodori.reference import features  # noqa: E402


def _per_pixel_off_dominant(image: np.ndarray, regions: np.ndarray, threshold: float) -> np.ndarray:
    sel = regions >= 0
    n = int(regions.max()) + 1
    rid = regions[sel].astype(np.int64)
    lab = rgb_to_lab(image[sel])
    q = (image[sel] >> 4).astype(np.int64)
    cell = (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]
    uniq, counts = np.unique(rid * 4096 + cell, return_counts=True)
    u_rid = uniq // 4096
    order = np.lexsort((-counts, u_rid))
    first = np.r_[True, u_rid[order][1:] != u_rid[order][:-1]]
    best = np.full(n, -1, np.int64)
    best[u_rid[order][first]] = (uniq % 4096)[order][first]
    inb = cell == best[rid]
    dom = np.stack([np.bincount(rid[inb], lab[inb, c], minlength=n) for c in range(3)], 1)
    dom /= np.maximum(np.bincount(rid[inb], minlength=n), 1)[:, None]
    de = ciede2000(lab, dom[rid].astype(np.float32))
    return np.bincount(rid, de > threshold, minlength=n) / np.maximum(np.bincount(rid, minlength=n), 1)


def per_pixel_scores(out, truth, ink, hints):
    """The metrics of one output, every pixel converted and compared."""
    ssim = structural_similarity(out, truth, channel_axis=2, data_range=255)
    de = ciede2000(rgb_to_lab(out), rgb_to_lab(truth))
    regions = metrics.paper_regions(ink)
    uniform = _per_pixel_off_dominant(truth, regions, 5.0) <= 0.05
    bleeding = int((uniform & (_per_pixel_off_dominant(out, regions, 10.0) > 0.1)).sum())
    lab = rgb_to_lab(out)
    paper = ink < metrics.INK_PAPER
    adh = []
    for h in hints:
        if h.color is None:
            continue
        mask = Hints((h,)).label_map(ink.shape)[0] > 0
        if (mask & paper).any():
            mask &= paper
        adh.append(float(ciede2000(lab[mask], np.broadcast_to(rgb_to_lab(np.array(h.color, np.uint8)),
                                                                (int(mask.sum()), 3))).mean()))
    return ssim, float(de.mean()), bleeding, float(np.mean(adh)) if adh else float("nan")


def fast_scores(out, truth, ink, footprints, prepared):
    """The same metrics as the harness computes them."""
    ssim = metrics.ssim(out, truth)
    de = metrics.color_accuracy(out, truth)[0]
    bleeding = metrics.bleed(out, ink, truth, prepared=prepared).bleeding
    adh = metrics.hint_adherence(out, Hints(), ink, footprints=footprints)
    return ssim, de, bleeding, float(adh.mean()) if adh.size else float("nan")


def bench_metrics(items, methods, setting):
    t_slow = t_fast = 0.0
    n = 0
    worst = 0.0
    for it in items:
        ink, truth = load_lineart(it.line), read_rgb(it.color)
        hints = harness.simulate(setting, truth, ink, it.id)
        outs = [colorize(ink, hints, None, method=m).image for m in methods]
        start = time.perf_counter()
        slow = [per_pixel_scores(o, truth, ink, hints) for o in outs]
        t_slow += time.perf_counter() - start
        start = time.perf_counter()
        prepared = metrics.bleed_truth(ink, truth)
        fp = metrics.hint_footprints(hints, ink.shape, ink)
        fast = [fast_scores(o, truth, ink, fp, prepared) for o in outs]
        t_fast += time.perf_counter() - start
        for a, b in zip(slow, fast):
            assert a[2] == b[2], "bleed differs"
            worst = max(worst, abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[3] - b[3]) if a[3] == a[3] else 0.0)
        n += len(outs)
    return t_slow / n, t_fast / n, worst


def bench_daisy(items, work_size=160, samples=6000):
    t_dense = t_lazy = 0.0
    rng = np.random.default_rng(0)
    for it in items:
        ink = load_lineart(it.line)
        frame = features.drawing_frame(ink, work_size)
        ink_work = np.clip(features.to_work(ink, frame), 0, 1).astype(np.float32)
        h, w = ink_work.shape
        idx = rng.choice(h * w, min(samples, h * w), replace=False)
        start = time.perf_counter()
        dense = features.skimage_daisy(ink_work, frame).reshape(h * w, -1)[idx]
        t_dense += time.perf_counter() - start
        start = time.perf_counter()
        lazy = features.DaisyTexture(ink_work, frame).at(idx)
        t_lazy += time.perf_counter() - start
        assert np.array_equal(dense, lazy)
    return t_dense / len(items), t_lazy / len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("data/dicebear"))
    ap.add_argument("--images", type=int, default=6)
    args = ap.parse_args()
    items = eval_data.load(args.data, "test", args.images).items
    methods = ["fill", "gray", "mean", "neural", "neural-flats"]
    print(f"{len(items)} test pictures of {args.data}; per output, one process")
    print(f"{'what':44s} {'per-pixel':>10s} {'irodori':>10s} {'ratio':>7s}")
    for label in ("16", "per-region"):
        slow, fast, worst = bench_metrics(items, methods, harness.parse_settings(label)[0])
        print(f"{'metrics of one output at ' + label + ' hints (ms)':44s} {slow * 1e3:10.1f} {fast * 1e3:10.1f} "
              f"{slow / fast:6.1f}x   (largest difference {worst:.1e})")
    dense, lazy = bench_daisy(items)
    print(f"{'DAISY of 6000 pixels of a drawing (ms)':44s} {dense * 1e3:10.1f} {lazy * 1e3:10.1f} "
          f"{dense / lazy:6.1f}x   (bit-identical)")


if __name__ == "__main__":
    main()
