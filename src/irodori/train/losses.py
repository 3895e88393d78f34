"""Losses of the conditional WGAN-GP (Gulrajani et al. 2017) with an L1 content loss.

All take and return torch tensors; ``color``/``fake`` are ``(N, 3, H, W)`` in
``[0, 1]`` and ``line`` is ``(N, 1, H, W)``.
"""

from __future__ import annotations

import torch
from torch import nn


def critic_loss(netD: nn.Module, real: torch.Tensor, fake: torch.Tensor, line: torch.Tensor,
                gp_weight: float = 10.0, drift: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
    """WGAN-GP critic loss ``D(fake) - D(real) + gp_weight * GP + drift * D(real)**2``.

    Returns ``(loss, gp)``. The small drift term keeps the critic's scores near
    zero (as in progressive GANs) so the generator's adversarial term stays in
    scale with L1.
    """
    d_real = netD(real, line)
    d_fake = netD(fake, line)
    gp = gradient_penalty(netD, real, fake, line)
    loss = d_fake.mean() - d_real.mean() + gp_weight * gp + drift * (d_real ** 2).mean()
    return loss, gp


def gradient_penalty(netD: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     line: torch.Tensor) -> torch.Tensor:
    """``E[(||grad D(x_hat)||_2 - 1)**2]`` on random interpolates of real and fake."""
    n = real.shape[0]
    # the interpolation weights come from the global generator, seeded per step by the loop
    eps = torch.rand(n, 1, 1, 1, device=real.device, dtype=real.dtype)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    score = netD(x_hat, line)
    (grad,) = torch.autograd.grad(score.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1.0) ** 2).mean()


def generator_adv_loss(netD: nn.Module, fake: torch.Tensor, line: torch.Tensor) -> torch.Tensor:
    """WGAN generator loss ``-D(fake)``: first, G(line, hint) should fool the critic."""
    return -netD(fake, line).mean()


def l1_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean absolute error, the content loss."""
    return (fake - real).abs().mean()
