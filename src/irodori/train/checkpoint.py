"""Checkpoints: one file per run, written atomically, holding everything resume needs."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import torch

from ..errors import IrodoriError
from ..io import write_bytes_atomic

CHECKPOINT = "checkpoint.pt"


def save_checkpoint(out: str | os.PathLike[str], state: dict[str, Any]) -> Path:
    """Write ``state`` (state dicts, step, config) to ``out/checkpoint.pt`` atomically."""
    buf = io.BytesIO()
    torch.save(state, buf)
    return write_bytes_atomic(Path(out) / CHECKPOINT, buf.getvalue(), overwrite=True)


def load_checkpoint(run: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``run/checkpoint.pt`` (or a checkpoint file given directly) on the CPU."""
    path = Path(run)
    if path.is_dir():
        path = path / CHECKPOINT
    if not path.is_file():
        raise IrodoriError(f"no checkpoint at {path}; train first with 'irodori train'")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # a truncated or foreign file
        raise IrodoriError(f"cannot read checkpoint {path}: {e}") from None
