"""The Krita plugin (integrations/krita): its HTTP client against a live ``irodori serve`` that the plugin
starts itself, and the plugin's action inside real Krita (``kritarunner``, Debian's ``krita`` package),
checked by the pixels of the layers it adds. Marked ``krita``: ``make test-krita`` (a step of .ci/run,
which installs Krita) runs them; ``make test`` leaves them out.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "integrations" / "krita"
pytestmark = pytest.mark.krita

sys.path.insert(0, str(PLUGIN))
from irodori_krita import client  # noqa: E402  (outside Krita its __init__ registers nothing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """``irodori serve`` on a free loopback port, started by the plugin's own client (as its Start button does)."""
    url = f"http://127.0.0.1:{_free_port()}"
    proc = client.start_server(url, f"{sys.executable} -m irodori", wait_s=180,
                               env={"PYTHONPATH": str(ROOT / "src")})
    yield url
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def test_the_plugin_imports_nothing_of_irodori():
    for path in (PLUGIN / "irodori_krita").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            assert not any(n.split(".")[0] == "irodori" for n in names), (path.name, names)


def test_client_colours_a_png_hint_layer(server):
    """Any opaque pixel of the hint layer is a hint, in its colour (the PNG hint layer of the CLI)."""
    lines = np.zeros((40, 60, 4), np.uint8)  # black lines on a transparent layer, as drawn in Krita
    lines[[2, 37], 2:58, 3] = 255
    lines[2:38, [2, 29, 30, 57], 3] = 255
    hints = np.zeros((40, 60, 4), np.uint8)
    hints[18:21, 12:15] = (230, 40, 40, 255)
    hints[18:21, 44:47] = (40, 60, 220, 255)
    names = [m["name"] for m in client.methods(server)]
    assert "fill" in names and "gray" not in names  # baselines stay out of the artist's list
    answer = client.colorize(server, _png(lines), _png(hints), "fill")
    flats = np.asarray(Image.open(io.BytesIO(base64.b64decode(answer["flats"]))).convert("RGBA"))
    assert tuple(flats[30, 10]) == (230, 40, 40, 255) and tuple(flats[30, 50]) == (40, 60, 220, 255)
    with pytest.raises(client.ServerError, match="unknown method"):
        client.colorize(server, _png(lines), _png(hints), "no-such-method")


def test_a_server_that_cannot_start_is_one_line(tmp_path):
    with pytest.raises(client.ServerError, match="cannot run"):
        client.start_server(f"http://127.0.0.1:{_free_port()}", str(tmp_path / "no-irodori"), wait_s=5)
    with pytest.raises(client.ServerError, match="no irodori server"):
        client.health(f"http://127.0.0.1:{_free_port()}")


def test_the_zip_installs_the_plugin(tmp_path):
    out = tmp_path / "irodori-krita.zip"
    subprocess.run([sys.executable, str(PLUGIN / "make_zip.py"), str(out)], check=True)
    names = set(zipfile.ZipFile(out).namelist())
    assert {"irodori_krita.desktop", "irodori_krita/__init__.py", "irodori_krita/docker.py",
            "irodori_krita/layers.py", "irodori_krita/client.py", "irodori_krita/Manual.html"} <= names
    assert not any("__pycache__" in n for n in names)


@contextlib.contextmanager
def _display():
    """An Xvfb display (":N") once it accepts clients, or None without Xvfb; stopped afterwards."""
    if shutil.which("Xvfb") is None:
        yield None
        return
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        with os.fdopen(read) as ready:  # Xvfb writes its display number here when it is ready
            number = ready.readline().strip()
        yield f":{number}" if number else None
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.mark.skipif(shutil.which("kritarunner") is None, reason="Krita is not installed (apt-get install krita)")
def test_the_plugin_in_krita_adds_the_flats_under_the_lines(server, tmp_path):
    result = tmp_path / "result.json"
    env = dict(os.environ, IRODORI_URL=server, IRODORI_RESULT=str(result), HOME=str(tmp_path),
               PYTHONPATH=f"{ROOT / 'tests' / 'krita'}{os.pathsep}{PLUGIN}", XDG_RUNTIME_DIR=str(tmp_path))
    with _display() as display:
        if display:  # a real (virtual) display: a window, so Ctrl+Z can be checked
            env.update(DISPLAY=display, IRODORI_UNDO="1", QT_QPA_PLATFORM="xcb")
        else:
            env["QT_QPA_PLATFORM"] = "offscreen"
        proc = subprocess.run(["kritarunner", "-s", "irodori_krita_check"], env=env, capture_output=True,
                              text=True, timeout=600, cwd=tmp_path)
    assert result.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(result.read_text())
    assert out["ok"], out.get("error")

    a = out["transparent_lines"]
    # The group sits directly under the lines: Background, group, lines, hints (bottom to top).
    assert [n["name"] for n in a["tree"]] == ["Background", "irodori fill", "lines", "irodori hints"]
    assert a["tree"][1]["type"] == "grouplayer" and a["tree"][1]["children"][0]["name"] == "flats"
    assert a["flats"]["left"] == [230, 40, 40, 255] and a["flats"]["right"] == [40, 60, 220, 255]
    assert a["flats"]["outside"][3] == 0  # paper outside the drawing stays unfilled
    assert a["composite"]["left"][:3] == [230, 40, 40] and a["composite"]["line"][:3] == [0, 0, 0]
    if "after_undo" in a:  # one Ctrl+Z takes the whole group away, redo brings it back
        assert a["after_undo"] == ["Background", "lines", "irodori hints"]
        assert a["after_redo"] == ["Background", "irodori fill", "lines", "irodori hints"]

    b = out["scan"]  # one opaque layer: the group goes under it and the scan multiplies over the colours
    assert [n["name"] for n in b["tree"]] == ["irodori fill", "scan", "irodori hints"]
    assert b["tree"][1]["blend"] == "multiply"
    assert b["composite"]["left"][:3] == [230, 40, 40] and b["composite"]["right"][:3] == [40, 60, 220]
    assert "RGB/Alpha 8-bit" in out["cmyk_error"]
    assert out["shading"] == {"field": "shading", "choices": ["cel", "soft"]}  # this server shades
    c = out["shaded"]  # Shade: shadow (multiply) and highlight (screen) layers over the flats in the group
    assert c["group"] == "irodori fill + cel shading"
    assert c["extra_layers"].get("shadow") == "multiply", c["extra_layers"]
    assert c["flats"]["left"] == [230, 40, 40, 255]
    shaded = {tuple(px[:3]) for px in c["shaded_left"]}
    assert len(shaded) > 1 and (230, 40, 40) in shaded, shaded  # flat towards the light, darker away
