"""The training loop of the neural colourizer, readable top to bottom.

One generator step per iteration: L1 content loss, plus (after an L1
warm-up) the WGAN generator loss; one critic step with gradient penalty every
``d_every`` iterations once the adversarial term is on. EMA weights of the
generator are what validation and export use.

Runs in one process, or under ``torchrun --nproc_per_node N``: the generator
is wrapped in DistributedDataParallel and each rank reads its share of every
global batch through a DistributedSampler. The critic's gradients are
averaged by hand, because the gradient penalty differentiates through the
critic twice and DDP's reducer does not support double backward.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import time
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

from ..errors import IrodoriError
from ..io import write_bytes_atomic, write_png
from ..nets import Discriminator, Generator
from .checkpoint import CHECKPOINT, load_checkpoint, save_checkpoint
from .config import TrainConfig, config_from_dict
from .data import StepBatches, open_split
from .losses import critic_loss, generator_adv_loss, l1_loss
from .validate import validate

LOG_FIELDS = ["step", "seconds", "images_per_s", "lr_g", "loss_g", "loss_l1", "loss_adv", "loss_d", "gp"]


def _dist_setup() -> tuple[int, int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank = dist.get_rank() if world > 1 else 0
    local = int(os.environ.get("LOCAL_RANK", "0"))
    return world, rank, local


def _lr_factor(step: int, cfg: TrainConfig) -> float:
    start = int(cfg.decay_start * cfg.steps)
    if step < start:
        return 1.0
    return 1.0 - 0.9 * (step - start) / max(cfg.steps - start, 1)


def _average_grads(module: torch.nn.Module, world: int) -> None:
    for p in module.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad.div_(world)


def _append_csv(path: Path, fields: list[str], row: dict[str, Any]) -> None:
    new = not path.exists()
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        if new:
            w.writeheader()
        w.writerow(row)


def train(data: Sequence[str | os.PathLike[str]], config: TrainConfig, out: str | os.PathLike[str],
          resume: bool = False, max_minutes: float | None = None, max_steps: int | None = None,
          progress: bool = True, tensorboard: bool = True, print_log: bool = False,
          workers: int | None = None) -> dict[str, Any]:
    """Train (or resume) a run in ``out``; returns a summary dict.

    Parameters
    ----------
    data : dataset folders (``irodori data build``), mixed into one train set.
    config : the TrainConfig; a resumed run must use the same one.
    out : run folder; holds ``config.json``, ``checkpoint.pt``, ``train.csv``,
        ``val.csv``, ``grid_<step>.png`` and ``tb/`` (TensorBoard).
    resume : continue from ``out/checkpoint.pt``.
    max_minutes : stop (and checkpoint) after this much wall time.
    max_steps : stop (and checkpoint) at this step even if ``config.steps`` is larger.
    progress : show a tqdm bar (rank 0); ``print_log`` prints each log row instead when it is off.
    tensorboard : also write TensorBoard logs to ``out/tb``.
    workers : DataLoader processes preparing batches ahead (crops, simulated
        dots); None: none on the CPU (they would compete with the training
        threads), up to 14 beside a GPU. Batches are the same for any number.
    """
    config.validate()
    world, rank, local = _dist_setup()
    if config.batch_size % world:
        raise IrodoriError(f"batch_size {config.batch_size} does not split over {world} processes")
    per_rank = config.batch_size // world
    torch.set_num_threads(config.threads)
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    use_amp = device.type == "cuda"
    out = Path(out)
    ckpt_path = out / CHECKPOINT
    if resume and not ckpt_path.exists():
        raise IrodoriError(f"cannot resume: no checkpoint in {out}")
    if not resume and ckpt_path.exists():
        raise IrodoriError(f"{out} already holds a run; pass --resume to continue it")
    train_ds = open_split(data, "train", config.image_size, balance=config.source_balance)
    val_ds = open_split(data, "val", config.image_size) if rank == 0 else None
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    if world > 1:
        dist.barrier()

    torch.manual_seed(config.seed)
    netG = Generator(config.generator).to(device)
    netD = Discriminator(config.discriminator).to(device)
    netG_ema = copy.deepcopy(netG).eval()
    for p in netG_ema.parameters():
        p.requires_grad_(False)
    optG = torch.optim.Adam(netG.parameters(), lr=config.lr_g, betas=(config.beta1, config.beta2))
    optD = torch.optim.Adam(netD.parameters(), lr=config.lr_d, betas=(config.beta1, config.beta2))
    step = 0
    if resume:
        state = load_checkpoint(ckpt_path)
        if config_from_dict(state["config"]) != config:
            raise IrodoriError("cannot resume: the config differs from the run's config.json")
        netG.load_state_dict(state["netG"])
        netD.load_state_dict(state["netD"])
        netG_ema.load_state_dict(state["netG_ema"])
        optG.load_state_dict(state["optG"])
        optD.load_state_dict(state["optD"])
        step = int(state["step"])
    if world > 1:
        for p in netD.parameters():
            dist.broadcast(p.data, 0)
    G = DistributedDataParallel(netG) if world > 1 else netG
    if rank == 0:
        write_bytes_atomic(out / "config.json", json.dumps(config.to_dict(), indent=1).encode(), overwrite=True)
        write_bytes_atomic(out / "data.json", json.dumps({"data": [str(Path(d).resolve()) for d in data]},
                                                         indent=1).encode(), overwrite=True)

    sampler = DistributedSampler(train_ds, num_replicas=world, rank=rank, shuffle=True,
                                 seed=config.seed, drop_last=True)
    per_epoch = len(sampler) // per_rank
    if per_epoch < 1:
        raise IrodoriError(f"too few training images ({len(train_ds)}) for batch size {config.batch_size}")
    writer = None
    if rank == 0 and tensorboard:
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(str(out / "tb"))
    stop_at = min(config.steps, max_steps) if max_steps else config.steps
    if workers is None:
        workers = min(14, max((os.cpu_count() or 1) - 2, 0)) if device.type == "cuda" else 0
    batches = StepBatches(train_ds, sampler, per_rank, rank, config.seed, config.crop, config.min_scale,
                          config.hint_zero_prob, config.hint_max, config.rough_prob, config.sloppy_prob)
    loader = iter(torch.utils.data.DataLoader(
        batches, batch_size=None, sampler=range(step, stop_at), num_workers=workers,
        pin_memory=device.type == "cuda", prefetch_factor=2 if workers else None,
        persistent_workers=False))
    bar = None
    if rank == 0 and progress:
        from tqdm import tqdm

        bar = tqdm(total=stop_at, initial=step, unit="step", dynamic_ncols=True)
    t_start = time.perf_counter()
    t_log, n_log = t_start, 0
    last: dict[str, float] = {}
    loss_d = gp = torch.zeros(())  # the critic's latest losses (it steps every d_every iterations)
    val_metrics: dict[str, float] = {}

    def checkpoint() -> None:
        if rank == 0:
            save_checkpoint(out, {"netG": netG.state_dict(), "netD": netD.state_dict(),
                                  "netG_ema": netG_ema.state_dict(), "optG": optG.state_dict(),
                                  "optD": optD.state_dict(), "step": step, "config": config.to_dict()})

    def run_validation() -> None:
        nonlocal val_metrics
        if rank != 0:
            return
        val_metrics, grid = validate(netG_ema, val_ds, config.val_images, config.seed, device)
        write_png(out / f"grid_{step:07d}.png", grid, overwrite=True)
        _append_csv(out / "val.csv", ["step", *sorted(val_metrics)], {"step": step, **val_metrics})
        if writer is not None:
            for k, v in val_metrics.items():
                writer.add_scalar(f"val/{k}", v, step)
            writer.add_image("val/grid", grid, step, dataformats="HWC")

    while step < stop_at:
        batch = next(loader)
        line, real, hint = (batch[k].to(device, non_blocking=True) for k in ("line", "color", "hint"))
        torch.manual_seed(config.seed * 1_000_003 + step * 101 + rank)  # gradient-penalty interpolates
        f = _lr_factor(step, config)
        for g in optG.param_groups:
            g["lr"] = config.lr_g * f
        for g in optD.param_groups:
            g["lr"] = config.lr_d * f
        adversarial = step >= config.adv_start and config.adv_weight > 0

        # critic step: tell real colourings from generated ones for this line art
        if adversarial and step % config.d_every == 0:
            netD.requires_grad_(True)
            with torch.no_grad(), torch.autocast(device.type, torch.bfloat16, enabled=use_amp):
                fake = G(line, hint)
            with torch.autocast(device.type, torch.bfloat16, enabled=use_amp):
                loss_d, gp = critic_loss(netD, real, fake.float(), line, config.gp_weight)
            optD.zero_grad(set_to_none=True)
            loss_d.backward()
            if world > 1:
                _average_grads(netD, world)
            optD.step()

        # generator step: match the colouring (L1) and, once on, fool the critic
        netD.requires_grad_(False)
        with torch.autocast(device.type, torch.bfloat16, enabled=use_amp):
            fake = G(line, hint).float()
            loss_l1 = l1_loss(fake, real)
            loss_adv = generator_adv_loss(netD, fake, line) if adversarial else torch.zeros((), device=device)
            loss_g = config.l1_weight * loss_l1 + config.adv_weight * loss_adv
        optG.zero_grad(set_to_none=True)
        loss_g.backward()
        optG.step()
        with torch.no_grad():
            decay = min(config.ema_decay, (1.0 + step) / (10.0 + step))
            for pe, p in zip(netG_ema.parameters(), netG.parameters()):
                pe.lerp_(p, 1.0 - decay)
            for be, bb in zip(netG_ema.buffers(), netG.buffers()):
                be.copy_(bb)
        step += 1
        n_log += per_rank * world

        if step % config.log_every == 0 or step == stop_at:
            now = time.perf_counter()
            last = {"loss_g": loss_g.item(), "loss_l1": loss_l1.item(), "loss_adv": loss_adv.item(),
                    "loss_d": loss_d.item(), "gp": gp.item()}
            ips = n_log / max(now - t_log, 1e-9)
            t_log, n_log = now, 0
            if rank == 0:
                row = {"step": step, "seconds": round(now - t_start, 2), "images_per_s": round(ips, 2),
                       "lr_g": config.lr_g * f, **{k: round(v, 5) for k, v in last.items()}}
                _append_csv(out / "train.csv", LOG_FIELDS, row)
                if writer is not None:
                    for k, v in last.items():
                        writer.add_scalar(f"train/{k}", v, step)
                    writer.add_scalar("train/images_per_s", ips, step)
                if bar is None and progress is False and print_log:
                    print(" ".join(f"{k}={v}" for k, v in row.items()), flush=True)
                if bar is not None:
                    bar.set_postfix(l1=f"{last['loss_l1']:.4f}", adv=f"{last['loss_adv']:.3f}",
                                    d=f"{last['loss_d']:.3f}", img_s=f"{ips:.1f}")
        if bar is not None:
            bar.update(1)
        out_of_time = max_minutes is not None and time.perf_counter() - t_start > max_minutes * 60
        if world > 1:
            flag = torch.tensor([float(out_of_time)], device=device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            out_of_time = bool(flag.item())
        if step % config.val_every == 0 and step < stop_at and not out_of_time:
            run_validation()
            if rank == 0 and print_log:
                print(f"val step {step}: " + " ".join(f"{k}={v:.3f}" for k, v in sorted(val_metrics.items())),
                      flush=True)
        if step % config.ckpt_every == 0 or out_of_time:
            checkpoint()
        if out_of_time:
            break
    checkpoint()
    run_validation()
    if bar is not None:
        bar.close()
    if writer is not None:
        writer.close()
    if world > 1:
        dist.barrier()
    return {"step": step, "seconds": time.perf_counter() - t_start, "val": val_metrics, "train": last,
            "stopped_early": step < config.steps,
            "models": {"netG": netG, "netD": netD, "netG_ema": netG_ema}}
