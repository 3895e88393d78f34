"""The irodori server's HTTP API, from Krita's own Python: standard library only (no Qt, no irodori).

``irodori serve`` answers on loopback; this module lists its methods, finds out whether it offers
shading, colours a line layer with a PNG hint layer, and can start the server when none answers.
Every problem becomes a :class:`ServerError` with a one-line message the docker shows as is.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_COMMAND = "irodori"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class ServerError(Exception):
    """A one-line message about the server (unreachable, refused the request, failed to start)."""


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
             timeout: float = 10.0) -> bytes:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            return reply.read()
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            message = json.loads(body)["error"]
        except (ValueError, KeyError, TypeError):
            message = body.decode("utf-8", "replace").strip()[:200] or e.reason
        raise ServerError(f"the irodori server refused: {message} (HTTP {e.code})") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ServerError(f"no irodori server at {url.split('/api')[0]} ({reason}); start one with "
                          "`irodori serve` or press Start server") from None


def get_json(base: str, path: str, timeout: float = 10.0) -> Any:
    """GET ``base + path`` and decode its JSON."""
    return json.loads(_request(base.rstrip("/") + path, timeout=timeout))


def health(base: str, timeout: float = 3.0) -> dict[str, Any]:
    """The server's ``/api/health`` (raises :class:`ServerError` when none answers)."""
    return get_json(base, "/api/health", timeout)


def methods(base: str) -> list[dict[str, Any]]:
    """The methods an artist colours with from dots: no reference needed, not a comparison baseline."""
    found = get_json(base, "/api/methods")
    keep = [m for m in found if not m.get("capabilities", {}).get("needs_reference")
            and not (m.get("group") or {}).get("compare")]
    return keep or found


def shading(base: str, method: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """How this server shades, or None when it does not.

    irodori serve offers shading as a form field ``shading`` of ``/api/colorize``: a JSON object
    ``{"style": "cel" | "soft", "light": [azimuth, elevation], ...}``; its OpenAPI schema says whether
    the field exists. (A method option ``shade`` is understood too.) Returns ``{"field": "shading",
    "choices": ["cel", "soft"]}`` or ``{"option": "shade", "choices": [...]}``; :func:`shading_request`
    turns a chosen style into the request's fields and options.
    """
    if method is not None:
        for o in method.get("options", []):
            if o.get("name") == "shade":
                choices = [c["value"] if isinstance(c, dict) else c for c in (o.get("choices") or [])]
                return {"option": "shade", "choices": [c for c in choices if c not in (None, "", "none", False)]
                        or [True]}
    try:
        schema = get_json(base, "/openapi.json")
    except ServerError:
        return None
    body = (schema.get("paths", {}).get("/api/colorize", {}).get("post", {}).get("requestBody", {})
            .get("content", {}).get("multipart/form-data", {}).get("schema", {}))
    if "$ref" in body:
        name = body["$ref"].rsplit("/", 1)[-1]
        body = schema.get("components", {}).get("schemas", {}).get(name, {})
    if "shading" in body.get("properties", {}):
        return {"field": "shading", "choices": ["cel", "soft"]}
    return None


def shading_request(offer: dict[str, Any], style: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """``(form fields, method options)`` that ask the server for shading in ``style``."""
    if "field" in offer:
        return {offer["field"]: json.dumps({"style": style})}, {}
    return {}, {offer["option"]: style}


def multipart(fields: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    """Encode ``(name, filename or None, value)`` fields as multipart/form-data; returns (body, content type)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, filename, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
        if filename is not None:
            head += f'; filename="{filename}"\r\nContent-Type: image/png'
        parts.append(head.encode("utf-8") + b"\r\n\r\n" + value + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode("ascii"), f"multipart/form-data; boundary={boundary}"


def colorize(base: str, lineart_png: bytes, hint_layer_png: bytes | None, method: str,
             options: dict[str, Any] | None = None, fields: dict[str, str] | None = None,
             timeout: float = 300.0) -> dict[str, Any]:
    """POST ``/api/colorize`` with ``format=json``: the line art and the PNG hint layer (any pixel with
    alpha > 0 is a hint). Returns the server's JSON: ``width``, ``height``, ``flats`` (base64 RGBA PNG),
    ``image``, and ``layers`` (named extra layers, bottom to top, each with ``blend`` and ``rgba``)."""
    form: list[tuple[str, str | None, bytes]] = [("lineart", "lines.png", lineart_png)]
    if hint_layer_png is not None:
        form.append(("hint_layer", "hints.png", hint_layer_png))
    form += [("method", None, method.encode()), ("options", None, json.dumps(options or {}).encode()),
             ("format", None, b"json"), ("regions", None, b"false")]
    form += [(k, None, str(v).encode()) for k, v in (fields or {}).items()]
    body, kind = multipart(form)
    return json.loads(_request(base.rstrip("/") + "/api/colorize", body, {"Content-Type": kind}, timeout))


def start_server(base: str, command: str = DEFAULT_COMMAND, wait_s: float = 90.0,
                 env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``COMMAND serve --host H --port P`` for a loopback ``base`` URL and wait until it answers.

    ``command`` is a command line (``irodori``, ``/path/to/.venv/bin/irodori``, ``python -m irodori``).
    Returns the process (the caller stops it); raises :class:`ServerError` when it cannot start.
    """
    url = urllib.parse.urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 8000
    if host not in LOOPBACK:
        raise ServerError(f"irodori starts a server on this machine only (127.0.0.1), not on {host}")
    argv = shlex.split(command) + ["serve", "--host", host, "--port", str(port), "--log-level", "warning"]
    log = tempfile.TemporaryFile()  # not a pipe: a server that logs for hours would fill it and stall
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                env=dict(os.environ, **(env or {})))
    except OSError as e:
        raise ServerError(f"cannot run {argv[0]!r} ({e.strerror or e}); set the irodori command to the "
                          "irodori in your environment, e.g. /path/to/irodori/.venv/bin/irodori") from None
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            err = log.read().decode("utf-8", "replace").strip().splitlines()
            raise ServerError(f"`{' '.join(argv)}` stopped: {err[-1] if err else f'exit code {proc.returncode}'}")
        try:
            health(base, timeout=2.0)
            return proc
        except ServerError:
            time.sleep(0.3)
    proc.kill()
    raise ServerError(f"`{' '.join(argv)}` did not answer within {wait_s:.0f} s")
