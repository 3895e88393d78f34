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
from irodori.io import load_lineart, read_rgb, write_png
from irodori.methods import Reference, method_names


def _find(root: Path, item: str, kind: str) -> Path:
    for cand in (root / "pairs" / kind / f"{item}.png", root / kind / f"{item}.png",
                 root / "pairs" / f"{item}_{kind}.png", root / f"{item}_{kind}.png"):
        if cand.exists():
            return cand
    raise FileNotFoundError(f"no {kind} image for {item!r} under {root}")


def load_pairs(root: Path, split: str | None = "test") -> list[tuple[str, Path, Path, Path, Path]]:
    """``(name, ref_line, ref_color, new_line, new_color)`` for every pair of ``root`` (of ``split``)."""
    csv_path = next((p for p in (root / "pairs.csv", root / "pairs" / "pairs.csv") if p.exists()), None)
    pairs = []
    if csv_path is not None:
        with open(csv_path, newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            if split and row.get("split", split) != split:
                continue
            if "ref_line" in row:  # the data helper's dicebear build: paths relative to DIR
                pairs.append((row["id"], root / row["ref_line"], root / row["ref_color"], root / row["line"],
                              root / row["color"]))
                continue
            a = row.get("ref_id") or row.get("reference") or row.get("a") or row.get("id_a")
            b = row.get("new_id") or row.get("target") or row.get("b") or row.get("id_b")
            if a is None or b is None:
                raise SystemExit(f"unknown pairs.csv columns: {list(row)}")
            pairs.append((f"{a}->{b}", _find(root, a, "line"), _find(root, a, "color"),
                          _find(root, b, "line"), _find(root, b, "color")))
    else:  # a folder of NNN_a_line.png, NNN_a_color.png, NNN_b_line.png, NNN_b_color.png
        for p in sorted(root.glob("*_a_line.png")):
            stem = p.name[: -len("_a_line.png")]
            pairs.append((stem, p, root / f"{stem}_a_color.png", root / f"{stem}_b_line.png",
                          root / f"{stem}_b_color.png"))
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--split", default="test", help="pairs of this split (pairs.csv 'split' column)")
    ap.add_argument("--methods", default="paste,region-match,svm,neural")
    ap.add_argument("--out", type=Path, default=None, help="write a picture grid per pair here")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--option", action="append", default=[], help="svm option KEY=VALUE")
    ap.add_argument("--finetune-seconds", type=float, default=60.0, help="neural-finetuned: time per pair")
    ap.add_argument("--finetune-steps", type=int, default=None, help="neural-finetuned: steps per pair")
    args = ap.parse_args(argv)
    extra = {"neural-finetuned"}
    methods = [m for m in args.methods.split(",") if m in method_names() or m in extra]
    skipped = [m for m in args.methods.split(",") if m not in method_names() and m not in extra]
    svm_opts = {}
    for o in args.option:
        k, _, v = o.partition("=")
        svm_opts[k] = type(getattr(irodori.methods.svm.SVMOptions(), k))(v) if v not in ("true", "false") \
            else v == "true"
    pairs = load_pairs(args.data, args.split)[: args.limit]
    if not pairs:
        raise SystemExit(f"no pairs under {args.data}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    scores: dict[str, list[tuple[float, float, float, float]]] = {m: [] for m in methods}
    unavailable: dict[str, str] = {}
    for name, ref_line, ref_color, new_line, new_color in pairs:
        ref = Reference(colors=read_rgb(ref_color), ink=load_lineart(ref_line))
        ink = load_lineart(new_line)
        truth = read_rgb(new_color)
        row = [ref.colors, np.repeat(((1 - ink) * 255).astype(np.uint8)[..., None], 3, 2), truth]
        for m in methods:
            if m in unavailable:
                continue
            t = time.perf_counter()
            opts = svm_opts if m == "svm" else {}
            try:
                if m == "neural-finetuned":
                    result = _finetuned(ref, ink, args.finetune_steps, args.finetune_seconds)
                elif m == "neural":
                    result = irodori.colorize(ink, method=m)  # neural without fine-tuning ignores the reference
                else:
                    result = irodori.colorize(ink, reference=ref, method=m, **opts)
            except irodori.IrodoriError as e:
                unavailable[m] = str(e)
                continue
            secs = time.perf_counter() - t
            de = rgb_ciede2000(result.image, truth)
            scores[m].append((float(de.mean()), psnr(result.image, truth), float((de < 5).mean()), secs))
            row.append(result.image)
        if args.out:
            h = max(r.shape[0] for r in row)
            row = [np.pad(r, ((0, h - r.shape[0]), (0, 0), (0, 0)), constant_values=255) for r in row]
            write_png(args.out / f"{name.replace('/', '_').replace('>', '')}.png", np.concatenate(row, 1),
                      overwrite=True)
    print(f"{len(pairs)} pairs from {args.data}; columns: reference, new line art, truth, "
          + ", ".join(methods))
    head = ("method", "mean CIEDE2000", "PSNR dB", "share dE<5", "s / pair")
    rows = []
    for m in methods:
        if m in unavailable:
            continue
        a = np.asarray(scores[m])
        rows.append((m, f"{a[:, 0].mean():.2f}", f"{a[:, 1].mean():.2f}", f"{a[:, 2].mean():.3f}",
                     f"{a[:, 3].mean():.2f}"))
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        print(f"{head[0]:<14}" + "".join(f"{h:>16}" for h in head[1:]))
        for r in rows:
            print(f"{r[0]:<14}" + "".join(f"{v:>16}" for v in r[1:]))
    for m in skipped:
        print(f"(method {m!r} is not registered here; skipped)")
    for m, why in unavailable.items():
        print(f"(method {m!r} could not run: {why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
