"""The networks: shapes, strides, configs, and a gradient penalty that is finite and differentiable."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from irodori.nets import Discriminator, DiscriminatorConfig, Generator, GeneratorConfig  # noqa: E402
from irodori.train.losses import critic_loss, gradient_penalty  # noqa: E402

TINY_G = GeneratorConfig(base=4, max_channels=16, depth=3, blocks=1, mid_blocks=0)
TINY_D = DiscriminatorConfig(base=4, max_channels=16, stages=2, dense=8)


@pytest.mark.parametrize("h,w", [(64, 64), (32, 96), (128, 40)])
def test_generator_shapes_and_range(h, w):
    torch.manual_seed(0)
    g = Generator(TINY_G).eval()
    assert g.stride == 8
    line = torch.rand(2, 1, h, w)
    hint = torch.zeros(2, 4, h // 4, w // 4)
    out = g(line, hint)
    assert out.shape == (2, 3, h, w)
    assert 0.0 <= out.min().item() and out.max().item() <= 1.0


def test_generator_uses_hints_and_line():
    torch.manual_seed(0)
    g = Generator(TINY_G).eval()
    # perturb the identity-initialised blocks so every path carries signal
    with torch.no_grad():
        for p in g.parameters():
            p.add_(0.05 * torch.randn_like(p))
    line = torch.zeros(1, 1, 32, 32)
    hint = torch.zeros(1, 4, 8, 8)
    base = g(line, hint)
    hint2 = hint.clone()
    hint2[:, :, 3, 3] = torch.tensor([1.0, 0.0, 0.0, 1.0])
    line2 = line.clone()
    line2[:, :, 10, :] = 1.0
    assert (g(line, hint2) - base).abs().max() > 1e-4
    assert (g(line2, hint) - base).abs().max() > 1e-4


def test_default_generator_is_lean():
    g = Generator(GeneratorConfig())
    n = sum(p.numel() for p in g.parameters())
    assert g.stride == 32
    assert 1e6 < n < 6e6  # fits the 25 MB model budget as float32


@pytest.mark.parametrize("cfg", [GeneratorConfig(depth=1), GeneratorConfig(base=0),
                                 GeneratorConfig(base=64, max_channels=32)])
def test_generator_rejects_bad_configs(cfg):
    with pytest.raises(ValueError):
        Generator(cfg)


def test_discriminator_scores_per_sample():
    d = Discriminator(TINY_D)
    out = d(torch.rand(3, 3, 32, 48), torch.rand(3, 1, 32, 48))
    assert out.shape == (3,)


def test_gradient_penalty_is_differentiable():
    torch.manual_seed(0)
    d = Discriminator(TINY_D)
    real, fake, line = torch.rand(4, 3, 32, 32), torch.rand(4, 3, 32, 32), torch.rand(4, 1, 32, 32)
    gp = gradient_penalty(d, real, fake, line)
    assert torch.isfinite(gp) and gp.item() >= 0
    loss, gp2 = critic_loss(d, real, fake, line, gp_weight=10.0)
    loss.backward()
    grads = [p.grad for p in d.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
