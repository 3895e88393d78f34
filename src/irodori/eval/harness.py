"""The comparison: every method, every hint setting, every image, with metrics.

:func:`evaluate` runs each registered method (or a chosen few) on each image
of one or more data folders under each hint setting, and returns one row of
metrics per image x method x setting plus the pictures needed for grids.
Hints are simulated from the ground truth with
:func:`irodori.hints.simulate_hints`, seeded from a hash of the image id and
the setting, so two runs (and two machines) see the same hints.

Methods are used only through the registry and their declared capabilities:
a method that needs hints skips the 0-hint setting, one that needs a
reference runs only where the data names same-character pairs, one that
ignores hints runs once per image and is scored against each setting's
hints, and a method whose options include ``mean_image`` gets the mean
training image. A method that fails on an image gets an error row, not a
crashed run.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import os
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import cv2
import numpy as np

from ..errors import IrodoriError
from ..hints import Hints
from ..io import load_lineart, read_rgb
from ..methods import Reference, describe_methods, method_names
from . import data as eval_data
from . import metrics

DEFAULT_HINTS = "0,4,16,64,per-region"
MEAN_SIZE = 256
FILE_SETTING = "file"

COLUMNS = ("dataset", "image", "method", "hints", "n_hints", "psnr", "ssim", "delta_e",
           "share_de_lt5", "bleed", "bleed_regions", "bleeding", "adherence", "seconds",
           "peak_mib", "status")
"""Columns of ``results.csv``; ``seconds`` and ``peak_mib`` vary between runs, the rest do not."""

METRICS = ("psnr", "ssim", "delta_e", "share_de_lt5", "bleed", "adherence", "seconds", "peak_mib")


@dataclass(frozen=True)
class HintSetting:
    """How hints are simulated: ``mode`` ``points``/``strokes``/``per-region``/``file`` and count ``n``."""

    label: str
    mode: str
    n: int | None = None

    @property
    def empty(self) -> bool:
        return self.mode in ("points", "strokes") and self.n == 0


def parse_settings(text: str) -> tuple[HintSetting, ...]:
    """Parse ``--hints``: comma-separated ``N`` (points), ``strokes:N`` or ``per-region``."""
    out: list[HintSetting] = []
    for raw in text.split(","):
        tok = raw.strip()
        if not tok:
            continue
        if tok == "per-region":
            s = HintSetting(tok, "per-region", None)
        elif tok.isdigit():
            s = HintSetting(tok, "points", int(tok))
        elif tok.startswith("strokes:") and tok[8:].isdigit():
            s = HintSetting(tok, "strokes", int(tok[8:]))
        else:
            raise IrodoriError(f"bad hint setting {tok!r}: expected N, strokes:N or per-region")
        if any(o.label == s.label for o in out):
            raise IrodoriError(f"hint setting {tok!r} given twice")
        out.append(s)
    if not out:
        raise IrodoriError("--hints names no setting")
    return tuple(out)


def hint_seed(image_id: str, setting: str) -> int:
    """The seed of an image's simulated hints: a hash of its id and the setting label."""
    digest = hashlib.sha256(f"{image_id}\x00{setting}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def simulate(setting: HintSetting, color: np.ndarray, ink: np.ndarray, image_id: str) -> Hints:
    """Simulated hints of one image under one setting (deterministic)."""
    if setting.empty:
        return Hints()
    from .. import hints as hints_module  # looked up at call time: the simulator lives there

    rng = np.random.default_rng(hint_seed(image_id, setting.label))
    return hints_module.simulate_hints(color, ink, n=setting.n, mode=setting.mode, rng=rng)


@dataclass(frozen=True)
class MethodSpec:
    """A method as the harness sees it: its name, options and capabilities."""

    name: str
    options: dict[str, Any]
    needs_hints: bool
    uses_hints: bool
    needs_reference: bool


@dataclass(frozen=True)
class Job:
    """All the work on one image (runs in a worker process)."""

    item: eval_data.Item
    settings: tuple[HintSetting, ...]
    methods: tuple[MethodSpec, ...]
    keep_images: bool
    fid_weights: str | None = None
    measure_memory: bool = False


@dataclass
class ItemResult:
    """What one image gives back: metric rows, grid pictures and FID features."""

    rows: list[dict[str, Any]]
    pictures: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    features: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``fn``; return its value and wall seconds."""
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _peak_mib(fn: Callable[[], Any]) -> float:
    """Run ``fn`` under tracemalloc; return the peak of memory allocated meanwhile, in MiB.

    Separate from the timed call: tracing every allocation slows a method down by half.
    """
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2 ** 20
    finally:
        tracemalloc.stop()


def _hint_picture(ink: np.ndarray, hints: Hints) -> np.ndarray:
    """Line art in gray with the hints painted over it, each outlined in black."""
    paper = np.clip(np.rint(255 * (1 - 0.7 * ink)), 0, 255).astype(np.uint8)
    pic = np.repeat(paper[..., None], 3, axis=2)
    if hints:
        colors, mask, transparent = hints.rasterize(ink.shape)
        # Hints are a few pixels wide: draw them one pixel larger, ringed in black, to read in a thumbnail.
        k3 = np.ones((3, 3), np.uint8)
        grown = cv2.dilate(colors, k3)
        mask_g = cv2.dilate(mask.astype(np.uint8), k3) > 0
        transparent_g = cv2.dilate(transparent.astype(np.uint8), k3) > 0
        ring = cv2.dilate((mask_g | transparent_g).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        pic[ring] = 0
        pic[transparent_g] = (255, 255, 255)
        pic[mask_g] = grown[mask_g]
    return pic


def _fmt_error(e: BaseException) -> str:
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    return f"error: {type(e).__name__}: {msg}"[:300]


_WARM: set[str] = set()
_BLEED = "\x00bleed"  # cache key of the drawing's metrics.bleed_truth (method names hold no NUL)


def evaluate_item(job: Job) -> ItemResult:
    """Run every method under every setting on one image and measure it."""
    from ..api import colorize
    from ..drawing import prepare

    item = job.item
    ink = load_lineart(item.line)
    # One prepared drawing per item: every method and hint setting reuses what depends on the lines alone
    drawing = prepare(ink, copy=False)
    truth = None
    if item.color is not None:
        truth = read_rgb(item.color)
        if truth.shape[:2] != ink.shape:
            raise IrodoriError(f"{item.id}: line art is {ink.shape[1]}x{ink.shape[0]} but its colour "
                               f"image is {truth.shape[1]}x{truth.shape[0]}")
    # A toned item is coloured from its manga-page rendering; hints and scores use the clean lines.
    page = ink
    if item.toned:
        if truth is None:
            raise IrodoriError(f"{item.id}: a toned variant needs the true colours")
        from ..data.manga import tone_drawing

        page = tone_drawing(ink, truth, seed=hint_seed(item.id, "toned") % 2**32).page
        drawing = prepare(page, copy=False)
    reference = None
    if item.reference_line is not None and item.reference_color is not None:
        reference = Reference(colors=read_rgb(item.reference_color), ink=load_lineart(item.reference_line))
    fid = _fid_model(job.fid_weights) if job.fid_weights and truth is not None else None
    out = ItemResult(rows=[])
    if job.keep_images:
        out.pictures[("", "line")] = np.repeat(np.clip(np.rint(255 * (1 - page)), 0, 255)
                                               .astype(np.uint8)[..., None], 3, axis=2)
        if truth is not None:
            out.pictures[("", "truth")] = truth
    if fid is not None:
        out.features[("", "truth")] = fid.features(truth)
    cache: dict[str, Any] = {}
    # The output-independent halves of bleed (regions of the drawing, which are uniform in the
    # truth) and of hint adherence (each hint's footprint) are computed once, not per output.
    cache[_BLEED] = metrics.bleed_truth(ink, truth)
    for setting in job.settings:
        if setting.mode == FILE_SETTING:
            hints = Hints.from_json(item.hints) if item.hints is not None else Hints()
        else:
            assert truth is not None
            hints = simulate(setting, truth, ink, item.id)
        footprints = metrics.hint_footprints(hints, ink.shape, ink)
        if job.keep_images:
            out.pictures[(setting.label, "hints")] = _hint_picture(ink, hints)
        for m in job.methods:
            if m.needs_hints and not hints:
                continue
            if m.needs_reference and reference is None:
                continue
            key = m.name if not m.uses_hints else f"{m.name}\x00{setting.label}"
            if key not in cache:
                run_hints = hints if m.uses_hints else Hints()
                call = lambda: colorize(drawing, run_hints, reference, method=m.name, **m.options)  # noqa: E731
                try:
                    if m.name not in _WARM:
                        # The first call in a process pays for imports and model loading: not measured.
                        _WARM.add(m.name)
                        call()
                    result, seconds = _timed(call)
                    peak = _peak_mib(call) if job.measure_memory else float("nan")
                    cache[key] = (result.image, seconds, peak, "ok")
                except Exception as e:  # a failing method is a result to report, not a crash
                    cache[key] = (None, float("nan"), float("nan"), _fmt_error(e))
            image, seconds, peak, status = cache[key]
            row = {c: float("nan") for c in COLUMNS}
            row.update(dataset=item.dataset, image=item.id, method=m.name, hints=setting.label,
                       n_hints=len(hints), seconds=seconds, peak_mib=peak, status=status,
                       bleed_regions=0, bleeding=0)
            if image is not None:
                _score(row, image, ink, truth, footprints, key, cache)
                if job.keep_images:
                    out.pictures[(setting.label, m.name)] = image
                if fid is not None:
                    fkey = (setting.label, m.name)
                    out.features[fkey] = fid.features(image)
            out.rows.append(row)
    return out


def _score(row: dict[str, Any], image: np.ndarray, ink: np.ndarray, truth: np.ndarray | None,
           footprints: metrics.HintFootprints, key: str, cache: dict[str, Any]) -> None:
    """Fill the metric columns of ``row``; hint-independent metrics are computed once per output.

    ``cache[_BLEED]`` holds :func:`metrics.bleed_truth` of the drawing.
    """
    mkey = "metrics\x00" + key
    if mkey not in cache:
        m: dict[str, Any] = {}
        if truth is not None:
            m["psnr"] = metrics.psnr(image, truth)
            m["ssim"] = metrics.ssim(image, truth)
            m["delta_e"], m["share_de_lt5"] = metrics.color_accuracy(image, truth)
        b = metrics.bleed(image, ink, truth, prepared=cache[_BLEED])
        m.update(bleed=b.rate, bleed_regions=b.regions, bleeding=b.bleeding)
        cache[mkey] = m
    row.update(cache[mkey])
    adh = metrics.hint_adherence(image, Hints(), ink, footprints=footprints)
    row["adherence"] = float(adh.mean()) if adh.size else float("nan")


# ----------------------------------------------------------------------- FID
_FID_MODELS: dict[str, Any] = {}


def _fid_model(path: str) -> Any:
    from .fid import InceptionFeatures

    if path not in _FID_MODELS:
        _FID_MODELS[path] = InceptionFeatures(path)
    return _FID_MODELS[path]


# ------------------------------------------------------------------ planning
@dataclass(frozen=True)
class Plan:
    """What :func:`evaluate` will run on one data folder, and why anything is left out."""

    data: eval_data.EvalData
    settings: tuple[HintSetting, ...]
    methods: tuple[MethodSpec, ...]
    notes: tuple[str, ...]


def resolve_methods(text: str) -> list[str]:
    """``all`` or a comma-separated list of registered names; IrodoriError for unknown ones."""
    names = method_names()
    if text.strip() == "all":
        return names
    chosen = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [c for c in chosen if c not in names]
    if unknown:
        raise IrodoriError(f"unknown method(s) {', '.join(unknown)}; available: {', '.join(names)}")
    if not chosen:
        raise IrodoriError("--methods names no method")
    return list(dict.fromkeys(chosen))


def parse_method_options(texts: Iterable[str], method_list: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``["neural.model=a.onnx", "fill.gap=3"]`` -> ``{"neural": {"model": "a.onnx"}, "fill": {"gap": 3}}``.

    Values are read as JSON when they parse, else kept as text. Unknown
    methods, methods not being evaluated and unknown options raise IrodoriError.
    """
    from ..methods import get_method
    from ..pipeline import check_method, parse_option

    chosen = set(method_list)
    out: dict[str, dict[str, Any]] = {}
    for text in texts:
        key, value = parse_option(text)
        method, dot, name = key.partition(".")
        if not dot or not method or not name:
            raise IrodoriError(f"bad --option {text!r}: expected METHOD.KEY=VALUE, e.g. neural.model=m.onnx")
        get_method(method)
        if method not in chosen:
            raise IrodoriError(f"--option {text!r}: method {method!r} is not among --methods")
        out.setdefault(method, {})[name] = value
    for method, opts in out.items():
        check_method(method, opts)
    return out


def plan(data: eval_data.EvalData, method_list: Iterable[str], settings: tuple[HintSetting, ...],
         mean_image: Path | None, mean_note: str,
         method_options: dict[str, dict[str, Any]] | None = None,
         threads: int | None = None) -> Plan:
    """Decide, from capabilities alone, which methods run on a data folder and under which settings.

    ``threads``: given, a method with a ``threads`` option that ``method_options``
    leaves unset gets this many (one per worker process when the workers fill the cores).
    """
    described = {d["name"]: d for d in describe_methods()}
    notes = list(data.notes)
    if not data.has_truth:
        settings = (HintSetting(FILE_SETTING, FILE_SETTING),)
    specs = []
    for name in method_list:
        d = described[name]
        caps = d["capabilities"]
        options: dict[str, Any] = dict((method_options or {}).get(name, {}))
        option_names = {o["name"] for o in d["options"]}
        if "mean_image" in option_names and "mean_image" not in options:
            if mean_image is None:
                notes.append(f"`{name}` skipped: it needs a mean training image ({mean_note}).")
                continue
            options["mean_image"] = str(mean_image)
        if threads is not None and "threads" in option_names and "threads" not in options:
            options["threads"] = threads
        if caps["needs_reference"] and not data.has_pairs:
            notes.append(f"`{name}` skipped: it needs a reference of the same character and "
                         f"{data.name} has no same-character pairs (pairs/pairs.csv).")
            continue
        if caps["needs_reference"]:
            lonely = sum(it.reference_id is None for it in data.items)
            if lonely:
                notes.append(f"`{name}` ran only on the {len(data.items) - lonely} image(s) with a "
                             f"same-character partner ({lonely} without one were skipped).")
        if caps["needs_hints"]:
            empty = [s.label for s in settings if s.empty]
            if empty:
                notes.append(f"`{name}` needs hints: skipped at {', '.join(empty)} hints.")
            if not data.has_truth:
                notes.append(f"`{name}` needs hints: ran only on pictures with a hint file.")
        specs.append(MethodSpec(name, options, caps["needs_hints"], caps["uses_hints"],
                                caps["needs_reference"]))
    return Plan(data, settings, tuple(specs), tuple(notes))


def mean_training_image(paths: list[Path], size: int = MEAN_SIZE,
                        progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None) -> np.ndarray:
    """The per-pixel mean of colour images resized to ``size x size``: ``(size, size, 3) uint8``."""
    acc = np.zeros((size, size, 3), np.float64)
    it: Iterable[Path] = progress(paths) if progress else paths
    for p in it:
        rgb = read_rgb(p)
        interp = cv2.INTER_AREA if min(rgb.shape[:2]) > size else cv2.INTER_LINEAR
        acc += cv2.resize(rgb, (size, size), interpolation=interp)
    return np.clip(np.rint(acc / max(len(paths), 1)), 0, 255).astype(np.uint8)


# ------------------------------------------------------------------- running
def _worker_init() -> None:
    # Each worker gets one core: nested thread pools would fight over the same two. NumPy's and
    # scikit-learn's pools (OpenBLAS, OpenMP) are already loaded here, so they are limited directly.
    from threadpoolctl import threadpool_limits

    cv2.setNumThreads(1)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    threadpool_limits(1)
    method_names()  # import every method module once, before anything is timed


def run_jobs(jobs: list[Job], workers: int = 1,
             progress: Callable[..., Any] | None = None) -> list[ItemResult]:
    """Run jobs in this process or in ``workers`` processes; results come back in job order."""
    results: list[ItemResult | None] = [None] * len(jobs)
    bar = progress(total=len(jobs)) if progress else None
    try:
        if workers <= 1 or len(jobs) <= 1:
            for i, job in enumerate(jobs):
                results[i] = evaluate_item(job)
                if bar:
                    bar.update(1)
        else:
            # spawn, not fork: a forked child can inherit a lock held by a thread pool (OpenCV, BLAS) and hang
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
                futures = {pool.submit(evaluate_item, job): i for i, job in enumerate(jobs)}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    if bar:
                        bar.update(1)
    finally:
        if bar:
            bar.close()
    return [r for r in results if r is not None]


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets ``a (N, D)`` and ``b (M, D)``."""
    from scipy import linalg

    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    s1, s2 = np.atleast_2d(s1), np.atleast_2d(s2)
    covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        eps = np.eye(s1.shape[0]) * 1e-6
        covmean = linalg.sqrtm((s1 + eps) @ (s2 + eps))
    covmean = np.real(covmean)
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))
    return max(value, 0.0)


def fid_scores(results: list[ItemResult], dataset: str) -> dict[tuple[str, str], float]:
    """FID of every (setting, method) against the ground truth of one data folder."""
    by_key: dict[tuple[str, str], list[np.ndarray]] = {}
    for r in results:
        for k, v in r.features.items():
            by_key.setdefault(k, []).append(v)
    truth = by_key.pop(("", "truth"), [])
    out = {}
    for k, feats in by_key.items():
        if len(feats) >= 2 and len(truth) >= 2:
            out[k] = frechet_distance(np.stack(feats), np.stack(truth))
        else:
            out[k] = math.nan
    return out


def clean_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row with every column, in :data:`COLUMNS` order."""
    return {c: row.get(c, "") for c in COLUMNS}


__all__ = ["COLUMNS", "METRICS", "DEFAULT_HINTS", "HintSetting", "parse_settings", "hint_seed",
           "simulate", "parse_method_options", "MethodSpec", "Job", "ItemResult", "evaluate_item", "Plan", "plan",
           "resolve_methods", "mean_training_image", "run_jobs", "frechet_distance", "fid_scores",
           "clean_row"]
