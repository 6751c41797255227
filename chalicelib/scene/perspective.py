"""The perspective (homography) that takes a flat artboard onto a photo taken at an angle.

Pillow's ``Image.transform(size, PERSPECTIVE, (a, b, c, d, e, f, g, h))`` asks, for every
*output* pixel (x, y), the *input* point ``((a·x + b·y + c) / (g·x + h·y + 1),
(d·x + e·y + f) / (g·x + h·y + 1))``. Four point pairs fix those eight numbers; numpy solves
the 8×8 system. Worker-only module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Point = tuple[float, float]


def coefficients(output: Sequence[Point], source: Sequence[Point]) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE data mapping each ``output[i]`` to ``source[i]`` (four points)."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(output, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -x * u, -y * u])
        rows.append([0, 0, 0, x, y, 1, -x * v, -y * v])
        rhs += [u, v]
    solution = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return tuple(float(value) for value in solution)


def apply(data: Sequence[float], x: float, y: float) -> Point:
    """Where Pillow samples the input for output point (x, y) under ``data``."""
    a, b, c, d, e, f, g, h = data
    w = g * x + h * y + 1
    return (a * x + b * y + c) / w, (d * x + e * y + f) / w


def art_size(
    quad: Sequence[Point], width_mm: float, height_mm: float, limit_px: int
) -> tuple[int, int]:
    """Pixels to draw the artboard at so that its longest edge on the photo is not upsampled:
    the scale of the longer of each pair of opposite edges, the artboard's own proportions,
    and never a long side over ``limit_px`` (corners far off the photo would ask for more)."""
    tl, tr, br, bl = quad
    across = max(math.dist(tl, tr), math.dist(bl, br)) / width_mm
    down = max(math.dist(tl, bl), math.dist(tr, br)) / height_mm
    per_mm = min(max(across, down, 1e-6), limit_px / max(width_mm, height_mm))
    return max(1, round(width_mm * per_mm)), max(1, round(height_mm * per_mm))
