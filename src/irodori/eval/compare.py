"""``irodori eval``: compare every method on held-out data and write a report.

:func:`run_eval` plans (which methods, which settings, from capabilities),
runs (one job per image, optionally in worker processes, with a progress
bar) and writes into the output folder::

    report.md        tables per data folder, notes, definitions
    results.csv      one row per image x method x hint setting
    summary.csv      one row per data folder x method x hint setting (averages)
    grids/<data>_<setting>.png   line art | hints | each method | ground truth
    plots/<data>.png             each metric against the hint setting
    mean/<data>.png              the mean training image (when computed)
"""

from __future__ import annotations

import csv
import io
import math
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import IrodoriError
from . import data as eval_data
from . import harness, report
from .metrics import PSNR_CAP

GRID_IMAGES = 6
MEMORY_IMAGES = 8  # images per data folder whose calls are run again under tracemalloc
MEAN_MAX_IMAGES = 1000  # the mean of a thousand pictures is as good as the mean of all of them


@dataclass(frozen=True)
class EvalConfig:
    """Everything ``irodori eval`` was asked to do."""

    data: tuple[Path, ...]
    out: Path
    split: str = "test"
    methods: str = "all"
    hints: str = harness.DEFAULT_HINTS
    limit: int | None = None
    mean_from: Path | None = None
    fid_weights: Path | None = None
    workers: int = 1
    grid_images: int = GRID_IMAGES
    overwrite: bool = False
    progress: bool = True
    options: tuple[str, ...] = ()
    toned: int = 0
    command: str = field(default="", compare=False)


@dataclass
class EvalOutcome:
    """What a run produced: the rows, the summaries and where the files went."""

    out: Path
    rows: list[dict[str, Any]]
    summaries: list[report.Summary]
    seconds: float
    files: list[Path]


def _prepare_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise IrodoriError(f"output path is a file, not a folder: {out}")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise IrodoriError(f"{out} exists and is not empty; pass --overwrite to replace its report")
    if not out.parent.exists():
        raise IrodoriError(f"output directory does not exist: {out.parent}")
    for sub in ("", "grids", "plots", "mean"):
        (out / sub).mkdir(exist_ok=True)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def run_eval(config: EvalConfig) -> EvalOutcome:
    """Run the comparison described by ``config`` and write the report (see module docstring)."""
    from tqdm import tqdm

    if config.workers < 1:
        raise IrodoriError(f"--workers must be at least 1, got {config.workers}")
    if not config.data:
        raise IrodoriError("give at least one --data folder")
    if config.fid_weights is not None and not Path(config.fid_weights).is_file():
        raise IrodoriError(f"--fid-weights: file not found: {config.fid_weights}")
    settings = harness.parse_settings(config.hints)
    method_list = harness.resolve_methods(config.methods)
    method_options = harness.parse_method_options(config.options, method_list)
    datasets = [eval_data.load(d, config.split, config.limit) for d in config.data]
    if config.toned:  # manga-page renderings of the first images, rows of their own
        datasets += [eval_data.toned_variant(d, config.toned) for d in datasets if d.has_truth]
    names = [d.name for d in datasets]
    if len(set(names)) != len(names):
        raise IrodoriError(f"two --data folders share the name {max(names, key=names.count)!r}")
    if config.fid_weights is not None:
        from .fid import InceptionFeatures

        InceptionFeatures(config.fid_weights)  # fail early on a bad model
    _prepare_out(config.out, config.overwrite)
    start = time.perf_counter()
    cpu_start = _cpu_seconds()
    written: list[Path] = []

    plans = []
    for d in datasets:
        mean_path, mean_note = _mean_image(d, config, method_list, written, tqdm)
        # Worker processes share the cores: a method's own thread pool (onnxruntime's spins) would
        # only take time from the other workers, so each gets one thread.
        plans.append(harness.plan(d, method_list, settings, mean_path, mean_note, method_options,
                                  threads=1 if config.workers > 1 else None))

    jobs = []
    for p in plans:
        for k, item in enumerate(p.data.items):
            jobs.append(harness.Job(item, p.settings, p.methods, keep_images=k < config.grid_images,
                                    fid_weights=str(config.fid_weights) if config.fid_weights else None,
                                    measure_memory=k < MEMORY_IMAGES))
    bar = (lambda total: tqdm(total=total, desc="eval", unit="img", file=sys.stderr,
                                       mininterval=1.0)) \
        if config.progress else None
    results = harness.run_jobs(jobs, workers=config.workers, progress=bar)
    run_seconds = time.perf_counter() - start
    cpu_seconds = _cpu_seconds() - cpu_start

    rows = [harness.clean_row(r) for res in results for r in res.rows]
    setting_labels = [s.label for s in settings] + [harness.FILE_SETTING]
    summaries = report.summarize(rows, method_list, setting_labels)
    written.append(report.write(config.out / "results.csv", report.results_csv(rows), config.overwrite))
    written.append(report.write(config.out / "summary.csv", _summary_csv(summaries), config.overwrite))

    sections = []
    offset = 0
    for p in plans:
        res = results[offset:offset + len(p.data.items)]
        offset += len(p.data.items)
        labels = [s.label for s in p.settings]
        ran = [m.name for m in p.methods]
        # A method that failed on every image (a missing model, say) gets no grid column.
        shown = [m for m in ran if any(r["method"] == m and r["status"] == "ok"
                                       for res_i in res for r in res_i.rows)]
        grids = []
        pictures = [r.pictures for r in res if r.pictures]
        for s in labels:
            if pictures:
                path = config.out / "grids" / f"{_safe(p.data.name)}_{_safe(s)}.png"
                written.append(report.write_png_bytes(path, report.grid_image(pictures, s, shown),
                                                      config.overwrite))
                grids.append((s, path))
        plot = config.out / "plots" / f"{_safe(p.data.name)}.png"
        written.append(report.write(plot, report.plot_png(summaries, p.data.name, ran, labels,
                                                          p.data.has_truth), config.overwrite))
        fid = harness.fid_scores(res, p.data.name) if config.fid_weights else None
        section = _section(p, summaries, ran, labels, grids, plot, fid, config.out)
        section[4:4] = _time_line(p, [r for res_i in res for r in res_i.rows])
        sections.append(section)
    text = _report_md(config, plans, sections, run_seconds, len(rows), cpu_seconds)
    written.append(report.write(config.out / "report.md", text, config.overwrite))
    return EvalOutcome(config.out, rows, summaries, time.perf_counter() - start, written)


def _mean_image(d: eval_data.EvalData, config: EvalConfig, method_list: list[str],
                written: list[Path], tqdm: Any) -> tuple[Path | None, str]:
    """Compute and write the mean training image for a data folder, when a method wants one."""
    from ..methods import describe_methods

    wants = any(o["name"] == "mean_image" for m in describe_methods() if m["name"] in method_list
                for o in m["options"])
    if not wants:
        return None, ""
    source = config.mean_from
    if source is None:
        if (d.root / "manifest.csv").is_file():
            source = d.root
        else:
            return None, "pass --mean-from DIR, a dataset with a train split"
    paths = eval_data.train_colors(source, limit=MEAN_MAX_IMAGES)
    progress = (lambda it: tqdm(it, desc=f"mean image of {Path(source).name}", unit="img",
                                file=sys.stderr, leave=False, mininterval=1.0)) if config.progress else None
    mean = harness.mean_training_image(paths, progress=progress)
    path = config.out / "mean" / f"{_safe(d.name)}.png"
    written.append(report.write_png_bytes(path, mean, config.overwrite))
    return path.resolve(), f"{len(paths)} training images of {source}"


def _time_line(p: harness.Plan, rows: list[dict[str, Any]]) -> list[str]:
    """One line: seconds spent in each method's calls on this data folder (each call counted once)."""
    uses = {m.name: m.uses_hints for m in p.methods}
    total: dict[str, float] = {}
    seen = set()
    for r in rows:
        key = (r["image"], r["method"], r["hints"] if uses.get(r["method"], True) else "")
        if r["status"] == "ok" and key not in seen:
            seen.add(key)
            total[r["method"]] = total.get(r["method"], 0.0) + float(r["seconds"])
    if not total:
        return []
    parts = ", ".join(f"`{m}` {t:.2f} s" for m, t in sorted(total.items(), key=lambda kv: -kv[1]))
    return [f"Time spent in method calls (summed over images and settings, each call once): {parts}.", ""]


def _summary_csv(summaries: list[report.Summary]) -> str:
    buf = io.StringIO()
    keys = [k for _, k, _, _ in report.TABLE_COLUMNS]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["dataset", "method", "hints", "images", "errors"] + keys)
    for s in summaries:
        w.writerow([s.dataset, s.method, s.hints, s.images, s.errors]
                   + [report._fmt(s.values.get(k, math.nan)) for k in keys])
    return buf.getvalue()


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _section(p: harness.Plan, summaries: list[report.Summary], methods: list[str], settings: list[str],
             grids: list[tuple[str, Path]], plot: Path, fid: dict | None, out: Path) -> list[str]:
    d = p.data
    kind = "with ground truth" if d.has_truth else "line art only"
    lines = [f"## {d.name}", "", f"{len(d.items)} images from `{d.root}` ({kind}).", ""]
    if p.notes:
        lines += [f"- {n}" for n in p.notes] + [""]
    failing: dict[str, list[report.Summary]] = {}
    for s in summaries:
        if s.dataset == d.name and s.errors:
            failing.setdefault(s.method, []).append(s)
    for m, ss in failing.items():
        lines.append(f"- `{m}` failed {sum(s.errors for s in ss)} time(s) (at "
                     f"{', '.join(s.hints for s in ss)} hints); first: {ss[0].first_error}")
    if failing:
        lines.append("")
    if d.has_truth:
        lines += ["Mean CIEDE2000 against the ground truth (lower is better):", ""]
        lines += report.pivot_table(summaries, d.name, "delta_e", "{:.2f}", methods, settings) + [""]
    lines += ["All metrics (best per hint setting in bold):", ""]
    lines += report.metric_table(summaries, d.name, d.has_truth, fid) + [""]
    lines += [f"![metrics against hints]({_rel(plot, out)})", ""]
    for s, g in grids:
        lines.append(f"- grid at {s} hints: [{_rel(g, out)}]({_rel(g, out)})")
    if grids:
        pick = next((g for s, g in grids if s == "16"), grids[len(grids) // 2][1])
        lines += ["", f"![comparison grid]({_rel(pick, out)})"]
    return lines + [""]


def _report_md(config: EvalConfig, plans: list[harness.Plan], sections: list[list[str]],
               seconds: float, n_rows: int, cpu_seconds: float = math.nan) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# irodori evaluation: {config.out.name}", "",
             f"- command: `{config.command or 'irodori eval ...'}`",
             f"- run {when} on {platform.machine()} with {os.cpu_count()} CPUs{_load()} / Python "
             f"{platform.python_version()}, "
             f"{config.workers} worker process(es); {seconds:.1f} s to compute {n_rows} result rows "
             f"({cpu_seconds:.0f} CPU seconds in all processes)",
             f"- split `{config.split}`; hint settings {config.hints}; "
             f"methods: {', '.join(dict.fromkeys(m.name for p in plans for m in p.methods))}",
             ""]
    if config.fid_weights is None:
        lines += ["- FID: skipped. It needs Inception weights, which are not downloaded at run time; "
                  "pass `--fid-weights PATH` to a local ONNX Inception model to compute it.", ""]
    else:
        lines += [f"- FID: computed with `{config.fid_weights}` (features of each method's outputs "
                  "against the ground-truth images of the same data folder).", ""]
    for s in sections:
        lines += s
    lines += [
        "## Definitions", "",
        f"- **PSNR** of the output against the ground truth on all pixels (identical images: {PSNR_CAP:g} dB); "
        "**SSIM**: scikit-image, 7x7 window, per channel.",
        "- **ΔE00**: mean CIEDE2000 over all pixels; **ΔE00<5**: share of pixels with CIEDE2000 below 5.",
        "- **bleed**: paper regions are the 4-connected pieces of paper (ink < 0.5) of the line art, "
        "less the pixels within 1.5 px of ink, of at least 16 pixels. A region counts when the ground "
        "truth is uniform there (95% of it within ΔE00 5 of its dominant colour; without ground truth "
        "every region counts). It bleeds when more than 10% of it lies farther than ΔE00 10 from the "
        "output's dominant colour in it. The rate is bleeding regions over counted regions, pooled over "
        "images.",
        "- **hint ΔE00**: for each coloured hint, the mean CIEDE2000 between its colour and the output "
        "under it (paper pixels only), averaged per image and then over images.",
        "- **s/img**: wall time of the method call per image (the first call of each method in a "
        "worker process, which pays for imports and model loading, is not counted); **peak MiB**: "
        f"peak of memory allocated through Python and NumPy during the call, measured in a second, "
        f"traced call on the first {MEMORY_IMAGES} images of each data folder (tracemalloc; memory of "
        "native libraries such as onnxruntime is not counted), the maximum over them. Methods that "
        "ignore hints run once per image and are scored against each setting's hints; a method may "
        "also reuse its own work across the settings of one image (svm caches its fit to the "
        "reference), so its first setting carries that cost.",
        "- Hints are simulated from the ground truth by `irodori.hints.simulate_hints`, seeded from a "
        "hash of the image id and the setting, so runs are comparable.",
        ""]
    return "\n".join(lines)


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (the worker processes)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _load() -> str:
    """The load average, so readers can judge the timings (other work on the machine slows them)."""
    try:
        return f" (1-minute load average {os.getloadavg()[0]:.1f} when it ended)"
    except OSError:
        return ""


def command_line(argv: list[str]) -> str:
    """The command as typed, quoted for the report."""
    return "irodori " + " ".join(shlex.quote(a) for a in argv)
