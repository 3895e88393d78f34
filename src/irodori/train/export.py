"""ONNX export of a trained run, and its model card.

``export_run(run, out)`` writes one self-contained ONNX file of the EMA
generator (legacy TorchScript exporter, weights inside the file, dynamic
height and width) and ``<name>.json`` beside it: data sources with their
licenses and attribution, steps, config, validation metrics and the
file's SHA-256. The ONNX file's metadata carries the network stride, which
the ``neural`` method reads.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import warnings
from pathlib import Path
from typing import Any

import torch

from ..errors import IrodoriError
from ..io import write_bytes_atomic
from ..nets import Generator
from .checkpoint import load_checkpoint
from .config import config_from_dict

OPSET = 17


def load_generator(run: str | os.PathLike[str], ema: bool = True) -> tuple[Generator, dict[str, Any]]:
    """The (EMA) generator of a run in eval mode, and the checkpoint dict."""
    state = load_checkpoint(run)
    cfg = config_from_dict(state["config"])
    netG = Generator(cfg.generator)
    netG.load_state_dict(state["netG_ema" if ema else "netG"])
    return netG.eval(), state


def onnx_bytes(netG: Generator, metadata: dict[str, str] | None = None) -> bytes:
    """Serialize ``netG`` to ONNX bytes (inputs ``line``, ``hint``; output ``rgb``; dynamic H, W)."""
    import onnx

    s = netG.stride
    line = torch.zeros(1, 1, 2 * s, 2 * s)
    hint = torch.zeros(1, 4, s // 2, s // 2)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(netG, (line, hint), buf, input_names=["line", "hint"], output_names=["rgb"],
                          dynamic_axes={"line": {0: "n", 2: "h", 3: "w"},
                                        "hint": {0: "n", 2: "h4", 3: "w4"},
                                        "rgb": {0: "n", 2: "h", 3: "w"}},
                          opset_version=OPSET, dynamo=False)
    model = onnx.load_from_string(buf.getvalue())
    meta = {"irodori.stride": str(s), "irodori.hint_scale": "4", **(metadata or {})}
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _data_sources(run: Path) -> list[dict[str, Any]]:
    """Sources, licenses and attribution of the datasets a run was trained on (from ``run/data.json``)."""
    try:
        dirs = json.loads((run / "data.json").read_text())["data"]
    except (OSError, ValueError, KeyError):
        return []
    sources = []
    for d in dirs:
        root = Path(d)
        counts: dict[str, int] = {}
        licenses: dict[str, int] = {}
        try:
            with open(root / "manifest.csv", newline="") as f:
                for row in csv.DictReader(f):
                    counts[row["split"]] = counts.get(row["split"], 0) + 1
                    licenses[row["license"]] = licenses.get(row["license"], 0) + 1
        except OSError:
            pass
        attribution = ""
        if (root / "ATTRIBUTION.md").is_file():
            attribution = (root / "ATTRIBUTION.md").read_text(encoding="utf-8").strip()
        build = {}
        if (root / "build.json").is_file():
            try:
                build = json.loads((root / "build.json").read_text())
            except ValueError:
                build = {}
        sources.append({"name": root.name, "images_per_split": counts, "licenses": licenses,
                        "build": build, "attribution": attribution})
    return sources


def _last_row(path: Path) -> dict[str, str]:
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return {}
    return rows[-1] if rows else {}


def _recipe(cfg) -> str:
    """The training recipe of a config in words, for the model card."""
    hi = min(cfg.image_size, int(round(cfg.crop / cfg.min_scale)))
    decay = int(cfg.decay_start * cfg.steps)
    return (f"{cfg.steps} steps of batch {cfg.batch_size}: random windows of {cfg.crop}-{hi} px of the "
            f"{cfg.image_size} px pairs scaled to {cfg.crop} px crops, random flips; dots simulated by "
            f"irodori.hints.simulate_hints (none with p={cfg.hint_zero_prob}, else 2**U(0, log2 {cfg.hint_max})"
            + (f"; sloppy hints on {cfg.sloppy_prob:g} of the images" if getattr(cfg, "sloppy_prob", 0) else "")
            + (f"; line art redrawn as a rough sketch (irodori.data.rough.roughen) on {cfg.rough_prob:g} of them"
               if getattr(cfg, "rough_prob", 0) else "")
            + "); "
            f"L1 content loss alone until step {cfg.adv_start} (warm-up), then plus {cfg.adv_weight:g} x the "
            f"WGAN generator loss, with one critic step (WGAN-GP, gradient penalty {cfg.gp_weight:g}) every "
            f"{cfg.d_every} generator steps; Adam (lr G {cfg.lr_g:g}, D {cfg.lr_d:g}, betas {cfg.beta1:g}, "
            f"{cfg.beta2:g}) decaying linearly to 10 % from step {decay}; exported weights are the EMA "
            f"(decay {cfg.ema_decay:g}) of the generator")


def export_run(run: str | os.PathLike[str], out: str | os.PathLike[str], overwrite: bool = False,
               extra_card: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Export ``run``'s EMA generator to ``out`` (.onnx) and its model card beside it (.json).

    Returns ``(onnx_path, card_path)``. Refuses to replace existing files
    unless ``overwrite``.
    """
    run, out = Path(run), Path(out)
    if out.suffix != ".onnx":
        raise IrodoriError(f"export target must end in .onnx, got {out}")
    card_path = out.with_suffix(".json")
    for p in (out, card_path):
        if p.exists() and not overwrite:
            raise IrodoriError(f"{p} exists; pass --overwrite to replace it")
    netG, state = load_generator(run)
    cfg = config_from_dict(state["config"])
    data = onnx_bytes(netG, {"irodori.steps": str(state["step"]), "irodori.work_size": str(cfg.image_size)})
    train_row = _last_row(run / "train.csv")
    sources = _data_sources(run)
    licenses = {lic for src in sources for lic in src["licenses"]}
    weights_license = ("CC BY-SA 4.0 (trained on CC BY-SA 4.0 data; attribution below)"
                       if any("BY-SA" in lic for lic in licenses) else
                       "CC BY 4.0 (trained on CC BY data; attribution below)" if any("CC BY" in lic for lic in licenses)
                       else "same as the training data")
    card: dict[str, Any] = {
        "name": out.stem,
        "file": out.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "architecture": "U-Net generator after Ci et al. 2018 (AlacGAN); line (1ch) + hint map "
                        "(RGB*mask + mask at 1/4 resolution) -> RGB",
        "parameters": sum(p.numel() for p in netG.parameters()),
        "stride": netG.stride,
        "work_size": cfg.image_size,
        "steps": int(state["step"]),
        "images_seen": int(state["step"]) * cfg.batch_size,
        "train_seconds": float(train_row["seconds"]) if train_row.get("seconds") else None,
        "recipe": _recipe(cfg),
        "weights_license": weights_license,
        "config": cfg.to_dict(),
        "validation": {k: float(v) for k, v in _last_row(run / "val.csv").items()},
        "data": sources,
        "onnx": {"opset": OPSET, "inputs": {"line": "(N,1,H,W) float32 ink in [0,1], H,W multiples of stride",
                                           "hint": "(N,4,H/4,W/4) float32 rgb*mask, mask"},
                 "outputs": {"rgb": "(N,3,H,W) float32 in [0,1]"}},
        **(extra_card or {}),
    }
    write_bytes_atomic(out, data, overwrite=overwrite)
    write_bytes_atomic(card_path, (json.dumps(card, indent=1) + "\n").encode("utf-8"), overwrite=overwrite)
    return out, card_path
