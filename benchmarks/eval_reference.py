"""Colouring from a reference, evaluated on "same character, new drawing" pairs.

For every pair (a coloured reference A with its line art, and a new drawing B
of the same character: another expression, mirrored, turned, scaled,
shifted), each method colours B's line art from A and the picture is
compared with B's true colours: mean CIEDE2000 over all pixels, PSNR (dB),
the share of pixels with CIEDE2000 < 5 (hard to tell apart), and seconds per
pair (fit + apply).

Usage::

    .venv/bin/python benchmarks/eval_reference.py data/dicebear [--limit 40]
        [--methods paste,region-match,svm,neural,neural-finetuned] [--finetune-seconds 60]
        [--finetune-steps N] [--out /tmp/svm/eval] [--markdown]

``neural-finetuned`` fine-tunes the default neural model on each pair's
reference (:mod:`irodori.train.finetune`, needs torch) for the given budget,
then colours the new drawing with it and no hints; its seconds include the
fine-tuning.

``DIR`` is the data helper's dicebear build: ``DIR/pairs/pairs.csv`` with
columns ``id, split, ref_line, ref_color, line, color`` (paths relative to
``DIR``); the first ``--limit`` pairs of ``--split`` are used. ``--out`` writes a picture grid per pair
(reference, new line art, truth, each method).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

import irodori
from irodori.color import rgb_ciede2000
from irodori.data.refpairs import DEFAULT_STYLES
from irodori.io import load_lineart, read_rgb, write_png
from irodori.methods import Reference, method_names


def _find(root: Path, item: str, kind: str) -> Path:
    for cand in (root / "pairs" / kind / f"{item}.png", root / kind / f"{item}.png",
                 root / "pairs" / f"{item}_{kind}.png", root / f"{item}_{kind}.png"):
        if cand.exists():
            return cand
    raise FileNotFoundError(f"no {kind} image for {item!r} under {root}")


def load_pairs(root: Path, split: str | None = "test") -> list[tuple[str, Path, Path, Path, Path, str]]:
    """``(name, ref_line, ref_color, new_line, new_color, variant)`` for every pair of ``root`` (of ``split``).

    ``variant`` is the ``style/variant`` of a reference-pair build (``irodori.data.refpairs``), else "pairs".
    """
    csv_path = next((p for p in (root / "pairs.csv", root / "pairs" / "pairs.csv") if p.exists()), None)
    pairs = []
    if csv_path is not None:
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            if split and row.get("split", split) != split:
                continue
            if "ref_line" in row:  # the data helper's dicebear build: paths relative to DIR
                variant = f"{row['style']}/{row['variant']}" if "variant" in row else "pairs"
                pairs.append((row["id"], root / row["ref_line"], root / row["ref_color"], root / row["line"],
                              root / row["color"], variant))
                continue
            a = row.get("ref_id") or row.get("reference") or row.get("a") or row.get("id_a")
            b = row.get("new_id") or row.get("target") or row.get("b") or row.get("id_b")
            if a is None or b is None:
                raise SystemExit(f"unknown pairs.csv columns: {list(row)}")
            pairs.append((f"{a}->{b}", _find(root, a, "line"), _find(root, a, "color"),
                          _find(root, b, "line"), _find(root, b, "color"), "pairs"))
    else:  # a folder of NNN_a_line.png, NNN_a_color.png, NNN_b_line.png, NNN_b_color.png
        for p in sorted(root.glob("*_a_line.png")):
            stem = p.name[: -len("_a_line.png")]
            pairs.append((stem, p, root / f"{stem}_a_color.png", root / f"{stem}_b_line.png",
                          root / f"{stem}_b_color.png", "pairs"))
    return pairs


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB between two ``(H, W, 3) uint8`` images."""
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return 99.0 if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def _finetuned(ref: Reference, ink: np.ndarray, steps: int | None, seconds: float) -> irodori.Result:
    """Fine-tune the default neural model on ``ref`` and colour ``ink`` with it (no hints)."""
    import tempfile

    from irodori.methods import neural
    from irodori.train.export import onnx_bytes
    from irodori.train.finetune import finetune

    res = finetune(ref.ink, ref.colors, "", steps=steps, minutes=seconds / 60 if seconds else None,
                   progress=False)
    meta = {"irodori.work_size": res.base_meta.get("irodori.work_size", "512")}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "tuned.onnx"
        path.write_bytes(onnx_bytes(res.generator, meta))
        result = irodori.colorize(ink, method="neural", model=str(path))
        neural._sessions.clear()  # the file goes away with the folder
    return result


def _parse_option(text: str) -> tuple[str, str, object]:
    """``METHOD.KEY=VALUE`` (or ``KEY=VALUE`` for svm) -> (method, key, value as int/float/bool/str)."""
    key, _, v = text.partition("=")
    method, _, key = key.rpartition(".")
    value: object = v
    if v in ("true", "false"):
        value = v == "true"
    else:
        for kind in (int, float):
            try:
                value = kind(v)
                break
            except ValueError:
                pass
    return method or "svm", key, value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--build", action="store_true",
                    help="first build reference pairs into DATA (irodori.data.refpairs: --styles, --n, --size)")
    ap.add_argument("--styles", default=",".join(DEFAULT_STYLES), help="--build: DiceBear styles")
    ap.add_argument("--n", type=int, default=8, help="--build: characters per style")
    ap.add_argument("--size", type=int, default=512, help="--build: picture side, pixels")
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--split", default="test", help="pairs of this split (pairs.csv 'split' column)")
    ap.add_argument("--variants", default=None, help="only these variants (comma-separated, e.g. moved,same-pose)")
    ap.add_argument("--per-variant", type=int, default=None, help="at most this many pairs of each variant")
    ap.add_argument("--methods", default="paste,region-match,svm,neural")
    ap.add_argument("--out", type=Path, default=None, help="write a picture grid per pair here")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--option", action="append", default=[],
                    help="method option METHOD.KEY=VALUE (KEY=VALUE is for svm)")
    ap.add_argument("--finetune-seconds", type=float, default=60.0, help="neural-finetuned: time per pair")
    ap.add_argument("--finetune-steps", type=int, default=None, help="neural-finetuned: steps per pair")
    args = ap.parse_args(argv)
    if args.build:
        from irodori.data.refpairs import build

        build(args.data, tuple(args.styles.split(",")), n=args.n, size=args.size)
    extra = {"neural-finetuned"}
    methods = [m for m in args.methods.split(",") if m in method_names() or m in extra]
    skipped = [m for m in args.methods.split(",") if m not in method_names() and m not in extra]
    options: dict[str, dict[str, object]] = {}
    for o in args.option:
        m, k, v = _parse_option(o)
        options.setdefault(m, {})[k] = v
    pairs = load_pairs(args.data, args.split)
    if args.variants:
        keep = set(args.variants.split(","))
        pairs = [p for p in pairs if p[5] in keep or p[5].split("/")[-1] in keep]
    if args.per_variant:
        seen: dict[str, int] = {}
        pairs = [p for p in pairs if seen.setdefault(p[5], 0) < args.per_variant
                 and not seen.__setitem__(p[5], seen[p[5]] + 1)]
    pairs = pairs[: args.limit]
    if not pairs:
        raise SystemExit(f"no pairs under {args.data}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    # method -> variant -> [(mean dE, PSNR, share of paper pixels dE<5, seconds)]
    scores: dict[str, dict[str, list[tuple[float, float, float, float]]]] = {m: {} for m in methods}
    unavailable: dict[str, str] = {}
    for name, ref_line, ref_color, new_line, new_color, variant in pairs:
        ref = Reference(colors=read_rgb(ref_color), ink=load_lineart(ref_line))
        ink = load_lineart(new_line)
        truth = read_rgb(new_color)
        paper = ink < 0.5
        row = [ref.colors, np.repeat(((1 - ink) * 255).astype(np.uint8)[..., None], 3, 2), truth]
        for m in methods:
            if m in unavailable:
                continue
            t = time.perf_counter()
            opts = options.get(m, {})
            try:
                if m == "neural-finetuned":
                    result = _finetuned(ref, ink, args.finetune_steps, args.finetune_seconds)
                elif m == "neural":
                    result = irodori.colorize(ink, method=m, tones="off")  # neural without fine-tuning ignores the reference
                else:
                    result = irodori.colorize(ink, reference=ref, method=m, tones="off", **opts)
            except irodori.IrodoriError as e:
                unavailable[m] = str(e)
                continue
            secs = time.perf_counter() - t
            de = rgb_ciede2000(result.image, truth)
            scores[m].setdefault(variant, []).append(
                (float(de.mean()), psnr(result.image, truth), float((de[paper] < 5).mean()), secs))
            row.append(result.image)
        if args.out:
            h = max(r.shape[0] for r in row)
            row = [np.pad(r, ((0, h - r.shape[0]), (0, 0), (0, 0)), constant_values=255) for r in row]
            write_png(args.out / f"{name.replace('/', '_').replace('>', '')}.png", np.concatenate(row, 1),
                      overwrite=True)
    variants = sorted({p[5] for p in pairs})
    print(f"{len(pairs)} pairs from {args.data}; picture columns: reference, new line art, truth, "
          + ", ".join(methods))
    print("share of paper pixels within CIEDE2000 5 of the truth (mean over pairs); s / pair = fit + apply")
    head = ("method",) + tuple(variants) + ("all: mean dE", "all: PSNR dB", "s / pair")
    rows = []
    for m in methods:
        if m in unavailable:
            continue
        by = scores[m]
        every = np.asarray([s for v in variants for s in by.get(v, [])])
        rows.append((m,) + tuple(f"{np.mean([s[2] for s in by[v]]):.3f}" if v in by else "-" for v in variants)
                    + (f"{every[:, 0].mean():.2f}", f"{every[:, 1].mean():.2f}", f"{every[:, 3].mean():.2f}"))
    counts = {v: sum(p[5] == v for p in pairs) for v in variants}
    print("pairs per variant: " + ", ".join(f"{v} {n}" for v, n in counts.items()))
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        width = max(12, max(len(h) for h in head) + 2)
        print(f"{head[0]:<16}" + "".join(f"{h:>{width}}" for h in head[1:]))
        for r in rows:
            print(f"{r[0]:<16}" + "".join(f"{v:>{width}}" for v in r[1:]))
    for m in skipped:
        print(f"(method {m!r} is not registered here; skipped)")
    for m, why in unavailable.items():
        print(f"(method {m!r} could not run: {why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
