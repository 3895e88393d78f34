"""The studio's shading panel in a real headless Chromium: style, light dial, layer toggles, live update."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("playwright.sync_api")

from irodori.web.app import example_lineart  # noqa: E402

from test_web_browser import ARTIFACTS, base_url, browser, page, wait_result  # noqa: E402,F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def canvas(page, cid: str) -> np.ndarray:
    url = page.evaluate(f"() => document.getElementById('{cid}').toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA"))


def wait_shadow(page, before: str | None = None) -> str:
    """Wait until the shadow canvas shows something (different from ``before``); returns its data URL."""
    page.wait_for_function("""(before) => { const u = document.getElementById('shadow').toDataURL();
        return document.getElementById('stage').dataset.busy === 'false' && u !== before
               && window.__blank !== u; }""", arg=before, timeout=20000)
    return page.evaluate("() => document.getElementById('shadow').toDataURL()")


def test_light_dial_moves_the_shadow(page):
    if example_lineart() is None:
        pytest.skip("no example bundled")
    page.click("#drop-example")
    page.wait_for_selector("#stage[data-state=loaded]")
    page.click("#example-hints")
    wait_result(page)
    page.evaluate("() => { window.__blank = document.getElementById('shadow').toDataURL(); }")
    page.select_option("#shade-style", "cel")
    first = wait_shadow(page)
    alpha = canvas(page, "shadow")[..., 3].astype(float)
    h, w = alpha.shape
    xs = np.arange(w)[None, :]
    cx_default = (alpha * xs).sum() / alpha.sum()
    assert page.text_content("#light-out") == "315°, 45°"
    # drag on the dial to its right edge: light from the right, low
    box = page.locator("#light-dial").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.93, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    assert page.text_content("#light-out").startswith("90°")
    wait_shadow(page, first)
    alpha = canvas(page, "shadow")[..., 3].astype(float)
    cx_right = (alpha * xs).sum() / alpha.sum()
    assert cx_right < cx_default - 10  # lit from the right: the shadow moved left
    # layer toggles and coloured lines
    page.uncheck("#show-shadow")
    assert page.is_hidden("#shadow")
    page.check("#show-shadow")
    assert not page.is_hidden("#shadow")
    page.check("#line-color")
    page.wait_for_function("() => !document.getElementById('linecolor').hidden", timeout=20000)
    assert page.is_hidden("#lines")
    lines = canvas(page, "linecolor")
    ink = lines[..., 3] > 200
    assert ink.any() and (lines[..., :3][ink].max(axis=1) > 20).mean() > 0.3  # tinted, not black
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "studio-shading.png"))
