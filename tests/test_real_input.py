"""Real input at the boundaries (issue 11): a colour picture given as line art is refused
(core, CLI, HTTP API with a machine-readable code), and an unhinted background stays
white through the HTTP API."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest
from PIL import Image

from irodori.cli import main
from irodori.errors import ColourPictureError
from irodori.io import load_lineart

W, H = 200, 140


def colour_picture() -> np.ndarray:
    """A flat colour illustration: coloured shapes with dark outlines on white."""
    rgb = np.full((H, W, 3), 255, np.uint8)
    cv2.circle(rgb, (60, 70), 45, (240, 200, 40), -1)
    cv2.circle(rgb, (60, 70), 45, (20, 20, 20), 3)
    cv2.rectangle(rgb, (120, 20), (185, 120), (40, 90, 220), -1)
    cv2.rectangle(rgb, (120, 20), (185, 120), (20, 20, 20), 3)
    return rgb


def line_art() -> np.ndarray:
    """The same drawing as black lines on white (gray), two shapes and a background."""
    g = np.full((H, W), 255, np.uint8)
    cv2.circle(g, (60, 70), 45, 0, 3)
    cv2.rectangle(g, (120, 20), (185, 120), 0, 3)
    return g


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def test_core_refuses_a_colour_picture_and_names_irodori_lines(tmp_path):
    path = tmp_path / "illustration.png"
    Image.fromarray(colour_picture()).save(path)
    with pytest.raises(ColourPictureError, match="irodori lines") as e:
        load_lineart(path)
    assert "\n" not in str(e.value) and e.value.code == "colour_picture"


@pytest.mark.parametrize("kind", ["gray", "rgb-lines", "coloured-pencil", "tinted-paper"])
def test_line_art_of_every_kind_still_loads(kind):
    g = line_art()
    if kind == "gray":
        img = g
    elif kind == "rgb-lines":
        img = np.repeat(g[..., None], 3, axis=2)
    elif kind == "coloured-pencil":
        img = np.full((H, W, 3), 255, np.uint8)
        img[g < 128] = (200, 40, 40)  # red lines
    else:
        img = np.repeat(g[..., None], 3, axis=2).astype(np.int16)
        img = np.clip(img - np.array([5, 25, 75]) * (g[..., None] > 128), 0, 255).astype(np.uint8)  # yellowed
    ink = load_lineart(io.BytesIO(png(img)))
    assert ink.shape == (H, W) and ink.max() > 0.5


def test_cli_refuses_a_colour_picture_in_one_line(capsys, tmp_path):
    path = tmp_path / "illustration.png"
    Image.fromarray(colour_picture()).save(path)
    rc = main(["colorize", str(path), "-m", "gray", "-o", str(tmp_path / "out.png")])
    _, err = capsys.readouterr()
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "irodori lines" in err and "Traceback" not in err
    assert not (tmp_path / "out.png").exists()


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from irodori.web.app import create_app
    from irodori.web.config import StudioConfig

    with TestClient(create_app(StudioConfig(workers=1, timeout_s=60, max_pixels=1_000_000))) as c:
        yield c


def test_api_answers_422_with_a_code_for_a_colour_picture(client):
    r = client.post("/api/colorize", data={"method": "fill", "hints": ""},
                    files={"lineart": ("x.png", png(colour_picture()), "image/png")})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "colour_picture" and "irodori lines" in body["error"] and "\n" not in body["error"]


@pytest.mark.parametrize("method", ["fill", "neural-flats"])
def test_api_page_with_unhinted_background_stays_white(client, method):
    hints = json.dumps({"version": 1, "hints": [
        {"type": "point", "x": 60, "y": 70, "color": "#1e3c8c", "radius": 3},
        {"type": "point", "x": 150, "y": 70, "color": "#8c3c1e", "radius": 3}]})
    r = client.post("/api/colorize", data={"method": method, "hints": hints},
                    files={"lineart": ("x.png", png(line_art()), "image/png")})
    assert r.status_code == 200, r.text
    rgb = np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB"))
    yy, xx = np.mgrid[:H, :W]
    outside = ((xx - 60) ** 2 + (yy - 70) ** 2 > 50 ** 2) & ~((xx > 114) & (xx < 191) & (yy > 14) & (yy < 126))
    assert (rgb[outside] >= 250).all()
    inside = (xx - 60) ** 2 + (yy - 70) ** 2 < 40 ** 2
    assert (np.abs(rgb[inside].astype(int) - (0x1e, 0x3c, 0x8c)).max(axis=1) <= 60).mean() > 0.9
