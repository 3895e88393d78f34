"""Reference methods: the background rule leaves paper what the method coloured near white, never a body cut by the border."""

from __future__ import annotations

import numpy as np

from irodori.background import keep_paper
from irodori.hints import Hints, Point
from irodori.methods import Reference, make_result


def test_a_shirt_cut_by_the_border_keeps_its_colour() -> None:
    h, w = 64, 64
    ink = np.zeros((h, w), np.float32)
    ink[44, 16:49] = ink[44:, 16] = ink[44:, 48] = 1.0  # a shirt running off the bottom border
    ink[10, 10:21] = ink[20, 10:21] = ink[10:21, 10] = ink[10:21, 20] = 1.0  # a face, hinted
    flats = np.zeros((h, w, 4), np.uint8)
    flats[..., 3] = 255
    flats[..., :3] = 255
    flats[44:, 16:49] = (200, 40, 40, 255)
    flats[11:20, 11:20] = (250, 200, 160, 255)
    ref_colors = np.full((h, w, 3), 255, np.uint8)
    ref_colors[44:, 16:49] = (200, 40, 40)
    hints = Hints((Point(15, 15, (250, 200, 160), 2),))
    out = keep_paper(make_result(flats, ink), ink, hints, Reference(ref_colors, ink))
    assert (out.flats[25:40, 30:, 3] == 0).all()  # the white background is left unfilled
    assert (out.flats[46:, 18:47, 3] == 255).all() and (out.flats[46:, 18:47, 0] == 200).all()
    assert out.meta["background_regions"] >= 1
