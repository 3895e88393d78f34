"""Benchmark of the neural colourizer: inference (onnxruntime vs torch eager) and training speed.

Inference: end to end (``irodori.colorize(method="neural")``: resize, hint
map, network, fill under lines, upsample, composite) and the network alone,
through onnxruntime and through torch eager, at 512 x 512 and 1024 x 1024,
in the same run, with the ratio. Training: images/s of the generator step
(L1) and of the full adversarial step (critic step with gradient penalty +
generator step) at 256 x 256, batch 8.

    .venv/bin/python benchmarks/bench_neural.py [--model src/irodori/models/default.onnx] [--threads 2]

The model's architecture is read from its card (``.json`` beside it); torch
eager runs the same architecture with random weights (same cost).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _median_time(fn, repeat: int) -> float:
    from irodori.methods import neural as neural_mod

    fn()  # warm-up
    times = []
    for _ in range(repeat):
        neural_mod._last.clear()  # the method remembers its last colouring: time a fresh one
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "src/irodori/models/default.onnx"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--train-steps", type=int, default=3)
    args = ap.parse_args()

    import torch

    import irodori
    from irodori.methods import neural as neural_mod
    from irodori.nets import Discriminator, DiscriminatorConfig, Generator, GeneratorConfig
    from irodori.synthetic import make_lineart
    from irodori.train.losses import critic_loss, generator_adv_loss, l1_loss

    torch.set_num_threads(args.threads)
    card = json.loads(Path(args.model).with_suffix(".json").read_text())
    gcfg = GeneratorConfig(**card["config"]["generator"])
    dcfg = DiscriminatorConfig(**card["config"]["discriminator"])
    netG = Generator(gcfg).eval()
    sess = neural_mod.session(args.model, args.threads)
    own = neural_mod.model_work_size(sess)
    print(f"model {args.model} ({card['parameters'] / 1e6:.2f} M parameters), {args.threads} threads, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'size':>10} {'what':<26} {'onnxruntime ms':>15} {'torch eager ms':>15} {'torch/ort':>10}")
    for size in (512, 1024):
        d = make_lineart(size, size, n_shapes=14, seed=1)
        hints = d.hints(16, seed=2)
        e2e = _median_time(lambda: irodori.colorize(d.ink, hints=hints, method="neural", model=args.model,
                                                    threads=args.threads, work_size=512), args.repeat)
        e2e_own = _median_time(lambda: irodori.colorize(d.ink, hints=hints, method="neural", model=args.model,
                                                        threads=args.threads), args.repeat)

        def torch_e2e() -> None:  # the same pipeline with the network through torch eager
            orig = sess.run

            def run(names, feeds):
                with torch.no_grad():
                    return [netG(torch.from_numpy(feeds["line"]), torch.from_numpy(feeds["hint"])).numpy()]
            sess.run = run
            try:
                irodori.colorize(d.ink, hints=hints, method="neural", model=args.model, threads=args.threads,
                                 work_size=512)
            finally:
                sess.run = orig
        e2e_t = _median_time(torch_e2e, args.repeat)
        wh, ww = neural_mod.working_shape((size, size), 512, netG.stride)
        line = np.random.default_rng(0).random((1, 1, wh, ww), dtype=np.float32)
        hint = np.zeros((1, 4, wh // 4, ww // 4), np.float32)
        net_o = _median_time(lambda: sess.run(["rgb"], {"line": line, "hint": hint}), args.repeat)
        with torch.no_grad():
            net_t = _median_time(lambda: netG(torch.from_numpy(line), torch.from_numpy(hint)), args.repeat)
        print(f"{size:>4}x{size:<5} {'end to end (work 512)':<26} {e2e * 1e3:>15.0f} {e2e_t * 1e3:>15.0f} "
              f"{e2e_t / e2e:>10.2f}")
        print(f"{size:>4}x{size:<5} {f'end to end (work {own})':<26} {e2e_own * 1e3:>15.0f} {'':>15} {'':>10}")
        print(f"{size:>4}x{size:<5} {f'network alone at {wh}x{ww}':<26} {net_o * 1e3:>15.0f} {net_t * 1e3:>15.0f} "
              f"{net_t / net_o:>10.2f}")
    # native resolution, for reference: the 1024 page run at 1024 without downscaling
    d = make_lineart(1024, 1024, n_shapes=14, seed=1)
    native = _median_time(lambda: irodori.colorize(d.ink, method="neural", model=args.model, work_size=1024,
                                                   threads=args.threads), max(1, args.repeat // 2))
    print(f"1024x1024  end to end at work_size=1024  {native * 1e3:>10.0f} ms (onnxruntime)")

    netG.train()
    netD = Discriminator(dcfg)
    optG = torch.optim.Adam(netG.parameters(), 1e-4)
    optD = torch.optim.Adam(netD.parameters(), 1e-4)
    line = torch.rand(8, 1, 256, 256)
    real = torch.rand(8, 3, 256, 256)
    hint = torch.zeros(8, 4, 64, 64)

    def g_step(adv: bool) -> None:
        fake = netG(line, hint)
        loss = l1_loss(fake, real) + (1e-3 * generator_adv_loss(netD, fake, line) if adv else 0.0)
        optG.zero_grad()
        loss.backward()
        optG.step()

    def d_step() -> None:
        with torch.no_grad():
            fake = netG(line, hint)
        loss, _ = critic_loss(netD, real, fake, line)
        optD.zero_grad()
        loss.backward()
        optD.step()

    t_l1 = _median_time(lambda: g_step(False), args.train_steps)
    t_adv = _median_time(lambda: (d_step(), g_step(True)), args.train_steps)
    print(f"training at 256x256, batch 8: generator L1 step {8 / t_l1:.2f} images/s; "
          f"critic (WGAN-GP) + generator step {8 / t_adv:.2f} images/s")


if __name__ == "__main__":
    main()
