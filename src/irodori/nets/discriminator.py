"""The critic, in the style of SRGAN (Ledig et al. 2017) as used by Ci et al. 2018.

Input ``color (N, 3, H, W)`` in ``[0, 1]`` and the line art ``line
(N, 1, H, W)`` it should belong to (a conditional critic); output ``(N,)``
unbounded scores (WGAN). Stages of a 3x3 convolution and a strided 3x3
convolution that doubles the width, LeakyReLU, no batch normalization (the
gradient penalty of WGAN-GP is defined per sample), then global average
pooling and two dense layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class DiscriminatorConfig:
    """``base`` channels of the first stage, doubling per stage up to ``max_channels``; ``stages`` halvings."""

    base: int = 16
    max_channels: int = 256
    stages: int = 4
    dense: int = 128

    def validate(self) -> None:
        if self.base < 1 or self.max_channels < self.base or self.stages < 1 or self.dense < 1:
            raise ValueError(f"bad discriminator config: {self}")


class Discriminator(nn.Module):
    """SRGAN-style critic (see module docstring)."""

    def __init__(self, config: DiscriminatorConfig = DiscriminatorConfig()) -> None:
        super().__init__()
        config.validate()
        self.config = config
        layers: list[nn.Module] = [nn.Conv2d(4, config.base, 3, 1, 1), nn.LeakyReLU(0.2)]
        cin = config.base
        for k in range(config.stages):
            cout = min(config.base * 2 ** (k + 1), config.max_channels)
            layers += [nn.Conv2d(cin, cin, 3, 1, 1), nn.LeakyReLU(0.2),
                       nn.Conv2d(cin, cout, 3, 2, 1), nn.LeakyReLU(0.2)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(cin, config.dense), nn.LeakyReLU(0.2),
                                  nn.Linear(config.dense, 1))

    def forward(self, color: torch.Tensor, line: torch.Tensor) -> torch.Tensor:
        x = self.features(torch.cat([color * 2.0 - 1.0, line * 2.0 - 1.0], dim=1))
        return self.head(x.mean(dim=(2, 3))).squeeze(1)
