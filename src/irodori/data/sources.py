"""What a dataset source is: a list of items and a way to draw each one.

A source lists its items (id, group, payload) deterministically and renders
one item into a pair ``(line (H, W) uint8, color (H, W, 3) uint8)``: the
line art as black ink on white paper and the coloured picture. An item that
does not give a usable pair raises :class:`SkipItem` with the reason.
Sources are registered by name in :data:`SOURCES` (see ``build_source``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import IrodoriError


@dataclass(frozen=True)
class Item:
    """One pair to build: ``id`` (file stem), ``group`` (split unit) and source data."""

    id: str
    group: str
    payload: Any = None


class SkipItem(Exception):
    """An item that gives no usable pair; ``warn`` marks a problem the user should see."""

    def __init__(self, reason: str, warn: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.warn = warn


class Source:
    """Base class of dataset sources; subclasses fill in the attributes and methods."""

    name: str = ""
    license: str = ""
    attribution: str = ""
    #: a split every item goes to regardless of its group (evaluation-only sources)
    fixed_split: str | None = None

    def options(self) -> dict[str, Any]:
        """The settings that change what is built (saved in ``build.json``)."""
        return {}

    def items(self) -> list[Item]:
        """All items, in a fixed order (``--limit N`` takes the first N)."""
        raise NotImplementedError

    def render(self, item: Item, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Draw one item: ``(line (H, W) uint8 black-on-white, color (H, W, 3) uint8)``."""
        raise NotImplementedError

    def attribution_markdown(self) -> str:
        """The credits paragraph for ``ATTRIBUTION.md`` (empty when none is needed)."""
        return ""

    def finish(self, out: Any, rows: list[Any], size: int, workers: int, progress: bool) -> dict[str, Any]:
        """Extra outputs written after the items and before the manifest; returns report entries."""
        return {}


SOURCE_NAMES = ("openmoji", "dicebear", "openclipart", "folder")


def make_source(name: str, **kwargs: Any) -> Source:
    """Build a source by name: ``openmoji``, ``dicebear`` (``style``, ``n``), ``openclipart``
    (``folder``: an extracted package, None = download) or ``folder`` (``path``)."""
    factories: dict[str, Callable[..., Source]] = {}
    if name == "openmoji":
        from .openmoji import OpenMojiSource
        factories[name] = OpenMojiSource
    elif name == "dicebear":
        from .dicebear import DiceBearSource
        factories[name] = DiceBearSource
    elif name == "openclipart":
        from .openclipart import OpenClipartSource
        factories[name] = OpenClipartSource
    elif name == "folder":
        from .folder import FolderSource
        factories[name] = FolderSource
    else:
        raise IrodoriError(f"unknown data source {name!r}: expected one of {', '.join(SOURCE_NAMES)}")
    return factories[name](**kwargs)
