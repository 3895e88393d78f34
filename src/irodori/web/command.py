"""``irodori serve``: run the studio (a thin adapter over :func:`irodori.web.serve`)."""

from __future__ import annotations

import typer

from ..errors import IrodoriError

app = typer.Typer()


@app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; the default is this machine only."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(0, "--workers", help="Worker processes (0 = one per CPU core)."),
    max_pixels: int = typer.Option(16_000_000, "--max-pixels", help="Refuse images with more pixels than this."),
    max_upload_mb: float = typer.Option(32.0, "--max-upload-mb", help="Refuse requests larger than this (MiB)."),
    timeout: float = typer.Option(60.0, "--timeout", help="Time limit of one colourization (seconds)."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level: debug, info, warning, error."),
) -> None:
    """Run irodori studio: a web page to colour line art, and its HTTP API (docs at /docs)."""
    from .app import serve
    from .config import StudioConfig, default_workers, hosts_for

    checks = [("--port", 0 < port < 65536, "in 1..65535", port), ("--workers", workers >= 0, ">= 0", workers),
              ("--max-pixels", max_pixels >= 1, ">= 1", max_pixels),
              ("--max-upload-mb", max_upload_mb >= 0.01, ">= 0.01", max_upload_mb),
              ("--timeout", timeout > 0, "> 0 seconds", timeout)]
    for flag, ok, expected, value in checks:
        if not ok:
            raise IrodoriError(f"{flag} must be {expected}, got {value:g}")
    _check_bind(host, port)
    config = StudioConfig(max_upload_bytes=int(max_upload_mb * 2**20), max_pixels=max_pixels,
                          timeout_s=timeout, workers=workers or default_workers(),
                          allowed_hosts=hosts_for(host))
    config.validate()
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: serving on {host}: anyone who can reach this address can use the studio", err=True)
    typer.echo(f"irodori studio on http://{'[' + host + ']' if ':' in host else host}:{port}/  (Ctrl+C stops)")
    serve(host, port, config, log_level)


def _check_bind(host: str, port: int) -> None:
    """Fail at once, before starting workers, when the address cannot be listened on."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise IrodoriError(f"--host {host!r}: {e.strerror or e}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as e:
            raise IrodoriError(f"cannot listen on {host}:{port}: {e.strerror or e}; "
                               "pick another --port") from None
