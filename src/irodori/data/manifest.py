"""Dataset manifests and group-hashed splits.

A built dataset is a folder::

    DIR/line/<id>.png     line art, 8-bit gray, black ink on white paper
    DIR/color/<id>.png    the coloured picture, 8-bit RGB, same size
    DIR/manifest.csv      one row per pair (columns: :data:`COLUMNS`)
    DIR/ATTRIBUTION.md    credits for Creative Commons sources
    DIR/build.json        what was built (source, size, options)

``sha256`` is the SHA-256 of the line PNG's bytes followed by the colour
PNG's bytes. ``split`` comes from a hash of ``group`` alone, so a group
keeps its split across rebuilds, ``--limit`` values and machines, and all
pictures that share one line art (a group) sit in one split.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..errors import IrodoriError

MANIFEST = "manifest.csv"
SPLITS = ("train", "val", "test")
DEFAULT_FRACTIONS = (0.90, 0.05, 0.05)
_HASH_BUCKETS = 10_000


@dataclass(frozen=True)
class Row:
    """One line-art/colour pair of a dataset (a row of ``manifest.csv``)."""

    id: str
    group: str
    split: str
    source: str
    license: str
    attribution: str
    width: int
    height: int
    sha256: str


COLUMNS = tuple(f.name for f in fields(Row))


def split_for_group(group: str, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS) -> str:
    """The split (``train``/``val``/``test``) of a group, from a hash of its name.

    Stable across runs and machines (SHA-256, not Python's salted ``hash``).
    ``fractions`` are the train/val/test shares and must sum to 1.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1.0) > 1e-6:
        raise IrodoriError(f"split fractions must be three shares summing to 1, got {fractions}")
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    bucket = int.from_bytes(digest[:8], "big") % _HASH_BUCKETS
    edge_train = round(fractions[0] * _HASH_BUCKETS)
    edge_val = edge_train + round(fractions[1] * _HASH_BUCKETS)
    if bucket < edge_train:
        return "train"
    if bucket < edge_val:
        return "val"
    return "test"


def pair_sha256(line_png: bytes, color_png: bytes) -> str:
    """SHA-256 hex of the line PNG bytes followed by the colour PNG bytes."""
    h = hashlib.sha256()
    h.update(line_png)
    h.update(color_png)
    return h.hexdigest()


def manifest_text(rows: list[Row]) -> str:
    """The CSV text of a manifest (header plus rows, sorted by id)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: r.id):
        writer.writerow(asdict(row))
    return buf.getvalue()


def read_manifest(root: str | os.PathLike[str]) -> list[Row]:
    """Read ``root/manifest.csv``; raises IrodoriError if it is missing or malformed.

    A folder without a manifest is an unfinished build (the manifest is
    written last), so it is refused rather than half-read.
    """
    path = Path(root) / MANIFEST
    if not Path(root).is_dir():
        raise IrodoriError(f"dataset folder not found: {root}")
    if not path.is_file():
        raise IrodoriError(f"{root} has no {MANIFEST}: not a dataset, or its build did not finish "
                           "(run `irodori data build` again to resume)")
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise IrodoriError(f"bad {path}: expected columns {','.join(COLUMNS)}, "
                                   f"got {','.join(reader.fieldnames or [])}")
            rows = [Row(**{**r, "width": int(r["width"]), "height": int(r["height"])}) for r in reader]
    except (OSError, ValueError, TypeError, csv.Error) as e:
        if isinstance(e, IrodoriError):
            raise
        raise IrodoriError(f"bad {path}: {e}") from None
    for r in rows:
        if r.split not in SPLITS:
            raise IrodoriError(f"bad {path}: split {r.split!r} of {r.id!r} is not one of {SPLITS}")
    return rows
