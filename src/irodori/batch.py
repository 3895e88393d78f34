"""Colour a whole chapter: every page of a folder, with any method, in parallel.

Pages are the image files of a folder (``*.hints.png`` hint layers are not
pages). Each page's hints, when the method uses them, sit beside it or in a
hints folder as ``<page>.hints.json``, ``<page>.json`` or ``<page>.hints.png``.
The picture of page ``<page>.<ext>`` is written to ``OUT_DIR/<page>.png``;
pages whose output already exists are skipped (so an interrupted chapter
resumes where it stopped) unless ``overwrite``. A page that fails is
reported at the end and does not stop the others.

A reference (for ``svm``, ``paste``...) is loaded once and handed to each
worker; methods that learn from it (``svm``) fit once per worker process.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import IrodoriError
from .hints import Hints
from .io import DEFAULT_MAX_PIXELS, IMAGE_SUFFIXES
from .methods import Reference, build_options, get_method
from .tones import check_tones

HINT_NAMES = ("{stem}.hints.json", "{stem}.json", "{stem}.hints.png")


@dataclass(frozen=True)
class Page:
    """One page of a chapter: its line art, its hints file (or None) and where its picture goes."""

    lineart: Path
    hints: Path | None
    out: Path


@dataclass
class BatchReport:
    """What a batch did: pages written, skipped (already done) and failed (``(page, message)``)."""

    done: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Human-readable summary, one line per failure."""
        lines = [f"{len(self.done)} done, {len(self.skipped)} skipped (already done), {len(self.failed)} failed"]
        for page, msg in sorted(self.failed):
            lines.append(f"  failed {page.name}: {msg}")
        return "\n".join(lines)


def find_pages(pages_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str],
               hints_dir: str | os.PathLike[str] | None = None) -> list[Page]:
    """The pages of a chapter folder, sorted by name, with their hints files and output paths.

    Raises IrodoriError when the folder is missing or holds no image, or
    when two pages would write the same output (``a.png`` and ``a.jpg``).
    """
    src = Path(pages_dir)
    if not src.is_dir():
        raise IrodoriError(f"pages folder not found: {src}")
    hdir = Path(hints_dir) if hints_dir is not None else src
    if hints_dir is not None and not hdir.is_dir():
        raise IrodoriError(f"hints folder not found: {hdir}")
    files = sorted(p for p in src.iterdir()
                   if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.lower().endswith(".hints.png"))
    if not files:
        raise IrodoriError(f"no images in {src} (expected {', '.join(IMAGE_SUFFIXES)})")
    out = Path(out_dir)
    pages, seen = [], {}
    for f in files:
        target = out / f"{f.stem}.png"
        if target in seen:
            raise IrodoriError(f"pages {seen[target].name} and {f.name} would both write {target.name}")
        seen[target] = f
        hint = next((hdir / n.format(stem=f.stem) for n in HINT_NAMES if (hdir / n.format(stem=f.stem)).is_file()),
                    None)
        pages.append(Page(f, hint, target))
    return pages


# Per-worker state, set once by the pool initializer (the reference travels once per worker).
_WORKER: dict[str, Any] = {}


def _init_worker(method: str, options: dict[str, Any], reference: Reference | None, max_pixels: int,
                 shading: dict[str, Any] | None = None, tones: str = "drop", page: bool = True) -> None:
    _WORKER.update(method=method, options=options, reference=reference, max_pixels=max_pixels, shading=shading,
                   tones=tones, page=page)


def _run_page(page: Page, overwrite: bool) -> tuple[str, str]:
    """Colour one page in a worker: ``("done" | "failed", message)``; never raises."""
    from .pipeline import Outputs, colorize_file

    try:
        method = get_method(_WORKER["method"])
        hints: Path | Hints | None = page.hints
        if page.hints is None or not method.capabilities.uses_hints:
            hints = None
        colorize_file(page.lineart, Outputs(page.out, overwrite=overwrite), hints, _WORKER["method"],
                      _WORKER["options"], _WORKER["reference"], _WORKER["max_pixels"],
                      shading=_WORKER.get("shading"), tones=_WORKER.get("tones", "drop"),
                      page=_WORKER.get("page", True))
        return "done", ""
    except IrodoriError as e:
        return "failed", str(e)
    except Exception as e:  # a bug on one page must not lose the chapter
        return "failed", f"internal error: {type(e).__name__}: {e}"


def run_batch(pages_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], method: str = "fill",
              options: dict[str, Any] | None = None, reference: Reference | list[Reference] | None = None,
              hints_dir: str | os.PathLike[str] | None = None, workers: int = 1, overwrite: bool = False,
              max_pixels: int = DEFAULT_MAX_PIXELS,
              progress: Callable[[int], Iterator[Any]] | None = None,
              shading: dict[str, Any] | None = None, tones: str = "drop",
              page: bool = True) -> BatchReport:
    """Colour every page of ``pages_dir`` into ``out_dir`` (created if missing).

    Parameters
    ----------
    pages_dir, out_dir, hints_dir : folders (see module docstring).
    method, options : a registered method and its options, checked before any page runs.
    reference : the coloured reference, required when the method needs one.
    workers : worker processes (1 = run in this process).
    overwrite : recolour pages whose output exists instead of skipping them.
    progress : optional wrapper ``f(total) -> context`` with ``update(n)`` (a tqdm factory).
    shading : keyword arguments of :func:`irodori.shade` for every page, or None.
    tones, page : manga-page settings of :func:`irodori.colorize` (a chapter of toned pages).

    Returns
    -------
    BatchReport. Bad arguments raise IrodoriError before any page is coloured.
    """
    opts = dict(options or {})
    colorizer = get_method(method)
    build_options(colorizer, opts)
    if colorizer.capabilities.needs_reference and reference is None:
        raise IrodoriError(f"method {method!r} needs a coloured reference (--reference)")
    if workers < 1:
        raise IrodoriError(f"--workers must be >= 1, got {workers}")
    check_tones(tones)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise IrodoriError(f"output folder is a file: {out}")
    pages = find_pages(pages_dir, out, hints_dir)
    if not out.parent.is_dir():
        raise IrodoriError(f"parent folder of the output does not exist: {out.parent}")
    out.mkdir(exist_ok=True)
    report = BatchReport()
    todo = []
    for p in pages:
        if p.out.exists() and not overwrite:
            report.skipped.append(p.lineart)
        else:
            todo.append(p)
    bar = progress(len(todo)) if progress is not None else None
    try:
        if workers == 1 or len(todo) <= 1:
            _init_worker(method, opts, reference, max_pixels, shading, tones, page)
            for p in todo:
                _record(report, p, _run_page(p, overwrite))
                if bar is not None:
                    bar.update(1)
        else:
            ctx = mp.get_context("spawn")  # no fork: torch/onnxruntime threads do not survive it
            with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx,
                                     initializer=_init_worker,
                                     initargs=(method, opts, reference, max_pixels, shading, tones, page)) as pool:
                futures = {pool.submit(_run_page, p, overwrite): p for p in todo}
                for fut in as_completed(futures):
                    try:
                        outcome = fut.result()
                    except Exception as e:  # a worker died (out of memory, killed)
                        outcome = ("failed", f"worker died: {type(e).__name__}: {e}")
                    _record(report, futures[fut], outcome)
                    if bar is not None:
                        bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    report.done.sort()
    return report


def _record(report: BatchReport, page: Page, outcome: tuple[str, str]) -> None:
    status, msg = outcome
    if status == "done":
        report.done.append(page.lineart)
    else:
        report.failed.append((page.lineart, msg))
