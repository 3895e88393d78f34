"""One-image fine-tuning: adapt a neural colourizer to one coloured reference.

After Hensman and Aizawa 2017 ("cGAN-based Manga Colorization Using a Single
Training Image"): a generator that already colours line art in general is
trained further on augmented views of ONE page (its line art and its
colours) of a character, so it learns that character's palette, and then
colours new drawings of the same character.

The starting weights are read straight from the base model's ONNX file: the
exporter keeps the generator's parameter names (``stem.0.weight``, ...) as
the names of the ONNX initializers, so the torch generator is rebuilt from
the initializers' shapes and loaded by name. Nothing beyond the shipped
ONNX file is needed, and any exported model can be fine-tuned again.

Recipe (:class:`FinetuneConfig`): the pair is scaled to the base model's
working size (as the ``neural`` method scales pages), then every step draws
a batch of random views: scale, small rotation, horizontal flip and a
random crop; each view gets simulated colour dots
(:func:`irodori.hints.simulate_hints`), none in a share of them, so the
model keeps following hints. Loss: L1 alone. The adversarial term is left
out on purpose: the base model's critic is not shipped, a critic trained
from scratch on one picture in a few hundred steps only memorises it, and
the target here is the reference's exact flat colours, which L1 pursues
directly. Adam with a constant learning rate; what is exported are the
final weights.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from ..errors import IrodoriError
from ..hints import simulate_hints
from ..io import check_output, load_lineart, read_rgb, write_bytes_atomic
from ..hints import pool_hint_map as hint_map
from ..neural_model import model_path, working_shape
from ..nets import Generator, GeneratorConfig
from .data import n_hints
from .export import onnx_bytes


@dataclass(frozen=True)
class FinetuneConfig:
    """What a fine-tuning run computes.

    ``crop``: side of the training views in pixels (cut down to the working
    picture, rounded to the stride). The default, the whole working picture
    of the shipped model, beat 128 px crops clearly in a trial on three
    DiceBear pairs (CIEDE2000 on the new drawing 2.4 vs 5.2 after 30 steps):
    the network then sees the full context it colours at. ``scale``: views are scaled by a factor
    drawn log-uniformly in ``[1/scale, scale]``; ``rotate``: rotated by up
    to this many degrees; flipped with probability 1/2. Hints: none with
    probability ``hint_zero_prob``, else ``2**u`` dots, ``u ~ U[0,
    log2(hint_max)]``. ``lr``: Adam's learning rate. ``threads``: torch
    threads.
    """

    crop: int = 256
    batch_size: int = 4
    lr: float = 3e-4
    scale: float = 1.2
    rotate: float = 10.0
    hint_zero_prob: float = 0.5
    hint_max: int = 64
    seed: int = 0
    threads: int = 2

    def validate(self) -> None:
        """Raise IrodoriError for values that cannot train."""
        if self.crop < 8 or self.batch_size < 1 or self.hint_max < 1 or self.threads < 1:
            raise IrodoriError("bad fine-tune config: need crop >= 8, batch_size, hint_max, threads >= 1")
        if not self.lr > 0 or self.scale < 1 or not 0 <= self.rotate <= 45 \
                or not 0 <= self.hint_zero_prob <= 1:
            raise IrodoriError("bad fine-tune config: need lr > 0, scale >= 1, rotate in [0, 45], "
                               "hint_zero_prob in [0, 1]")


@dataclass
class FinetuneResult:
    """A fine-tuned generator (eval mode) and what the run did."""

    generator: Generator
    steps: int
    seconds: float
    work_shape: tuple[int, int]
    loss_before: float
    loss_after: float
    base_meta: dict[str, str]


def load_onnx_generator(path: str | os.PathLike[str]) -> tuple[Generator, dict[str, str]]:
    """A torch :class:`Generator` holding an exported model's weights, and the model's metadata.

    Reads ``path`` (an ONNX file written by :func:`irodori.train.export.onnx_bytes`),
    infers the :class:`GeneratorConfig` from the initializers' names and shapes and
    loads them by name. Raises IrodoriError for a file that is not such a model.
    """
    import onnx
    from onnx import numpy_helper

    try:
        model = onnx.load(str(path))
    except Exception as e:  # protobuf errors for foreign files
        raise IrodoriError(f"cannot read neural model {path}: {str(e).splitlines()[0] if str(e) else e}") from None
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    meta = {p.key: p.value for p in model.metadata_props}
    try:
        downs = sorted({int(k.split(".")[1]) for k in weights if k.startswith("downs.")})
        last = len(downs) - 1

        def n_blocks(k: int) -> int:
            return len({kk.split(".")[2] for kk in weights if kk.startswith(f"downs.{k}.")
                        and kk.endswith("conv1.weight")})

        widths = [weights["stem.0.weight"].shape[0], weights["down1.0.weight"].shape[0]]
        widths += [weights[f"downs.{k}.0.0.weight"].shape[0] for k in downs]
        cfg = GeneratorConfig(base=int(widths[0]), max_channels=int(max(widths)), depth=2 + len(downs),
                              blocks=n_blocks(last) if downs else 0,
                              mid_blocks=n_blocks(0) if len(downs) > 1 else 0)
        netG = Generator(cfg)
        state = netG.state_dict()
        missing = sorted(set(state) - set(weights))
        if missing:
            raise KeyError(missing[0])
        netG.load_state_dict({k: torch.from_numpy(np.array(weights[k])) for k in state})
    except (KeyError, ValueError, RuntimeError, IndexError) as e:
        raise IrodoriError(f"{path} is not an irodori generator that can be fine-tuned ({e})") from None
    return netG.eval(), meta


def _view(ink: np.ndarray, color: np.ndarray, rng: np.random.Generator, crop: int,
          cfg: FinetuneConfig) -> tuple[np.ndarray, np.ndarray]:
    """One random view of the pair: scale, rotation and flip about a random centre, ``crop`` pixels square."""
    h, w = ink.shape
    s = float(np.exp(rng.uniform(-math.log(cfg.scale), math.log(cfg.scale))))
    angle = float(rng.uniform(-cfg.rotate, cfg.rotate))
    # a centre at which a crop of the scaled picture stays mostly on the page
    half = crop / (2 * s)
    cy = rng.uniform(min(half, h / 2), max(h - half, h / 2))
    cx = rng.uniform(min(half, w / 2), max(w - half, w / 2))
    m = cv2.getRotationMatrix2D((float(cx), float(cy)), angle, s)
    m[:, 2] += (crop / 2 - cx, crop / 2 - cy)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    v_ink = cv2.warpAffine(ink, m, (crop, crop), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    v_col = cv2.warpAffine(color, m, (crop, crop), flags=interp, borderMode=cv2.BORDER_CONSTANT,
                           borderValue=(255, 255, 255))
    if rng.random() < 0.5:
        v_ink, v_col = v_ink[:, ::-1], v_col[:, ::-1]
    return np.ascontiguousarray(v_ink), np.ascontiguousarray(v_col)


def _batch(ink: np.ndarray, color: np.ndarray, rng: np.random.Generator, crop: int,
           cfg: FinetuneConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lines, colors, hints = [], [], []
    for _ in range(cfg.batch_size):
        v_ink, v_col = _view(ink, color, rng, crop, cfg)
        dots = simulate_hints(v_col, v_ink, n_hints(rng, cfg.hint_zero_prob, cfg.hint_max), "points", rng)
        hc, hm, _ = dots.rasterize(v_ink.shape)
        lines.append(v_ink[None])
        colors.append(v_col.transpose(2, 0, 1).astype(np.float32) / 255.0)
        hints.append(hint_map(hc, hm, (crop // 4, crop // 4)))
    return (torch.from_numpy(np.stack(lines)), torch.from_numpy(np.stack(colors)),
            torch.from_numpy(np.stack(hints)))


def reference_loss(netG: Generator, ink: np.ndarray, color: np.ndarray) -> float:
    """Mean L1 (colours in [0, 1]) of ``netG``'s hint-free colouring of the whole working-size reference."""
    h, w = ink.shape
    was_training = netG.training
    netG.eval()
    with torch.no_grad():
        out = netG(torch.from_numpy(ink)[None, None], torch.zeros(1, 4, h // 4, w // 4))
    netG.train(was_training)
    target = torch.from_numpy(color.transpose(2, 0, 1).astype(np.float32) / 255.0)[None]
    return float((out - target).abs().mean())


def finetune(ink: np.ndarray, color: np.ndarray, base_model: str = "", steps: int | None = None,
             minutes: float | None = 10.0, config: FinetuneConfig = FinetuneConfig(),
             progress: bool = True) -> FinetuneResult:
    """Fine-tune ``base_model`` on one reference pair.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink: the reference's line art.
    color : (H, W, 3) uint8: the reference's colours, same size as ``ink``.
    base_model : ONNX generator to start from ('' = the shipped default).
    steps : stop after this many steps (None = only the time limit).
    minutes : stop after this much wall time (None = only ``steps``).
    config : the recipe (see :class:`FinetuneConfig`).
    progress : show a tqdm bar.

    Returns
    -------
    FinetuneResult with the generator in eval mode and the L1 loss on the
    whole reference (no hints) before and after.
    """
    config.validate()
    if ink.ndim != 2 or color.ndim != 3 or color.shape[2] != 3:
        raise IrodoriError("fine-tune needs line art (H, W) and colours (H, W, 3)")
    if ink.shape != color.shape[:2]:
        raise IrodoriError(f"reference line art is {ink.shape[1]}x{ink.shape[0]} but its colours are "
                           f"{color.shape[1]}x{color.shape[0]}; they must be the same size")
    if steps is None and minutes is None:
        raise IrodoriError("fine-tune needs a limit: steps or minutes")
    if (steps is not None and steps < 1) or (minutes is not None and not minutes > 0):
        raise IrodoriError("fine-tune steps must be >= 1 and minutes > 0")
    netG, meta = load_onnx_generator(model_path(base_model))
    stride = netG.stride
    work_size = int(meta.get("irodori.work_size", "512"))
    wh, ww = working_shape(ink.shape, work_size, stride)
    if (wh, ww) != ink.shape:
        ink = cv2.resize(ink, (ww, wh), interpolation=cv2.INTER_AREA)
        color = cv2.resize(color, (ww, wh), interpolation=cv2.INTER_AREA)
    crop = max(stride, min(config.crop, wh, ww) // stride * stride)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    loss_before = reference_loss(netG, ink, color)
    netG.train()
    opt = torch.optim.Adam(netG.parameters(), lr=config.lr, betas=(0.5, 0.9))
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, unit="step", dynamic_ncols=True, desc="fine-tune")
    t0 = time.perf_counter()
    step = 0
    while True:
        if steps is not None and step >= steps:
            break
        if minutes is not None and time.perf_counter() - t0 > minutes * 60:
            break
        rng = np.random.default_rng([config.seed, step])
        line, real, hint = _batch(ink, color, rng, crop, config)
        loss = (netG(line, hint) - real).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if bar is not None:
            bar.update(1)
            bar.set_postfix(l1=f"{loss.item():.4f}")
    if bar is not None:
        bar.close()
    seconds = time.perf_counter() - t0
    netG.eval()
    return FinetuneResult(netG, step, seconds, (wh, ww), loss_before, reference_loss(netG, ink, color), meta)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def finetune_files(reference_colors: str | os.PathLike[str], out: str | os.PathLike[str],
                   reference_lines: str | os.PathLike[str] | None = None, base_model: str = "",
                   steps: int | None = None, minutes: float | None = 10.0,
                   config: FinetuneConfig = FinetuneConfig(), overwrite: bool = False,
                   progress: bool = True) -> tuple[Path, Path]:
    """Fine-tune on a reference given as files and write ``out`` (.onnx) plus its model card (.json).

    Without ``reference_lines`` the line art is extracted from the colours
    (:func:`irodori.lineart.extract_lines`). Both outputs are checked before
    training and written atomically. Returns ``(onnx_path, card_path)``.
    """
    out = Path(out)
    if out.suffix != ".onnx":
        raise IrodoriError(f"fine-tune output must end in .onnx, got {out}")
    card_path = out.with_suffix(".json")
    out.parent.mkdir(parents=True, exist_ok=True)
    for p in (out, card_path):
        check_output(p, overwrite)
    base = model_path(base_model)
    colors_path = Path(reference_colors)
    color = read_rgb(colors_path)
    if reference_lines is not None:
        lines_path: Path | None = Path(reference_lines)
        ink = load_lineart(lines_path)
    else:
        from ..lineart import extract_lines

        lines_path = None
        ink = extract_lines(color)
    res = finetune(ink, color, base_model, steps, minutes, config, progress)
    base_meta = res.base_meta
    data = onnx_bytes(res.generator, {"irodori.work_size": base_meta.get("irodori.work_size", "512"),
                                      "irodori.steps": str(res.steps), "irodori.finetuned": "1"})
    base_card: dict[str, Any] = {}
    if base.with_suffix(".json").is_file():
        try:
            base_card = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
        except ValueError:
            base_card = {}
    card = {
        "name": out.stem,
        "file": out.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "finetuned_from": {"file": base.name, "sha256": _sha256_file(base)},
        "reference": {"colors": {"file": colors_path.name, "sha256": _sha256_file(colors_path)},
                      "lines": ({"file": lines_path.name, "sha256": _sha256_file(lines_path)}
                                if lines_path is not None else "extracted with irodori.lineart.extract_lines")},
        "steps": res.steps,
        "images_seen": res.steps * config.batch_size,
        "minutes": round(res.seconds / 60, 3),
        "minutes_budget": minutes,
        "work_shape": list(res.work_shape),
        "reference_l1": {"before": round(res.loss_before, 5), "after": round(res.loss_after, 5)},
        "recipe": "one-image fine-tuning (irodori.train.finetune): L1 on random scaled, rotated, flipped "
                  "crops of the reference with simulated dots (none in a share of them)",
        "config": asdict(config),
        "weights_license": (f"{base_card['weights_license']}; fine-tuned on the reference above, whose "
                            "license also applies" if "weights_license" in base_card
                            else "as the base model and the reference"),
        "stride": res.generator.stride,
    }
    write_bytes_atomic(out, data, overwrite=overwrite)
    write_bytes_atomic(card_path, (json.dumps(card, indent=1) + "\n").encode("utf-8"), overwrite=overwrite)
    return out, card_path
