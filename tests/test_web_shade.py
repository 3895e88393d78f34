"""The studio API with shading: the ``shading`` form field, layers in JSON, ORA and PSD, errors."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import cv2
import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from irodori.web.app import create_app  # noqa: E402
from irodori.web.config import StudioConfig  # noqa: E402


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def _decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


GRAY = np.full((120, 160), 255, np.uint8)
cv2.circle(GRAY, (60, 60), 40, 0, 3)
cv2.circle(GRAY, (125, 80), 25, 0, 3)
LINEART = _png(GRAY)
HINTS = json.dumps({"version": 1, "hints": [{"type": "point", "x": 60, "y": 60, "color": "#dc5050"},
                                            {"type": "point", "x": 125, "y": 80, "color": "#5060dc"}]})
OPTIONS = json.dumps({"unhinted": "transparent"})


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(StudioConfig(workers=1, timeout_s=30, max_pixels=1_000_000))) as c:
        yield c


def _post(client, url="/api/colorize", **data):
    fields = {"method": "fill", "hints": HINTS, "options": OPTIONS, **data}
    return client.post(url, data=fields, files={"lineart": ("d.png", LINEART, "image/png")})


def test_colorize_json_carries_the_shading_layers(client):
    flat = _post(client, format="json").json()
    assert flat["layers"] == []
    shading = json.dumps({"style": "cel", "light": [315, 45], "line_color": True})
    body = _post(client, format="json", shading=shading).json()
    assert [(l["name"], l["blend"]) for l in body["layers"]] == [
        ("shadow", "multiply"), ("highlight", "screen"), ("lines", "multiply")]
    shadow = _decode(base64.b64decode(body["layers"][0]["rgba"]))
    assert shadow.shape == (120, 160, 4) and shadow[..., 3][72:82, 72:82].min() > 0  # lower right of the disc
    assert shadow[..., 3][35:45, 35:45].max() == 0  # upper left: lit
    image, plain = _decode(base64.b64decode(body["image"])), _decode(base64.b64decode(flat["image"]))
    assert (image[72:82, 72:82].astype(int) < plain[72:82, 72:82]).all()
    # moving the light re-shades the same flats
    other = _post(client, format="json", shading=json.dumps({"style": "soft", "light": "90,30"})).json()
    assert other["flats"] == body["flats"] and other["image"] != body["image"]


@pytest.mark.parametrize("fmt", ["ora", "psd"])
def test_layers_files_with_shading(client, fmt):
    r = _post(client, "/api/layers", format=fmt, shading=json.dumps({"style": "soft"}))
    assert r.status_code == 200, r.text
    if fmt == "ora":
        stack = zipfile.ZipFile(io.BytesIO(r.content)).read("stack.xml").decode()
        assert stack.index('name="highlight"') < stack.index('name="shadow"') < stack.index('name="flats"')
    else:
        from psd_tools import PSDImage

        assert [layer.name for layer in PSDImage.open(io.BytesIO(r.content))][:4] == [
            "paper", "flats", "shadow", "highlight"]


@pytest.mark.parametrize("shading,status,word", [("{", 400, "shading JSON"), ("[1]", 400, "object"),
                                                 ('{"colour": 1}', 400, "unknown shading"),
                                                 ('{"light": [315, 95]}', 422, "elevation"),
                                                 ('{"light": "abc"}', 422, "light"),
                                                 ('{"style": "oil"}', 422, "style")])
def test_bad_shading_is_a_one_line_error(client, shading, status, word):
    r = _post(client, shading=shading)
    assert r.status_code == status, r.text
    message = r.json()["error"]
    assert word in message and "\n" not in message
