"""The generator: a lean U-Net from line art and a hint map to colour.

Input ``line (N, 1, H, W)`` float in ``[0, 1]`` (1 = ink) and
``hint (N, 4, H/4, W/4)`` (RGB in ``[0, 1]`` times the mask, then the mask),
as in Ci et al. 2018 where the user's hints enter at a quarter of the
resolution. Output ``(N, 3, H, W)`` RGB, clamped to ``[0, 1]`` in eval mode
(unclamped while training). ``H`` and ``W`` must be
multiples of :attr:`Generator.stride`.

Why it is shaped like this: the CPU budget (a 512 x 512 page in a few hundred
milliseconds through onnxruntime on two cores) rules out a plain U-Net with
wide full-resolution layers. The stem strides at once to 1/2, channels double
at each halving so every 3x3 convolution costs about the same, skips are
added (not concatenated) to keep decoder convolutions narrow, and the only
full-resolution layer is one 3x3 convolution over the upsampled features and
the original line, which puts colour edges back onto the lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class GeneratorConfig:
    """Width and depth of the generator.

    ``base``: channels at 1/2 resolution; they double at each halving up to
    ``max_channels``. ``depth``: number of halvings (the stride is
    ``2**depth``; at least 2, since hints join at 1/4). ``blocks``: residual
    blocks at the coarsest level. ``mid_blocks``: residual blocks at each
    level between 1/8 and the coarsest.
    """

    base: int = 16
    max_channels: int = 256
    depth: int = 5
    blocks: int = 2
    mid_blocks: int = 1

    def validate(self) -> None:
        if self.base < 1 or self.max_channels < self.base:
            raise ValueError(f"generator widths must satisfy 1 <= base <= max_channels, got "
                             f"base={self.base}, max_channels={self.max_channels}")
        if self.depth < 2:
            raise ValueError(f"generator depth must be >= 2 (hints join at 1/4), got {self.depth}")
        if self.blocks < 0 or self.mid_blocks < 0:
            raise ValueError("generator blocks and mid_blocks must be >= 0")


def _act() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


class _ConvAct(nn.Sequential):
    def __init__(self, cin: int, cout: int, stride: int = 1, k: int = 3) -> None:
        super().__init__(nn.Conv2d(cin, cout, k, stride, k // 2), _act())


class _ResBlock(nn.Module):
    """Two 3x3 convolutions with an identity skip (no normalization: a WGAN critic sees the output)."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1)
        self.act = nn.LeakyReLU(0.2)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity: stable without norms
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.act(self.conv1(x)))


class _Up(nn.Module):
    """Upsample by 2, project to the skip's width, add the skip, then a 3x3 convolution."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(cin, cout, 1)
        self.conv = _ConvAct(cout, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(self.proj(x), scale_factor=2.0, mode="nearest")
        return self.conv(F.leaky_relu(x + skip, 0.2))


class Generator(nn.Module):
    """U-Net generator (see module docstring)."""

    def __init__(self, config: GeneratorConfig = GeneratorConfig()) -> None:
        super().__init__()
        config.validate()
        self.config = config
        self.stride = 2 ** config.depth
        ch = [min(config.base * 2 ** k, config.max_channels) for k in range(config.depth)]
        self.channels = ch
        self.stem = _ConvAct(1, ch[0], stride=2)                       # 1/2
        self.down1 = _ConvAct(ch[0], ch[1], stride=2)                  # 1/4
        self.hint_fuse = _ConvAct(ch[1] + 4, ch[1])                    # hints join at 1/4
        downs = []
        for k in range(2, config.depth):                               # 1/8 ... 1/2**depth
            n_blocks = config.blocks if k == config.depth - 1 else config.mid_blocks
            downs.append(nn.Sequential(_ConvAct(ch[k - 1], ch[k], stride=2),
                                       *[_ResBlock(ch[k]) for _ in range(n_blocks)]))
        self.downs = nn.ModuleList(downs)
        self.ups = nn.ModuleList([_Up(ch[k], ch[k - 1]) for k in range(config.depth - 1, 0, -1)])
        self.head = nn.Conv2d(ch[0] + 1, 3, 3, 1, 1)
        nn.init.constant_(self.head.bias, 0.8)  # start near the paper white most pixels have

    def forward(self, line: torch.Tensor, hint: torch.Tensor) -> torch.Tensor:
        x = self.stem(line * 2.0 - 1.0)
        skips = [x]
        x = self.hint_fuse(torch.cat([self.down1(x), hint], dim=1))
        skips.append(x)
        for down in self.downs:
            x = down(x)
            skips.append(x)
        skips.pop()
        for up in self.ups:
            x = up(x, skips.pop())
        x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        rgb = self.head(torch.cat([x, line], dim=1))
        # Linear while training: a squashing output (sigmoid) saturates on the white paper that covers
        # most pictures and its gradient vanishes there; the clamp at inference keeps the range.
        return rgb if self.training else rgb.clamp(0.0, 1.0)
