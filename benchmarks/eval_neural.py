"""Evaluate the neural methods against ``fill`` and ``mean`` on held-out data; record it in the model card.

Runs ``irodori eval`` (:func:`irodori.eval.compare.run_eval`) on the test
split of the training datasets with 0, 4, 16 and 64 simulated dots, prints
mean CIEDE2000 / PSNR / SSIM per method and hint count (averaged over all
images of all datasets), checks the targets (neural beats fill at 4 and 16
dots; at 0 dots neural beats the per-pixel mean colour of the training set)
and, with ``--card``, writes the figures into the model card's
``evaluation`` entry (with per-dataset figures) and a picture grid
``<card>_grid.png`` beside it: the first rows of the 0- and 16-dot grids
of each dataset.

    .venv/bin/python benchmarks/eval_neural.py --limit 80 --out reports/neural \
        --card src/irodori/models/default.json
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def combined(summary_csv: Path) -> dict[tuple[str, str], dict[str, float]]:
    """Image-weighted means over datasets: ``{(method, hints): {"images", "delta_e", "psnr", "ssim"}}``."""
    acc: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with open(summary_csv, newline="") as f:
        for row in csv.DictReader(f):
            n = float(row["images"]) - float(row["errors"] or 0)
            a = acc[(row["method"], row["hints"])]
            a["images"] += n
            for k in ("delta_e", "psnr", "ssim"):
                a[k] += n * float(row[k])
    return {key: {"images": a["images"], **{k: a[k] / max(a["images"], 1) for k in ("delta_e", "psnr", "ssim")}}
            for key, a in acc.items()}


def per_dataset(summary_csv: Path) -> dict[str, dict[str, float]]:
    """Mean CIEDE2000 per dataset: ``{dataset: {"method@hints": delta_e}}``."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    with open(summary_csv, newline="") as f:
        for row in csv.DictReader(f):
            out[row["dataset"]][f"{row['method']}@{row['hints']}"] = round(float(row["delta_e"]), 3)
    return dict(out)


def card_grid(grids: Path, datasets: list[str], settings: tuple[str, ...] = ("0", "16"), rows: int = 3):
    """The header and first ``rows`` rows of ``grids/<dataset>_<setting>.png``, stacked: (H, W, 3) uint8."""
    import numpy as np
    from PIL import Image

    from irodori.eval.report import CELL, HEADER

    parts = []
    for name in datasets:
        for setting in settings:
            path = grids / f"{name}_{setting}.png"
            if path.is_file():
                parts.append(np.asarray(Image.open(path).convert("RGB"))[:HEADER + rows * (CELL + 2)])
    width = max(p.shape[1] for p in parts)
    return np.concatenate([np.pad(p, ((0, 0), (0, width - p.shape[1]), (0, 0)), constant_values=255)
                           for p in parts])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", action="append", default=None, help="dataset folders (default: data/openmoji, data/dicebear)")
    ap.add_argument("--limit", type=int, default=80, help="images per dataset (a hashed sample)")
    ap.add_argument("--out", default=str(REPO / "reports" / "neural"))
    ap.add_argument("--methods", default="neural,neural-flats,fill,mean")
    ap.add_argument("--card", default=None, help="model card JSON to record the figures in")
    ap.add_argument("--reuse", action="store_true", help="read --out/summary.csv of an earlier run, do not evaluate")
    args = ap.parse_args()

    from irodori.eval.compare import EvalConfig, run_eval

    data = tuple(Path(d) for d in (args.data or [REPO / "data" / "openmoji", REPO / "data" / "dicebear"]))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        run_eval(EvalConfig(data=data, out=out, split="test", methods=args.methods, hints="0,4,16,64",
                            limit=args.limit, overwrite=True, progress=False,
                            command=f"benchmarks/eval_neural.py --limit {args.limit}"))
    table = combined(out / "summary.csv")
    methods = args.methods.split(",")
    sample = f"the report in {out}" if args.reuse else f"{args.limit} images per dataset at most"
    print(f"test split, {sample}; mean CIEDE2000 (lower is better) / PSNR / SSIM")
    print(f"{'hints':>6} " + " ".join(f"{m:>24}" for m in methods))
    for h in ("0", "4", "16", "64"):
        cells = []
        for m in methods:
            r = table.get((m, h))
            cells.append(f"{r['delta_e']:7.2f} /{r['psnr']:6.2f} /{r['ssim']:5.3f}" if r else f"{'-':>24}")
        print(f"{h:>6} " + " ".join(f"{c:>24}" for c in cells))
    de = {k: v["delta_e"] for k, v in table.items()}
    targets = {
        "neural_beats_fill_at_4": de.get(("neural", "4"), 1e9) < de.get(("fill", "4"), -1),
        "neural_beats_fill_at_16": de.get(("neural", "16"), 1e9) < de.get(("fill", "16"), -1),
        "neural_beats_mean_at_0": de.get(("neural", "0"), 1e9) < de.get(("mean", "0"), -1),
        "neural_flats_beats_fill_at_4": de.get(("neural-flats", "4"), 1e9) < de.get(("fill", "4"), -1),
        "neural_flats_beats_fill_at_16": de.get(("neural-flats", "16"), 1e9) < de.get(("fill", "16"), -1),
    }
    for k, v in targets.items():
        print(f"{k}: {v}")
    if args.card:
        card_path = Path(args.card)
        card = json.loads(card_path.read_text())
        card["evaluation"] = {
            "how": f"irodori eval ({f'the report in {out}' if args.reuse else f'benchmarks/eval_neural.py --limit {args.limit}'}): "
                   f"test split of {', '.join(d.name for d in data)}, simulated dots (irodori.hints.simulate_hints), "
                   "metrics on the composite against the ground-truth colouring; image-weighted mean over datasets",
            "mean_ciede2000": {f"{m}@{h}": round(v["delta_e"], 3) for (m, h), v in sorted(table.items())},
            "mean_psnr": {f"{m}@{h}": round(v["psnr"], 2) for (m, h), v in sorted(table.items())},
            "mean_ssim": {f"{m}@{h}": round(v["ssim"], 4) for (m, h), v in sorted(table.items())},
            "images": {f"{m}@{h}": int(v["images"]) for (m, h), v in sorted(table.items())},
            "targets": targets,
            "per_dataset_ciede2000": per_dataset(out / "summary.csv"),
            "inference": "the methods' default options (neural: work_size = the model's training size, "
                         "mirror=True, pin_hints=True)",
        }
        from irodori.io import write_bytes_atomic, write_png

        grid_path = card_path.with_name(card_path.stem + "_grid.png")
        write_png(grid_path, card_grid(out / "grids", [d.name for d in data]), overwrite=True)
        print(f"wrote {grid_path}")

        write_bytes_atomic(card_path, (json.dumps(card, indent=1) + "\n").encode(), overwrite=True)
        print(f"recorded in {card_path}")


if __name__ == "__main__":
    main()
