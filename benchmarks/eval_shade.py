"""Evaluate :func:`irodori.shade` against ground truth: synthetic 3D scenes rendered with known normals.

For every scene of :mod:`irodori.data.scenes` (sphere, ellipsoid, capsule,
torus, overlapping blobs, a simple character) and every light, the scene's
line art and flat colours are shaded by ``irodori.shade`` (cel, one tone,
no highlight: the same style as the reference) and compared with the
reference cel shading computed from the true normals and depth buffer:

* ``IoU``: shadow mask (shadow layer alpha > 0) against the reference
  mask (``n . l`` below the cel threshold, or in cast shadow), on the
  objects' paper pixels (ink < 0.3);
* ``dE shaded`` / ``dE flats``: mean CIEDE2000 of the shaded composite and
  of the flat composite against the reference picture (flats times the
  same multiply shadow colour, lines on top), on the objects' pixels;
* ``corr``: Pearson correlation over the objects' paper pixels of
  (shaded L* - flat L*) with (true L* - the area's median L*), where
  "true" is the flats lit by a smooth Lambert light with ambient and cast
  shadow (the issue's measure for real art; a plain darkening near every
  line scores about 0.09 there).

``angle`` is the light's angle from the default light (315, 45).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/eval_shade.py [--size 256] [--save DIR]``
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402

from irodori.color import ciede2000, rgb_to_lab  # noqa: E402
from irodori.data.scenes import SCENES, make_scene, reference_image, reference_light, reference_shadow  # noqa: E402
from irodori.methods import make_result  # noqa: E402
from irodori.shade import DEFAULT_LIGHT, ShadeOptions, light_vector, shade, shadow_rgb  # noqa: E402

LIGHTS = [(315, 45), (270, 45), (0, 45), (315, 25), (315, 70), (255, 40), (15, 55), (135, 45)]


def angle_from_default(light: tuple[float, float]) -> float:
    """Angle in degrees between ``light`` and the default light."""
    a, b = light_vector(*light), light_vector(*DEFAULT_LIGHT)
    return math.degrees(math.acos(float(np.clip(a @ b, -1, 1))))


def evaluate(name: str, light: tuple[float, float], size: int = 256, strength: float = 0.6,
             save: Path | None = None) -> dict[str, float]:
    """One scene under one light: IoU, dE of shaded and flats, correlation (see module docstring)."""
    scene = make_scene(name, size)
    result = make_result(scene.flats, scene.ink)
    shaded = shade(result, scene.ink, light=light, style="cel", levels=1, highlight=0.0, strength=strength,
                   occlusion=float(os.environ.get("OCC", 0.5)))
    paper = (scene.ids >= 0) & (scene.ink < 0.3)
    ours = shaded.layers[0].rgba[..., 3] > 0
    ref = reference_shadow(scene, light)
    inter, union = (ours & ref & paper).sum(), ((ours | ref) & paper).sum()
    iou = float(inter / union) if union else 1.0
    ref_img = reference_image(scene, ref, shadow_rgb(ShadeOptions()), strength)
    on = scene.ids >= 0
    lab_ref = rgb_to_lab(ref_img[on])
    de_shaded = float(ciede2000(rgb_to_lab(shaded.image[on]), lab_ref).mean())
    de_flats = float(ciede2000(rgb_to_lab(result.image[on]), lab_ref).mean())
    # correlation with a smooth true lighting
    true_rgb = np.clip(scene.flats[..., :3].astype(np.float32) * reference_light(scene, light)[..., None], 0, 255)
    true_l = rgb_to_lab(true_rgb.astype(np.uint8))[..., 0]
    dl_true = np.zeros_like(true_l)
    for i in np.unique(scene.ids[paper]):
        m = paper & (scene.ids == i)
        dl_true[m] = true_l[m] - np.median(true_l[m])
    dl_ours = rgb_to_lab(shaded.image)[..., 0] - rgb_to_lab(result.image)[..., 0]
    x, y = dl_ours[paper], dl_true[paper]
    corr = float(np.corrcoef(x, y)[0, 1]) if x.std() > 0 and y.std() > 0 else 0.0
    if save is not None:
        from PIL import Image

        save.mkdir(parents=True, exist_ok=True)
        tag = f"{name}_{int(light[0])}_{int(light[1])}"
        Image.fromarray(np.hstack([result.image, shaded.image, ref_img])).save(save / f"{tag}.png")
    return {"iou": iou, "de_shaded": de_shaded, "de_flats": de_flats, "corr": corr}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--scenes", default=",".join(SCENES))
    ap.add_argument("--save", type=Path, default=None, help="write flats | shaded | reference pictures here")
    args = ap.parse_args(argv)
    scenes = args.scenes.split(",")
    print(f"| light (az, el) | angle | {' | '.join(scenes)} | mean IoU | dE shaded | dE flats | corr |")
    print("|---" * (len(scenes) + 6) + "|")
    for light in LIGHTS:
        rows = [evaluate(s, light, args.size, save=args.save) for s in scenes]
        ious = [r["iou"] for r in rows]
        mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        print(f"| {light[0]}, {light[1]} | {angle_from_default(light):.0f} | "
              + " | ".join(f"{v:.2f}" for v in ious)
              + f" | {mean['iou']:.3f} | {mean['de_shaded']:.2f} | {mean['de_flats']:.2f} | {mean['corr']:.2f} |")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
