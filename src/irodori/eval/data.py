"""What an evaluation runs on: the images of a data folder, in a stable order.

Four kinds of folder are understood:

* a reference-pair build (:mod:`irodori.data.refpairs`): ``pairs.csv`` with
  ``id, ref_line, ref_color, line, color`` (paths relative to the folder),
  each row a new drawing with its truth and the reference to colour it from;

* a dataset built by ``irodori data build``: ``manifest.csv`` with ``id`` and
  ``split`` columns, ``line/<id>.png`` and ``color/<id>.png``; optionally
  ``pairs/pairs.csv`` naming another picture of the same character for some
  images (used as their reference by methods that need one);
* any folder with ``line/`` and ``color/`` holding files of the same names
  (every file is evaluated; there are no splits);
* a folder of line art without ground truth (directly, or under ``line/``),
  optionally with a hint file beside each picture, ``NAME.json`` or
  ``NAME.hints.json``.

Images are ordered by a hash of their id, so ``--limit N`` takes a spread
sample rather than the first names in the alphabet, and the same ``N`` gives
the same images on every machine.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import IrodoriError
from ..io import IMAGE_SUFFIXES


@dataclass(frozen=True)
class Item:
    """One image to evaluate: its line art, ground truth (or None), hint file (or None), reference."""

    dataset: str
    id: str
    line: Path
    color: Path | None = None
    hints: Path | None = None
    reference_id: str | None = None
    reference_line: Path | None = None
    reference_color: Path | None = None
    toned: bool = False  # evaluate a manga-page rendering of the line art (see toned_variant)


@dataclass(frozen=True)
class EvalData:
    """The items of one data folder and notes on how they were chosen."""

    name: str
    root: Path
    items: tuple[Item, ...]
    has_truth: bool
    has_pairs: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def order_key(image_id: str) -> str:
    """Stable, spread-out order of images: the SHA-1 of the id."""
    return hashlib.sha1(image_id.encode("utf-8")).hexdigest()


def _images(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")}


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise IrodoriError(f"bad {path}: missing column(s) {', '.join(missing)}")
            return list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise IrodoriError(f"cannot read {path}: {e}") from None


def _pairs(root: Path) -> dict[str, tuple[Path, Path]]:
    """Same-character partners from ``root/pairs/pairs.csv``: id -> (line, colour) of its partner.

    The file (written by ``irodori data build dicebear``) has one row per
    pair picture with ``ref_id`` (an image of the dataset) and ``line`` and
    ``color`` (paths relative to ``root``) of another picture of the same
    character. The pair is symmetric, so the partner serves as the
    reference when the dataset image is evaluated; the first partner listed
    for an image is used.
    """
    path = root / "pairs" / "pairs.csv"
    if not path.is_file():
        return {}
    partner: dict[str, tuple[Path, Path]] = {}
    for row in _read_csv(path, ("ref_id", "line", "color")):
        line, color = root / row["line"], root / row["color"]
        if row["ref_id"] not in partner and line.is_file() and color.is_file():
            partner[row["ref_id"]] = (line, color)
    return partner


def load(root: str | Path, split: str = "test", limit: int | None = None) -> EvalData:
    """The images of a data folder to evaluate (see module docstring).

    Parameters
    ----------
    root : the folder.
    split : the manifest split to use (ignored, with a note, for folders without a manifest).
    limit : keep only the first ``limit`` images in hash order (None = all).

    Raises IrodoriError for a missing folder, a manifest without the split,
    or a folder holding no images.
    """
    root = Path(root)
    if not root.is_dir():
        raise IrodoriError(f"data folder not found: {root}")
    if limit is not None and limit < 1:
        raise IrodoriError(f"--limit must be at least 1, got {limit}")
    name = root.resolve().name
    notes: list[str] = []
    line_dir, color_dir = root / "line", root / "color"
    manifest = root / "manifest.csv"
    has_truth = line_dir.is_dir() and color_dir.is_dir()
    ref_pairs = root / "pairs.csv"
    if not manifest.is_file() and ref_pairs.is_file():
        # A reference-pair build (irodori.data.refpairs): each row a new drawing and its reference.
        rows = _read_csv(ref_pairs, ("id", "ref_line", "ref_color", "line", "color"))
        items = [Item(name, r["id"], root / r["line"], root / r["color"],
                      reference_id=Path(r["ref_color"]).stem, reference_line=root / r["ref_line"],
                      reference_color=root / r["ref_color"]) for r in rows if r.get("split", split) == split]
        missing = [it.id for it in items if not (it.line.is_file() and it.color is not None and it.color.is_file())]
        if missing:
            raise IrodoriError(f"{root}: {len(missing)} picture(s) of pairs.csv are missing, first {missing[0]!r}")
        if not items:
            raise IrodoriError(f"{ref_pairs} has no pairs in split {split!r}")
        notes.append("Reference pairs (pairs.csv): every picture is coloured from its own reference.")
        has_truth, has_pairs = True, True
    elif manifest.is_file():
        if not has_truth:
            raise IrodoriError(f"{root} has a manifest.csv but no line/ and color/ folders")
        rows = _read_csv(manifest, ("id", "split"))
        ids = [r["id"] for r in rows if r["split"] == split]
        if not ids:
            found = sorted({r["split"] for r in rows})
            raise IrodoriError(f"{manifest} has no images in split {split!r}; splits: {', '.join(found) or 'none'}")
        lines, colors = _images(line_dir), _images(color_dir)
        missing = [i for i in ids if i not in lines or i not in colors]
        if missing:
            raise IrodoriError(f"{root}: {len(missing)} image(s) of the manifest are missing, "
                               f"first {missing[0]!r} (is the build finished?)")
        pairs = _pairs(root)
        items = [Item(name, i, lines[i], colors[i], reference_id=pairs[i][0].stem if i in pairs else None,
                      reference_line=pairs[i][0] if i in pairs else None,
                      reference_color=pairs[i][1] if i in pairs else None) for i in ids]
        has_pairs = bool(pairs)
    elif has_truth:
        lines, colors = _images(line_dir), _images(color_dir)
        common = sorted(set(lines) & set(colors))
        if not common:
            raise IrodoriError(f"{root}: line/ and color/ share no file names")
        lonely = len(set(lines) ^ set(colors))
        if lonely:
            notes.append(f"{lonely} file(s) in only one of line/ and color/ were left out.")
        notes.append(f"No manifest.csv: every pair was evaluated (split {split!r} does not apply).")
        items = [Item(name, i, lines[i], colors[i]) for i in common]
        has_pairs = False
    else:
        folder = line_dir if line_dir.is_dir() else root
        lines = _images(folder)
        if not lines:
            raise IrodoriError(f"{root} holds no line art (expected images, or line/ and color/ folders)")
        items = []
        for i, p in lines.items():
            hint_file = next((h for h in (p.with_suffix(".json"), p.with_name(p.stem + ".hints.json"))
                              if h.is_file()), None)
            items.append(Item(name, i, p, None, hints=hint_file))
        n_hints = sum(it.hints is not None for it in items)
        notes.append(f"No ground truth: only hint adherence, bleed against the line art's own regions, "
                     f"time and memory; {n_hints} of {len(items)} picture(s) came with a hint file.")
        has_pairs = False
    items.sort(key=lambda it: order_key(it.id))
    if limit is not None and limit < len(items):
        notes.append(f"--limit {limit}: {limit} of {len(items)} images, chosen by a hash of their ids.")
        items = items[:limit]
    return EvalData(name, root, tuple(items), has_truth, has_pairs, tuple(notes))


def train_colors(root: str | Path, limit: int | None = None) -> list[Path]:
    """Colour images of the train split of a built dataset (for the mean image).

    A folder without a manifest gives all of ``color/``. ``limit`` keeps the
    first images in hash order. Raises IrodoriError when there are none.
    """
    root = Path(root)
    color_dir = root / "color"
    if not color_dir.is_dir():
        raise IrodoriError(f"--mean-from {root}: no color/ folder")
    colors = _images(color_dir)
    manifest = root / "manifest.csv"
    if manifest.is_file():
        ids = [r["id"] for r in _read_csv(manifest, ("id", "split")) if r["split"] == "train"]
        paths = [colors[i] for i in ids if i in colors]
    else:
        paths = list(colors.values())
    if not paths:
        raise IrodoriError(f"--mean-from {root}: no training colour images found")
    paths.sort(key=lambda p: order_key(p.stem))
    return paths[:limit] if limit else paths


def toned_variant(data: EvalData, n: int) -> EvalData:
    """The first ``n`` images of a folder with ground truth as toned manga drawings, a folder of their own.

    Each item's line art is rendered by :func:`irodori.data.manga.tone_drawing`
    (screens by the lightness of its true colours, black fills, printed and
    rescanned) when it is evaluated; hints are simulated on the clean line
    art and scores are taken against the same truth, so its rows compare
    with the clean folder's.
    """
    if not data.has_truth:
        raise IrodoriError(f"{data.name}: toned variants need ground-truth colours")
    if n < 1:
        raise IrodoriError(f"--toned must be at least 1, got {n}")
    name = f"{data.name}+toned"
    items = tuple(replace(it, dataset=name, toned=True) for it in data.items[:n])
    note = (f"{name}: {len(items)} images of {data.name} rendered as manga drawings (dot, line and gradient "
            "screens at 50-85 lpi and black fills by the lightness of the true colours, printed at 2.5x and "
            "rescanned: irodori.data.manga.tone_drawing); hints simulated on the clean line art, scored "
            "against the same truth.")
    return replace(data, name=name, items=items, notes=data.notes + (note,))
