"""DiceBear avatars: exact line-art pairs and same-character pairs.

Avatars come from ``dicebear-core`` with style definitions from
``dicebear-styles``, one per seed. The colour picture is the avatar; its
line art is the same SVG with every fill and stroke that is not black
repainted white, so line art and colour match to the pixel. Only the
``adventurer`` style (CC BY 4.0, by Lisa Wischofsky) is for training; any
other style builds an evaluation-only set (every item ``split=test``,
source ``dicebear-<style>-evalonly``) so a model is never trained on it.

Same-character pairs (``DIR/pairs/``): for a seed, the reference is the
avatar in the main set and the target is the same seed (so the same hair,
skin and clothes colours and hair style) with other eyes/mouth/eyebrows and
the drawing moved as a character moves between panels: mirrored, turned
(``rotate`` up to 25 degrees), scaled and shifted. A pair whose colours
match when the reference is pasted unchanged would test nothing, so each
pair records ``paste_de2000`` (mean CIEDE2000 between the reference and
target colours over the character's paper pixels) and is redrawn with a
larger move while that is below :data:`MIN_PASTE_DE`. A pair's group is its
seed: it takes the seed's split.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IrodoriError
from .manifest import Row
from .sources import Item, SkipItem, Source
from .svg import on_white, render_svg, to_gray

TRAIN_STYLE = "adventurer"
PAIR_PARTS = ("eyes", "mouth", "eyebrows")
MIN_PASTE_DE = 4.0
_PAINT = re.compile(r'\b(fill|stroke|stop-color)="([^"]*)"')
_BLACK = {"#000", "#000000", "#000000ff", "black"}
PAIR_COLUMNS = ("id", "group", "split", "ref_id", "ref_line", "ref_color", "line", "color", "flip", "rotate",
                "scale", "translate_x", "translate_y", "eyes", "mouth", "eyebrows", "paste_de2000")


def _style_path(style: str) -> Path:
    try:
        import dicebear_styles  # noqa: F401
    except ImportError:
        raise IrodoriError("the dicebear source needs dicebear-core and dicebear-styles "
                           "(pip install 'irodori[data]')") from None
    from importlib.resources import files

    path = Path(str(files("dicebear_styles") / f"{style}.json"))
    if not re.fullmatch(r"[a-z0-9-]+", style) or not path.is_file():
        folder = path.parent
        names = sorted(p.stem for p in folder.glob("*.json"))
        raise IrodoriError(f"unknown DiceBear style {style!r}: expected one of {', '.join(names)}")
    return path


def line_svg(svg: str) -> str:
    """The avatar SVG with every fill and stroke that is not black (or none) repainted white."""
    def repaint(m: re.Match[str]) -> str:
        value = m.group(2).strip().lower()
        if value in _BLACK or value == "none" or value.startswith("url("):
            return m.group(0)
        return f'{m.group(1)}="#ffffff"'

    return _PAINT.sub(repaint, svg)


class DiceBearSource(Source):
    """``n`` avatars of one DiceBear style, seeds ``irodori-00000`` onwards, plus pairs."""

    def __init__(self, n: int = 3000, style: str = TRAIN_STYLE, pairs_per_seed: int = 1) -> None:
        if n < 1:
            raise IrodoriError(f"--n must be at least 1, got {n}")
        if pairs_per_seed < 0:
            raise IrodoriError(f"--pairs-per-seed must be >= 0, got {pairs_per_seed}")
        self.style, self.n, self.pairs_per_seed = style, n, pairs_per_seed
        self._definition = json.loads(_style_path(style).read_text(encoding="utf-8"))
        meta = self._definition.get("meta", {})
        lic = meta.get("license", {})
        self.license = lic.get("name", "unknown")
        creator = meta.get("creator", {}).get("name", "unknown")
        self.attribution = lic.get("text") or f"{meta.get('source', {}).get('name', style)} by {creator}"
        if style == TRAIN_STYLE:
            self.name = "dicebear"
        else:
            self.name = f"dicebear-{style}-evalonly"
            self.fixed_split = "test"
        self._style: Any = None
        self.parts = tuple(p for p in PAIR_PARTS if p in self._definition.get("components", {}))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_style"] = None  # rebuilt per process
        return state

    def _avatar_svg(self, options: dict[str, Any]) -> str:
        from dicebear import Avatar, Style

        if self._style is None:
            self._style = Style(self._definition)
        return Avatar(self._style, options).to_string()

    def options(self) -> dict[str, Any]:
        from importlib.metadata import version

        return {"style": self.style, "n": self.n, "pairs_per_seed": self.pairs_per_seed,
                "dicebear_core": version("dicebear-core"), "dicebear_styles": version("dicebear-styles")}

    def items(self) -> list[Item]:
        return [Item(f"{self.style}-{i:05d}", f"{self.style}-{i:05d}", f"irodori-{i:05d}")
                for i in range(self.n)]

    def render_pair(self, options: dict[str, Any], size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(line (S, S) uint8, color (S, S, 3) uint8, alpha (S, S) uint8)`` of one avatar."""
        svg = self._avatar_svg(options)
        rgba = render_svg(svg, size)
        line = to_gray(on_white(render_svg(line_svg(svg), size)))
        return line, on_white(rgba), rgba[..., 3]

    def render(self, item: Item, size: int) -> tuple[np.ndarray, np.ndarray]:
        line, color, _ = self.render_pair({"seed": item.payload}, size)
        if (line < 128).sum() < 16:
            raise SkipItem("no line art")
        return line, color

    def attribution_markdown(self) -> str:
        meta = self._definition.get("meta", {})
        lic = meta.get("license", {})
        creator = meta.get("creator", {})
        source = meta.get("source", {})
        return (f"## DiceBear {self.style}\n\n{self.attribution}\n\n"
                f"Design: {creator.get('name', 'unknown')} ({creator.get('url', '')}); source: "
                f"{source.get('name', self.style)} ({source.get('url', '')}); license: {lic.get('name', '?')} "
                f"({lic.get('url', '')}). Avatars generated with DiceBear (https://www.dicebear.com); "
                "line art made by repainting every non-black fill and stroke white.\n")

    # ------------------------------------------------------------ pairs
    def pair_options(self, seed: str, k: int, base: dict[str, Any], attempt: int) -> dict[str, Any]:
        """Options of pair ``k`` of ``seed``: new face parts and a move (bigger on later attempts)."""
        rng = np.random.default_rng([_seed_number(seed), k, attempt])
        components = self._definition.get("components", {})
        opts: dict[str, Any] = {"seed": seed}
        for part in self.parts:
            variants = sorted(components[part].get("variants", {}))
            others = [v for v in variants if v != base.get(f"{part}Variant")]
            if others:
                opts[f"{part}Variant"] = others[int(rng.integers(len(others)))]
        grow = 1.0 + 0.5 * attempt
        opts["flip"] = "horizontal" if rng.random() < 0.5 else "none"
        opts["rotate"] = round(float(np.clip(rng.uniform(-12, 12) * grow, -25, 25)), 1)
        opts["scale"] = round(float(np.clip(rng.uniform(0.85, 1.08), 0.7, 1.1)), 3)
        opts["translateX"] = round(float(np.clip(rng.uniform(-6, 6) * grow, -15, 15)), 1)
        opts["translateY"] = round(float(np.clip(rng.uniform(-6, 6) * grow, -15, 15)), 1)
        return opts

    def finish(self, out: Any, rows: list[Row], size: int, workers: int, progress: bool) -> dict[str, Any]:
        if self.pairs_per_seed == 0:
            return {}
        from .build import run_jobs

        out = Path(out)
        for sub in ("line", "color", "meta"):
            (out / "pairs" / sub).mkdir(parents=True, exist_ok=True)
        seeds = {f"{self.style}-{i:05d}": f"irodori-{i:05d}" for i in range(self.n)}
        jobs = [(r.id, seeds[r.id], r.split, k, size, str(out)) for r in rows for k in range(self.pairs_per_seed)]
        records = list(run_jobs(_make_pair, jobs, workers, (self,), progress, "same-character pairs"))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=PAIR_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for rec in sorted(records, key=lambda r: r["id"]):
            writer.writerow(rec)
        from .build import write_atomic

        write_atomic(out / "pairs" / "pairs.csv", buf.getvalue().encode("utf-8"))
        de = np.array([float(r["paste_de2000"]) for r in records])
        n_test = sum(r["split"] == "test" for r in records)
        return {"pairs": f"{len(records)} ({n_test} test)",
                "paste-unchanged mean CIEDE2000": f"{de.mean():.2f} (min {de.min():.2f})"}


def _seed_number(seed: str) -> int:
    return int.from_bytes(seed.encode("utf-8")[-8:].rjust(8, b"\0"), "big")


def paste_de2000(ref_color: np.ndarray, color: np.ndarray, line: np.ndarray, ref_alpha: np.ndarray,
                 alpha: np.ndarray) -> float:
    """Mean CIEDE2000 of pasting ``ref_color`` unchanged onto the target, over the characters' paper pixels."""
    from ..color import rgb_ciede2000

    mask = ((alpha > 0) | (ref_alpha > 0)) & (line >= 128)
    if not mask.any():
        return 0.0
    return float(rgb_ciede2000(ref_color[mask], color[mask]).mean())


def _make_pair(job: tuple[str, str, str, int, int, str]) -> dict[str, Any]:
    from . import build as _build
    from .build import encode_png, write_atomic

    ref_id, seed, split, k, size, out_s = job
    source = _build._SOURCE
    assert isinstance(source, DiceBearSource)
    out = Path(out_s)
    pid = f"{ref_id}-p{k}"
    meta_path = out / "pairs" / "meta" / f"{pid}.json"
    if meta_path.is_file() and (out / "pairs" / "line" / f"{pid}.png").is_file() \
            and (out / "pairs" / "color" / f"{pid}.png").is_file():
        return json.loads(meta_path.read_text(encoding="utf-8"))
    ref_rgba = render_svg(source._avatar_svg({"seed": seed}), size)
    ref_color, ref_alpha = on_white(ref_rgba), ref_rgba[..., 3]
    from dicebear import Avatar, Style

    if source._style is None:
        source._style = Style(source._definition)
    base = Avatar(source._style, {"seed": seed}).to_json()["options"]
    for attempt in range(6):
        opts = source.pair_options(seed, k, base, attempt)
        line, color, alpha = source.render_pair(opts, size)
        de = paste_de2000(ref_color, color, line, ref_alpha, alpha)
        if de >= MIN_PASTE_DE:
            break
    write_atomic(out / "pairs" / "color" / f"{pid}.png", encode_png(color))
    write_atomic(out / "pairs" / "line" / f"{pid}.png", encode_png(line))
    record = {"id": pid, "group": ref_id, "split": split, "ref_id": ref_id,
              "ref_line": f"line/{ref_id}.png", "ref_color": f"color/{ref_id}.png",
              "line": f"pairs/line/{pid}.png", "color": f"pairs/color/{pid}.png",
              "flip": opts["flip"], "rotate": opts["rotate"], "scale": opts["scale"],
              "translate_x": opts["translateX"], "translate_y": opts["translateY"],
              **{p: opts.get(f"{p}Variant", "") for p in PAIR_PARTS}, "paste_de2000": round(de, 3)}
    write_atomic(meta_path, json.dumps(record).encode("utf-8"))
    return record
