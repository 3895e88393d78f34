"""Does ``fill`` hold on rough sketches? Clean vs rough score on the test splits, and a contact sheet.

For each test pair (the first ``--limit`` in the evaluation's hash order of
ids), the clean line art and the colours are scaled to ``--size`` px (line
art bicubic, colours nearest), the line art is redrawn as a rough sketch by
:func:`irodori.data.rough.roughen` (seeded by the id, strength
``--strength``), and one dot is put in every ground-truth area
(``simulate_hints(mode="per-region")`` on the clean pair, each moved to the
nearest spot of its area where the sketch shows paper too: see
:func:`dots_on_the_sketch`). ``fill`` colours
the clean drawing and the sketch with the same dots; the score of a picture
is the share of its clean paper pixels (clean ink < 0.5) whose flat colour
lies within CIEDE2000 5 of the ground truth (unfilled = white). Printed per
split: the mean score on clean and on rough line art and their ratio (the
target of issue 11 is >= 0.95).

Run::

    PYTHONPATH=src .venv/bin/python benchmarks/bench_rough.py --limit 40 --size 512
    PYTHONPATH=src .venv/bin/python benchmarks/bench_rough.py --sheet docs/rough_sheet.png
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from irodori.data.build import rough_seed  # noqa: E402
from irodori.data.rough import roughen  # noqa: E402
from irodori.eval import data as eval_data  # noqa: E402
from irodori.eval.metrics import delta_e_map  # noqa: E402
from irodori.hints import Hints, ground_truth_regions, simulate_hints  # noqa: E402
from irodori.io import read_rgb  # noqa: E402
from irodori.methods.fill import fill_flats  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def load_pair(line_path: Path, color_path: Path, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(ink (S, S') float32, color (S, S', 3) uint8)`` scaled so the shorter side is ``size``."""
    line = cv2.imread(str(line_path), cv2.IMREAD_GRAYSCALE)
    color = read_rgb(color_path)
    h, w = line.shape
    s = size / min(h, w)
    if s != 1:
        dsize = (round(w * s), round(h * s))
        line = cv2.resize(line, dsize, interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)
        color = cv2.resize(color, dsize, interpolation=cv2.INTER_NEAREST)
    return 1.0 - line.astype(np.float32) / 255.0, color


def dots_on_the_sketch(color: np.ndarray, ink: np.ndarray, rough: np.ndarray, seed: int) -> Hints:
    """One dot per ground-truth area, where the user sees paper in the sketch when the area has some.

    Dots of ``simulate_hints(mode="per-region")`` on the clean pair; a dot
    whose 7x7 window holds sketch ink (>= 0.5) moves to the nearest pixel of
    its area with a clear window in both drawings; an area fully covered by
    hatching keeps its dot on the hatching (a sloppy dot).
    """
    hints = simulate_hints(color, ink, mode="per-region", rng=seed)
    labels = ground_truth_regions(color, ink)
    k = np.ones((7, 7), np.uint8)
    clear = cv2.dilate(np.maximum(ink, rough), k) < 0.5
    out = []
    for h in hints:
        x, y = int(h.x), int(h.y)
        if not clear[y, x]:
            cand = clear & (labels == labels[y, x])
            if cand.any():
                ys, xs = np.nonzero(cand)
                j = int(np.argmin((ys - y) ** 2 + (xs - x) ** 2))
                h = replace(h, x=float(xs[j]), y=float(ys[j]))
        out.append(h)
    return Hints(tuple(out))


def score(flats: np.ndarray, truth: np.ndarray, paper: np.ndarray) -> float:
    """Share of ``paper`` pixels whose flat colour (unfilled = white) is within CIEDE2000 5 of ``truth``."""
    rgb = flats[..., :3].copy()
    rgb[flats[..., 3] == 0] = 255
    de = delta_e_map(rgb, truth)
    return float((de[paper] < 5.0).mean())


def flats_of(method: str, ink: np.ndarray, hints: Hints, fill_kw: dict) -> np.ndarray:
    """``(H, W, 4) uint8`` flats of ``method`` (``fill`` through ``fill_flats`` with ``fill_kw``)."""
    if method == "fill":
        return fill_flats(ink, hints, **fill_kw)[0]
    import irodori

    return irodori.colorize(ink, hints, method=method).flats


def run_split(root: Path, limit: int, size: int, strength: float, fill_kw: dict, method: str = "fill") -> dict:
    data = eval_data.load(root, "test", limit=limit)
    clean_s, rough_s, t_clean, t_rough = [], [], 0.0, 0.0
    worst = []
    for item in data.items:
        ink, color = load_pair(item.line, item.color, size)
        rough = roughen(ink, seed=rough_seed(item.id), strength=strength, color=color)
        hints = dots_on_the_sketch(color, ink, rough, rough_seed(item.id))
        if not hints:
            continue
        paper = ink < 0.5
        t0 = time.perf_counter()
        flats_c = flats_of(method, ink, hints, fill_kw)
        t1 = time.perf_counter()
        flats_r = flats_of(method, rough, hints, fill_kw)
        t2 = time.perf_counter()
        t_clean += t1 - t0
        t_rough += t2 - t1
        clean_s.append(score(flats_c, color, paper))
        rough_s.append(score(flats_r, color, paper))
        worst.append((rough_s[-1] - clean_s[-1], item.id))
    worst.sort()
    c, r = float(np.mean(clean_s)), float(np.mean(rough_s))
    return {"name": data.name, "n": len(clean_s), "clean": c, "rough": r, "ratio": r / c,
            "t_clean": t_clean, "t_rough": t_rough, "worst": worst[:5]}


def contact_sheet(roots: list[Path], out: Path, size: int, tile: int = 192) -> None:
    """Clean line art | sketch | colours for three test pairs of each root, two to a row."""
    cells = []
    for root in roots:
        data = eval_data.load(root, "test", limit=12)
        for item in data.items[:3]:
            ink, color = load_pair(item.line, item.color, size)
            rough = roughen(ink, seed=rough_seed(item.id), color=color)
            gray = [cv2.cvtColor(np.rint((1 - a) * 255).astype(np.uint8), cv2.COLOR_GRAY2RGB) for a in (ink, rough)]
            group = [cv2.resize(x, (tile, tile), interpolation=cv2.INTER_AREA) for x in (*gray, color)]
            cells.append(np.concatenate(group, 1))
    rows = [np.concatenate(cells[i:i + 2], 1) for i in range(0, len(cells) - 1, 2)]
    sheet = np.concatenate(rows, 0)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    out.write_bytes(buf.tobytes())
    print(f"wrote {out} ({sheet.shape[1]}x{sheet.shape[0]})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data"), help="folder holding openmoji/ and dicebear/")
    ap.add_argument("--splits", default="openmoji,dicebear")
    ap.add_argument("--limit", type=int, default=40, help="test pairs per split")
    ap.add_argument("--size", type=int, default=512, help="pictures scaled to this many px (shorter side)")
    ap.add_argument("--strength", type=float, default=1.0)
    ap.add_argument("--gap", default=None, help="fill's gap option (default: fill's own)")
    ap.add_argument("--method", default="fill", help="a method with flats (fill, neural-flats, ...)")
    ap.add_argument("--sheet", default=None, help="write a contact sheet PNG here instead")
    args = ap.parse_args(argv)
    roots = [Path(args.data) / s for s in args.splits.split(",")]
    if args.sheet:
        contact_sheet(roots, Path(args.sheet), size=args.size)
        return 0
    fill_kw = {} if args.gap is None else {"gap": args.gap if args.gap == "auto" else float(args.gap)}
    print(f"{args.method}, one dot per ground-truth area, {args.size} px, rough strength {args.strength}; "
          "score = share of clean paper pixels within CIEDE2000 5")
    print(f"{'split':10} {'n':>3} {'clean':>7} {'rough':>7} {'ratio':>6} {'s clean':>8} {'s rough':>8}")
    for root in roots:
        r = run_split(root, args.limit, args.size, args.strength, fill_kw, args.method)
        print(f"{r['name']:10} {r['n']:3d} {r['clean']:7.4f} {r['rough']:7.4f} {r['ratio']:6.3f} "
              f"{r['t_clean']:8.2f} {r['t_rough']:8.2f}")
        print("   worst rough-clean: " + ", ".join(f"{i} {d:+.3f}" for d, i in r["worst"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
