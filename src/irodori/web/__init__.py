"""irodori studio: a web page and HTTP API for colouring line art in the browser.

``irodori serve`` runs it (:mod:`irodori.web.command`);
:func:`irodori.web.app.create_app` builds the ASGI app for tests or another
ASGI server, with limits from :class:`irodori.web.config.StudioConfig`.
The page (``static/``) is plain HTML, CSS and ES modules with no build
step; it lists methods from ``/api/methods``, so a newly registered method
appears with no change here. This package imports nothing at import time,
so the CLI starts fast without FastAPI loaded.
"""
