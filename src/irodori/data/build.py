"""Build a dataset folder from a source: resumable, deterministic, atomic.

Every pair is encoded in memory and renamed into place, so a file that
exists is complete; a rerun skips the items whose two files exist. The
manifest is written last: a folder without ``manifest.csv`` is an unfinished
build and readers refuse it. ``build.json`` pins the source and size, so a
resume cannot mix two different builds in one folder.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import struct
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import cv2
import numpy as np

from ..errors import IrodoriError
from ..io import write_bytes_atomic
from .manifest import DEFAULT_FRACTIONS, MANIFEST, Row, manifest_text, pair_sha256, split_for_group
from .sources import Item, SkipItem, Source

BUILD_INFO = "build.json"
CLEAN_DIR = "clean"  # with --rough: the clean line art of each sketch in line/
MIN_SIZE, MAX_SIZE = 32, 4096


@dataclass
class BuildReport:
    """What a build did: counts per outcome and the rows of the manifest."""

    out: Path
    rows: list[Row] = field(default_factory=list)
    built: int = 0
    reused: int = 0
    dropped: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for the CLI."""
        splits = Counter(r.split for r in self.rows)
        parts = [f"{len(self.rows)} pairs in {self.out} ({self.built} built, {self.reused} reused)",
                 "split " + "/".join(f"{splits.get(s, 0)} {s}" for s in ("train", "val", "test"))]
        if self.dropped:
            parts.append("dropped " + ", ".join(f"{n} {why}" for why, n in sorted(self.dropped.items())))
        parts.extend(f"{k}: {v}" for k, v in self.extra.items())
        return "; ".join(parts)


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of ``(H, W) uint8`` gray or ``(H, W, 3) uint8`` RGB (OpenCV's fast zlib level)."""
    arr = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(arr), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise IrodoriError("PNG encoding failed")
    return buf.tobytes()


def png_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        raise IrodoriError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def write_atomic(path: Path, data: bytes) -> None:
    """Write a dataset file atomically, replacing an older one (:func:`irodori.io.write_bytes_atomic`).

    Not fsynced: thousands of small files; the manifest, written last, marks a finished build.
    """
    write_bytes_atomic(path, data, overwrite=True, sync=False)


def _prepare_out(out: Path, info: dict[str, Any]) -> None:
    """Create ``out`` (and line/, color/, clean/ for rough builds), check it is writable and holds no other build."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "line").mkdir(exist_ok=True)
        (out / "color").mkdir(exist_ok=True)
        if info.get("rough"):
            (out / CLEAN_DIR).mkdir(exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe.", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise IrodoriError(f"cannot write to output directory {out}: {e.strerror or e}") from None
    info_path = out / BUILD_INFO
    if info_path.exists():
        try:
            old = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if old != info:
            raise IrodoriError(f"{out} holds another build ({_describe(old)}), not {_describe(info)}; "
                               "use another --out or delete it")
    else:
        write_atomic(info_path, (json.dumps(info, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def _describe(info: Any) -> str:
    if not isinstance(info, dict):
        return "unreadable build.json"
    return f"source {info.get('source')} at {info.get('size')} px"


# Worker state: the source is handed over once per process, not per item.
_SOURCE: Source | None = None


def _init_worker(source: Source) -> None:
    global _SOURCE
    _SOURCE = source
    cv2.setNumThreads(1)


def rough_seed(item_id: str) -> int:
    """The seed of an item's rough sketch: a hash of its id, so a rebuild draws the same sketch."""
    return int.from_bytes(hashlib.sha256(item_id.encode("utf-8")).digest()[:8], "little")


def _make_item(job: tuple[Item, int, str, float]) -> tuple[str, Any]:
    """Render, encode and write one item; returns ``("ok", (sha, w, h))`` or ``("skip", (reason, warn))``."""
    item, size, out, rough = job
    assert _SOURCE is not None
    try:
        line, color = _SOURCE.render(item, size)
    except SkipItem as e:
        return "skip", (e.reason, e.warn)
    except IrodoriError as e:
        return "skip", (str(e), True)
    root = Path(out)
    if rough > 0:
        # the clean line art stays beside the sketch: the ground truth of a clean-up
        from .rough import roughen

        write_atomic(root / CLEAN_DIR / f"{item.id}.png", encode_png(line))
        ink = roughen(1.0 - line.astype(np.float32) / 255.0, seed=rough_seed(item.id), strength=rough,
                      color=color)
        line = np.rint((1.0 - ink) * 255.0).astype(np.uint8)
    line_png, color_png = encode_png(line), encode_png(color)
    write_atomic(root / "color" / f"{item.id}.png", color_png)
    write_atomic(root / "line" / f"{item.id}.png", line_png)
    return "ok", (pair_sha256(line_png, color_png), int(line.shape[1]), int(line.shape[0]))


def _existing(out: Path, item: Item) -> tuple[str, int, int] | None:
    line_p, color_p = out / "line" / f"{item.id}.png", out / "color" / f"{item.id}.png"
    if not (line_p.is_file() and color_p.is_file()):
        return None
    line_png, color_png = line_p.read_bytes(), color_p.read_bytes()
    w, h = png_size(line_png)
    return pair_sha256(line_png, color_png), w, h


def run_jobs(fn: Any, jobs: list[Any], workers: int, initargs: tuple[Any, ...], progress: bool,
             desc: str) -> Iterator[Any]:
    """Map ``fn`` over ``jobs`` in order, in ``workers`` forked processes (1 = in this process)."""
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc=desc, unit="item", disable=not progress, file=sys.stderr,
               dynamic_ncols=True, mininterval=0.5)
    try:
        if workers <= 1 or len(jobs) < 4:
            _init_worker(*initargs)
            for job in jobs:
                yield fn(job)
                bar.update()
        else:
            ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                     initargs=initargs) as pool:
                for result in pool.map(fn, jobs, chunksize=8):
                    yield result
                    bar.update()
    finally:
        bar.close()


def build_dataset(source: Source, out: str | os.PathLike[str], size: int = 256, limit: int | None = None,
                  workers: int = 2, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS,
                  progress: bool = True, rough: float = 0.0) -> BuildReport:
    """Build (or resume) the dataset of ``source`` in ``out``.

    Parameters
    ----------
    source : a :class:`~irodori.data.sources.Source`.
    out : output folder; created if missing.
    size : pictures are rendered ``size`` pixels on their shorter side (32..4096).
    limit : build only the first ``limit`` items of the source (None = all).
    workers : processes that render in parallel.
    fractions : train/val/test shares of the group-hashed split.
    rough : 0 = off; else every line art is redrawn as a rough sketch of this
        strength (0..2, :func:`irodori.data.rough.roughen`, seeded by the item
        id) while the colours stay the ground truth; the clean line art is
        kept in ``clean/``.

    Returns
    -------
    BuildReport with the manifest rows and counts. Raises IrodoriError on bad
    options, an unwritable ``out`` or a build that gives no pair at all.
    """
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise IrodoriError(f"--size must be in [{MIN_SIZE}, {MAX_SIZE}], got {size}")
    if limit is not None and limit < 1:
        raise IrodoriError(f"--limit must be at least 1, got {limit}")
    if workers < 1:
        raise IrodoriError(f"--workers must be at least 1, got {workers}")
    if not 0 <= rough <= 2:
        raise IrodoriError(f"--rough must be in [0, 2], got {rough}")
    split_for_group("probe", fractions)
    out = Path(out)
    items = source.items()
    if limit is not None:
        items = items[:limit]
    if not items:
        raise IrodoriError(f"source {source.name} has no items to build")
    if len({it.id for it in items}) != len(items):
        raise IrodoriError(f"source {source.name} lists duplicate ids")
    info = {"source": source.name, "size": size, "fractions": list(fractions), **source.options()}
    if rough > 0:
        info["rough"] = rough
    _prepare_out(out, info)
    # A previous complete build's manifest must not vouch for a folder that is being changed.
    try:
        (out / MANIFEST).unlink()
    except FileNotFoundError:
        pass

    report = BuildReport(out=out)
    done: dict[str, tuple[str, int, int]] = {}
    todo: list[Item] = []
    for it in items:
        found = _existing(out, it)
        if found is None:
            todo.append(it)
        else:
            done[it.id] = found
    report.reused = len(done)
    jobs = [(it, size, str(out), rough) for it in todo]
    for it, (status, value) in zip(todo, run_jobs(_make_item, jobs, workers, (source,), progress,
                                                  f"{source.name} -> {out.name}")):
        if status == "ok":
            done[it.id] = value
            report.built += 1
        else:
            reason, warn = value
            report.dropped[reason if not warn else "unreadable"] += 1
            if warn:
                msg = f"warning: skipped {it.id}: {reason}"
                report.warnings.append(msg)
                print(msg, file=sys.stderr)
    for it in items:
        if it.id not in done:
            continue
        sha, w, h = done[it.id]
        split = source.fixed_split or split_for_group(it.group, fractions)
        report.rows.append(Row(it.id, it.group, split, source.name, source.license,
                               source.attribution, w, h, sha))
    if not report.rows:
        raise IrodoriError(f"no usable pairs from {source.name} "
                           f"({sum(report.dropped.values())} items skipped); nothing written as complete")
    report.extra = source.finish(out, report.rows, size, workers, progress)
    credits = source.attribution_markdown()
    if credits:
        write_atomic(out / "ATTRIBUTION.md",
                     f"# Attribution\n\nThis dataset was built by `irodori data build {source.name}` from "
                     f"material under Creative Commons licenses.\n\n{credits}".encode("utf-8"))
    write_atomic(out / MANIFEST, manifest_text(report.rows).encode("utf-8"))
    return report


def iter_rows(rows: Iterable[Row], split: str | None = None) -> list[Row]:
    """Rows of one split (all when ``split`` is None)."""
    return [r for r in rows if split is None or r.split == split]
