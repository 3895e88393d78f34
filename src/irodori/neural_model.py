"""Where the neural model lives and how a page maps to the network's working size.

Core helpers shared by the ``neural`` method (inference) and the fine-tuner
(:mod:`irodori.train.finetune`), so training code reads the model's path
from the core rather than from a method module.
"""

from __future__ import annotations

from pathlib import Path

from .errors import IrodoriError

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "default.onnx"


def model_path(model: str, default: Path | None = None) -> Path:
    """The ONNX file an option value names ('' = ``default``, else the shipped model); IrodoriError if missing."""
    path = Path(model) if model else (default or DEFAULT_MODEL)
    if not path.is_file():
        if not model:
            raise IrodoriError(f"the default neural model is missing ({path}); "
                               "train it with 'make train-default' or pass --option model=PATH")
        raise IrodoriError(f"neural model not found: {path}")
    return path


def working_shape(shape: tuple[int, int], work_size: int, stride: int) -> tuple[int, int]:
    """Working ``(h, w)``: scaled so the long side is at most ``work_size``, rounded to ``stride``."""
    h, w = shape
    scale = min(1.0, work_size / max(h, w))
    return (max(stride, int(round(h * scale / stride)) * stride),
            max(stride, int(round(w * scale / stride)) * stride))
