"""The studio's HTTP API, through FastAPI's TestClient with real worker processes."""

from __future__ import annotations

import base64
import io
import json
import socket
import tempfile
import threading
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from irodori.methods import describe_methods, method_names  # noqa: E402
from irodori.web.app import create_app  # noqa: E402
from irodori.web.config import StudioConfig  # noqa: E402
from irodori.web.work import decode_regions  # noqa: E402

W, H = 240, 160
RED, GREEN, BLUE, YELLOW = (220, 40, 40), (40, 180, 60), (40, 70, 220), (240, 210, 40)


def drawing() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Four closed shapes on white paper: gray ``(H, W) uint8`` and each shape's interior mask."""
    shapes = {
        "a": lambda img, c, t: cv2.rectangle(img, (10, 10), (70, 70), c, t),
        "b": lambda img, c, t: cv2.circle(img, (120, 40), 28, c, t),
        "c": lambda img, c, t: cv2.rectangle(img, (170, 10), (230, 70), c, t),
        "d": lambda img, c, t: cv2.ellipse(img, (120, 120), (100, 28), 0, 0, 360, c, t),
    }
    gray = np.full((H, W), 255, np.uint8)
    masks: dict[str, np.ndarray] = {}
    kernel = np.ones((9, 9), np.uint8)
    outside = np.ones((H, W), np.uint8)
    for name, draw in shapes.items():
        draw(gray, 0, 3)
        filled = np.zeros((H, W), np.uint8)
        draw(filled, 1, -1)
        masks[name] = cv2.erode(filled, kernel).astype(bool)
        outside &= 1 - cv2.dilate(filled, kernel)
    masks["paper"] = outside.astype(bool)
    return gray, masks


def hints_json() -> str:
    hex_ = lambda c: "#%02x%02x%02x" % c  # noqa: E731
    return json.dumps({"version": 1, "hints": [
        {"type": "point", "x": 40, "y": 40, "color": hex_(RED), "radius": 3},
        {"type": "point", "x": 120, "y": 40, "color": hex_(GREEN), "radius": 3},
        {"type": "point", "x": 200, "y": 40, "color": hex_(BLUE), "radius": 3},
        {"type": "stroke", "points": [[60, 120], [180, 120]], "color": hex_(YELLOW), "width": 4},
    ]})


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


GRAY, MASKS = drawing()
LINEART = png(GRAY)
FILL_OPTIONS = json.dumps({"unhinted": "transparent"})


@pytest.fixture(scope="module")
def client():
    config = StudioConfig(workers=2, timeout_s=30, max_pixels=1_000_000, max_upload_bytes=2 * 2**20)
    with TestClient(create_app(config)) as c:
        yield c


def post(client, url="/api/colorize", lineart=LINEART, data=None, files=None, **kw):
    fields = {"method": "fill", "hints": hints_json(), "options": FILL_OPTIONS}
    fields.update(data or {})
    fields = {k: v for k, v in fields.items() if v is not None}
    all_files = {"lineart": ("drawing.png", lineart, "image/png")} if lineart is not None else {}
    all_files.update(files or {})
    return client.post(url, data=fields, files=all_files or None, **kw)


def assert_error(r, status: int, *words: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    message = r.json()["error"]
    assert isinstance(message, str) and "\n" not in message and message
    for w in words:
        assert w in message, message


def check_colours(rgb: np.ndarray) -> None:
    """Each hinted shape has its hint colour inside; the unhinted paper stays white."""
    for name, colour in zip("abcd", (RED, GREEN, BLUE, YELLOW)):
        inside = rgb[MASKS[name]][:, :3]
        assert (np.abs(inside.astype(int) - colour).max(axis=1) <= 2).mean() > 0.99, name
    assert (rgb[MASKS["paper"]][:, :3] >= 253).all()


def test_png_hint_layer_instead_of_json(client):
    """A painted hint layer (alpha > 0 = a hint, as the Krita plugin sends it) colours like the JSON."""
    from irodori.hints import Hints

    layer = Hints.from_json_text(hints_json()).to_rgba((H, W))
    r = post(client, data={"hints": None, "format": "json"}, files={"hint_layer": ("h.png", png(layer), "image/png")})
    assert r.status_code == 200, r.text
    check_colours(decode(base64.b64decode(r.json()["image"])))
    both = post(client, files={"hint_layer": ("h.png", png(layer), "image/png")})
    assert_error(both, 400, "not both")
    small = post(client, data={"hints": None}, files={"hint_layer": ("h.png", png(layer[:80]), "image/png")})
    assert_error(small, 400, "same size")
    junk = post(client, data={"hints": None}, files={"hint_layer": ("h.png", b"not a png", "image/png")})
    assert_error(junk, 400, "hint layer")


# ------------------------------------------------------------------ GET endpoints
def test_health(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["workers"]["alive"] == 2
    assert body["methods"] == method_names()
    assert body["default_method"] in body["methods"]
    assert body["limits"]["max_pixels"] == 1_000_000


def test_methods_come_from_the_registry(client):
    listed = client.get("/api/methods").json()
    assert [m["name"] for m in listed] == method_names()
    registry = {m["name"]: m for m in describe_methods()}
    for m in listed:
        assert m["capabilities"] == registry[m["name"]]["capabilities"]
        assert [o["name"] for o in m["options"]] == [o["name"] for o in registry[m["name"]]["options"]]
        assert m["description"]
        # The words the page shows come from the registry too.
        assert (m["label"], m["group"], m["recommended"]) == tuple(registry[m["name"]][k] for k in
                                                                   ("label", "group", "recommended"))
        assert [(o["label"], o["advanced"]) for o in m["options"]] == \
            [(o["label"], o["advanced"]) for o in registry[m["name"]]["options"]]


def test_page_and_static_files(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert 'src="/static/js/main.js"' in r.text
    for path in ("/static/js/main.js", "/static/js/api.js", "/static/js/hints.js", "/static/js/view.js",
                 "/static/studio.css"):
        assert client.get(path).status_code == 200, path
    assert client.get("/static/../app.py").status_code == 404


def test_openapi_docs(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "/static/api.html" in docs.text  # the offline fallback
    assert client.get("/static/api.html").status_code == 200
    assert client.get("/static/js/apidocs.js").status_code == 200
    schema = client.get("/openapi.json").json()
    for path in ("/api/colorize", "/api/layers", "/api/methods", "/api/health"):
        assert path in schema["paths"]


def test_example(client):
    r = client.get("/api/example")
    if client.get("/api/health").json()["example"]:
        assert r.status_code == 200
        assert decode(r.content).ndim >= 2
    else:
        assert_error(r, 404, "example")


def test_example_hints(client):
    r = client.get("/api/example/hints")
    if client.get("/api/health").json()["example_hints"]:
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert r.json()["hints"]
        # They colour the example as they are.
        example = client.get("/api/example").content
        assert post(client, lineart=example, data={"hints": r.text, "options": None}).status_code == 200
    else:
        assert_error(r, 404, "hints")


# ------------------------------------------------------------------ colorize
def test_colorize_png(client):
    r = post(client)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    assert float(r.headers["x-irodori-seconds"]) >= 0
    image = decode(r.content)
    assert image.shape == (H, W, 3)
    check_colours(image)
    # Lines are untouched: the darkest line pixels stay black.
    assert (image[GRAY == 0] == 0).all()


def test_colorize_json(client):
    r = post(client, data={"format": "json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["width"], body["height"], body["method"]) == (W, H, "fill")
    image = decode(base64.b64decode(body["image"]))
    flats = decode(base64.b64decode(body["flats"]))
    assert image.shape == (H, W, 3) and flats.shape == (H, W, 4)
    check_colours(image)
    assert (flats[MASKS["paper"]][:, 3] == 0).all()  # unhinted paper left unfilled
    assert (flats[MASKS["a"]][:, 3] == 255).all()
    if "regions" in body:
        regions = decode_regions(decode(base64.b64decode(body["regions"])))
        assert regions.shape == (H, W)
        assert len(np.unique(regions[MASKS["a"]])) == 1
        assert regions[MASKS["a"]][0] != regions[MASKS["c"]][0]


def test_json_without_regions(client):
    body = post(client, data={"format": "json", "regions": "false"}).json()
    assert "regions" not in body and "flats" in body


def test_format_as_query_parameter(client):
    r = post(client, url="/api/colorize?format=json")
    assert r.status_code == 200 and "flats" in r.json()


def test_same_request_same_answer(client):
    assert post(client).content == post(client).content


# ------------------------------------------------------------------ layers
def test_layers_ora(client):
    r = post(client, url="/api/layers", data={"format": "ora"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/openraster"
    assert "irodori.ora" in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert z.namelist()[0] == "mimetype" and z.read("mimetype") == b"image/openraster"
        stack = z.read("stack.xml").decode()
        for name in ("paper", "flats", "lines", "hints"):
            assert f'name="{name}"' in stack
        check_colours(np.asarray(Image.open(io.BytesIO(z.read("mergedimage.png"))).convert("RGB")))


def test_layers_psd(client):
    psd_tools = pytest.importorskip("psd_tools")
    r = post(client, url="/api/layers", data={"format": "psd"})
    assert r.status_code == 200, r.text
    psd = psd_tools.PSDImage.open(io.BytesIO(r.content))
    assert (psd.width, psd.height) == (W, H)
    assert [layer.name for layer in psd][:3] == ["paper", "flats", "lines"]


# ------------------------------------------------------------------ bad input
NOT_PNG = b"this is not an image"
TRUNCATED = LINEART[: len(LINEART) // 2]


@pytest.mark.parametrize("kwargs, status, words", [
    (dict(lineart=None), 422, ["lineart"]),
    (dict(lineart=NOT_PNG), 400, ["not a readable image"]),
    (dict(lineart=b""), 400, ["empty"]),
    (dict(lineart=TRUNCATED), 400, ["line art"]),
    (dict(data={"hints": "{not json"}), 400, ["hints JSON"]),
    (dict(data={"hints": "[1, 2]"}), 400, ["hints"]),
    (dict(data={"hints": json.dumps({"hints": [{"type": "point", "x": 999, "y": 5, "color": "#ff0000"}]})}),
     422, ["outside"]),
    (dict(data={"hints": json.dumps({"hints": [{"type": "blob", "color": "#ff0000"}]})}), 400, ["unknown type"]),
    (dict(data={"method": "no-such-method"}), 422, ["unknown method", "fill"]),
    (dict(data={"options": '{"no_such_option": 1}'}), 422, ["no_such_option"]),
    (dict(data={"options": "[1]"}), 400, ["options must be a JSON object"]),
    (dict(data={"options": "{bad"}), 400, ["options JSON"]),
    (dict(data={"options": '{"unhinted": "../../etc/passwd"}'}), 422, ["file paths"]),
    (dict(data={"format": "gif"}), 400, ["format"]),
    (dict(files={"reference_lines": ("l.png", LINEART, "image/png")}), 400, ["reference"]),
    (dict(files={"reference": ("r.png", NOT_PNG, "image/png")}), 400, ["reference"]),
])
def test_colorize_bad_input(client, kwargs, status, words):
    assert_error(post(client, **kwargs), status, *words)


def test_hints_are_needed_by_fill(client):
    assert_error(post(client, data={"hints": None}), 422, "needs at least one hint")


def test_reference_is_needed(client):
    needing = [m["name"] for m in describe_methods() if m["capabilities"]["needs_reference"]]
    if not needing:
        pytest.skip("no registered method needs a reference")
    assert_error(post(client, data={"method": needing[0], "options": None}), 422, "reference")


def test_layers_bad_format(client):
    assert_error(post(client, url="/api/layers", data={"format": "tiff"}), 400, "ora or psd")
    assert_error(post(client, url="/api/layers"), 422, "format")


def test_too_many_pixels(client):
    big = png(np.full((1001, 1000), 255, np.uint8))
    assert_error(post(client, lineart=big), 413, "MP", "limit")


def test_reference_over_the_pixel_limit(client):
    big = png(np.full((1001, 1000, 3), 200, np.uint8))
    assert_error(post(client, files={"reference": ("r.png", big, "image/png")}), 413, "reference", "MP")


def test_upload_too_large_by_content_length(client):
    assert_error(post(client, lineart=b"\0" * (2 * 2**20 + 1)), 413, "upload too large")


def test_upload_too_large_while_streaming(client):
    def chunks():
        boundary = b"--xyz\r\n"
        yield boundary + b'Content-Disposition: form-data; name="lineart"; filename="a.png"\r\n\r\n'
        for _ in range(40):
            yield b"\0" * 65536
        yield b"\r\n--xyz--\r\n"

    r = client.post("/api/colorize", content=chunks(),
                    headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert_error(r, 413, "upload too large")


def colour_picture() -> np.ndarray:
    """The drawing as a finished colour picture: each shape filled, lines on top (RGB uint8)."""
    rgb = np.repeat(GRAY[..., None], 3, axis=2).copy()
    for name, colour in zip("abcd", (RED, GREEN, BLUE, YELLOW)):
        rgb[MASKS[name]] = colour
    return rgb


def test_check_lineart(client):
    r = client.post("/api/lineart/check", files={"lineart": ("d.png", LINEART, "image/png")})
    assert r.status_code == 200 and r.json() == {"width": W, "height": H}
    assert_error(client.post("/api/lineart/check", files={"lineart": ("d.png", b"not an image", "image/png")}),
                 400, "line art")
    big = png(np.full((1100, 1000), 255, np.uint8))
    assert_error(client.post("/api/lineart/check", files={"lineart": ("d.png", big, "image/png")}), 413, "MP")


def test_colour_picture_is_refused_as_colouring_would(client):
    from irodori import errors

    if not hasattr(errors, "ColourPictureError"):
        pytest.skip("this core does not refuse colour pictures as line art yet")
    r = client.post("/api/lineart/check", files={"lineart": ("c.png", png(colour_picture()), "image/png")})
    assert_error(r, 422, "colour picture")
    assert r.json()["code"] == "colour_picture"
    assert post(client, lineart=png(colour_picture())).json().get("code") == "colour_picture"


def test_lines_of_a_colour_picture(client):
    """``/api/lines`` gives back black lines on white where the picture has its lines, usable as line art."""
    r = client.post("/api/lines", files={"picture": ("c.png", png(colour_picture()), "image/png")})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    lines = decode(r.content)
    assert lines.shape == (H, W) and lines.dtype == np.uint8
    ink = GRAY < 128
    assert (lines[ink] < 128).mean() > 0.8  # the drawing's lines are lines
    flat = np.zeros_like(ink)
    for name in "abcd":
        flat |= MASKS[name]
    assert (lines[flat] > 200).mean() > 0.95  # flat colour is paper
    # ... and colouring takes them.
    assert client.post("/api/lineart/check", files={"lineart": ("l.png", r.content, "image/png")}).status_code == 200
    assert_error(client.post("/api/lines", files={"picture": ("c.png", b"nope", "image/png")}), 400, "picture")


def test_server_still_serves_after_errors(client):
    assert post(client).status_code == 200
    stats = client.get("/api/health").json()["workers"]
    assert stats["alive"] == 2 and stats["crashes"] == 0 and stats["timeouts"] == 0


# ------------------------------------------------------------------ time limit
def test_time_limit_stops_the_job_and_replaces_the_worker():
    """A job over the limit answers 504 at once; its worker is killed and a fresh one takes over.

    With no room to wait (``max_waiting=0``), a request that comes while the
    only worker is busy gets 503 at once instead of queueing.
    """
    big = np.full((4000, 4000), 255, np.uint8)
    for i in range(40):
        cv2.circle(big, (100 * i % 3900 + 50, (i * 397) % 3900 + 50), 80 + 5 * i, 0, 3)
    config = StudioConfig(workers=1, timeout_s=0.5, max_pixels=20_000_000, max_upload_bytes=64 * 2**20,
                          max_waiting=0)
    system_tmp = tempfile.gettempdir()
    with TestClient(create_app(config, own_tempdir=True)) as c:
        # Uploads over 1 MB spill to disk: only into the app's private directory.
        private = Path(tempfile.gettempdir())
        assert private.name.startswith("irodori-studio-") and private.stat().st_mode & 0o777 == 0o700
        hints = json.dumps({"hints": [{"type": "point", "x": 10, "y": 10, "color": "#ff0000"}]})
        answers = {}
        slow = threading.Thread(target=lambda: answers.setdefault("slow", c.post(
            "/api/colorize", data={"method": "fill", "hints": hints},
            files={"lineart": ("big.png", png(big), "image/png")})))
        slow.start()
        for _ in range(100_000):  # until the slow job holds the worker (bounded; no sleep)
            if c.get("/api/health").json()["workers"]["busy"] == 1 or not slow.is_alive():
                break
        r = c.post("/api/colorize", data={"method": "gray"}, files={"lineart": ("a.png", LINEART, "image/png")})
        assert_error(r, 503, "busy")
        assert r.headers["retry-after"] == "1"
        slow.join(60)
        assert_error(answers["slow"], 504, "time limit")
        assert c.get("/api/health").json()["workers"]["timeouts"] == 1
        # A fresh worker takes over (started in the background); let requests wait for it.
        c.app.state.pool.max_waiting = 4
        r = c.post("/api/colorize", data={"method": "gray"}, files={"lineart": ("a.png", LINEART, "image/png")})
        assert r.status_code == 200, r.text
        assert c.get("/api/health").json()["workers"]["alive"] == 1
    assert not private.exists() and tempfile.gettempdir() == system_tmp


# ------------------------------------------------------------------ the serve command
@pytest.mark.parametrize("argv, words", [
    (["serve", "--port", "0"], "--port"),
    (["serve", "--port", "70000"], "--port"),
    (["serve", "--workers", "-1"], "--workers"),
    (["serve", "--timeout", "0"], "--timeout"),
    (["serve", "--max-pixels", "0"], "--max-pixels"),
    (["serve", "--max-upload-mb", "0"], "--max-upload-mb"),
])
def test_serve_refuses_bad_settings(capsys, argv, words):
    """Each bad setting is one line naming its flag, exit code 2, before any worker starts."""
    from irodori.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and words in err and "\n" not in err


def test_serve_refuses_a_busy_port(capsys):
    from irodori.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot listen on 127.0.0.1:") and "--port" in err


# ------------------------------------------------------------------ Host header check
@pytest.mark.parametrize("url, status", [
    ("http://127.0.0.1:8000", 200), ("http://localhost:8000", 200), ("http://[::1]:8000", 200),
    ("http://LOCALHOST", 200), ("http://attacker.example:8000", 400), ("http://127.0.0.1.nip.io", 400),
])
def test_loopback_server_refuses_other_host_names(url, status):
    """What ``irodori serve`` on 127.0.0.1 installs against DNS rebinding (no workers needed)."""
    from fastapi.responses import PlainTextResponse

    from irodori.web.app import HostCheck
    from irodori.web.config import hosts_for

    app = HostCheck(PlainTextResponse("ok"), hosts_for("127.0.0.1"))
    r = TestClient(app, base_url=url).get("/")
    assert r.status_code == status
    if status == 400:
        assert "host" in r.json()["error"]
    assert hosts_for("0.0.0.0") == ("*",)


def test_several_references_reach_match(client):
    col = np.stack([GRAY] * 3, axis=2).copy()
    for name, colour in zip("abcd", (RED, GREEN, BLUE, YELLOW)):
        col[cv2.dilate(MASKS[name].astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & (GRAY > 128)] = colour
    files = [("lineart", ("drawing.png", LINEART, "image/png")),
             ("reference", ("a.png", png(col), "image/png")), ("reference_lines", ("a.png", LINEART, "image/png")),
             ("reference", ("b.png", png(col), "image/png")), ("reference_lines", ("b.png", LINEART, "image/png"))]
    r = client.post("/api/colorize", data={"method": "match", "format": "json"}, files=files)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"]["n_references"] == 2
    rgb = decode(base64.b64decode(body["image"]))
    assert tuple(rgb[40, 40][:3]) == RED and tuple(rgb[40, 200][:3]) == BLUE
    bad = files[:-1]  # two references, one line art
    assert_error(client.post("/api/colorize", data={"method": "match"}, files=bad), 400, "one line art per reference")
