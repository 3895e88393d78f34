"""A line drawing prepared once, for many colourings with different hints.

Everything that depends on the line art alone (the ink map, its line layer,
the hint-free steps of the region graph, and whatever a method computes from
the drawing: descriptors, outside areas, a network's colouring) is computed
once and kept on a :class:`Drawing`, which is passed explicitly:

>>> import irodori
>>> drawing = irodori.prepare(irodori.load_lineart("page.png"))
>>> first = irodori.colorize(drawing, hints)          # builds what fill needs
>>> again = irodori.colorize(drawing, other_hints)    # reuses it

There is no global cache: what is kept lives and dies with the Drawing, and
each kind of item is bounded (:data:`MAX_ITEMS` entries, least recently used
first out). The studio keeps a few Drawings per worker, by content hash.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

import numpy as np

from .errors import IrodoriError

T = TypeVar("T")

#: Entries kept per kind of item (``memo``'s ``name``) on one Drawing.
MAX_ITEMS = 4


def check_ink(ink: Any) -> np.ndarray:
    """Validate an ink map: ``(H, W)`` float in ``[0, 1]``; returns it as float32."""
    arr = np.asarray(ink)
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise IrodoriError(f"ink must be an (H, W) array, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating):
        raise IrodoriError(f"ink must be float in [0, 1] (1 = ink), got dtype {arr.dtype}; "
                           "use irodori.load_lineart to read a file")
    arr = arr.astype(np.float32, copy=False)
    # min/max on the whole map is one fast pass each; NaN makes both NaN
    lo, hi = float(arr.min()), float(arr.max())
    if not (lo >= 0 and hi <= 1):
        raise IrodoriError("ink must hold finite values in [0, 1]")
    return arr


class Drawing:
    """A line drawing and what has been computed from it (see module docstring).

    Parameters
    ----------
    ink : (H, W) float in [0, 1], 1 = ink.
    copy : copy a writeable ``ink`` (the default), so later changes to the
        caller's array cannot make what is kept stale; ``False`` for a drawing
        used once (what :func:`irodori.colorize` does with a plain array).
    """

    def __init__(self, ink: np.ndarray, copy: bool = True) -> None:
        arr = check_ink(ink)
        if copy and arr.flags.writeable:
            arr = arr.copy()
            arr.setflags(write=False)
        self.ink: np.ndarray = arr
        self._key: str | None = None
        self._lines: np.ndarray | None = None
        self._items: dict[str, OrderedDict[Hashable, Any]] = {}
        self._lock = threading.Lock()

    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)`` of the drawing."""
        return self.ink.shape  # type: ignore[return-value]

    @property
    def key(self) -> str:
        """A content hash of the ink (SHA-1 hex of shape and pixels), for caches across processes."""
        if self._key is None:
            h = hashlib.sha1(repr(self.ink.shape).encode())
            h.update(memoryview(np.ascontiguousarray(self.ink)).cast("B"))
            self._key = h.hexdigest()
        return self._key

    @property
    def lines(self) -> np.ndarray:
        """The line layer, ``(H, W) uint8`` alpha (255 = ink), read-only."""
        if self._lines is None:
            from .compose import lines_layer

            lines = lines_layer(self.ink)
            lines.setflags(write=False)
            self._lines = lines
        return self._lines

    def memo(self, name: str, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per ``(name, key)`` on this drawing, then the kept value.

        ``name`` is the kind of item (``"region_base"``, ``"svm.descriptors"``...),
        ``key`` whatever else it depends on (options, a model's path and
        date). At most :data:`MAX_ITEMS` values are kept per name. Values are
        shared: treat them as read-only.
        """
        with self._lock:
            items = self._items.setdefault(name, OrderedDict())
            if key in items:
                items.move_to_end(key)
                return items[key]
        value = compute()
        with self._lock:
            items[key] = value
            while len(items) > MAX_ITEMS:
                items.popitem(last=False)
        return value

    def work_ink(self, ink_threshold: float = 0.3) -> np.ndarray:
        """The ink the region graph reads (:func:`irodori.regions.prepare_ink`), kept, read-only.

        The drawing's own ink when it is clean line art; for a grey scan, the
        cleaned-up ink with faint strokes (hatching, shading) turned to texture.
        """
        from .regions import prepare_ink

        def compute() -> np.ndarray:
            out = prepare_ink(self.ink, "auto", ink_threshold)
            out.setflags(write=False)
            return out

        return self.memo("work_ink", float(ink_threshold), compute)

    def region_base(self, gap: float | str | None = None, ink_threshold: float = 0.3):  # -> RegionBase
        """The hint-free part of the region graph (:func:`irodori.regions.region_base`), kept."""
        from .regions import region_base, resolve_gap

        gap = resolve_gap(gap, self.shape)
        return self.memo("region_base", (gap, float(ink_threshold)),
                         lambda: region_base(self.work_ink(ink_threshold), gap, ink_threshold, cleanup=False))

    def region_graph(self, gap: float | str | None = None, ink_threshold: float = 0.3,
                     marks: "np.ndarray | tuple[np.ndarray, np.ndarray, np.ndarray] | None" = None):
        """The region graph (:func:`irodori.regions.build_region_graph`), reusing what is kept.

        The graph without marks is kept; with marks that leave the regions as
        they are (each on a seed core, one label per core: the usual dot in
        the middle of an area) it is returned as is, otherwise the graph is
        rebuilt from the kept hint-free part.
        """
        from .regions import build_region_graph, marks_keep_regions

        base = self.region_base(gap, ink_threshold)
        work = self.work_ink(ink_threshold)
        plain = self.memo("region_graph", (base.gap, float(ink_threshold)),
                          lambda: _frozen(build_region_graph(work, base=base)))
        if marks is None or marks_keep_regions(base, marks):
            return plain
        return build_region_graph(work, base=base, marks=marks)

    def __repr__(self) -> str:
        h, w = self.shape
        kept = {name: len(items) for name, items in self._items.items() if items}
        return f"Drawing({w}x{h}, kept={kept})"


def prepare(ink: "np.ndarray | Drawing", copy: bool = True) -> Drawing:
    """A :class:`Drawing` for ``ink (H, W) float32 [0, 1]`` (a Drawing is returned as is)."""
    return ink if isinstance(ink, Drawing) else Drawing(ink, copy=copy)


def _frozen(graph):
    for a in (graph.labels, graph.edges, graph.weights, graph.open_length, graph.area, graph.closed):
        a.setflags(write=False)
    return graph
