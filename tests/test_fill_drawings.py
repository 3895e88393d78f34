"""Small hand-built drawings for the fill and region tests, and checks of the drawings themselves."""

from __future__ import annotations

import cv2
import numpy as np

from irodori.hints import Hints, Point

_SHIFT = 4


def _line(canvas: np.ndarray, p: tuple[float, float], q: tuple[float, float], width: int) -> None:
    s = 1 << _SHIFT
    cv2.line(canvas, (round(p[0] * s), round(p[1] * s)), (round(q[0] * s), round(q[1] * s)), 255,
             width, lineType=cv2.LINE_AA, shift=_SHIFT)


def walled_cells(rng: np.random.Generator, size: int, gap: float, max_cells: int = 3):
    """A page cut into a grid of cells by anti-aliased walls; some walls have a gap.

    Returns ``(ink, cell, walls_near, hints)``: ``cell (H, W) int`` is the cell
    each pixel is in by geometry, ``walls_near (H, W) bool`` marks pixels within
    two pixels of a wall's centre line (where the exact cut may wander), and
    hints holds one point at the centre of each cell, colour ``(k*40, 255-k*40, 128)``.
    Gaps are ``[1, gap]`` pixels of clear paper.
    """
    nx, ny = (int(rng.integers(2, max_cells + 1)) for _ in range(2))
    # walls near the even split, so every cell is much wider than any gap
    xs = (np.arange(1, nx) + rng.uniform(-0.2, 0.2, nx - 1)) * size / nx
    ys = (np.arange(1, ny) + rng.uniform(-0.2, 0.2, ny - 1)) * size / ny
    canvas = np.zeros((size, size), np.uint8)
    near = np.zeros((size, size), bool)
    yy, xx = np.mgrid[:size, :size]
    bx = np.concatenate([[0.0], xs, [float(size)]])
    by = np.concatenate([[0.0], ys, [float(size)]])
    segments = []
    for x in xs:
        segments += [((x, by[j]), (x, by[j + 1])) for j in range(ny)]
        near |= np.abs(xx - x) <= 2.5
    for y in ys:
        segments += [((bx[i], y), (bx[i + 1], y)) for i in range(nx)]
        near |= np.abs(yy - y) <= 2.5
    for p, q in segments:
        width = int(rng.integers(1, 4))
        if rng.random() < 0.5:
            g = float(rng.uniform(1.0, gap))
            length = np.hypot(q[0] - p[0], q[1] - p[1])
            t0 = float(rng.uniform(0.3, 0.7))
            half = (g + width) / 2 / length  # round caps reach half a width into the opening
            a = (p[0] + (q[0] - p[0]) * (t0 - half), p[1] + (q[1] - p[1]) * (t0 - half))
            b = (p[0] + (q[0] - p[0]) * (t0 + half), p[1] + (q[1] - p[1]) * (t0 + half))
            _line(canvas, p, a, width)
            _line(canvas, b, q, width)
        else:
            _line(canvas, p, q, width)
    ink = canvas.astype(np.float32) / 255.0
    cx = np.searchsorted(xs, xx + 0.5)
    cy = np.searchsorted(ys, yy + 0.5)
    cell = cy * nx + cx
    items = []
    for j in range(ny):
        for i in range(nx):
            k = j * nx + i
            items.append(Point((bx[i] + bx[i + 1]) / 2, (by[j] + by[j + 1]) / 2,
                               (k * 40 % 256, 255 - k * 40 % 256, 128), 2.0))
    return ink, cell, near, Hints(tuple(items))


def two_rooms(gap_size: float, width: int = 2, size: int = 120):
    """A frame split by a wall; the wall has one opening of ``gap_size`` pixels of clear paper.

    Returns ``ink`` and the wall's x position. A closed third room sits in the
    bottom-right corner of the right room.
    """
    canvas = np.zeros((size, size), np.uint8)
    m = 10
    cv2.rectangle(canvas, (m, m), (size - m, size - m), 255, width, lineType=cv2.LINE_AA)
    x = size // 2
    y_gap = size // 2
    half = (gap_size + width) / 2
    _line(canvas, (x, m), (x, y_gap - half), width)
    _line(canvas, (x, y_gap + half), (x, size - m), width)
    cv2.rectangle(canvas, (size - 40, size - 40), (size - 20, size - 20), 255, width, lineType=cv2.LINE_AA)
    return canvas.astype(np.float32) / 255.0, x


def test_walled_cells_gaps_are_open_and_no_wider_than_asked():
    rng = np.random.default_rng(0)
    ink, cell, near, hints = walled_cells(rng, 160, gap=5.0)
    assert ink.shape == cell.shape == near.shape == (160, 160)
    assert len(hints) == cell.max() + 1
    # the cells are joined through the gaps (so filling must close them) ...
    n, _ = cv2.connectedComponents((ink < 0.5).astype(np.uint8), connectivity=4)
    assert n - 1 < len(hints)


def test_two_rooms_opening_size():
    for g in (2.0, 4.0, 6.0):
        ink, x = two_rooms(g)
        column = ink[:, x - 1: x + 2].max(axis=1)
        clear = column[12:-12] < 0.5
        assert abs(int(clear.sum()) - g) <= 1.5
