"""Evaluation pairs for colouring from a reference: same character, new drawing.

Built from DiceBear styles (default ``adventurer``, CC BY 4.0, Lisa
Wischofsky, and ``open-peeps``, CC0 1.0, Pablo Stanley: a body cut by the
picture's bottom border, thick outlines). For each seed the reference is the
avatar as DiceBear draws it; two new drawings of the same character are made:

- ``moved``: a new expression, and the character moved as between panels:
  mirrored (half of them), turned up to 25 degrees, scaled 0.85-1.25 (so
  hair or body may be cut by the border), shifted;
- ``same-pose``: only the expression changes (where pasting is almost right).

Each kind also comes ``-shaded``: the reference's colours get a synthetic cel
shading (:func:`cel_shade`: a darker, bluer rim away from an upper-left light
and a lighter rim towards it, inside every flat colour area), its lines
unchanged, as real references are shaded. The truth stays the new drawing's
flat colours, which is what a flats method is asked to give.

Seeds are ``refeval-NNNNN``, never used by the training build (``irodori-NNNNN``).
``DIR/pairs.csv`` has ``id, style, variant, split, ref_line, ref_color, line,
color`` (paths relative to ``DIR``; ``split`` is always ``test``) plus the move.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..errors import IrodoriError

DEFAULT_STYLES = ("adventurer", "open-peeps")
VARIANTS = ("moved", "same-pose", "moved-shaded", "same-pose-shaded")
EXPRESSION_PARTS = ("eyes", "mouth", "eyebrows", "expression")
COLUMNS = ("id", "style", "variant", "split", "ref_line", "ref_color", "line", "color", "flip", "rotate", "scale",
           "translate_x", "translate_y")


def cel_shade(color: np.ndarray, line: np.ndarray, alpha: np.ndarray | None = None,
              depth: float = 0.04, shadow: tuple[float, float, float] = (0.74, 0.70, 0.84),
              light: float = 0.30) -> np.ndarray:
    """Synthetic two-tone cel shading of a flat-coloured picture; lines unchanged.

    Parameters
    ----------
    color : (H, W, 3) uint8 flat colours.
    line : (H, W) uint8 line art, 0 = ink (its dark pixels are copied unchanged).
    alpha : (H, W) uint8 coverage of the character (0 = background, never shaded), or None.
    depth : rim width as a fraction of the picture's side.
    shadow : RGB multiplier of the shadow tone.
    light : share of white screened onto the highlight rim.

    Returns
    -------
    (H, W, 3) uint8: every flat colour area (same colour, connected, not ink)
    darkened on its lower-right rim (pixels whose area does not continue
    ``depth`` further down-right, smoothed) and lightened on a thinner
    upper-left rim, as a light from the upper left would.
    """
    h, w = line.shape
    paper = line >= 128
    if alpha is not None:
        paper &= alpha > 0
    packed = (color[..., 0].astype(np.int64) << 16) | (color[..., 1].astype(np.int64) << 8) | color[..., 2]
    packed = np.where(paper, packed, -1)
    k = max(2, int(round(depth * max(h, w))))
    out = color.astype(np.float32)
    shade = np.zeros((h, w), bool)
    high = np.zeros((h, w), bool)
    for value in np.unique(packed):
        if value < 0:
            continue
        mask = (packed == value).astype(np.uint8)
        n, comp = cv2.connectedComponents(mask, connectivity=4)
        for c in range(1, n):
            m = (comp == c).astype(np.float32)
            if m.sum() < 16:
                continue
            soft = cv2.GaussianBlur(m, (0, 0), k / 3) > 0.5
            mb = soft.astype(np.uint8)
            # Does the area continue k pixels down-right (beyond the border it is taken to go on)?
            down = np.pad(mb, ((0, k), (0, k)), mode="edge")[k:, k:]
            hk = max(1, k // 3)
            up = np.pad(mb, ((hk, 0), (hk, 0)), mode="edge")[:h, :w]
            region = m > 0
            shade |= region & (down == 0)
            high |= region & (up == 0) & (down > 0)
    out[shade] *= np.asarray(shadow, np.float32)
    out[high] = out[high] + light * (255.0 - out[high])
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _parts_options(source: Any, seed: str, rng: np.random.Generator) -> dict[str, Any]:
    from dicebear import Avatar, Style

    if source._style is None:
        source._style = Style(source._definition)
    base = Avatar(source._style, {"seed": seed}).to_json()["options"]
    comps = source._definition.get("components", {})
    opts: dict[str, Any] = {"seed": seed}
    for part in EXPRESSION_PARTS:
        if part not in comps:
            continue
        variants = sorted(comps[part].get("variants", {}))
        others = [v for v in variants if v != base.get(f"{part}Variant")]
        if others:
            opts[f"{part}Variant"] = others[int(rng.integers(len(others)))]
    return opts


def build(out: str | Path, styles: tuple[str, ...] = DEFAULT_STYLES, n: int = 8, size: int = 512,
          start: int = 0) -> Path:
    """Write ``n`` characters per style, each with the four :data:`VARIANTS`, under ``out``.

    Returns the path of ``pairs.csv``. Raises IrodoriError when the DiceBear
    packages are missing or a style is unknown. Files are written atomically;
    existing pictures of the same names are rewritten with the same content.
    """
    from ..io import write_png
    from .dicebear import DiceBearSource

    out = Path(out)
    for sub in ("line", "color"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    records = []
    for style in styles:
        src = DiceBearSource(n=1, style=style)
        for i in range(start, start + n):
            seed = f"refeval-{i:05d}"
            rng = np.random.default_rng([i, sum(map(ord, style))])
            stem = f"{style}-{i:05d}"
            ref_line, ref_color, ref_alpha = src.render_pair({"seed": seed}, size)
            if (ref_line < 128).sum() < 64:
                continue
            write_png(out / "line" / f"{stem}-ref.png", ref_line, overwrite=True)
            write_png(out / "color" / f"{stem}-ref.png", ref_color, overwrite=True)
            write_png(out / "color" / f"{stem}-ref-shaded.png", cel_shade(ref_color, ref_line, ref_alpha),
                      overwrite=True)
            parts = _parts_options(src, seed, rng)
            moves = {
                "same-pose": {"flip": "none", "rotate": 0.0, "scale": 1.0, "translateX": 0.0, "translateY": 0.0},
                "moved": {"flip": "horizontal" if rng.random() < 0.5 else "none",
                          "rotate": round(float(rng.uniform(8, 25) * rng.choice([-1, 1])), 1),
                          "scale": round(float(rng.uniform(0.85, 1.25)), 3),
                          "translateX": round(float(rng.uniform(-12, 12)), 1),
                          "translateY": round(float(rng.uniform(-12, 12)), 1)},
            }
            for kind, move in moves.items():
                line, color, _ = src.render_pair({**parts, **move}, size)
                write_png(out / "line" / f"{stem}-{kind}.png", line, overwrite=True)
                write_png(out / "color" / f"{stem}-{kind}.png", color, overwrite=True)
                for shaded in (False, True):
                    records.append({
                        "id": f"{stem}-{kind}{'-shaded' if shaded else ''}", "style": style,
                        "variant": kind + ("-shaded" if shaded else ""), "split": "test",
                        "ref_line": f"line/{stem}-ref.png",
                        "ref_color": f"color/{stem}-ref{'-shaded' if shaded else ''}.png",
                        "line": f"line/{stem}-{kind}.png", "color": f"color/{stem}-{kind}.png",
                        "flip": move["flip"], "rotate": move["rotate"], "scale": move["scale"],
                        "translate_x": move["translateX"], "translate_y": move["translateY"]})
    if not records:
        raise IrodoriError("no reference pairs were made")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rec in records:
        writer.writerow(rec)
    from ..io import write_bytes_atomic

    path = out / "pairs.csv"
    write_bytes_atomic(path, buf.getvalue().encode("utf-8"), overwrite=True)
    return path
