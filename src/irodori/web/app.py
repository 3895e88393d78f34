"""The studio's HTTP server: one page and a small JSON/PNG API over :func:`irodori.colorize`.

Endpoints (OpenAPI docs at ``/docs``, or offline at ``/static/api.html``;
schema at ``/openapi.json``):

``GET /``                 the studio page (``static/index.html``)
``GET /api/health``       liveness, workers, limits, and whether an example is bundled
``GET /api/methods``      every registered method: name, description, capabilities, options
``GET /api/example``      the bundled example line art (404 when this install has none)
``GET /api/example/hints`` sample hints for it (404 when none)
``POST /api/colorize``    multipart: ``lineart`` file, ``hints`` JSON, ``method``,
                          ``options`` JSON, optional ``reference`` and
                          ``reference_lines`` files, ``format`` png|json
``POST /api/layers``      the same fields, ``format`` ora|psd: a layered file
``POST /api/lineart/check`` multipart ``lineart``: would colouring accept it as line
                          art? 200 ``{"width", "height"}``, or the error colouring
                          would give (a colour picture: 422, ``code`` colour_picture)
``POST /api/lines``       multipart ``picture``: its line art extracted (as
                          ``irodori lines``), a gray PNG

The server is an adapter: no image work happens in the event loop. Uploads
are bounded before they are read (``Content-Length``) and while they are
read (counted bytes); each image's pixel count is checked from its header
before decoding; colouring runs in a :class:`~irodori.web.pool.WorkerPool`
of processes with a per-job time limit. Errors are JSON ``{"error": ...}``
with 400 (malformed), 413 (too large), 422 (unusable), 503 (busy) or 504
(over the time limit); errors an interface can offer a way out of also
carry a stable ``"code"``. Under ``irodori serve``, uploads that spill to disk
go to a private (0700) temporary directory that is removed at shutdown;
the server writes no other file, and opens no path a client names.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..api import list_methods
from ..io import IMAGE_SUFFIXES
from ..methods import method_names
from .config import StudioConfig
from .pool import ClientGone, JobTimeout, PoolBusy, WorkerDied, WorkerPool
from .work import COLORIZE_FORMATS, LAYER_FORMATS, Job

STATIC_DIR = Path(__file__).resolve().parent / "static"
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
_PAGE_CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
             "connect-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": what, "content": {"application/json": {"example": {"error": "a one-line message"}}}}
    for code, what in [(400, "malformed request: bad JSON, not an image"), (413, "upload or image too large"),
                       (422, "unusable request: unknown method or option, hints outside the image"),
                       (503, "busy: too many requests waiting"), (504, "over the time limit")]}


def example_lineart() -> Path | None:
    """The bundled example line art, or None when this install ships none.

    Picks, in ``irodori/examples/``, the first image (by name) that is not a
    coloured version (``color``/``colour`` in its name).
    """
    if not EXAMPLES_DIR.is_dir():
        return None
    images = sorted(p for p in EXAMPLES_DIR.iterdir()
                    if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                    and not any(w in p.stem.lower() for w in ("color", "colour")))
    return images[0] if images else None


def example_hints() -> Path | None:
    """The hints shipped beside the example line art (``<name>.hints.json``), or None."""
    art = example_lineart()
    if art is None:
        return None
    path = art.with_name(art.stem + ".hints.json")
    return path if path.is_file() else None


def default_method() -> str:
    """The method a request without ``method`` gets: ``fill`` when installed, else the first."""
    names = method_names()
    return "fill" if "fill" in names else names[0]


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` with 413, before and while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = (f"upload too large: the limit is {self.max_bytes / 2**20:.1f} MiB "
                   "for all files of one request together")
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await JSONResponse({"error": message}, status_code=413,
                                       headers={"Connection": "close"})(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    # FastAPI re-raises HTTPException from body parsing, so this becomes a 413.
                    raise StarletteHTTPException(413, message)
            return msg

        await self.app(scope, limited, send)


class HostCheck:
    """ASGI middleware: answer 400 to a Host header not in ``allowed`` (``"*"`` allows any).

    A server on 127.0.0.1 is reachable from any page in the user's browser
    through DNS rebinding; checking Host stops that.
    """

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "*" in self.allowed:
            await self.app(scope, receive, send)
            return
        raw = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1").lower()
        name = raw[1:raw.find("]")] if raw.startswith("[") else raw.rsplit(":", 1)[0] if ":" in raw else raw
        if name not in self.allowed:
            await JSONResponse({"error": f"this server does not answer for host {raw!r}"},
                               status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query"))
        if err.get("type") == "missing":
            parts.append(f"missing field {field!r}")
        else:
            parts.append(f"field {field!r}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def create_app(config: StudioConfig | None = None, own_tempdir: bool = False) -> FastAPI:
    """The studio as an ASGI app; worker processes start with the app's lifespan.

    Parameters
    ----------
    config : limits and pool size; defaults to :class:`StudioConfig()`.
    own_tempdir : make the private temporary directory this process's
        default (``tempfile.tempdir``) while the app runs, so uploads that
        spill to disk land there. Only for a process that runs nothing but
        the studio (``irodori serve``); elsewhere spilled uploads are
        anonymous temporary files in the system's temporary directory.
    """
    config = config or StudioConfig()
    config.validate()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tmpdir = tempfile.mkdtemp(prefix="irodori-studio-")  # mode 0700
        previous = tempfile.tempdir
        if own_tempdir:
            tempfile.tempdir = tmpdir  # where Starlette spools large uploads
        app.state.tmpdir = tmpdir
        pool = WorkerPool(config.workers, config.timeout_s, config.max_waiting, tmpdir, warm=default_method())
        try:
            await pool.start()
            app.state.pool = pool
            yield
        finally:
            await pool.close()
            if own_tempdir:
                tempfile.tempdir = previous
            shutil.rmtree(tmpdir, ignore_errors=True)

    app = FastAPI(
        title="irodori studio",
        version=__version__,
        description="Line-art colourization: upload line art and colour hints, get colours and layers back. "
                    "Hints are irodori's hint JSON (version 1): points and strokes in image pixels.",
        lifespan=lifespan,
        docs_url=None,
    )
    app.state.config = config
    app.add_middleware(BodyLimit, max_bytes=config.max_upload_bytes)
    app.add_middleware(HostCheck, allowed=config.allowed_hosts)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))

    # ------------------------------------------------------------- the page
    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Content-Security-Policy": _PAGE_CSP,
                                                                 "Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        # Swagger UI loads its scripts from a CDN; offline, send the reader to the
        # reference page built from the same schema (the check runs after the
        # CDN script has loaded or failed).
        html = get_swagger_ui_html(openapi_url="/openapi.json", title="irodori studio — API").body.decode()
        fallback = ("<script>if (!window.SwaggerUIBundle) location.replace('/static/api.html');</script>")
        return HTMLResponse(html.replace("</body>", fallback + "</body>"))

    # -------------------------------------------------------------- the API
    @app.get("/api/health", tags=["server"], summary="Health")
    async def health(request: Request) -> dict[str, Any]:
        """Liveness, worker pool, limits, and whether an example drawing is bundled."""
        pool: WorkerPool = request.app.state.pool
        return {"status": "ok", "version": __version__, "methods": method_names(),
                "default_method": default_method(), "example": example_lineart() is not None,
                "example_hints": example_hints() is not None,
                "workers": {"size": pool.size, "alive": pool.alive, "busy": pool.busy, "waiting": pool.waiting,
                            **pool.stats},
                "limits": {"max_upload_bytes": config.max_upload_bytes, "max_pixels": config.max_pixels,
                           "timeout_s": config.timeout_s}}

    @app.get("/api/methods", tags=["colour"], summary="List methods")
    async def methods() -> list[dict[str, Any]]:
        """Every registered method: name, description, capabilities and options (name, type, default, help)."""
        return jsonable_encoder(list_methods())

    @app.get("/api/example", tags=["colour"], summary="Example line art", response_class=FileResponse,
             responses={404: {"description": "no example line art is bundled with this install"}})
    async def example() -> Response:
        """The bundled example line art, to try the studio without a drawing of one's own."""
        path = example_lineart()
        if path is None:
            return _error(404, "no example line art is bundled with this install")
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    async def run_job(request: Request, op: str, fmt: str, lineart: UploadFile, hints: str | None,
                      method: str | None, options: str | None, reference: list[UploadFile] | None,
                      reference_lines: list[UploadFile] | None, regions: bool = True,
                      shading: str | None = None, hint_layer: UploadFile | None = None) -> Response:
        name = method or default_method()
        if name not in method_names():
            return _error(422, f"unknown method {name!r}; available: {', '.join(method_names())}")
        data = await lineart.read()
        # Several references (front, back, another outfit): the field repeated, lines paired in order.
        refs = [b for b in [await f.read() for f in reference or []] if b]
        ref_lines = [b for b in [await f.read() for f in reference_lines or []] if b]
        if ref_lines and len(refs) > 1 and len(ref_lines) != len(refs):
            return _error(400, f"{len(refs)} references but {len(ref_lines)} reference_lines; "
                               "give one line art per reference (in the same order) or none")
        layer = await hint_layer.read() if hint_layer is not None else None
        job = Job(op=op, lineart=data, method=name, hints=hints, options=options,
                  reference=refs[0] if refs else None, reference_lines=ref_lines[0] if ref_lines else None,
                  more_references=tuple(refs[1:]), more_reference_lines=tuple(ref_lines[1:]),
                  fmt=fmt, max_pixels=config.max_pixels, regions=regions, shading=shading,
                  hint_layer=layer or None)
        return await dispatch(request, job, data, "try a smaller image or fewer hints")

    async def dispatch(request: Request, job: Job, data: bytes, when_slow: str) -> Response:
        """Run ``job`` on the worker pool (keyed by the drawing's bytes) and answer with its reply."""
        pool: WorkerPool = request.app.state.pool
        try:
            reply = await pool.run(job, key=hashlib.sha1(data).hexdigest(), gone=request.is_disconnected)
        except PoolBusy as e:
            return _error(503, str(e), headers={"Retry-After": "1"})
        except JobTimeout as e:
            return _error(504, f"{e}; {when_slow}")
        except WorkerDied as e:
            return _error(500, str(e))
        except ClientGone as e:
            return _error(499, str(e))
        headers = {"Cache-Control": "no-store", "X-Irodori-Seconds": f"{reply.seconds:.4f}"}
        if reply.filename:
            headers["Content-Disposition"] = f'attachment; filename="{reply.filename}"'
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=headers)

    lineart_doc = "the line art: PNG/JPEG/WebP/TIFF/BMP, dark lines on light paper"
    hints_doc = 'hint JSON: {"version": 1, "hints": [{"type": "point", "x": 10, "y": 20, "color": "#ff8800"}]}'
    options_doc = 'method options as a JSON object, e.g. {"gap": 3}'
    hint_layer_doc = ("instead of hints: a PNG hint layer the size of the line art; every pixel with alpha > 0 "
                      "is a hint in its colour (a layer the artist painted dots on, as in Krita)")
    method_doc = "a method name from /api/methods (default: fill when installed)"
    shading_doc = ('shading as a JSON object (irodori.shade options), e.g. {"style": "cel", "light": [315, 45], '
                   '"strength": 0.6, "line_color": true}; style cel|soft|none, light [azimuth clockwise from the '
                   'top, elevation 0-90] in degrees; adds shadow (multiply), highlight (screen) and coloured '
                   'lines layers')

    @app.get("/api/example/hints", tags=["colour"], summary="Example hints", response_class=FileResponse,
             responses={404: {"description": "no example hints are bundled with this install"}})
    async def example_hints_endpoint() -> Response:
        """Sample hints for the bundled example line art (hint JSON)."""
        path = example_hints()
        if path is None:
            return _error(404, "no example hints are bundled with this install")
        return FileResponse(path, media_type="application/json", headers={"Cache-Control": "no-cache"})

    @app.post("/api/colorize", tags=["colour"], summary="Colour line art", response_class=Response,
              responses={200: {"content": {"image/png": {}, "application/json": {}},
                               "description": "the composite PNG, or JSON of base64 PNGs "
                                              "(image, flats, regions) with format=json"}, **_ERRORS})
    async def colorize_endpoint(
        request: Request,
        lineart: UploadFile = File(..., description=lineart_doc),
        hints: str | None = Form(None, description=hints_doc),
        hint_layer: UploadFile | None = File(None, description=hint_layer_doc),
        method: str | None = Form(None, description=method_doc),
        options: str | None = Form(None, description=options_doc),
        reference: list[UploadFile] | None = File(None, description="a coloured page of the same character "
                                                  "(repeat the field for several: method match uses them all)"),
        reference_lines: list[UploadFile] | None = File(None, description="the reference's line art "
                                                        "(one per reference, in the same order)"),
        format: str | None = Form(None, description="png (default) or json"),
        format_query: str | None = Query(None, alias="format", description="png or json (form field wins)"),
        regions: bool = Form(True, description="with format=json: include the region id map"),
        shading: str | None = Form(None, description=shading_doc),
    ) -> Response:
        """Colour the line art; returns the composite PNG, or JSON (base64 PNGs) with format=json."""
        fmt = format or format_query or "png"
        if fmt not in COLORIZE_FORMATS:
            return _error(400, f"bad format {fmt!r}: expected {' or '.join(COLORIZE_FORMATS)}")
        return await run_job(request, "colorize", fmt, lineart, hints, method, options, reference,
                             reference_lines, regions, shading, hint_layer)

    @app.post("/api/layers", tags=["colour"], summary="Colour line art into layers (ORA, PSD)",
              response_class=Response,
              responses={200: {"content": {"image/openraster": {}, "image/vnd.adobe.photoshop": {}},
                               "description": "layers paper, flats, shadow (multiply) and highlight (screen) "
                                              "with shading, lines (multiply) and hidden hints"},
                         **_ERRORS})
    async def layers_endpoint(
        request: Request,
        lineart: UploadFile = File(..., description=lineart_doc),
        format: str = Form(..., description="ora (OpenRaster: Krita, GIMP) or psd (Photoshop, Clip Studio)"),
        hints: str | None = Form(None, description=hints_doc),
        hint_layer: UploadFile | None = File(None, description=hint_layer_doc),
        method: str | None = Form(None, description=method_doc),
        options: str | None = Form(None, description=options_doc),
        reference: list[UploadFile] | None = File(None, description="a coloured page of the same character "
                                                  "(repeat the field for several: method match uses them all)"),
        reference_lines: list[UploadFile] | None = File(None, description="the reference's line art "
                                                        "(one per reference, in the same order)"),
        shading: str | None = Form(None, description=shading_doc),
    ) -> Response:
        """Colour the line art and return its layers as an ORA or PSD file."""
        if format not in LAYER_FORMATS:
            return _error(400, f"bad format {format!r}: expected {' or '.join(LAYER_FORMATS)}")
        return await run_job(request, "layers", format, lineart, hints, method, options, reference,
                             reference_lines, shading=shading, hint_layer=hint_layer)

    async def run_simple(request: Request, op: str, upload: UploadFile) -> Response:
        data = await upload.read()
        job = Job(op=op, lineart=data, method="", max_pixels=config.max_pixels)
        return await dispatch(request, job, data, "try a smaller image")

    @app.post("/api/lineart/check", tags=["colour"], summary="Check line art",
              responses={200: {"content": {"application/json": {"example": {"width": 512, "height": 512}}},
                               "description": "usable as line art: its size"}, **_ERRORS})
    async def check_endpoint(request: Request,
                             lineart: UploadFile = File(..., description=lineart_doc)) -> Response:
        """Would colouring accept this file as line art? Answers as colouring would, without colouring.

        A colour picture is refused with 422 and ``"code": "colour_picture"``:
        extract its lines with ``POST /api/lines``.
        """
        return await run_simple(request, "check", lineart)

    @app.post("/api/lines", tags=["colour"], summary="Extract line art from a colour picture",
              response_class=Response,
              responses={200: {"content": {"image/png": {}}, "description": "black lines on white, same size"},
                         **_ERRORS})
    async def lines_endpoint(request: Request,
                             picture: UploadFile = File(..., description="a colour picture")) -> Response:
        """Line art of a finished colour picture, as ``irodori lines`` extracts it (XDoG)."""
        return await run_simple(request, "lines", picture)

    return app


def serve(host: str = "127.0.0.1", port: int = 8000, config: StudioConfig | None = None,
          log_level: str = "info") -> None:
    """Run the studio with uvicorn until interrupted (binds loopback unless told otherwise)."""
    import uvicorn

    uvicorn.run(create_app(config, own_tempdir=True), host=host, port=port, log_level=log_level,
                timeout_graceful_shutdown=5)
