"""The studio's Screentone control, in a real headless Chromium (see test_web_browser.py)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("playwright.sync_api")

from test_web_browser import base_url, browser, flats_pixels, page, screen, wait_result  # noqa: E402,F401

from irodori.data import manga  # noqa: E402
from irodori.synthetic import make_lineart  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def lines_alpha(pg) -> np.ndarray:
    url = pg.evaluate("() => document.getElementById('lines').toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA"))[..., 3]


def test_screentone_is_lifted_and_comes_back_as_chosen(page):  # noqa: F811
    d = make_lineart(256, 256, seed=4)
    t = manga.tone_drawing(d.ink, d.colors, seed=0, style=manga.ToneStyle(kinds=(1.0, 0.0, 0.0)))
    buf = io.BytesIO()
    Image.fromarray(np.rint((1 - t.page) * 255).astype(np.uint8)).save(buf, format="PNG")
    page.set_input_files("#file-input", files=[{"name": "toned.png", "mimeType": "image/png",
                                                 "buffer": buf.getvalue()}])
    page.wait_for_selector("#stage[data-state=loaded]")
    toned = t.toned  # the screened areas
    before = lines_alpha(page)[toned].mean()
    y, x = np.argwhere(toned)[len(np.argwhere(toned)) // 2]
    page.keyboard.press("d")
    page.fill("#color", "#3366cc")
    page.mouse.click(*screen(page, float(x), float(y)))
    wait_result(page)
    # The studio now shows the lines the method coloured: the dots are gone.
    assert lines_alpha(page)[toned].mean() < 0.5 * before
    pts = np.argwhere(toned)[:: max(1, int(toned.sum()) // 400)].tolist()
    mean_js = """(pts) => { const c = document.getElementById('flats').getContext('2d');
        const d = c.getImageData(0, 0, c.canvas.width, c.canvas.height).data; let s = 0;
        for (const [y, x] of pts) { const i = 4 * (y * c.canvas.width + x); s += d[i] + d[i + 1] + d[i + 2]; }
        return s / (3 * pts.length); }"""
    plain = page.evaluate(mean_js, pts)
    page.select_option("#tones", "keep")
    # The screen is multiplied back over the colours once the new result arrives.
    page.wait_for_function(f"(pts) => ({mean_js})(pts) < {plain - 5}", arg=pts, timeout=30000)
