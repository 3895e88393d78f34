"""Page structure of a manga page: panels, gutters and speech balloons.

A page is cut into panels by drawn frames; the paper between and around
them (the gutters and margins) is one piece of paper open to the page's
edge. Speech balloons are white, roughly elliptical areas holding lettering:
rows of small glyphs of similar height. Both stay white when the page is
coloured, unless the artist hints them (:func:`keep_white`); the panels give
the background rule a border to work from inside each panel.

Detection works on the tone-free ink (see :mod:`irodori.tones`):

* **panels**: the page is a page when the paper open to its edge (the
  gutter) surrounds at least two large, nearly rectangular islands (an
  island fills at least 85 % of its bounding box) that together cover at
  least half the page: those islands are the panels;
* **balloons**: paper pieces inside panels that, with their holes filled,
  are convex (solidity >= 0.88), not too big, and whose holes include at
  least ``min_glyphs`` small ink marks of similar height, three or more of
  them on one baseline, in a block centred in the piece (lettering); the
  balloon is the piece with its holes (the lettering).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class PageStructure:
    """What :func:`analyse_page` found; arrays are ``(H, W)``.

    Attributes
    ----------
    panels : int32: panel id ``1..n`` inside each panel frame (frame included), 0 elsewhere.
    gutter : bool: paper open to the page's edge, when the page has panels.
    balloons : bool: balloon interiors, lettering included.
    boxes : ``(x0, y0, x1, y1)`` of each panel.
    """

    panels: np.ndarray
    gutter: np.ndarray
    balloons: np.ndarray
    boxes: tuple[tuple[int, int, int, int], ...] = ()

    @property
    def is_page(self) -> bool:
        """Whether panels were found."""
        return len(self.boxes) > 0

    @property
    def white(self) -> np.ndarray:
        """``(H, W) bool``: what stays white unless hinted (gutters and balloons)."""
        return self.gutter | self.balloons


def analyse_page(ink: np.ndarray, min_panels: int = 2, min_glyphs: int = 3) -> PageStructure:
    """Find panels, gutters and speech balloons.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink (the tone-free drawing).
    min_panels : fewest near-rectangular islands in the gutter for a page.
    min_glyphs : fewest lettering-like marks in a balloon.

    Returns
    -------
    PageStructure (empty masks when the picture is not a page of panels).
    """
    h, w = ink.shape
    paper = (ink < 0.5).view(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    border = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    border = border[border > 0]
    outside = np.isin(lab, border) if len(border) else np.zeros((h, w), bool)
    panels = np.zeros((h, w), np.int32)
    boxes: list[tuple[int, int, int, int]] = []
    if outside.any():
        m, plab, pst, _ = cv2.connectedComponentsWithStats((~outside).view(np.uint8), connectivity=4)
        for i in range(1, m):
            x, y, bw, bh, area = pst[i]
            if area >= 0.01 * h * w and area >= 0.85 * bw * bh and bw < 0.98 * w:
                boxes.append((int(x), int(y), int(x + bw), int(y + bh)))
                panels[plab == i] = len(boxes)
    # Panels fill a page: what is left is gutters and margins (rectangles inside a drawing are not).
    if len(boxes) < min_panels or (panels > 0).sum() < 0.5 * h * w:
        boxes, panels = [], np.zeros((h, w), np.int32)
    gutter = outside & (ink < 0.5) if boxes else np.zeros((h, w), bool)
    # Balloons only on pages: in a single drawing, an eye with three lashes reads as "HUH".
    balloons = (_balloons(ink, lab, stats, n, border, min_glyphs, boxes) if boxes
                else np.zeros((h, w), bool))
    return PageStructure(panels=panels, gutter=gutter, balloons=balloons, boxes=tuple(boxes))


def _balloons(ink: np.ndarray, lab: np.ndarray, stats: np.ndarray, n: int, border: np.ndarray,
              min_glyphs: int, boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    h, w = ink.shape
    out = np.zeros((h, w), bool)
    is_border = np.zeros(n, bool)
    is_border[border] = True
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if is_border[i] or area < 300 or bw * bh > 0.08 * h * w or bw < 20 or bh < 12:
            continue
        # Not a panel's whole background: a balloon is small beside its panel.
        if any(px0 <= x and py0 <= y and x + bw <= px1 and y + bh <= py1 and bw * bh > 0.4 * (px1 - px0) * (py1 - py0)
               for px0, py0, px1, py1 in boxes):
            continue
        piece = (lab[y:y + bh, x:x + bw] == i).view(np.uint8)
        filled = _fill_holes(piece)
        holes = filled & ~piece.astype(bool)
        if holes.sum() < 0.02 * filled.sum() or holes.sum() > 0.45 * filled.sum():
            continue
        contours, _ = cv2.findContours(filled.view(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = cv2.contourArea(cv2.convexHull(np.concatenate(contours)))
        if hull <= 0 or filled.sum() / hull < 0.88:
            continue
        k, glab, gst, _ = cv2.connectedComponentsWithStats(holes.view(np.uint8), connectivity=8)
        if k - 1 < min_glyphs:
            continue
        gh = gst[1:, cv2.CC_STAT_HEIGHT].astype(np.float64)
        gw = gst[1:, cv2.CC_STAT_WIDTH].astype(np.float64)
        small = (gh < 0.35 * bh) & (gw < 0.3 * bw) & (gh >= 4)
        if small.sum() < min_glyphs:
            continue
        # Lettering: glyphs of one size (cap height within a factor of about 2 of the median).
        med = float(np.median(gh[small]))
        alike = small & (gh > 0.45 * med) & (gh < 1.8 * med)
        if alike.sum() < max(min_glyphs, 0.6 * small.sum()):
            continue
        # ... standing on shared baselines (a face's eyes and mouth do not line up in threes) ...
        bottoms = np.sort((gst[1:, 1] + gh)[alike])
        run, best = 1, 1
        for a, b in zip(bottoms[:-1], bottoms[1:]):
            run = run + 1 if b - a <= max(2.0, 0.12 * med) else 1
            best = max(best, run)
        if best < 3:
            continue
        # ... set in a block that fills the middle of the balloon (a letterer centres the text).
        gx0 = gst[1:, 0][alike].min()
        gy0 = gst[1:, 1][alike].min()
        gx1 = (gst[1:, 0] + gw)[alike].max()
        gy1 = (gst[1:, 1] + gh)[alike].max()
        cx, cy = (gx0 + gx1) / 2 / bw, (gy0 + gy1) / 2 / bh
        if (gx1 - gx0) < 0.35 * bw or (gy1 - gy0) < 0.2 * bh or not (0.25 < cx < 0.75 and 0.25 < cy < 0.75):
            continue
        out[y:y + bh, x:x + bw] |= filled
    return out


def _fill_holes(piece: np.ndarray) -> np.ndarray:
    """``piece (h, w) uint8`` 0/1 with its holes filled, as bool (flood fill from a padded border)."""
    pad = cv2.copyMakeBorder(piece, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    flood = pad.copy()
    mask = np.zeros((pad.shape[0] + 2, pad.shape[1] + 2), np.uint8)
    cv2.floodFill(flood, mask, (0, 0), 2)
    return (flood != 2)[1:-1, 1:-1]


def panel_background(ink: np.ndarray, structure: PageStructure, hint_mask: np.ndarray,
                     transparent: np.ndarray | None = None) -> np.ndarray:
    """Pixels of unhinted panel backgrounds: the core background rule applied inside each panel.

    :func:`irodori.background.background_regions` ("an unhinted area open to
    the picture's border stays paper") is run on each panel's interior, whose
    border is the inner edge of its frame, so a panel's background the
    artist did not dot stays paper like the page's own. ``hint_mask (H, W)
    bool``: coloured hints; ``transparent``: transparent hints. Returns
    ``(H, W) bool``.
    """
    from .background import background_regions
    from .regions import build_region_graph

    h, w = ink.shape
    out = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in structure.boxes:
        t = _frame_width(ink, (x0, y0, x1, y1))
        cx0, cy0, cx1, cy1 = x0 + t, y0 + t, x1 - t, y1 - t
        if cx1 - cx0 < 16 or cy1 - cy0 < 16:
            continue
        crop = np.ascontiguousarray(ink[cy0:cy1, cx0:cx1])
        rg = build_region_graph(crop)
        lab = rg.labels
        hinted = np.zeros(rg.n, bool)
        hm = hint_mask[cy0:cy1, cx0:cx1]
        hinted[np.unique(lab[hm & (lab >= 0)])] = True
        clear = np.zeros(rg.n, bool)
        if transparent is not None:
            tm = transparent[cy0:cy1, cx0:cx1]
            clear[np.unique(lab[tm & (lab >= 0)])] = True
        paper = background_regions(rg, crop, hinted | clear, clear) & ~(hinted & ~clear)
        out[cy0:cy1, cx0:cx1] = paper[np.maximum(lab, 0)] & (lab >= 0)
    return out


def _frame_width(ink: np.ndarray, box: tuple[int, int, int, int]) -> int:
    """Rows of ink from a panel box's edge inwards before its paper starts (the frame), plus one."""
    x0, y0, x1, y1 = box
    mid = ink[y0:y1, (x0 + x1) // 2]
    t = 0
    while t < min(20, len(mid) // 4) and (ink[y0 + t, x0:x1] >= 0.3).mean() > 0.5:
        t += 1
    return t + 1


def keep_white(flats: np.ndarray, structure: PageStructure, hint_mask: np.ndarray) -> np.ndarray:
    """Unfill gutters and balloons the artist did not hint.

    ``flats (H, W, 4) uint8`` RGBA; ``hint_mask (H, W) bool`` where coloured
    hints lie. Each connected piece of the white mask holding no hint gets
    alpha 0 (paper). Returns new flats.
    """
    white = structure.white
    if not white.any():
        return flats
    n, lab = cv2.connectedComponents(white.view(np.uint8), connectivity=4)
    hinted = np.zeros(n, bool)
    hinted[np.unique(lab[hint_mask])] = True
    hinted[0] = True
    clear = ~hinted[lab]
    out = flats.copy()
    out[clear] = (255, 255, 255, 0)
    return out
