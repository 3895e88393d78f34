"""Training and evaluation data: sources, builds, manifests, splits and the torch Dataset.

Sources (see ``irodori data build --help``): ``openmoji`` (designer line art,
CC BY-SA 4.0), ``dicebear`` (the ``adventurer`` style, CC BY 4.0, plus
same-character pairs) and ``folder`` (your own colour illustrations, line
art synthesized by :mod:`irodori.lineart`). Only the torch Dataset module
imports torch.
"""

from __future__ import annotations

from .build import BuildReport, build_dataset
from .manifest import COLUMNS, SPLITS, Row, read_manifest, split_for_group
from .sources import SOURCE_NAMES, make_source

__all__ = ["BuildReport", "COLUMNS", "Row", "SOURCE_NAMES", "SPLITS", "build_dataset", "make_source",
           "read_manifest", "split_for_group"]
