"""Benchmark of method ``fill`` against pixel-grid baselines, on synthetic pages with ground truth.

For each page size (1, 4 and 16.7 MP by default) one synthetic page from
:func:`irodori.synthetic.make_lineart` (about 200 regions, some gaps) with
one point hint in each of 100 regions (about 100 colours) is coloured by:

* ``fill``: ``irodori.colorize(method="fill")`` end to end (region graph,
  cut, flats, composite), and ``fill_flats`` alone (without the composite);
* ``maxflow-seq``: a pixel-grid multi-label graph cut with PyMaxflow (GPL,
  benchmark only), sequential binary cuts as in LazyBrush: each colour in
  turn against all later colours and everything coloured before;
* ``random_walker``: scikit-image's random walker (``cg_mg`` with pyamg,
  else ``cg_j``), labels = rasterized hints, data = paper brightness.

A second input at the smallest size has only 4 hints (4 colours), where the
baselines are affordable, for a like-for-like speed ratio.

Each run happens in a fresh worker process limited to 2 threads, which
reports wall time and its peak resident memory. Accuracy: the share of the
generator's ground-truth paper pixels given exactly their colour, over all
paper (``acc``) and over the hinted regions only (``acc_hinted``, which
does not depend on how unhinted regions are resolved). A baseline whose
estimated time (from its first step) exceeds ``--budget`` seconds is
skipped for that input and the table says so.

Run: ``.venv/bin/python benchmarks/bench_fill.py [--sizes 1,4,16.7] [--quick] [--budget 300]``
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ----------------------------------------------------------------------------- methods (in the worker)
def _run_fill(ink, hints, budget):
    import irodori

    r = irodori.colorize(ink, hints, method="fill")
    return r.flats[..., :3], {"regions": r.meta["n_regions"]}


def _run_fill_flats(ink, hints, budget):
    from irodori.methods.fill import fill_flats

    flats, _, meta = fill_flats(ink, hints)
    return flats[..., :3], {"regions": meta["n_regions"]}


def _grid_weights(ink):
    # LazyBrush-like: cutting through paper is expensive, along dark lines cheap. The
    # ratio must exceed a region's outline over a hint dot's circumference, or the cut
    # just circles the dot; 1000 does for these pages.
    # Ink from 0.3 up counts as full line, as in fill (thin anti-aliased lines peak low).
    return (1.0 + 1000.0 * (1.0 - np.clip(ink / 0.3, 0.0, 1.0)) ** 2).astype(np.float64)


def _run_maxflow(ink, hints, budget):
    import maxflow  # GPL: benchmark baseline only

    labels, palette = hints.label_map(ink.shape)
    k = len(palette)
    out = np.full(ink.shape, k - 1, np.int64)
    done = np.zeros(ink.shape, bool)
    weights = _grid_weights(ink)
    big = 1e9
    start = time.perf_counter()
    for c in range(k - 1):
        g = maxflow.Graph[float]()
        nodes = g.add_grid_nodes(ink.shape)
        g.add_grid_edges(nodes, weights=weights, symmetric=True)
        src = np.where(labels == c + 1, big, 0.0)
        snk = np.where(((labels > c + 1) | done) & (labels != c + 1), big, 0.0)
        g.add_grid_tedges(nodes, src, snk)
        g.maxflow()
        mine = ~g.get_grid_segments(nodes) & ~done
        out[mine] = c
        done |= mine
        if c == 0:
            estimate = (time.perf_counter() - start) * (k - 1)
            if estimate > budget:
                return None, {"skipped": f"estimated {estimate:.0f} s for {k - 1} cuts"}
    return _palette_rgb(palette)[out], {}


def _run_random_walker(ink, hints, budget):
    from skimage.segmentation import random_walker

    try:
        import pyamg  # noqa: F401
        mode = "cg_mg"
    except ImportError:
        mode = "cg_j"
    labels, palette = hints.label_map(ink.shape)
    k = len(palette)
    # calibrate on a small crop: cost grows with pixels x labels
    crop = (slice(0, min(256, ink.shape[0])), slice(0, min(256, ink.shape[1])))
    small = np.zeros_like(labels[crop])
    small[5, 5], small[-5, -5], small[5, -5] = 1, 2, 3
    t0 = time.perf_counter()
    random_walker(1.0 - ink[crop], small, beta=130, mode=mode)
    per = (time.perf_counter() - t0) / (small.size * 3)
    estimate = per * ink.size * k * 1.5
    if estimate > budget:
        return None, {"skipped": f"estimated {estimate:.0f} s ({mode}, {k} labels)"}
    seg = random_walker(1.0 - ink, labels, beta=130, mode=mode)
    return _palette_rgb(palette)[seg - 1], {"mode": mode}


def _palette_rgb(palette):
    return np.array([c if c is not None else (255, 255, 255) for c in palette], np.uint8)


METHODS = {"fill": _run_fill, "fill (flats only)": _run_fill_flats,
           "maxflow-seq": _run_maxflow, "random_walker": _run_random_walker}


def _warm_up(name):
    """Import everything and run once on a tiny page, so timings exclude start-up."""
    from irodori.synthetic import make_lineart

    tiny = make_lineart(64, 64, n_shapes=3, seed=1)
    if name.startswith("fill"):
        METHODS[name](tiny.ink, tiny.hints(), 1e9)
    elif name == "maxflow-seq":
        import maxflow  # noqa: F401
    else:
        from skimage.segmentation import random_walker  # noqa: F401
        try:
            import pyamg  # noqa: F401
        except ImportError:
            pass


def _worker(name, path, budget, queue):
    import cv2

    cv2.setNumThreads(2)
    from irodori.hints import Hints

    data = np.load(path)
    ink = data["ink"]
    hints = Hints.from_json_text(str(data["hints"]))
    _warm_up(name)
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    rgb, extra = METHODS[name](ink, hints, budget)
    seconds = time.perf_counter() - t0
    result = {"seconds": seconds, "peak_mb": _peak_mb(), "extra_mb": _peak_mb() - rss0, **extra}
    if rgb is not None:
        out = Path(path).with_suffix(f".{name.split()[0]}.npy")
        np.save(out, rgb)
        result["rgb"] = str(out)
    queue.put(result)


def _measure(name, path, budget):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(name, path, budget, queue), daemon=True)
    proc.start()
    try:
        result = queue.get(timeout=budget * 3 + 300)
    finally:
        proc.join(timeout=30)
    return result


# ----------------------------------------------------------------------------- the table
def _accuracy(rgb, drawing, hinted_regions):
    paper = drawing.regions >= 0
    right = (rgb == drawing.colors).all(-1)
    hinted = np.isin(drawing.regions, hinted_regions)
    return float(right[paper].mean()), float(right[hinted].mean())


def _page(megapixels, seed=0):
    from irodori.synthetic import make_lineart

    side = int(round(math.sqrt(megapixels * 1e6) / 16) * 16)
    return make_lineart(side, side, n_shapes=150, gap=0.003 * side, seed=seed, shape_size=(0.03, 0.12))


def run_case(label, drawing, n_hints, methods, budget, tmp):
    hints = drawing.hints(n=min(n_hints, drawing.n_regions), seed=0)
    hinted = np.array([drawing.regions[int(h.y), int(h.x)] for h in hints])
    path = os.path.join(tmp, f"case_{label.replace(' ', '_')}.npz")
    np.savez(path, ink=drawing.ink, hints=hints.to_json_text())
    h, w = drawing.ink.shape
    print(f"\n## {label}: {w}x{h} = {h * w / 1e6:.1f} MP, {drawing.n_regions} regions, "
          f"{len(drawing.gaps)} gaps, {len(hints)} hints ({len({x.color for x in hints})} colours)")
    print(f"{'method':<20} {'seconds':>9} {'peak MB':>9} {'+MB':>7} {'acc':>8} {'acc_hinted':>11} "
          f"{'fill is x faster':>17}")
    rows = {}
    for name in methods:
        res = _measure(name, path, budget)
        if "skipped" in res:
            print(f"{name:<20} skipped: {res['skipped']} (budget {budget:.0f} s)")
            continue
        rgb = np.load(res["rgb"])
        acc, acc_h = _accuracy(rgb, drawing, hinted)
        rows[name] = res["seconds"]
        ratio = "" if name.startswith("fill") else f"{res['seconds'] / rows['fill']:.1f}x"
        print(f"{name:<20} {res['seconds']:>9.3f} {res['peak_mb']:>9.0f} {res['extra_mb']:>7.0f} "
              f"{acc:>8.4f} {acc_h:>11.4f} {ratio:>17}")
        sys.stdout.flush()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4,16.7", help="page sizes in megapixels, comma-separated")
    parser.add_argument("--quick", action="store_true", help="small pages (0.25, 1 MP), 30 s budget")
    parser.add_argument("--budget", type=float, default=300.0,
                        help="skip a baseline whose estimated time exceeds this (seconds)")
    args = parser.parse_args()
    sizes = [0.25, 1.0] if args.quick else [float(s) for s in args.sizes.split(",")]
    budget = 30.0 if args.quick else args.budget
    print(f"bench_fill: 2 threads per worker, {os.cpu_count()} CPUs visible, "
          f"load average {os.getloadavg()[0]:.1f}, budget {budget:.0f} s per baseline")
    everything = list(METHODS)
    with tempfile.TemporaryDirectory(prefix="bench_fill_") as tmp:
        first = None
        for mp_ in sizes:
            drawing = _page(mp_)
            first = first or drawing
            run_case(f"{mp_:g} MP, 100 hints", drawing, 100, everything, budget, tmp)
        run_case(f"{sizes[0]:g} MP, 4 hints", first, 4, everything, budget, tmp)


if __name__ == "__main__":
    main()
