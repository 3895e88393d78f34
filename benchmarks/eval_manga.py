"""Measure screentone detection, toned colouring and page structure on rendered manga pages.

Everything is rendered here from seeded synthetic drawings (:mod:`irodori.synthetic`) and,
when given, a dataset folder's test pairs (``--data data/openmoji``), so the numbers need no
download. Prints three tables:

1. **Detection**: IoU of :func:`irodori.tones.analyse_tones`'s ``mask`` with the true screened
   areas, per screen kind (dot, line, gradient), on single drawings toned by
   :func:`irodori.data.manga.tone_drawing` (512 px, 50-85 lpi at 300 dpi, supersampled 2.5x and
   rescanned), and on whole pages of panels (:func:`irodori.data.manga.make_page`).
2. **Colouring**: ``fill`` with one hint per true area on the clean drawing, on the toned
   drawing as it is (``tones="off"``, what the page gave before) and with the tone lifted
   (``tones="drop"``): share of the clean drawing's paper pixels (tone dots included) within
   CIEDE2000 10 of the truth, and the toned/clean ratio (the target: >= 0.97).
3. **Pages**: gutters and balloon interiors left untouched (no colour added: neutral and no
   darker than the page) after colouring, panels and balloons found.

``--picture PATH`` writes the README picture: page | detected tone | coloured.

Run: ``.venv/bin/python benchmarks/eval_manga.py [--seeds 6] [--pages 4] [--data data/openmoji]``
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import cv2
import numpy as np

import irodori
from irodori.color import rgb_ciede2000
from irodori.data import manga
from irodori.page import analyse_page
from irodori.synthetic import make_lineart, region_hints
from irodori.tones import analyse_tones

KINDS = {"dot": (1.0, 0.0, 0.0), "line": (0.0, 1.0, 0.0), "gradient": (0.0, 0.0, 1.0),
         "mixed": (0.6, 0.15, 0.25)}


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def paper_share(image: np.ndarray, colors: np.ndarray, paper: np.ndarray) -> float:
    return float((rgb_ciede2000(image[paper], colors[paper]) <= 10).mean())


def drawings_table(seeds: int) -> None:
    print("| screen | detection IoU (mean, min) | clean | toned, tones=off | toned, tones=drop | drop / clean |")
    print("|---|---|---|---|---|---|")
    for kind, mix in KINDS.items():
        ious, rows = [], []
        for seed in range(seeds):
            d = make_lineart(512, 512, seed=seed)
            t = manga.tone_drawing(d.ink, d.colors, seed=seed, style=manga.ToneStyle(kinds=mix))
            ious.append(iou(analyse_tones(t.page).mask, t.toned))
            h, paper = d.hints(), d.regions >= 0
            rows.append([paper_share(irodori.colorize(d.ink, h, tones="off").image, d.colors, paper),
                         paper_share(irodori.colorize(t.page, h, tones="off").image, d.colors, paper),
                         paper_share(irodori.colorize(t.page, h).image, d.colors, paper)])
        r = np.asarray(rows)
        print(f"| {kind} | {np.mean(ious):.3f}, {np.min(ious):.3f} | {r[:, 0].mean():.3f} | "
              f"{r[:, 1].mean():.3f} | {r[:, 2].mean():.3f} | {r[:, 2].mean() / r[:, 0].mean():.3f} |")


def load_pairs(data: Path | None, n: int = 16) -> list[tuple[np.ndarray, np.ndarray]]:
    """Test pairs of a dataset folder (ink, colours), or synthetic drawings without one."""
    if data is None:
        return [(d.ink, d.colors) for d in (make_lineart(320, 320, seed=100 + s) for s in range(n))]
    from irodori.io import load_lineart, read_rgb
    with open(data / "manifest.csv", newline="", encoding="utf-8") as f:
        ids = [r["id"] for r in csv.DictReader(f) if r["split"] == "test"][:: 7][:n]
    return [(load_lineart(data / "line" / f"{i}.png"), read_rgb(data / "color" / f"{i}.png")) for i in ids]


def page_hints(p: manga.MangaPage) -> irodori.Hints:
    """One dot per connected area of one true colour on the clean page's paper (not gutters/balloons)."""
    paper = (p.lines < 0.5) & ~p.gutter & ~p.balloon
    key = np.where(paper, p.colors.astype(np.int64) @ np.array([65536, 256, 1]), -1)
    regions = np.full(key.shape, -1, np.int32)
    cols: list[list[int]] = []
    for k in np.unique(key[key >= 0]):
        n, lab = cv2.connectedComponents((key == k).astype(np.uint8), connectivity=4)
        for i in range(1, n):
            m = lab == i
            if m.sum() >= 30:
                regions[m] = len(cols)
                cols.append([int(k) >> 16, (int(k) >> 8) & 255, int(k) & 255])
    return region_hints(regions, np.asarray(cols, np.uint8).reshape(-1, 3))


def untouched(image: np.ndarray, page: np.ndarray, m: np.ndarray) -> float:
    """Share of ``m`` where no colour was added: neutral grey, no darker than the page by 4 levels."""
    img = image[m].astype(np.int32)
    grey = np.rint((1 - page[m]) * 255).astype(np.int32)
    ok = ((img.max(1) - img.min(1)) <= 4) & ((grey[:, None] - img).max(1) <= 4)
    return float(ok.mean())


def pages_table(pairs: list[tuple[np.ndarray, np.ndarray]], pages: int, picture: Path | None) -> None:
    print("| page | panels found / drawn | balloons IoU | toned IoU | gutter untouched | balloons untouched "
          "| fill within 10: clean, toned | tone analysis s |")
    print("|---|---|---|---|---|---|---|---|")
    for sd in range(pages):
        p = manga.make_page(pairs[sd:] + pairs[:sd], seed=sd)
        a = analyse_tones(p.page)
        s = analyse_page(a.ink)
        h = page_hints(p)
        r = irodori.colorize(p.page, h)
        clean = irodori.colorize(p.lines, h, tones="off").image
        paper = (p.lines < 0.5) & ~p.gutter & ~p.balloon
        blank = p.lines < 0.1
        print(f"| {sd} | {len(s.boxes)} / {len(p.panels)} | {iou(s.balloons, p.balloon):.3f} | "
              f"{iou(a.mask, p.toned):.3f} | {untouched(r.image, p.page, p.gutter & blank):.4f} | "
              f"{untouched(r.image, p.page, p.balloon & blank):.4f} | "
              f"{paper_share(clean, p.colors, paper):.3f}, {paper_share(r.image, p.colors, paper):.3f} | "
              f"{a.seconds:.2f} |")
        if picture is not None and sd == 0:
            tone = np.where(a.mask, 255 - np.rint(a.tone * 255), 255).astype(np.uint8)
            tone = np.where(a.black, 0, tone)
            tint = np.stack([tone, np.where(a.mask, np.minimum(tone, 200), tone), tone], -1)
            pic = manga.sheet([p.page, tint.astype(np.uint8), r.image], cols=3)
            w = 1500
            pic = cv2.resize(pic, (w, int(pic.shape[0] * w / pic.shape[1])), interpolation=cv2.INTER_AREA)
            from PIL import Image
            Image.fromarray(pic).save(picture, optimize=True)
            print(f"wrote {picture}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=6, help="synthetic drawings per screen kind")
    ap.add_argument("--pages", type=int, default=4, help="pages of panels")
    ap.add_argument("--data", type=Path, default=None, help="dataset folder whose test pairs fill the panels")
    ap.add_argument("--picture", type=Path, default=None, help="write page | detected tone | coloured here")
    args = ap.parse_args()
    t = time.perf_counter()
    drawings_table(args.seeds)
    print()
    pages_table(load_pairs(args.data), args.pages, args.picture)
    print(f"\n{time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
