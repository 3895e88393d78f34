"""Training of the neural colourizer (torch only): config, loop, checkpoints, ONNX export.

Single process or ``torchrun --nproc_per_node N`` (DistributedDataParallel);
see :func:`irodori.train.loop.train`. This package's ``__init__`` imports
nothing, so the CLI can attach its commands without loading torch.
"""
