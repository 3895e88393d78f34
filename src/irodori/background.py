"""The background policy: an unhinted area open to the picture's border stays paper.

Artists dot the character, not the background, and expect the paper to stay
white (style2paints, PaintsChainer and Clip Studio's Colorize keep it). Every
method that gives flats asks this module which regions of the drawing are
background paper, so they agree:

* a closed area of paper (between lines) that touches the picture's border
  and holds no hint is paper, always;
* where the background holds a hint only through a gap (the figure's outline
  is open, so background and figure are one closed area), the regions along
  the border still lean to paper, with a weight proportional to the length of
  border they touch, and a binary graph cut on the region graph decides: the
  cheap cut is across the gap, so the figure keeps its colour and the
  background stays paper, while an area that merely touches the border along a
  short stretch (a shirt cut off by the frame) and is hinted keeps its colour;
  where a hinted region of the area itself touches the border, the background
  was hinted and nothing leans;
* a hint in the background colours it as before (hinted regions are never
  paper; a transparent hint is paper);
* a closed area that does not touch the border is never background paper,
  whatever surrounds it (it is coloured as the method colours unhinted areas).

``background=fill`` (every method's option) turns the policy off and gives the
older behaviour: unhinted areas take colour from their neighbours.
"""

from __future__ import annotations

import numpy as np

from .graphcut import alpha_expansion
from .regions import RegionGraph

BACKGROUND_MODES = ("paper", "fill")
BORDER_PULL = 0.05  # cost of colouring a region, per pixel of border paper it touches (vs 1 per pixel of cut)


def check_background(mode: str) -> None:
    """Raise IrodoriError unless ``mode`` is one of :data:`BACKGROUND_MODES`."""
    from .errors import IrodoriError

    if mode not in BACKGROUND_MODES:
        raise IrodoriError(f"option background must be one of {', '.join(BACKGROUND_MODES)}, got {mode!r}")


def background_regions(rg: RegionGraph, ink: np.ndarray, hinted: np.ndarray,
                       transparent: np.ndarray | None = None, ink_threshold: float = 0.3) -> np.ndarray:
    """Which regions of a drawing are background paper under the policy (see module docstring).

    Parameters
    ----------
    rg : the drawing's region graph (:func:`irodori.regions.build_region_graph`).
    ink : (H, W) float32 in [0, 1], 1 = ink.
    hinted : (n,) bool, regions holding a hint that counts (a colour or transparent).
    transparent : (n,) bool or None, regions whose hint is transparent (always paper).
    ink_threshold : ink level from which a pixel is line.

    Returns
    -------
    (n,) bool, True for regions that stay paper (unfilled: alpha 0 in the
    flats, white in the composite).
    """
    n = rg.n
    hinted = np.asarray(hinted, bool)
    transparent = np.zeros(n, bool) if transparent is None else np.asarray(transparent, bool)
    border = _border_paper(rg.labels, ink, ink_threshold, n)
    if not border.any():
        return transparent.copy()
    coloured = hinted & ~transparent
    area_hinted = np.zeros(int(rg.closed.max()) + 1, bool)
    area_hinted[rg.closed[coloured]] = True
    # unary: column 0 = coloured, column 1 = paper
    unary = np.zeros((n, 2))
    # specks of paper between a line and the border are not areas: they join what surrounds them
    closed_area = np.bincount(rg.closed, weights=rg.area, minlength=len(area_hinted))
    big = closed_area[rg.closed] >= max(16.0, rg.gap * rg.gap)
    lonely = (border > 0) & ~hinted & ~area_hinted[rg.closed] & big
    # an area whose hint lies along the border is a hinted background: the user chose its colour
    border_hinted = np.zeros(len(area_hinted), bool)
    border_hinted[rg.closed[coloured & (border > 0)]] = True
    lean = (border > 0) & ~hinted & area_hinted[rg.closed] & ~border_hinted[rg.closed]
    unary[lean, 0] = BORDER_PULL * border[lean]
    unary[lonely, 0] = np.inf
    unary[coloured, 1] = np.inf
    # a closed area that does not touch the border is not background, whatever surrounds it
    open_area = np.zeros(len(area_hinted), bool)
    open_area[rg.closed[border > 0]] = True
    unary[~open_area[rg.closed], 1] = np.inf
    unary[transparent, 0] = np.inf
    unary[transparent, 1] = 0.0
    paper = alpha_expansion(unary, rg.edges, rg.weights, max_sweeps=2) == 1
    return paper


def _border_paper(labels: np.ndarray, ink: np.ndarray, ink_threshold: float, n: int) -> np.ndarray:
    """(n,) float: pixels of paper on the picture's border in each region."""
    h, w = labels.shape
    if h < 2 or w < 2:
        lab, ik = labels.ravel(), ink.ravel()
    else:
        lab = np.concatenate([labels[0], labels[-1], labels[1:-1, 0], labels[1:-1, -1]])
        ik = np.concatenate([ink[0], ink[-1], ink[1:-1, 0], ink[1:-1, -1]])
    on = ik < ink_threshold
    return np.bincount(lab[on], minlength=n).astype(np.float64)


def paper_from_votes(rg: RegionGraph, ink: np.ndarray, strong: np.ndarray, palette: list,
                     ink_threshold: float = 0.3) -> np.ndarray:
    """:func:`background_regions` from cleaned hint evidence.

    ``strong (n, K)``: hint pixels per region and colour
    (:meth:`irodori.hints.CleanHints.votes`); ``palette``: the K colours,
    None for transparent. Returns ``(n,) bool``, True where the region stays
    paper; a region holding a coloured hint never does.
    """
    clear = np.array([c is None for c in palette], bool)
    has = strong > 0
    coloured = (has & ~clear).any(axis=1) if len(palette) else np.zeros(rg.n, bool)
    transparent = (has & clear).any(axis=1) if len(palette) else np.zeros(rg.n, bool)
    return background_regions(rg, ink, coloured | transparent, transparent, ink_threshold) & ~coloured


def reference_background_is_paper(colors: np.ndarray, ink: np.ndarray, ink_threshold: float = 0.3) -> bool:
    """Whether a coloured reference leaves its background paper: 80 % of its border's paper is near white.

    ``colors (H, W, 3) uint8``, ``ink (H, W) float32`` of the reference or
    None (then every border pixel counts).
    """
    h, w = colors.shape[:2]
    edge = np.zeros((h, w), bool)
    edge[[0, -1], :] = True
    edge[:, [0, -1]] = True
    if ink is not None:
        edge &= ink < ink_threshold
    if not edge.any():
        return False
    return bool((colors[edge].min(axis=1) >= 235).mean() >= 0.8)


#: with a reference, a background region stays paper only if the method coloured it this light
#: (mean of its pixels' darkest channel, 0..255)
PAPER_WHITE = 235.0


def keep_paper(result, ink: np.ndarray, hints=None, reference=None, ink_threshold: float = 0.3):
    """A method's Result with the unhinted background left paper (alpha 0, white in the composite).

    For methods that colour from a reference (``svm``, ``region-match``): the
    policy applies only where the reference's own background is paper
    (:func:`reference_background_is_paper`); otherwise ``result`` comes back
    unchanged. With a reference, only background regions the method itself
    coloured near white become unfilled: the reference decides what is paper,
    so a shirt or hair cut by the picture's border keeps its colour.
    ``ink (H, W) float32``; ``hints`` the user's hints or None.
    """
    from dataclasses import replace

    from .compose import composite
    from .hints import Hints, clean_hints
    from .regions import build_region_graph

    if reference is not None and not reference_background_is_paper(reference.colors, reference.ink, ink_threshold):
        return result
    graph = build_region_graph(ink, ink_threshold=ink_threshold)
    clean = clean_hints(hints if hints is not None else Hints(()), ink, ink_threshold)
    strong, _ = clean.votes(graph.labels, graph.n)
    paper = paper_from_votes(graph, ink, strong, clean.palette, ink_threshold)
    if reference is not None and paper.any():
        labels = graph.labels.ravel()
        area = np.maximum(np.bincount(labels, minlength=graph.n), 1)
        lowest = result.flats[..., :3].min(axis=2).ravel().astype(np.float64)
        paper &= np.bincount(labels, weights=lowest, minlength=graph.n) / area >= PAPER_WHITE
    if not paper.any():
        return result
    flats = result.flats.copy()
    flats[paper[graph.labels], 3] = 0
    meta = {**result.meta, "background_regions": int(np.count_nonzero(paper))}
    return replace(result, flats=flats, image=composite(flats, ink), meta=meta)
