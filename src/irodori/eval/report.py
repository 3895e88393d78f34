"""Writing an evaluation: ``results.csv``, ``report.md``, picture grids and plots.

Summaries are pure functions of the result rows; the writers put them into
files (atomically, refusing to replace files without ``overwrite``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..io import encode_png, write_bytes_atomic
from .harness import COLUMNS

CELL = 160
HEADER = 22

# column label, key, number format, better ("+" higher, "-" lower)
TABLE_COLUMNS = (
    ("PSNR dB", "psnr", "{:.2f}", "+"),
    ("SSIM", "ssim", "{:.3f}", "+"),
    ("ΔE00", "delta_e", "{:.2f}", "-"),
    ("ΔE00<5", "share_de_lt5", "{:.1%}", "+"),
    ("bleed", "bleed", "{:.1%}", "-"),
    ("hint ΔE00", "adherence", "{:.2f}", "-"),
    ("s/img", "seconds", "{:.3f}", "-"),
    ("peak MiB", "peak_mib", "{:.1f}", "-"),
)

PLOT_METRICS = (("psnr", "PSNR (dB) ↑"), ("ssim", "SSIM ↑"), ("delta_e", "mean CIEDE2000 ↓"),
                ("share_de_lt5", "share of pixels ΔE00 < 5 ↑"), ("bleed", "bleed rate ↓"),
                ("adherence", "hint adherence ΔE00 ↓"), ("seconds", "seconds per image ↓"))


@dataclass(frozen=True)
class Summary:
    """Averages of one dataset x method x hint setting over the images it ran on."""

    dataset: str
    method: str
    hints: str
    images: int
    errors: int
    values: dict[str, float]
    first_error: str = ""


def _nanmean(values: Iterable[float]) -> float:
    arr = np.array([v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))],
                   np.float64)
    return float(arr.mean()) if arr.size else math.nan


def summarize(rows: Sequence[dict[str, Any]], method_order: Sequence[str],
              setting_order: Sequence[str]) -> list[Summary]:
    """Average the rows per dataset, method and setting.

    Bleed is pooled (bleeding regions over all uniform regions); peak memory
    is the maximum; every other metric is the mean over images that ran
    without error.
    """
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["dataset"], r["method"], r["hints"]), []).append(r)
    out = []
    for (ds, m, h), rs in groups.items():
        ok = [r for r in rs if r["status"] == "ok"]
        errs = [r for r in rs if r["status"] != "ok"]
        vals = {k: _nanmean(r[k] for r in ok) for k in ("psnr", "ssim", "delta_e", "share_de_lt5",
                                                         "adherence", "seconds")}
        regions = sum(int(r["bleed_regions"]) for r in ok)
        vals["bleed"] = sum(int(r["bleeding"]) for r in ok) / regions if regions else math.nan
        peaks = [r["peak_mib"] for r in ok if not math.isnan(r["peak_mib"])]
        vals["peak_mib"] = max(peaks) if peaks else math.nan
        out.append(Summary(ds, m, h, len(ok), len(errs), vals, errs[0]["status"] if errs else ""))
    mi = {m: i for i, m in enumerate(method_order)}
    si = {s: i for i, s in enumerate(setting_order)}
    out.sort(key=lambda s: (s.dataset, mi.get(s.method, 99), si.get(s.hints, 99)))
    return out


def _fmt(value: Any, fmt: str = "{:.6g}") -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return fmt.format(value)
    return str(value)


def results_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The text of ``results.csv``: one row per image x method x setting, columns :data:`COLUMNS`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_fmt(r[c]) for c in COLUMNS])
    return buf.getvalue()


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return lines


def metric_table(summaries: Sequence[Summary], dataset: str, has_truth: bool,
                 fid: dict[tuple[str, str], float] | None = None) -> list[str]:
    """Markdown table of every metric for one dataset: a row per method and setting; best values in bold."""
    cols = [c for c in TABLE_COLUMNS if has_truth or c[1] in ("bleed", "adherence", "seconds", "peak_mib")]
    subset = [s for s in summaries if s.dataset == dataset]
    best: dict[tuple[str, str], float] = {}
    for s in subset:
        for _, key, _, better in cols:
            v = s.values.get(key, math.nan)
            if math.isnan(v) or key in ("seconds", "peak_mib"):
                continue
            cur = best.get((s.hints, key))
            if cur is None or (v > cur if better == "+" else v < cur):
                best[(s.hints, key)] = v
    header = ["method", "hints", "images"] + [c[0] for c in cols] + (["FID"] if fid is not None else [])
    body = []
    for s in subset:
        cells = [f"`{s.method}`", s.hints, str(s.images) + (f" ({s.errors} failed)" if s.errors else "")]
        for _, key, fmt, _ in cols:
            v = s.values.get(key, math.nan)
            text = _fmt(v, fmt)
            if text and best.get((s.hints, key)) == v:
                text = f"**{text}**"
            cells.append(text)
        if fid is not None:
            cells.append(_fmt(fid.get((s.hints, s.method), math.nan), "{:.2f}"))
        body.append(cells)
    return _table(header, body)


def pivot_table(summaries: Sequence[Summary], dataset: str, key: str, fmt: str,
                methods: Sequence[str], settings: Sequence[str]) -> list[str]:
    """Markdown table of one metric: a row per method, a column per hint setting."""
    idx = {(s.method, s.hints): s for s in summaries if s.dataset == dataset}
    body = []
    for m in methods:
        if not any((m, h) in idx for h in settings):
            continue
        body.append([f"`{m}`"] + [_fmt(idx[(m, h)].values[key], fmt) if (m, h) in idx else "–"
                                  for h in settings])
    return _table(["method"] + [f"{h} hints" if h[0].isdigit() else h for h in settings], body)


# --------------------------------------------------------------------- grids
def _font(size: int = 13) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one fixed-size bitmap font
        return ImageFont.load_default()


def _thumb(image: np.ndarray, cell: int) -> Image.Image:
    im = Image.fromarray(image)
    im.thumbnail((cell, cell), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (cell, cell), (236, 236, 236))
    canvas.paste(im, ((cell - im.width) // 2, (cell - im.height) // 2))
    return canvas


def grid_image(pictures: Sequence[dict[tuple[str, str], np.ndarray]], setting: str,
               methods: Sequence[str], cell: int = CELL) -> np.ndarray:
    """A comparison grid: a row per image; columns line art | hints | each method | ground truth.

    ``pictures`` holds, per image, ``("", "line")``, ``("", "truth")`` (when
    known), ``(setting, "hints")`` and ``(setting, method)`` -> ``(H, W, 3)
    uint8``. A method that did not run on an image shows an empty cell.
    Returns ``(rows * cell + header, columns * cell, 3) uint8``.
    """
    has_truth = any(("", "truth") in p for p in pictures)
    columns = [("", "line", "line art"), (setting, "hints", f"hints ({setting})")]
    columns += [(setting, m, m) for m in methods]
    if has_truth:
        columns.append(("", "truth", "ground truth"))
    gap = 2
    width = len(columns) * (cell + gap) - gap
    height = HEADER + len(pictures) * (cell + gap)
    canvas = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    font = _font()
    for j, (_, _, label) in enumerate(columns):
        draw.text((j * (cell + gap) + 4, 4), label, fill=(0, 0, 0), font=font)
    for i, pics in enumerate(pictures):
        y = HEADER + i * (cell + gap)
        for j, (s, key, _) in enumerate(columns):
            x = j * (cell + gap)
            pic = pics.get((s, key))
            if pic is None:
                draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=(236, 236, 236))
                draw.text((x + cell // 2 - 14, y + cell // 2 - 7), "n/a", fill=(120, 120, 120), font=font)
            else:
                canvas.paste(_thumb(pic, cell), (x, y))
    return np.asarray(canvas)


# --------------------------------------------------------------------- plots
def plot_png(summaries: Sequence[Summary], dataset: str, methods: Sequence[str],
             settings: Sequence[str], has_truth: bool) -> bytes:
    """PNG bytes of a figure: each metric against the hint setting, one line per method."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [(k, t) for k, t in PLOT_METRICS if has_truth or k in ("bleed", "adherence", "seconds")]
    idx = {(s.method, s.hints): s for s in summaries if s.dataset == dataset}
    ncols = min(4, len(keys))
    nrows = math.ceil(len(keys) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.3 * nrows), squeeze=False)
    x = np.arange(len(settings))
    for ax, (key, title) in zip(axes.flat, keys):
        for m in methods:
            ys = [idx[(m, h)].values[key] if (m, h) in idx else math.nan for h in settings]
            if all(math.isnan(v) for v in ys):
                continue
            ax.plot(x, ys, marker="o", label=m)
        ax.set_title(title, fontsize=10)
        ax.set_xticks(x, settings)
        ax.set_xlabel("hints")
        ax.grid(alpha=0.3)
        if key == "seconds":
            ax.set_yscale("log")
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)), frameon=False)
    fig.suptitle(f"{dataset}: metrics against hints", fontsize=12)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def write(path: Path, data: bytes | str, overwrite: bool) -> Path:
    """Write text or bytes atomically."""
    return write_bytes_atomic(path, data.encode("utf-8") if isinstance(data, str) else data,
                              overwrite=overwrite)


def write_png_bytes(path: Path, image: np.ndarray, overwrite: bool) -> Path:
    """Write an ``(H, W, 3) uint8`` image as PNG atomically."""
    return write(path, encode_png(image), overwrite)
