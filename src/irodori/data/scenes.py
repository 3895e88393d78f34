"""Synthetic 3D scenes with known geometry: ground truth for shading.

Objects built from analytic shapes (spheres, ellipsoids, capsules, tori)
are rendered orthographically (viewer on the +z axis): a depth buffer, the
true surface normals, the object each pixel shows, its outlines as line art
(wherever the visible object changes: silhouettes, and crease lines where
two parts of one colour overlap), flat colours, and a reference shading for
any light: cel (``n . l`` below a threshold, or in the cast shadow of the
depth buffer) and smooth (Lambert with ambient and cast shadow).

Coordinates: ``x`` right, ``y`` down, ``z`` toward the viewer, as in
:func:`irodori.shade.light_vector`. Everything is a pure function of its
arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..compose import lines_layer
from ..shade import CEL_THRESHOLDS, light_vector

#: Names of the scenes :func:`make_scene` builds.
SCENES = ("sphere", "ellipsoid", "capsule", "torus", "blobs", "character")


@dataclass(frozen=True)
class Scene:
    """A rendered scene.

    ``depth (H, W) float32`` (-inf on the background), ``normals (H, W, 3)
    float32`` unit (0 on the background), ``ids (H, W) int32`` object per
    pixel (-1 background), ``ink (H, W) float32`` line art in [0, 1],
    ``flats (H, W, 4) uint8`` RGBA (alpha 0 on the background).
    """

    name: str
    depth: np.ndarray
    normals: np.ndarray
    ids: np.ndarray
    ink: np.ndarray
    flats: np.ndarray


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    return x + 0.5, y + 0.5


def _sphere(x, y, c, r):
    dx, dy = x - c[0], y - c[1]
    q = r * r - dx * dx - dy * dy
    ok = q > 0
    dz = np.sqrt(np.maximum(q, 0))
    n = np.stack([dx, dy, dz], -1) / r
    return np.where(ok, c[2] + dz, -np.inf), n


def _ellipsoid(x, y, c, radii, angle):
    a, b, cz = radii
    ca, sa = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    dx, dy = x - c[0], y - c[1]
    u, v = ca * dx + sa * dy, -sa * dx + ca * dy
    q = 1.0 - (u / a) ** 2 - (v / b) ** 2
    ok = q > 0
    dz = cz * np.sqrt(np.maximum(q, 0))
    nu, nv, nz = u / a ** 2, v / b ** 2, dz / cz ** 2
    nx, ny = ca * nu - sa * nv, sa * nu + ca * nv
    n = np.stack([nx, ny, nz], -1)
    n /= np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-9)
    return np.where(ok, c[2] + dz, -np.inf), n


def _capsule(x, y, p0, p1, z, r):
    p0, p1 = np.asarray(p0, np.float32), np.asarray(p1, np.float32)
    d = p1 - p0
    t = np.clip(((x - p0[0]) * d[0] + (y - p0[1]) * d[1]) / float(d @ d), 0, 1)
    qx, qy = p0[0] + t * d[0], p0[1] + t * d[1]
    return _sphere_at(x - qx, y - qy, z, r)


def _sphere_at(dx, dy, z, r):
    q = r * r - dx * dx - dy * dy
    dz = np.sqrt(np.maximum(q, 0))
    n = np.stack([dx, dy, dz], -1) / r
    return np.where(q > 0, z + dz, -np.inf), n


def _torus(x, y, c, big, small):
    dx, dy = x - c[0], y - c[1]
    rho = np.sqrt(dx * dx + dy * dy) + 1e-6
    off = rho - big
    return _sphere_at(off * dx / rho, off * dy / rho, c[2], small)


def _parts(name: str, s: float) -> list[tuple[tuple, tuple[int, int, int]]]:
    """(shape, colour) of each object, ``s`` the canvas size."""
    skin, hair, cloth, red, green = (246, 214, 190), (90, 70, 160), (70, 130, 200), (220, 80, 80), (90, 180, 110)
    if name == "sphere":
        return [(("sphere", (0.5 * s, 0.5 * s, 0), 0.36 * s), red)]
    if name == "ellipsoid":
        return [(("ellipsoid", (0.5 * s, 0.5 * s, 0), (0.42 * s, 0.24 * s, 0.24 * s), 30), green)]
    if name == "capsule":
        return [(("capsule", (0.22 * s, 0.7 * s), (0.78 * s, 0.3 * s), 0, 0.15 * s), cloth)]
    if name == "torus":
        return [(("torus", (0.5 * s, 0.5 * s, 0), 0.3 * s, 0.12 * s), (230, 170, 60))]
    if name == "blobs":
        return [(("sphere", (0.38 * s, 0.4 * s, 0), 0.26 * s), red),
                (("ellipsoid", (0.62 * s, 0.62 * s, 0.12 * s), (0.28 * s, 0.18 * s, 0.18 * s), -20), green),
                (("sphere", (0.28 * s, 0.72 * s, 0.2 * s), 0.14 * s), cloth)]
    if name == "character":
        return [(("ellipsoid", (0.5 * s, 0.8 * s, 0), (0.2 * s, 0.2 * s, 0.14 * s), 0), cloth),  # body
                (("capsule", (0.5 * s, 0.55 * s), (0.5 * s, 0.66 * s), 0.02 * s, 0.06 * s), skin),  # neck
                (("sphere", (0.5 * s, 0.38 * s, 0.04 * s), 0.2 * s), skin),  # head
                (("ellipsoid", (0.5 * s, 0.24 * s, 0.1 * s), (0.23 * s, 0.12 * s, 0.12 * s), 0), hair),  # fringe
                (("capsule", (0.33 * s, 0.72 * s), (0.22 * s, 0.95 * s), 0.12 * s, 0.05 * s), skin),  # arm
                (("capsule", (0.67 * s, 0.72 * s), (0.8 * s, 0.93 * s), 0.12 * s, 0.05 * s), skin)]
    raise ValueError(f"unknown scene {name!r}; known: {', '.join(SCENES)}")


def make_scene(name: str, size: int = 256, line_width: float = 2.0) -> Scene:
    """Render scene ``name`` (one of :data:`SCENES`) on a ``size`` x ``size`` canvas."""
    x, y = _grid(size)
    depth = np.full((size, size), -np.inf, np.float32)
    normals = np.zeros((size, size, 3), np.float32)
    ids = np.full((size, size), -1, np.int32)
    colors = []
    for i, (shape, color) in enumerate(_parts(name, float(size))):
        kind, *args = shape
        z, n = {"sphere": _sphere, "ellipsoid": _ellipsoid, "capsule": _capsule, "torus": _torus}[kind](x, y, *args)
        front = z > depth
        depth = np.where(front, z, depth)
        normals[front] = n[front]
        ids[front] = i
        colors.append(color)
    # Outlines wherever the visible object changes (4-neighbours), widened and anti-aliased.
    edge = np.zeros((size, size), np.uint8)
    edge[:-1] |= (ids[:-1] != ids[1:]).astype(np.uint8)
    edge[:, :-1] |= (ids[:, :-1] != ids[:, 1:]).astype(np.uint8)
    dist = cv2.distanceTransform(1 - edge, cv2.DIST_L2, 5)
    ink = np.clip(line_width / 2.0 + 0.5 - dist, 0.0, 1.0).astype(np.float32)
    palette = np.array(colors + [(255, 255, 255)], np.uint8)
    flats = np.zeros((size, size, 4), np.uint8)
    flats[..., :3] = palette[ids]
    flats[..., 3] = np.where(ids >= 0, 255, 0)
    return Scene(name, depth, normals, ids, ink, flats)


def cast_shadow(depth: np.ndarray, light: np.ndarray, steps: int = 96) -> np.ndarray:
    """``(H, W) bool``: True where the depth buffer hides the light (a ray to it passes under a surface)."""
    h, w = depth.shape
    horiz = math.hypot(light[0], light[1])
    out = np.zeros((h, w), bool)
    if horiz < 1e-6:
        return out
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    on = np.isfinite(depth)
    reach = float(max(h, w))
    for i in range(1, steps + 1):
        t = reach * (i / steps) ** 1.5
        xs = np.rint(xx + light[0] / horiz * t).astype(np.int64)
        ys = np.rint(yy + light[1] / horiz * t).astype(np.int64)
        inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        zs = np.full((h, w), -np.inf, np.float32)
        zs[inside] = depth[ys[inside], xs[inside]]
        out |= on & (zs > depth + t * light[2] / horiz + 1.0)
    return out


def reference_shadow(scene: Scene, light: tuple[float, float], threshold: float = CEL_THRESHOLDS[0]) -> np.ndarray:
    """Reference cel shadow mask ``(H, W) bool``: ``n . l < threshold`` or cast shadow, on objects only."""
    l = light_vector(*light)
    ndotl = scene.normals @ l
    on = scene.ids >= 0
    return on & ((ndotl < threshold) | cast_shadow(scene.depth, l))


def reference_light(scene: Scene, light: tuple[float, float], ambient: float = 0.35) -> np.ndarray:
    """Reference smooth lightness factor ``(H, W) float32``: ambient + Lambert, 0 diffuse in cast shadow."""
    l = light_vector(*light)
    diffuse = np.clip(scene.normals @ l, 0, 1) * ~cast_shadow(scene.depth, l)
    return (ambient + (1 - ambient) * diffuse).astype(np.float32)


def reference_image(scene: Scene, shadow: np.ndarray, shadow_rgb: np.ndarray, strength: float) -> np.ndarray:
    """The reference cel picture ``(H, W, 3) uint8``: flats, the shadow as a multiply colour, the lines."""
    flat = scene.flats[..., :3].astype(np.float32) / 255.0
    flat[scene.ids < 0] = 1.0
    a = shadow[..., None] * float(strength)
    out = flat * (1 - a) + flat * shadow_rgb * a
    keep = 1.0 - lines_layer(scene.ink)[..., None].astype(np.float32) / 255.0
    return np.clip(np.rint(out * keep * 255.0), 0, 255).astype(np.uint8)
