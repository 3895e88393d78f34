"""Refresh the README's "How the methods compare" block from a report folder.

``python -m irodori.eval.readme REPORT [REPORT2 ...] README.md [--grid GRID.png --grid-to docs/eval-grid.png]``
replaces the text between ``<!-- eval:begin -->`` and ``<!-- eval:end -->``
with tables built from ``REPORT/summary.csv`` and copies one grid picture
next to the README. Everything outside the markers is left alone.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from pathlib import Path

import numpy as np

from ..errors import IrodoriError

BEGIN = "<!-- eval:begin -->"
END = "<!-- eval:end -->"
FOCUS = "16"
MAX_GRID_BYTES = 300_000  # the hint setting whose full metrics the README shows


def _f(text: str, fmt: str) -> str:
    if text in ("", None):
        return "–"
    v = float(text)
    return "–" if math.isnan(v) else fmt.format(v)


def _mean_seconds(idx: dict[tuple[str, str], dict[str, str]], method: str, settings: list[str]) -> float:
    vals = [float(idx[(method, s)]["seconds"]) for s in settings
            if (method, s) in idx and idx[(method, s)]["seconds"] not in ("", "nan")]
    return sum(vals) / len(vals) if vals else math.nan


def _setting_order(label: str) -> tuple[int, int, str]:
    if label.isdigit():
        return 0, int(label), label
    if label.startswith("strokes:") and label[8:].isdigit():
        return 1, int(label[8:]), label
    return 2, 0, label


def block(report_dirs: Path | list[Path], grid_rel: str | None) -> str:
    """The Markdown between the markers, from ``summary.csv`` and ``report.md`` of report folders.

    With several folders (runs over the same images, e.g. a late method run
    on its own), a later folder's row for a dataset x method x setting
    replaces an earlier one.
    """
    dirs = [report_dirs] if isinstance(report_dirs, Path) else list(report_dirs)
    merged: dict[tuple[str, str, str], dict[str, str]] = {}
    out = []
    for report_dir in dirs:
        path = report_dir / "summary.csv"
        if not path.is_file():
            raise IrodoriError(f"{report_dir} has no summary.csv: run irodori eval first")
        with path.open(newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                merged[(r["dataset"], r["method"], r["hints"])] = r
        head = (report_dir / "report.md").read_text(encoding="utf-8").splitlines()
        run_line = next((l for l in head if l.startswith("- run ")), "")
        command = next((l for l in head if l.startswith("- command: ")), "")
        out.append(f"- `{report_dir.as_posix()}/report.md`: "
                   f"{command.removeprefix('- command: ').strip()}, "
                   f"{run_line.removeprefix('- run ').strip()}.")
    rows = list(merged.values())
    out.insert(0, "Written by `python -m irodori.eval.readme` (the last step of `make eval`) from "
                  + ("this report:" if len(dirs) == 1 else "these reports (a later one's rows replace "
                     "an earlier one's):"))
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    for ds in datasets:
        rs = [r for r in rows if r["dataset"] == ds]
        methods = list(dict.fromkeys(r["method"] for r in rs))
        settings = sorted(dict.fromkeys(r["hints"] for r in rs), key=_setting_order)
        idx = {(r["method"], r["hints"]): r for r in rs}
        # Failed everywhere (e.g. no model): listed in the report, not here.
        methods = [m for m in methods if any(int(idx[(m, s)]["images"]) for s in settings if (m, s) in idx)]
        count = {m: max(int(idx[(m, s)]["images"]) + int(idx[(m, s)]["errors"])
                        for s in settings if (m, s) in idx) for m in methods}
        mixed = len(set(count.values())) > 1
        n = f"{max(count.values())} test images" if count and not mixed else "test images per method"
        out += ["", f"**{ds}** ({n}): mean CIEDE2000 to the ground truth by number of hints "
                    "(lower is better; – = not run)", ""]
        out.append("| method | " + ("images | " if mixed else "") + " | ".join(settings)
                   + f" | PSNR @{FOCUS} | SSIM @{FOCUS} | bleed @{FOCUS} | hint ΔE00 @{FOCUS} | s/img (all settings) |")
        out.append("|---" * (len(settings) + 6 + mixed) + "|")
        for m in methods:
            cells = [_f(idx[(m, s)]["delta_e"], "{:.2f}") if (m, s) in idx else "–" for s in settings]
            focus = idx.get((m, FOCUS)) or next((idx[(m, s)] for s in settings if (m, s) in idx), None)
            assert focus is not None
            cells += [_f(focus["psnr"], "{:.1f}"), _f(focus["ssim"], "{:.3f}"), _f(focus["bleed"], "{:.1%}"),
                      _f(focus["adherence"] if (m, FOCUS) in idx else "", "{:.2f}"),
                      _f(str(_mean_seconds(idx, m, settings)), "{:.3f}")]
            out.append(f"| `{m}` | " + (f"{count[m]} | " if mixed else "") + " | ".join(cells) + " |")
    if grid_rel:
        out += ["", f"![methods side by side at {FOCUS} hints: line art, hints, each method, "
                    f"ground truth]({grid_rel})"]
    return "\n".join(out)


def splice_grids(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Put the method columns of grid ``second`` before the ground-truth column of grid ``first``.

    Both are ``(H, W, 3) uint8`` grids from :func:`irodori.eval.report.grid_image`
    with the default cell size, of the same images and hint setting (two runs
    with the same data, ``--limit`` and ``--hints``): columns line art | hints |
    methods... | ground truth.
    """
    from .report import CELL

    step = CELL + 2
    if first.shape[0] != second.shape[0]:
        raise IrodoriError(f"grids differ in height ({first.shape[0]} vs {second.shape[0]} px): "
                           "not the same images")
    cols_a, cols_b = (first.shape[1] + 2) // step, (second.shape[1] + 2) // step
    if cols_b < 4:
        return first
    methods_b = second[:, 2 * step:(cols_b - 1) * step]
    gap = np.full((first.shape[0], 2, 3), 255, np.uint8)
    head = first[:, :(cols_a - 1) * step]
    return np.concatenate([head, methods_b, first[:, (cols_a - 1) * step:]], axis=1) \
        if methods_b.shape[1] else np.concatenate([head, gap, first[:, (cols_a - 1) * step:]], axis=1)


def small_png(path: Path, max_bytes: int = MAX_GRID_BYTES, max_width: int = 1600) -> bytes:
    """The PNG at ``path``, shrunk to ``max_width`` and palette-quantized until under ``max_bytes``."""
    import io

    from PIL import Image

    im = Image.open(path).convert("RGB")
    if im.width > max_width:
        im = im.resize((max_width, round(im.height * max_width / im.width)), Image.Resampling.LANCZOS)
    data = b""
    for colors in (None, 256, 128, 64):
        pic = im if colors is None else im.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
        buf = io.BytesIO()
        pic.save(buf, format="PNG", optimize=True)
        data = buf.getvalue()
        if len(data) <= max_bytes:
            break
    return data


def refresh(readme: Path, text: str) -> None:
    """Replace the block between the markers in ``readme`` with ``text``."""
    body = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(body):
        raise IrodoriError(f"{readme} has no {BEGIN} ... {END} block")
    readme.write_text(pattern.sub(lambda _: f"{BEGIN}\n{text}\n{END}", body), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path, nargs="+", help="report folder(s); later ones win")
    ap.add_argument("readme", type=Path)
    ap.add_argument("--grid", type=Path, action="append",
                    help="grid PNG of a report to show; given twice, the second grid's method columns "
                         "are spliced in before the first one's ground truth (same images and hints)")
    ap.add_argument("--grid-to", type=Path, help="where to copy it (relative to the README's folder)")
    a = ap.parse_args(argv)
    try:
        grid_rel = None
        if a.grid and a.grid_to:
            for g in a.grid:
                if not g.is_file():
                    raise IrodoriError(f"grid not found: {g}")
            target = a.readme.parent / a.grid_to
            target.parent.mkdir(parents=True, exist_ok=True)
            picture = a.grid[0]
            if len(a.grid) > 1:
                from ..io import read_rgb, write_png

                merged = read_rgb(a.grid[0])
                for extra in a.grid[1:]:
                    merged = splice_grids(merged, read_rgb(extra))
                picture = target.with_suffix(".full.png")
                write_png(picture, merged, overwrite=True)
            target.write_bytes(small_png(picture))
            if picture != a.grid[0]:
                picture.unlink()
            grid_rel = a.grid_to.as_posix()
        refresh(a.readme, block(a.report, grid_rel))
    except IrodoriError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
