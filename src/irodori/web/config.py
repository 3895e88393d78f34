"""The studio server's limits, as one frozen dataclass."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..errors import IrodoriError


def default_workers() -> int:
    """One worker process per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class StudioConfig:
    """Limits of one studio server.

    ``max_upload_bytes``: the whole request body (all files together).
    ``max_pixels``: per image, checked from the header before decoding.
    ``timeout_s``: time one colourization may take in a worker; the worker
    is stopped and replaced when it runs over. ``workers``: worker processes.
    ``max_waiting``: requests that may wait for a free worker before the
    server answers 503. ``allowed_hosts``: names the ``Host`` header may
    carry (without port), or ``"*"``.
    """

    max_upload_bytes: int = field(default=32 * 1024 * 1024, metadata={"help": "largest request body in bytes"})
    max_pixels: int = field(default=16_000_000, metadata={"help": "largest image in pixels"})
    timeout_s: float = field(default=60.0, metadata={"help": "time limit of one colourization in seconds"})
    workers: int = field(default_factory=default_workers, metadata={"help": "worker processes"})
    max_waiting: int = field(default=64, metadata={"help": "requests queued for a worker before 503"})
    allowed_hosts: tuple[str, ...] = field(default=("*",), metadata={
        "help": "Host header names served ('*' = any); a loopback server lists its own names, "
                "so a web page that rebinds its domain to 127.0.0.1 is refused"})

    def validate(self) -> None:
        """Raise IrodoriError on a limit that makes no sense."""
        if self.max_upload_bytes < 1024:
            raise IrodoriError(f"max_upload_bytes must be >= 1024, got {self.max_upload_bytes}")
        if self.max_pixels < 1:
            raise IrodoriError(f"max_pixels must be >= 1, got {self.max_pixels}")
        if not self.timeout_s > 0:
            raise IrodoriError(f"timeout_s must be > 0, got {self.timeout_s}")
        if self.workers < 1:
            raise IrodoriError(f"workers must be >= 1, got {self.workers}")
        if not self.allowed_hosts or not all(isinstance(h, str) and h for h in self.allowed_hosts):
            raise IrodoriError(f"allowed_hosts must be non-empty names, got {self.allowed_hosts!r}")
        if self.max_waiting < 0:
            raise IrodoriError(f"max_waiting must be >= 0, got {self.max_waiting}")


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def hosts_for(bind: str) -> tuple[str, ...]:
    """The Host names to accept for a server bound to ``bind``: its loopback names, or any."""
    return LOOPBACK_HOSTS if bind in LOOPBACK_HOSTS else ("*",)
