"""Networks of the neural colourizer (torch only): forward passes, nothing else.

After Ci et al. 2018, "User-Guided Deep Anime Line Art Colorization with
Conditional Adversarial Networks" (AlacGAN): a U-Net generator that takes the
line art and a hint map at a quarter of the resolution, and a critic in the
style of SRGAN. Losses, optimizers and steps live in :mod:`irodori.train`.
"""

from .discriminator import Discriminator, DiscriminatorConfig
from .generator import Generator, GeneratorConfig

__all__ = ["Generator", "GeneratorConfig", "Discriminator", "DiscriminatorConfig"]
