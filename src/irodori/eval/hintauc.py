"""The Hint-AUC protocol (Madono et al., IEEE TVCG 2026) through the ``hintauc`` package.

A thin wrapper: the package generates its deterministic region-based hints
from each ground truth (Felzenszwalb regions at a 64 x 64 hint grid, one
scribble along the longest path of each region, coloured with the region's
mean colour), hands a growing share of the regions (largest first, 0 % to
100 %) to a colourizer, scores each output against the ground truth (PSNR
and SSIM on 256 x 256 copies) and integrates the per-ratio means over the
ratio (the Hint-AUC). This module only adapts irodori's methods to it:

* the hint arrays it gives (colour and mask upsampled to the picture with
  nearest neighbour, so each hint pixel of the 64 grid becomes a block that
  may straddle a line) become a PNG-style hint layer, read with
  :meth:`irodori.hints.Hints.from_rgba`, exactly as a user's painted layer;
* the line art is the dataset's own ``line/`` file, read with
  :func:`irodori.io.load_lineart`;
* a method that needs hints and gets none (ratio 0, or a ratio that keeps
  no region) returns the lines on white paper (nothing is filled).

Nothing of the protocol is reimplemented here: hints, selection, metrics
and the integral are the package's (``hintauc.evaluate_colorizer``). The
hint paths use the package's ``geodesic`` method, which is deterministic
and needs no extra dependency (the paper's ``filfinder`` path pins
``astropy<6``, which asks for NumPy 1).

References
----------
K. Madono, M. Mingcheng, E. Simo-Serra. Hint-AUC: Deterministic Region-based
Hint Generation for Line Art Colorization Evaluation. IEEE TVCG, 2026.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import IrodoriError

HINT_TYPE = "scribble"
PATH_METHOD = "geodesic"
METRICS = ("psnr", "ssim")


def _require() -> Any:
    try:
        import hintauc
    except ImportError:
        raise IrodoriError("the Hint-AUC protocol needs the 'hintauc' package: "
                           "pip install 'irodori[eval]' (or pip install --no-deps hintauc)") from None
    return hintauc


def hint_methods() -> list[str]:
    """Registered methods that take hints and need no reference (the ones the protocol can drive)."""
    from ..methods import describe_methods

    return [m["name"] for m in describe_methods()
            if m["capabilities"]["uses_hints"] and not m["capabilities"]["needs_reference"]]


def hints_from_arrays(hint_color_bgr: np.ndarray, hint_mask: np.ndarray) -> Any:
    """The protocol's hint arrays as irodori :class:`~irodori.hints.Hints` (a PNG-style hint layer).

    ``hint_color_bgr (H, W, 3) uint8`` (OpenCV order, as the package gives
    it), ``hint_mask (H, W)`` non-zero where a hint lies.
    """
    from ..hints import Hints

    layer = np.zeros((*hint_mask.shape, 4), np.uint8)
    layer[..., :3] = hint_color_bgr[..., ::-1]
    layer[..., 3] = np.where(hint_mask > 0, 255, 0)
    return Hints.from_rgba(layer)


def make_colorizer(method: str, inks: dict[str, np.ndarray], options: dict[str, Any] | None = None,
                   timings: list[float] | None = None) -> Callable[[dict], np.ndarray]:
    """A ``hintauc`` colorizer (sample dict -> ``(H, W, 3) uint8`` BGR) running irodori's ``method``.

    ``inks`` maps the sample name (the ground truth's file name) to its ink
    map ``(H, W) float32``; ``timings`` collects the seconds of each call.
    """
    from ..api import colorize
    from ..compose import composite
    from ..methods import get_method

    needs_hints = get_method(method).capabilities.needs_hints

    def run(sample: dict) -> np.ndarray:
        ink = inks[sample["name"]]
        hints = hints_from_arrays(sample["hint_color"], sample["hint_mask"])
        t0 = time.perf_counter()
        if needs_hints and not hints:
            image = composite(np.zeros((*ink.shape, 4), np.uint8), ink)  # nothing filled: lines on paper
        else:
            image = colorize(ink, hints, method=method, **(options or {})).image
        if timings is not None:
            timings.append(time.perf_counter() - t0)
        return np.ascontiguousarray(image[..., ::-1])

    return run


@dataclass
class Curve:
    """One method on one dataset: per-ratio means, the Hint-AUC of each metric, and run facts."""

    dataset: str
    method: str
    n_images: int
    per_alpha: dict[float, dict[str, float]]
    hint_auc: dict[str, float]
    seconds_per_call: float
    protocol: dict[str, Any] = field(default_factory=dict)

    def psnr_at(self, alpha: float) -> float:
        """Mean PSNR at hint ratio ``alpha`` (one of the grid's)."""
        return self.per_alpha[alpha]["psnr"]

    @property
    def drop(self) -> float:
        """PSNR at 100 % of the regions minus PSNR at 5 % (the issue's "never worse" check: >= -0.5 dB)."""
        return self.psnr_at(1.0) - self.psnr_at(0.05)


def evaluate(data_roots: Sequence[str | Path], methods: Sequence[str], split: str = "test",
             limit: int | None = None, options: dict[str, dict[str, Any]] | None = None,
             progress: Callable[[str], None] | None = None) -> list[Curve]:
    """Run the Hint-AUC protocol for every method on every data folder.

    Parameters
    ----------
    data_roots : dataset folders with ground truth (see :func:`irodori.eval.data.load`).
    methods : method names; each must take hints and need no reference.
    split, limit : the split and the hashed sample size (same images for every method).
    options : per-method options, ``{method: {key: value}}``.
    progress : called with a line of text after each method x dataset.

    Returns
    -------
    One :class:`Curve` per dataset x method, in that order.
    """
    hintauc = _require()
    from ..io import load_lineart
    from . import data as eval_data

    allowed = hint_methods()
    for m in methods:
        if m not in allowed:
            raise IrodoriError(f"method {m!r} cannot run under the Hint-AUC protocol (it takes no hints or "
                               f"needs a reference); choose from {', '.join(allowed)}")
    evaluator = hintauc.Evaluator(metrics=METRICS)
    curves = []
    for root in data_roots:
        d = eval_data.load(root, split=split, limit=limit)
        if not d.has_truth:
            raise IrodoriError(f"{root}: the Hint-AUC protocol needs ground-truth colours (line/ and color/)")
        samples = [(str(it.line), str(it.color)) for it in d.items]
        names = [Path(c).name for _, c in samples]
        if len(set(names)) != len(names):
            raise IrodoriError(f"{root}: ground-truth file names are not unique")
        inks = {Path(c).name: load_lineart(line) for line, c in samples}
        for method in methods:
            timings: list[float] = []
            fn = make_colorizer(method, inks, (options or {}).get(method), timings)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the scikit-image SSIM fallback warns on every call
                res = hintauc.evaluate_colorizer(fn, samples, hint_type=HINT_TYPE, metrics=METRICS,
                                                 evaluator=evaluator, path_method=PATH_METHOD,
                                                 tie_break="stable")
            per_alpha = {float(a): {k: float(v) for k, v in s.items()} for a, s in res["per_alpha"].items()}
            curve = Curve(d.name, method, int(res["n_images"]), per_alpha,
                          {k: float(v) for k, v in res["hint_auc"].items()},
                          float(np.mean(timings)) if timings else 0.0, res["protocol"])
            curves.append(curve)
            if progress is not None:
                progress(f"{d.name} {method}: Hint-AUC PSNR {curve.hint_auc['psnr']:.2f} dB, "
                         f"SSIM {curve.hint_auc['ssim']:.4f}, PSNR 5% {curve.psnr_at(0.05):.2f} -> "
                         f"100% {curve.psnr_at(1.0):.2f} dB")
    return curves


def table_md(curves: Sequence[Curve]) -> str:
    """A Markdown table: per dataset and method, PSNR at each ratio, Hint-AUC PSNR/SSIM and the 5 %->100 % change."""
    if not curves:
        return ""
    alphas = sorted(curves[0].per_alpha)
    head = ["dataset", "method"] + [f"{100 * a:g}%" for a in alphas] + ["AUC PSNR", "AUC SSIM", "100% - 5%"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in curves:
        cells = [c.dataset, c.method] + [f"{c.psnr_at(a):.2f}" for a in alphas]
        cells += [f"{c.hint_auc['psnr']:.2f}", f"{c.hint_auc['ssim']:.4f}", f"{c.drop:+.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(curves: Sequence[Curve], path: str | Path, title: str = "") -> bool:
    """PSNR and SSIM against the hint ratio, one line per method, one column per dataset (PNG).

    Returns False (and writes nothing) when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    datasets = list(dict.fromkeys(c.dataset for c in curves))
    fig, axes = plt.subplots(2, len(datasets), figsize=(4.2 * len(datasets), 5.6), squeeze=False)
    for j, ds in enumerate(datasets):
        for c in (c for c in curves if c.dataset == ds):
            xs = sorted(c.per_alpha)
            for i, metric in enumerate(METRICS):
                axes[i, j].plot([100 * a for a in xs], [c.per_alpha[a][metric] for a in xs], marker="o",
                                markersize=3, label=f"{c.method} (AUC {c.hint_auc[metric]:.3g})")
        for i, metric in enumerate(METRICS):
            ax = axes[i, j]
            ax.set_xscale("symlog", linthresh=1.0)
            ax.set_xticks([0, 1, 3, 5, 10, 25, 50, 100])
            ax.set_xticklabels(["0", "1", "3", "5", "10", "25", "50", "100"])
            ax.set_xlabel("regions hinted (%)")
            ax.set_ylabel(metric.upper())
            ax.set_title(f"{ds}: {metric.upper()}", fontsize=9)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(str(path), dpi=80)
    plt.close(fig)
    return True


def write_report(curves: Sequence[Curve], out: str | Path, command: str = "", overwrite: bool = False) -> list[Path]:
    """Write ``hintauc.json``, ``hintauc.md`` and ``hintauc.png`` into the folder ``out``; returns the paths."""
    from ..io import write_bytes_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = [{"dataset": c.dataset, "method": c.method, "n_images": c.n_images,
             "per_alpha": {f"{a:g}": v for a, v in sorted(c.per_alpha.items())}, "hint_auc": c.hint_auc,
             "psnr_100_minus_5": c.drop, "seconds_per_call": c.seconds_per_call} for c in curves]
    protocol = curves[0].protocol if curves else {}
    written = [write_bytes_atomic(out / "hintauc.json", json.dumps(
        {"command": command, "protocol": protocol, "curves": data}, indent=1).encode(), overwrite=overwrite)]
    md = ["# Hint-AUC (hintauc package, scribble hints, geodesic paths)", ""]
    if command:
        md += [f"command: `{command}`", ""]
    md += ["PSNR (dB) at each share of the ground truth's regions hinted; Hint-AUC = trapezoid over the ratio.", "",
           table_md(curves)]
    written.append(write_bytes_atomic(out / "hintauc.md", "\n".join(md).encode(), overwrite=overwrite))
    png = out / "hintauc.png"
    if png.exists() and not overwrite:
        raise IrodoriError(f"{png} exists (pass --overwrite to replace it)")
    if plot(curves, png, "Hint-AUC protocol"):
        written.append(png)
    return written
