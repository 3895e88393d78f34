"""Validation during training: metrics on the val split with simulated hints, and a picture grid."""

from __future__ import annotations

import numpy as np
import torch
from skimage.metrics import structural_similarity

from ..color import rgb_ciede2000
from .data import val_batch

HINT_COUNTS = (0, 16)


def to_uint8(t: torch.Tensor) -> np.ndarray:
    """``(3, H, W)`` float tensor in [0, 1] -> ``(H, W, 3)`` uint8."""
    return np.clip(np.rint(t.detach().float().cpu().numpy().transpose(1, 2, 0) * 255.0), 0, 255).astype(np.uint8)


def image_metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """PSNR (dB), SSIM and mean CIEDE2000 between two ``(H, W, 3) uint8`` images."""
    mse = float(np.mean((pred.astype(np.float64) - target.astype(np.float64)) ** 2))
    psnr = float(10.0 * np.log10(255.0 ** 2 / max(mse, 1e-10)))
    ssim = float(structural_similarity(pred, target, channel_axis=2, data_range=255))
    de = float(rgb_ciede2000(pred, target).mean())
    return {"psnr": psnr, "ssim": ssim, "ciede2000": de}


@torch.no_grad()
def validate(netG: torch.nn.Module, dataset, n_images: int, seed: int, device: torch.device,
             batch: int = 8) -> tuple[dict[str, float], np.ndarray]:
    """Mean PSNR/SSIM/CIEDE2000 over the first ``n_images`` of ``dataset`` for each hint count.

    Returns ``(metrics, grid)``: metrics keyed ``"{name}_h{n}"``; grid an
    ``(H, W, 3) uint8`` picture, one row per image (up to 6) of line art,
    hints, output with 0 hints, output with 16 hints, ground truth.
    """
    was_training = netG.training
    netG.eval()
    # evenly spread over the split (ids sort by source and kind: the first few are all alike)
    idx = sorted({int(i) for i in np.linspace(0, len(dataset) - 1, min(n_images, len(dataset)))})
    metrics: dict[str, float] = {}
    shown: dict[int, list[np.ndarray]] = {}
    rows_hint: list[np.ndarray] = []
    rows_line: list[np.ndarray] = []
    rows_true: list[np.ndarray] = []
    for n in HINT_COUNTS:
        sums = {"psnr": 0.0, "ssim": 0.0, "ciede2000": 0.0}
        outs = []
        for k in range(0, len(idx), batch):
            b = val_batch(dataset, idx[k:k + batch], n, seed)
            fake = netG(b["line"].to(device), b["hint"].to(device))
            for j in range(fake.shape[0]):
                pred, true = to_uint8(fake[j]), to_uint8(b["color"][j])
                for key, v in image_metrics(pred, true).items():
                    sums[key] += v
                if len(outs) < 6 and (k + j) % max(len(idx) // 6, 1) == 0:
                    outs.append(pred)
                    if n == HINT_COUNTS[-1]:
                        s = true.shape[0]
                        hm = b["hint"][j].numpy()
                        hint_img = np.where(hm[3][..., None] > 0, hm[:3].transpose(1, 2, 0), 1.0)
                        hint_img = np.kron(hint_img, np.ones((4, 4, 1)))[:s, :s]
                        rows_hint.append(np.clip(hint_img * 255, 0, 255).astype(np.uint8))
                        line = (255 - np.clip(b["line"][j, 0].numpy() * 255, 0, 255)).astype(np.uint8)
                        rows_line.append(np.repeat(line[..., None], 3, axis=2))
                        rows_true.append(true)
        shown[n] = outs
        for key, v in sums.items():
            metrics[f"{key}_h{n}"] = v / max(len(idx), 1)
    rows = [np.concatenate([rows_line[r], rows_hint[r], shown[HINT_COUNTS[0]][r],
                            shown[HINT_COUNTS[-1]][r], rows_true[r]], axis=1)
            for r in range(len(rows_true))]
    grid = np.concatenate(rows, axis=0) if rows else np.zeros((1, 1, 3), np.uint8)
    netG.train(was_training)
    return metrics, grid
