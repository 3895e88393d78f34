"""Benchmark of method ``fill``: against today's code, pixel-grid baselines, and on print-size pages.

Cases (``--cases``, comma-separated):

* ``pages``: synthetic pages from :func:`irodori.synthetic.make_lineart` at
  ``--sizes`` megapixels (default 1, 4, 16.7) with one point hint in each
  of 100 regions, and the smallest page again with 4 hints, where the
  pixel-grid baselines are affordable (ground-truth accuracy reported);
* ``hard``: the hard case of issue 14, 4096 x 4096: 200 overlapping
  anti-aliased circles (radii 1/40 to 1/8 of the side, 8 px lines) crossed
  by 50 straight lines (about 4,000 closed areas), 100 dots of radius 2 in
  100 random colours on paper;
* ``a4``: an A4 page at 300 dpi (2480 x 3508) from ``make_lineart`` with
  148 dots;
* ``memory``: a B4 page at 600 dpi (6071 x 8598 = 52 MP) of the hard
  case's kind: peak memory of ``fill`` in bytes per pixel.

Rows:

* ``fill``: ``irodori.colorize(method="fill")`` end to end (region graph,
  hint cleaning, cut, flats, composite); ``cut s`` is the graph cut alone
  (``seconds_cut``) and ``energy`` its Potts energy;
* ``fill @REV``: the same call on the code of git revision ``--baseline``
  (default 0346ddd, the code before issue 14), unpacked with ``git
  archive``, in the same table (other changes since then count too);
* ``fill again``: a second colouring of a prepared drawing
  (:func:`irodori.prepare`) with one dot removed: what a new dot costs;
* then one line compares the graph cut alone on the very same problem
  (region graph, terminals, start): this code against ``graphcut.py`` of
  ``--baseline`` run as its fill ran it (2 sweeps), time and energy;
* ``maxflow-seq`` (PyMaxflow, GPL, benchmark only: sequential binary cuts on
  the pixel grid as in LazyBrush) and ``random_walker`` (scikit-image,
  ``cg_mg`` with pyamg), skipped when their estimated time exceeds ``--budget``.

Each row runs in a fresh worker process limited to 2 threads, which reports
wall time and its peak resident memory (VmHWM; ``+B/px`` is the peak above
the loaded page, in bytes per pixel). The machine is shared: compare the
ratios of one run (``x fill``), and read the load average printed with
each table.

Run: ``.venv/bin/python benchmarks/bench_fill.py [--cases hard,a4] [--sizes 1,4,16.7]
[--quick] [--budget 300] [--baseline REV]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
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
def _energy_spy():
    """Record fill's cut: its Potts energy and, when ``BENCH_FILL_OLD_GRAPHCUT`` names a
    ``graphcut.py`` of another revision, that code's time and energy on the very same problem."""
    from irodori import graphcut
    from irodori.methods import fill as fill_module

    seen = {}
    real = fill_module.alpha_expansion
    old_path = os.environ.get("BENCH_FILL_OLD_GRAPHCUT")

    def spy(unary, edges, weights, *args, **kwargs):
        labels = real(unary, edges, weights, *args, **kwargs)
        seen["energy"] = graphcut.potts_energy(labels, unary, edges, weights)
        if old_path:
            old = {"__name__": "old_graphcut"}
            exec(compile(Path(old_path).read_text(), old_path, "exec"), old)
            t0 = time.perf_counter()
            # the old fill asked for 2 sweeps from the same start
            old_labels = old["alpha_expansion"](unary, edges, weights, init=kwargs.get("init"), max_sweeps=2)
            seen["old_cut"] = time.perf_counter() - t0
            seen["old_energy"] = graphcut.potts_energy(old_labels, unary, edges, weights)
        return labels

    fill_module.alpha_expansion = spy
    return seen


def _run_fill(ink, hints, budget):
    import irodori

    seen = _energy_spy()
    r = irodori.colorize(ink, hints, method="fill")
    return r.flats[..., :3], {"regions": r.meta["n_regions"], "cut": r.meta.get("seconds_cut"), **seen}


def _run_fill_again(ink, hints, budget):
    import irodori

    drawing = irodori.prepare(ink)
    irodori.colorize(drawing, hints, method="fill")
    fewer = irodori.Hints(tuple(hints)[:-1])
    seen = _energy_spy()
    t0 = time.perf_counter()
    r = irodori.colorize(drawing, fewer, method="fill")
    return None, {"seconds_override": time.perf_counter() - t0, "regions": r.meta["n_regions"],
                  "cut": r.meta.get("seconds_cut"), **seen}


def _run_cut(ink, hints, budget):
    import irodori

    seen = _energy_spy()
    r = irodori.colorize(ink, hints, method="fill")
    cut = r.meta["seconds_cut"] - seen.get("old_cut", 0.0)  # the spy ran the old cut inside
    return None, {"seconds_override": cut, "cut": cut, **seen}


def _run_fill_flats(ink, hints, budget):
    from irodori.methods.fill import fill_flats

    flats, _, meta = fill_flats(ink, hints)
    return flats[..., :3], {"regions": meta["n_regions"], "cut": meta.get("seconds_cut")}


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



METHODS = {"fill": _run_fill, "fill (flats only)": _run_fill_flats, "fill again": _run_fill_again,
           "cut": _run_cut, "maxflow-seq": _run_maxflow, "random_walker": _run_random_walker}


def _warm_up(name):
    """Import everything and run once on a tiny page, so timings exclude start-up."""
    from irodori.synthetic import make_lineart

    tiny = make_lineart(64, 64, n_shapes=3, seed=1)
    if name.startswith("fill") or name == "cut":
        import irodori

        irodori.colorize(tiny.ink, tiny.hints(), method="fill")
    elif name == "maxflow-seq":
        import maxflow  # noqa: F401
    else:
        from skimage.segmentation import random_walker  # noqa: F401
        try:
            import pyamg  # noqa: F401
        except ImportError:
            pass


def _worker(name, path, budget):
    """Run one row in this process (``bench_fill.py --worker NAME PATH BUDGET``); prints JSON."""
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
    seconds = extra.pop("seconds_override", time.perf_counter() - t0)
    result = {"seconds": seconds, "peak_mb": _peak_mb(), "extra_mb": _peak_mb() - rss0,
              "ink_mb": ink.nbytes / 2**20, **extra}
    if rgb is not None:
        out = Path(path).with_suffix(f".{name.split()[0]}.{os.getpid()}.npy")
        np.save(out, rgb)
        result["rgb"] = str(out)
    print("RESULT " + json.dumps(result, default=float))


def _measure(name, path, budget, src=None, old_graphcut=None):
    """Run a row in a fresh process on the code under ``src`` (default: this checkout's)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src or Path(__file__).resolve().parent.parent / "src")
    if old_graphcut is not None:
        env["BENCH_FILL_OLD_GRAPHCUT"] = str(old_graphcut)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", name, path, str(budget)],
                          env=env, capture_output=True, text=True, timeout=budget * 3 + 900)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"skipped": f"worker failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}"}


def _baseline_src(rev, tmp):
    """``src/`` of git revision ``rev`` unpacked into ``tmp`` (None if git cannot)."""
    root = Path(__file__).resolve().parent.parent
    dest = Path(tmp) / f"baseline_{rev}"
    try:
        archive = subprocess.run(["git", "-C", str(root), "archive", rev, "src"], capture_output=True, check=True)
        dest.mkdir()
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        print(f"(no baseline: git archive {rev} failed: {e})")
        return None
    return dest / "src"


# ----------------------------------------------------------------------------- pages
def hard_case(side=4096, n_circles=200, n_lines=50, n_dots=100, line=8, seed=0):
    """The hard case of issue 14: ``(ink (H, W) float32, Hints, closed areas)``.

    ``n_circles`` overlapping anti-aliased circles (radii 1/40 to 1/8 of the
    shorter side, ``line`` px lines) crossed by ``n_lines`` straight lines, and
    ``n_dots`` dots of radius 2 in random colours on paper (over 3 px from a
    line). ``side``: an int (square) or ``(H, W)``.
    """
    import cv2

    from irodori.hints import Hints, Point

    h, w = (side, side) if isinstance(side, int) else side
    rng = np.random.default_rng(seed)
    s = 16  # 4 bits of sub-pixel precision
    canvas = np.zeros((h, w), np.uint8)
    for _ in range(n_circles):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(min(h, w) / 40, min(h, w) / 8)
        cv2.circle(canvas, (int(cx * s), int(cy * s)), int(r * s), 255, line, cv2.LINE_AA, 4)
    for _ in range(n_lines):
        p = rng.uniform(0, 1, (2, 2)) * [w, h]
        cv2.line(canvas, (int(p[0, 0] * s), int(p[0, 1] * s)), (int(p[1, 0] * s), int(p[1, 1] * s)),
                 255, line, cv2.LINE_AA, 4)
    ink = canvas.astype(np.float32) / 255.0
    paper = (ink < 0.3).astype(np.uint8)
    n_closed = cv2.connectedComponents(paper, connectivity=4)[0] - 1
    ys, xs = np.nonzero(cv2.distanceTransform(paper, cv2.DIST_L2, 3) > 3)
    pick = rng.choice(len(ys), n_dots, replace=False)
    colours = rng.integers(0, 256, (n_dots, 3))
    hints = Hints(tuple(Point(float(xs[i]), float(ys[i]), tuple(int(v) for v in colours[k]), 2.0)
                        for k, i in enumerate(pick)))
    return ink, hints, n_closed


def _page(megapixels, seed=0, shape=None):
    from irodori.synthetic import make_lineart

    if shape is None:
        side = int(round(math.sqrt(megapixels * 1e6) / 16) * 16)
        shape = (side, side)
    return make_lineart(shape[0], shape[1], n_shapes=150, gap=0.003 * max(shape), seed=seed,
                        shape_size=(0.03, 0.12))


def _accuracy(rgb, drawing, hinted_regions):
    paper = drawing.regions >= 0
    right = (rgb == drawing.colors).all(-1)
    hinted = np.isin(drawing.regions, hinted_regions)
    return float(right[paper].mean()), float(right[hinted].mean())


# ----------------------------------------------------------------------------- the tables
def _table(label, ink, hints, rows, budget, tmp, baseline, drawing=None, hinted=None):
    path = os.path.join(tmp, f"case_{label.replace(' ', '_').replace(',', '')}.npz")
    np.savez(path, ink=ink, hints=hints.to_json_text())
    h, w = ink.shape
    print(f"\n## {label}: {w}x{h} = {h * w / 1e6:.1f} MP, {len(hints)} hints "
          f"({len({x.color for x in hints})} colours); load average {os.getloadavg()[0]:.1f}")
    print(f"{'row':<22} {'seconds':>8} {'cut s':>7} {'x fill':>7} {'energy':>10} {'peak MB':>8} "
          f"{'+B/px':>6} {'acc':>7} {'acc_hinted':>10}")
    out, cuts = {}, []
    for name in rows:
        src, shown, old_graphcut = None, name, None
        if name in ("fill @baseline", "cut"):
            if baseline is None:
                continue
            if name == "cut":
                old_graphcut = baseline[1] / "irodori" / "graphcut.py"
            else:
                src, shown, name = baseline[1], f"fill @{baseline[0]}", "fill"
        res = _measure(name, path, budget, src, old_graphcut)
        if "skipped" in res:
            print(f"{shown:<22} skipped: {res['skipped']} (budget {budget:.0f} s)")
            continue
        if name == "cut":
            cuts.append(res)
            continue
        out[shown] = res
        acc = acc_h = ""
        if drawing is not None and "rgb" in res:
            a, b = _accuracy(np.load(res["rgb"]), drawing, hinted)
            acc, acc_h = f"{a:.4f}", f"{b:.4f}"
        ratio = res["seconds"] / out["fill"]["seconds"] if "fill" in out else 1.0
        cut = f"{res['cut']:.3f}" if res.get("cut") is not None else ""
        energy = f"{res['energy']:.2f}" if res.get("energy") is not None else ""
        per_px = (res["extra_mb"] * 2**20) / (h * w)
        print(f"{shown:<22} {res['seconds']:>8.3f} {cut:>7} {ratio:>6.2f}x {energy:>10} {res['peak_mb']:>8.0f} "
              f"{per_px:>6.1f} {acc:>7} {acc_h:>10}")
        sys.stdout.flush()
    for res in cuts:
        verdict = "lower or equal" if res["energy"] <= res["old_energy"] * (1 + 1e-9) + 1e-9 else "HIGHER"
        print(f"graph cut alone, same problem and start: this code {res['cut']:.3f} s, energy "
              f"{res['energy']:.3f}; graphcut.py @{baseline[0]} (2 sweeps, as its fill ran it) "
              f"{res['old_cut']:.3f} s, energy {res['old_energy']:.3f}: "
              f"{res['old_cut'] / max(res['cut'], 1e-9):.1f}x faster, energy {verdict}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="pages,hard,a4", help="pages, hard, a4, memory (comma-separated)")
    parser.add_argument("--sizes", default="1,4,16.7", help="page sizes in megapixels, comma-separated")
    parser.add_argument("--quick", action="store_true", help="small pages (0.25, 1 MP), 30 s budget")
    parser.add_argument("--budget", type=float, default=300.0,
                        help="skip a baseline whose estimated time exceeds this (seconds)")
    parser.add_argument("--baseline", default="0346ddd",
                        help="git revision whose fill and graph cut run in the same table ('' = none)")
    parser.add_argument("--worker", nargs=3, metavar=("NAME", "PATH", "BUDGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker[0], args.worker[1], float(args.worker[2]))
        return
    sizes = [0.25, 1.0] if args.quick else [float(s) for s in args.sizes.split(",")]
    budget = 30.0 if args.quick else args.budget
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    print(f"bench_fill: 2 threads per worker, {os.cpu_count()} CPUs visible, "
          f"load average {os.getloadavg()[0]:.1f}, budget {budget:.0f} s per baseline")
    with tempfile.TemporaryDirectory(prefix="bench_fill_") as tmp:
        src = _baseline_src(args.baseline, tmp) if args.baseline else None
        baseline = (args.baseline, src) if src is not None else None
        fills = ["fill", "fill @baseline", "fill again", "cut"]
        if "pages" in cases:
            first = None
            for mp_ in sizes:
                drawing = _page(mp_)
                first = first or drawing
                hints = drawing.hints(n=min(100, drawing.n_regions), seed=0)
                hinted = np.array([drawing.regions[int(h.y), int(h.x)] for h in hints])
                _table(f"{mp_:g} MP, 100 hints", drawing.ink, hints,
                       fills + ["fill (flats only)", "maxflow-seq", "random_walker"], budget, tmp, baseline,
                       drawing, hinted)
            hints = first.hints(n=4, seed=0)
            hinted = np.array([first.regions[int(h.y), int(h.x)] for h in hints])
            _table(f"{sizes[0]:g} MP, 4 hints", first.ink, hints, fills + ["maxflow-seq", "random_walker"],
                   budget, tmp, baseline, first, hinted)
        if "hard" in cases:
            ink, hints, n_closed = hard_case()
            print(f"\n(hard case: {n_closed} closed areas)")
            _table("hard case 4096x4096, 100 dots", ink, hints, fills + ["random_walker"], budget, tmp, baseline)
        if "a4" in cases:
            drawing = _page(0, shape=(3508, 2480))
            hints = drawing.hints(n=min(148, drawing.n_regions), seed=0)
            hinted = np.array([drawing.regions[int(h.y), int(h.x)] for h in hints])
            _table("A4 300 dpi, 148 dots", drawing.ink, hints, fills + ["random_walker"], budget, tmp, baseline,
                   drawing, hinted)
        if "memory" in cases:
            ink, hints, _ = hard_case((8598, 6071), n_circles=300, n_lines=60)
            res = _table("memory: B4 600 dpi", ink, hints, ["fill"], budget, tmp, None)
            if "fill" in res:
                px = ink.size
                print(f"fill on {px / 1e6:.1f} MP: peak {res['fill']['peak_mb'] * 2**20 / px:.1f} bytes/pixel "
                      f"for the whole process, {res['fill']['extra_mb'] * 2**20 / px:.1f} above the loaded "
                      f"page ({res['fill']['ink_mb'] * 2**20 / px:.0f} bytes/pixel of ink)")


if __name__ == "__main__":
    main()
