"""The training configuration: one frozen dataclass, read from and written to JSON."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IrodoriError
from ..nets import DiscriminatorConfig, GeneratorConfig


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what a training run computes.

    Sizes: the data are rendered at ``image_size``; training crops a random
    window of ``crop`` to ``crop / min_scale`` pixels and scales it to
    ``crop`` (so lines are seen at several thicknesses). Losses: ``l1_weight``
    times the L1 content loss plus, from step ``adv_start`` on,
    ``adv_weight`` times the WGAN generator loss; the critic takes one step
    every ``d_every`` generator steps with gradient penalty ``gp_weight``.
    Learning rates decay linearly to 10 % from ``decay_start`` (a fraction of
    ``steps``). Hints: with probability ``hint_zero_prob`` none, otherwise
    ``2**u`` points, ``u`` uniform in ``[0, log2(hint_max)]``; with
    probability ``sloppy_prob`` an image's hints are sloppy (on lines, across
    lines, averaged colours, sometimes hundreds) instead, and with
    probability ``rough_prob`` its line art is redrawn as a rough sketch
    (:func:`irodori.data.rough.roughen`). Sources: with
    several ``--data`` folders, ``source_balance`` 0 draws every pair equally
    often, 1 every folder equally often (see ``train.data.source_shares``).
    """

    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    image_size: int = 256
    crop: int = 128
    min_scale: float = 0.5
    batch_size: int = 8
    steps: int = 10_000
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.9
    decay_start: float = 0.6
    l1_weight: float = 1.0
    adv_weight: float = 1e-3
    gp_weight: float = 10.0
    adv_start: int = 2_000
    d_every: int = 2
    ema_decay: float = 0.999
    hint_zero_prob: float = 0.25
    hint_max: int = 128
    rough_prob: float = 0.0
    sloppy_prob: float = 0.0
    source_balance: float = 0.0
    log_every: int = 10
    val_every: int = 500
    val_images: int = 48
    ckpt_every: int = 250
    seed: int = 0
    threads: int = 1

    def validate(self) -> None:
        """Raise IrodoriError for values that cannot train."""
        try:
            self.generator.validate()
            self.discriminator.validate()
        except ValueError as e:
            raise IrodoriError(f"bad train config: {e}") from None
        stride = 2 ** self.generator.depth
        if self.crop % stride or self.image_size % stride:
            raise IrodoriError(f"bad train config: crop ({self.crop}) and image_size ({self.image_size}) "
                               f"must be multiples of the generator stride {stride}")
        if not 0 < self.min_scale <= 1 or self.crop > self.image_size:
            raise IrodoriError("bad train config: need 0 < min_scale <= 1 and crop <= image_size")
        for name in ("batch_size", "steps", "log_every", "val_every", "ckpt_every", "d_every",
                     "threads", "hint_max"):
            if getattr(self, name) < 1:
                raise IrodoriError(f"bad train config: {name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.source_balance <= 1:
            raise IrodoriError(f"bad train config: source_balance must be in [0, 1], got {self.source_balance}")
        if not 0 <= self.ema_decay < 1 or not 0 <= self.hint_zero_prob <= 1:
            raise IrodoriError("bad train config: ema_decay in [0, 1) and hint_zero_prob in [0, 1]")
        if not 0 <= self.rough_prob <= 1 or not 0 <= self.sloppy_prob <= 1:
            raise IrodoriError("bad train config: rough_prob and sloppy_prob must be in [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        """This config as a JSON-ready dict (nested for the networks)."""
        return dataclasses.asdict(self)


def config_from_dict(data: Any) -> TrainConfig:
    """Build and validate a TrainConfig from a dict; unknown keys raise IrodoriError."""
    if not isinstance(data, dict):
        raise IrodoriError(f"bad train config: expected a JSON object, got {type(data).__name__}")
    data = dict(data)
    data.pop("comment", None)
    nested = {"generator": GeneratorConfig, "discriminator": DiscriminatorConfig}
    known = {f.name: f for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise IrodoriError(f"bad train config: unknown key(s) {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key in nested:
            sub = nested[key]
            names = {f.name for f in dataclasses.fields(sub)}
            if not isinstance(value, dict) or set(value) - names:
                raise IrodoriError(f"bad train config: {key} must be an object with keys from "
                                   f"{', '.join(sorted(names))}")
            kwargs[key] = sub(**value)
        else:
            default = known[key].default
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if type(value) is not type(default):
                raise IrodoriError(f"bad train config: {key} expects {type(default).__name__}, got {value!r}")
            kwargs[key] = value
    cfg = TrainConfig(**kwargs)
    cfg.validate()
    return cfg


def load_config(path: str | os.PathLike[str]) -> TrainConfig:
    """Read a TrainConfig from a JSON file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IrodoriError(f"config file not found: {path}") from None
    except OSError as e:
        raise IrodoriError(f"cannot read config {path}: {e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise IrodoriError(f"bad train config {path}: {e.msg} at line {e.lineno}") from None
    return config_from_dict(data)
