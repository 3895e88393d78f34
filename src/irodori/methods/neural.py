"""Method ``neural``: a conditional-GAN generator run through onnxruntime.

After Ci et al. 2018, "User-Guided Deep Anime Line Art Colorization with
Conditional Adversarial Networks" (AlacGAN): a U-Net maps the line art and a
hint map (user dots at 1/4 resolution) to colour. The network was trained
with PyTorch (:mod:`irodori.train`) and exported to ONNX; this module imports
neither torch nor anything that does.

Any page size: the line art is scaled to a working size (long side
``work_size``, sides rounded to the network stride; never enlarged; by
default the size the model was trained at, stored in the ONNX file, since a
network sees lines and shapes at the scale it learned them), coloured
there, the colour under the lines is filled from the nearby paper
(normalized convolution), and the result is scaled back to the page. The
full-resolution line layer is multiplied on top, so lines stay sharp, and
colour edges, which the network puts on the lines, stay hidden beneath them.
By default the page and its mirror image are coloured together and
averaged, and the colours are pinned to the user's dots (:func:`pin_to_hints`).

The network and the pinning see the cleaned hints
(:func:`irodori.hints.clean_hints`): hint pixels over lines, strays that
wander over a line into a neighbouring area and overruled minority colours
are gone, and the network sees them as sparse dots, as it was trained,
however dense they are. Then the areas the hints reach are anchored to the
hint colours, keeping the network's shading (:func:`anchor_to_hints`), so
more hints never make grey clouds. With
``background=paper`` (the default) an unhinted area open to the picture's
border stays paper (:mod:`irodori.background`) once the user gives hints;
with none at all the network's own colouring stands (it learned to leave
the paper white, and a drawing open to its border would otherwise stay blank).
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..edge_aware import spread_from_points
from ..background import check_background, paper_from_votes
from ..errors import IrodoriError
from ..hints import CleanHints, Hints, clean_hints, paper_areas, pool_hint_map
from ..neural_model import DEFAULT_MODEL
from ..neural_model import model_path as _core_model_path
from ..neural_model import working_shape
from . import register
from .base import Capabilities, Reference, Result, make_result, option

_sessions: dict[tuple[str, float, int], Any] = {}
_lock = threading.Lock()
# The last colouring: neural-flats and neural on the same drawing and hints (the studio's toggle, an
# evaluation) need the same network pass, which is most of their time.
_last: dict[str, tuple[tuple, np.ndarray]] = {}
_REMEMBER_PIXELS = 4_000_000  # larger pages are not kept (12 bytes a pixel)


def model_path(model: str) -> Path:
    """The ONNX file an option value names ('' = :data:`DEFAULT_MODEL`); IrodoriError if missing."""
    return _core_model_path(model, DEFAULT_MODEL)


def session(model: str = "", threads: int = 0) -> Any:
    """A cached onnxruntime InferenceSession for ``model`` ('' = default) with ``threads`` (0 = auto)."""
    import onnxruntime as ort

    path = model_path(model)
    key = (str(path.resolve()), path.stat().st_mtime, threads)
    with _lock:
        if key not in _sessions:
            opts = ort.SessionOptions()
            if threads:
                opts.intra_op_num_threads = threads
                opts.inter_op_num_threads = 1
            try:
                _sessions[key] = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
            except Exception as e:  # onnxruntime raises its own error types for bad files
                raise IrodoriError(f"cannot load neural model {path}: {str(e).splitlines()[0]}") from None
        return _sessions[key]


DEFAULT_WORK_SIZE = 512
SHADING = 0.25    # share of the network's variation of lightness kept in the areas the hints reach
_PIN_INK = 0.3    # from this ink a working-size pixel is line for pinning
_PIN_WALL = 10.0  # lines weigh this much in the pinning filter's guide: a shift does not cross them


def _stride(sess: Any) -> int:
    meta = sess.get_modelmeta().custom_metadata_map
    return int(meta.get("irodori.stride", "32"))


def model_work_size(sess: Any) -> int:
    """The working size a model asks for (its training picture size), else :data:`DEFAULT_WORK_SIZE`."""
    meta = sess.get_modelmeta().custom_metadata_map
    return int(meta.get("irodori.work_size", DEFAULT_WORK_SIZE))


def fill_under_lines(rgb: np.ndarray, ink: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """Replace colour on ink pixels with the colour of the nearby paper.

    ``rgb (H, W, 3) float32``, ``ink (H, W) float32`` in [0, 1]; returns
    ``(H, W, 3) float32``. Normalized convolution at two scales, so thick
    lines are filled too; paper pixels keep their colour.
    """
    paper = np.clip(1.0 - ink, 0.0, 1.0) ** 2
    out = rgb.copy()
    for s in (sigma, 4 * sigma):
        num = cv2.GaussianBlur(out * paper[..., None], (0, 0), s)
        den = cv2.GaussianBlur(paper, (0, 0), s)[..., None]
        filled = num / np.maximum(den, 1e-4)
        out = np.where(den > 1e-3, paper[..., None] * out + (1.0 - paper[..., None]) * filled, out)
        paper = np.maximum(paper, np.clip(den[..., 0] * 4.0, 0.0, 1.0))
    return out


def pin_to_hints(rgb: np.ndarray, ink: np.ndarray, hint_rgb: np.ndarray, hint_mask: np.ndarray) -> np.ndarray:
    """Shift colours so every dot's colour is met where it lies, the shift fading over its area.

    The shift never crosses a line: dots on lines are left out, the lines are
    walls of the edge-aware filter, and a closed area (paper between lines)
    that holds no dot gets no shift at all.

    ``rgb (h, w, 3) float32`` network colours in [0, 1]; ``ink (h, w)
    float32``; ``hint_rgb (h, w, 3) float32`` in [0, 1] and ``hint_mask (h, w)
    bool``: the dots at this resolution. Returns ``(h, w, 3) float32``. The
    network reads dots at a quarter of the resolution and renders their
    colour only approximately; the differences at the dots are spread by an
    edge-aware filter guided by the lines and the network's own colour
    edges, so a correction stays inside the area its dot marks.
    """
    n_areas, areas = paper_areas(ink, _PIN_INK)
    hint_mask = hint_mask & (areas > 0)
    if not hint_mask.any():
        return rgb
    offset = np.where(hint_mask[..., None], hint_rgb - rgb, 0.0).astype(np.float32)
    guide = np.concatenate([rgb, _PIN_WALL * ink[..., None]], axis=2)
    side = max(rgb.shape[:2])
    shift = spread_from_points(offset, hint_mask, guide, sigma_s=side / 4, sigma_r=0.3)
    hinted = np.zeros(n_areas, bool)
    hinted[areas[hint_mask]] = True
    hinted[0] = True  # line pixels: hidden under the lines, keep the blend
    shift[~hinted[areas]] = 0.0
    return np.clip(rgb + shift, 0.0, 1.0)


def neural_colors(ink: np.ndarray, hints: Hints, model: str = "", work_size: int = 0,
                  threads: int = 0, mirror: bool = True, pin_hints: bool = True) -> np.ndarray:
    """The generator's colouring of a page at full resolution.

    Parameters
    ----------
    ink : (H, W) float32 in [0, 1], 1 = ink.
    hints : coloured hints (transparent ones are ignored here).
    model : ONNX file ('' = shipped default).
    work_size : long side of the working resolution in pixels; 0 = the
        model's own (see :func:`model_work_size`).
    threads : onnxruntime intra-op threads (0 = its default).
    mirror : also colour the mirror image and average the two (twice the
        network time; smoother, more faithful colour).
    pin_hints : shift colours to meet each dot's colour (:func:`pin_to_hints`).

    Returns
    -------
    (H, W, 3) float32 RGB in [0, 1], with the colour under the lines filled
    from the paper beside them. The last result is remembered: the same
    drawing, hints and settings again return a copy without running the
    network (pages up to 4 MP). A grey scan is cleaned first
    (:func:`irodori.regions.prepare_ink`): the network was trained on clean
    line art, and on rough sketches the cleaned ink doubles its score
    (``benchmarks/bench_rough.py`` protocol: 0.40 -> 0.83 on OpenMoji).
    """
    from ..regions import prepare_ink

    ink = prepare_ink(ink)
    if ink.size > _REMEMBER_PIXELS:
        return _neural_colors(ink, hints, model, work_size, threads, mirror, pin_hints)
    path = model_path(model)
    key = (str(path.resolve()), path.stat().st_mtime, work_size, mirror, pin_hints, ink.shape,
           hashlib.blake2b(np.ascontiguousarray(ink, np.float32).tobytes(), digest_size=16).digest(), hints)
    with _lock:
        if "rgb" in _last and _last["rgb"][0] == key:
            return _last["rgb"][1].copy()
    rgb = _neural_colors(ink, hints, model, work_size, threads, mirror, pin_hints)
    with _lock:
        _last["rgb"] = (key, rgb.copy())
    return rgb


def _neural_colors(ink: np.ndarray, hints: Hints, model: str, work_size: int, threads: int, mirror: bool,
                   pin_hints: bool) -> np.ndarray:
    sess = session(model, threads)
    stride = _stride(sess)
    work_size = work_size or model_work_size(sess)
    h, w = ink.shape
    wh, ww = working_shape((h, w), work_size, stride)
    ink_w = cv2.resize(ink, (ww, wh), interpolation=cv2.INTER_AREA) if (wh, ww) != (h, w) else ink
    clean = clean_hints(hints, ink)
    colors, mask, _ = clean.colors()
    # the network learned from sparse dots: it sees one dot per cleaned hint, however dense
    # the hints are; the pinning below then meets every hint pixel's colour
    dot_colors, dot_mask, _ = clean.dots.rasterize((h, w))
    hint = pool_hint_map(dot_colors, dot_mask, (wh // 4, ww // 4))
    line_in, hint_in = ink_w[None, None].astype(np.float32), hint[None]
    if mirror:
        line_in = np.concatenate([line_in, line_in[..., ::-1]])
        hint_in = np.concatenate([hint_in, hint_in[..., ::-1]])
    out = sess.run(["rgb"], {"line": np.ascontiguousarray(line_in), "hint": np.ascontiguousarray(hint_in)})[0]
    rgb = (out[0] + out[1, :, :, ::-1]) / 2.0 if mirror else out[0]
    rgb = np.ascontiguousarray(rgb.transpose(1, 2, 0), dtype=np.float32)
    guard = ink_w
    if max(h / wh, w / ww) >= 1.5:
        # Scaled up, the one-pixel band of blended colour the network paints beside each line would
        # grow wider than the full-resolution line covers (a halo); refill it from the paper beyond.
        guard = cv2.dilate(ink_w, np.ones((3, 3), np.uint8))
    rgb = fill_under_lines(rgb, guard)
    if pin_hints and mask.any():
        dots = pool_hint_map(colors, mask, (wh, ww))
        rgb = pin_to_hints(rgb, ink_w, dots[:3].transpose(1, 2, 0), dots[3] > 0)
    if (wh, ww) != (h, w):
        rgb = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(rgb, 0.0, 1.0)


def to_flats(rgb: np.ndarray) -> np.ndarray:
    """``(H, W, 3) float32`` in [0, 1] -> opaque RGBA flats ``(H, W, 4) uint8``."""
    flats = np.empty((*rgb.shape[:2], 4), np.uint8)
    flats[..., :3] = np.clip(np.rint(rgb * 255.0), 0, 255)
    flats[..., 3] = 255
    return flats


@dataclass(frozen=True)
class NeuralOptions:
    """Options of the neural methods."""

    model: str = option("", "Model file", "ONNX generator file ('' = the shipped default model).",
                        advanced=True, path=True)
    work_size: int = option(0, "Working size (px)",
                            "Long side in pixels the network runs at (pages are scaled down to it, never "
                            "up); 0 = the model's own: its training picture size, else 512.",
                            advanced=True, min=0, max=4096)
    threads: int = option(0, "Threads", "onnxruntime threads (0 = automatic).", advanced=True, min=0, max=256)
    mirror: bool = option(True, "Colour the mirror image too",
                          "Also colour the mirror image and average the two: smoother colour, twice the time.",
                          advanced=True)
    pin_hints: bool = option(True, "Match dot colours exactly",
                             "Shift colours so each dot's colour is met, the shift spreading inside the "
                             "dot's area.", advanced=True)
    background: str = option("paper", "Background",
                             "An area open to the picture's border that holds no dot (once you give dots): "
                             "stays white paper, or the network colours it too.",
                             choices={"paper": "stays white paper", "fill": "network colours it"})

    def validate(self) -> None:
        if self.work_size != 0 and not 32 <= self.work_size <= 4096:
            raise IrodoriError(f"work_size must be 0 (the model's own) or in [32, 4096], got {self.work_size}")
        if not 0 <= self.threads <= 256:
            raise IrodoriError(f"threads must be in [0, 256], got {self.threads}")
        check_background(self.background)
        model_path(self.model)


@register
class Neural:
    """Generator colours at a working size, carried back to the page under its own lines."""

    name = "neural"
    description = ("Neural colourizer (AlacGAN-style U-Net via onnxruntime): colours from the "
                   "line art alone or guided by colour dots.")
    label = "Painted colours (neural network)"
    summary = ("A neural network paints soft colours, guided by your dots if you give some; "
               "colours may blur across lines.")
    group = "hints"
    capabilities = Capabilities(needs_hints=False, uses_hints=True, flats=False)
    Options = NeuralOptions

    def run(self, ink: np.ndarray, hints: Hints, reference: Reference | None,
            options: NeuralOptions) -> Result:
        from ..regions import prepare_ink

        work = prepare_ink(ink)  # a grey scan cleaned up; the composite keeps the original lines
        rgb = neural_colors(work, hints, options.model, options.work_size, options.threads,
                           options.mirror, options.pin_hints)
        meta: dict[str, Any] = {"model": str(model_path(options.model))}
        alpha = None
        if hints:
            rgb, alpha, fill_meta = anchor_to_hints(rgb, ink, hints, options.background)
            meta.update(background_regions=fill_meta["background_regions"], hints=fill_meta["hints"])
        flats = to_flats(rgb)
        if alpha is not None:
            flats[..., 3] = alpha
        return make_result(flats, ink, regions=None, **meta)


def anchor_to_hints(rgb: np.ndarray, ink: np.ndarray, hints: Hints,
                    background: str = "paper") -> tuple[np.ndarray, np.ndarray, dict]:
    """Anchor the network's colours to the hints in the areas they reach; keep its shading.

    The areas the hints reach through open paper get the hints' colours as
    ``fill`` gives them (:func:`irodori.methods.fill.fill_regions`: cleaned
    hints, split between colours, the background policy); there the
    network's colour is replaced by the hint colour plus a quarter
    (:data:`SHADING`) of the network's own variation of lightness around its
    mean over the region (its shading),
    so neither a wrong hue nor a cloud of another colour survives, and no
    colour crosses a line. Elsewhere the network's colours stand.

    Parameters
    ----------
    rgb : (H, W, 3) float32 in [0, 1], the network's colours at full size.
    ink : (H, W) float32 in [0, 1].
    hints : at least one hint.
    background : ``paper`` or ``fill`` (:mod:`irodori.background`).

    Returns
    -------
    ``(rgb (H, W, 3) float32, alpha (H, W) uint8, fill meta)``; alpha is 0
    on background paper and under transparent hints.
    """
    from .fill import fill_regions

    flats, graph, unreached, meta = fill_regions(ink, hints, unhinted="transparent", background=background)
    labels = graph.labels
    reached = ~unreached[labels]
    coloured = reached & (flats[..., 3] > 0)
    out = rgb.copy()
    if coloured.any():
        lab = labels[coloured]
        light = rgb[coloured].mean(axis=1)
        n = graph.n
        mean_light = np.bincount(lab, light, minlength=n) / np.maximum(np.bincount(lab, minlength=n), 1)
        target = flats[coloured][:, :3].astype(np.float32) / 255.0
        out[coloured] = np.clip(target + SHADING * (light - mean_light[lab])[:, None], 0.0, 1.0)
    alpha = np.where(reached & (flats[..., 3] == 0), 0, 255).astype(np.uint8)
    return out, alpha, meta


def background_paper(graph: Any, ink: np.ndarray, clean: CleanHints) -> np.ndarray:
    """``(n,) bool``: regions of ``graph`` that stay paper under the background policy (:mod:`irodori.background`)."""
    strong, _ = clean.votes(graph.labels, graph.n)
    return paper_from_votes(graph, ink, strong, clean.palette)
