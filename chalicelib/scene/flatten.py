"""Machine geometry from the scene's outlines: closed polygons a cutter can follow as they are.

The DXF and machine-SVG writers never build geometry of their own; they flatten the scene's
contours here, so the cut file and the preview come from the same outlines.

- **Flattening** uses Wang's bound: a Bézier of degree d split into n equal parameter steps
  stays within ``d(d-1)/8 · max|P[i+2] - 2P[i+1] + P[i]| / n²`` of its chords. Solving for n gives
  a segment count that *guarantees* the deviation (no sampling, no recursion) and is
  deterministic. The budget is :data:`TOLERANCE_MM` minus the worst move of rounding to the
  1 µm grid, so the written coordinates are within 0.01 mm of the true curve.
- **Nesting** (outer, hole, island ...) is decided by containment, not by winding: fonts
  disagree on contour direction and the y flip reverses it anyway.
- Kerf offsets and stencil bridges work on these rings; they live in
  :mod:`chalicelib.scene.polygon_ops`.

Everything here is plain floats: no numpy, no shapely, no import of fontTools.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.domain.units import MM_PER_INCH

if TYPE_CHECKING:
    from chalicelib.scene.model import Affine, Rect
    from chalicelib.scene.outline import Contour

Point = tuple[float, float]
Ring = tuple[Point, ...]  # closed: the last point joins the first, which is not repeated
Box = tuple[float, float, float, float]  # x_min, y_min, x_max, y_max

TOLERANCE_MM = 0.01
GRID_MM = 0.001  # written coordinates are rounded to 1 µm
CURVE_TOLERANCE_MM = TOLERANCE_MM - GRID_MM * math.sqrt(2) / 2
NOISE_AREA_MM2 = TOLERANCE_MM**2  # a contour enclosing less is font noise, below any machine
EPS = 1e-9  # points closer than this on both axes are the same point


class GeometryError(ValueError):
    """The profile asks for geometry this design cannot have; ``code`` is stable, for the pack.

    ``geometry.hole_smaller_than_kerf``, ``geometry.counter_not_bridged``,
    ``geometry.contours_cross`` (contours that overlap each other cannot be bridged).
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# --- flattening -------------------------------------------------------------------------


def flatten(contour: Contour, tolerance_mm: float = CURVE_TOLERANCE_MM) -> Ring:
    """The contour as a polygon whose chords stay within ``tolerance_mm`` of every curve."""
    points: list[Point] = []
    current = contour[0].points[0]
    for segment in contour:
        if segment.op in ("Q", "C"):
            ctrl = (current, *segment.points)
            steps = _steps(ctrl, tolerance_mm)
            for i in range(1, steps):
                append_point(points, _bezier(ctrl, i / steps))
        append_point(points, segment.points[-1])
        current = segment.points[-1]
    while len(points) > 1 and same_point(points[0], points[-1]):
        points.pop()
    return tuple(points)


def flatten_all(contours: Sequence[Contour]) -> list[Ring]:
    """Every contour flattened; contours enclosing no more than noise are dropped."""
    rings = (flatten(contour) for contour in contours)
    return [r for r in rings if len(r) >= 3 and abs(signed_area(r)) > NOISE_AREA_MM2]


def _steps(ctrl: tuple[Point, ...], tolerance_mm: float) -> int:
    """Wang's formula: the fewest equal steps that keep every chord within the tolerance."""
    degree = len(ctrl) - 1
    bend = max(
        math.hypot(a[0] - 2 * b[0] + c[0], a[1] - 2 * b[1] + c[1])
        for a, b, c in zip(ctrl, ctrl[1:], ctrl[2:], strict=False)
    )
    return max(1, math.ceil(math.sqrt(degree * (degree - 1) * bend / (8 * tolerance_mm))))


def _bezier(ctrl: tuple[Point, ...], t: float) -> Point:
    s = 1 - t
    if len(ctrl) == 3:
        (x0, y0), (x1, y1), (x2, y2) = ctrl
        return s * s * x0 + 2 * s * t * x1 + t * t * x2, s * s * y0 + 2 * s * t * y1 + t * t * y2
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ctrl
    a, b, c, d = s * s * s, 3 * s * s * t, 3 * s * t * t, t * t * t
    return a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3


def append_point(points: list[Point], point: Point) -> None:
    """Zero-length segments are dropped as they arise."""
    if not points or not same_point(points[-1], point):
        points.append(point)


def same_point(a: Point, b: Point) -> bool:
    return abs(a[0] - b[0]) <= EPS and abs(a[1] - b[1]) <= EPS


def rect_ring(rect: Rect, transform: Affine) -> Ring:
    """A colour zone's rectangle, turned like the zone."""
    corners = (
        (rect.x, rect.y),
        (rect.x + rect.width, rect.y),
        (rect.x + rect.width, rect.y + rect.height),
        (rect.x, rect.y + rect.height),
    )
    return tuple(transform.apply(x, y) for x, y in corners)


# --- the machine's frame ----------------------------------------------------------------


@dataclass(frozen=True)
class MachineFrame:
    """Scene millimetres (y down) to the machine's units: y up, optionally mirrored, mm or in.

    Coordinates are rounded to 1 µm (mm) or 0.00001 in (0.254 µm, the nearest decimal step not
    coarser than 1 µm), so a file never carries float noise and equal points compare equal.
    """

    width_mm: float
    height_mm: float
    mirror: bool = False
    inches: bool = False
    flip_vertical: bool = False  # mirrored about the horizontal centre line (a side's flip)

    def ring(self, ring: Ring) -> Ring | None:
        """The ring in machine units; None when rounding leaves nothing with an area."""
        scale, decimals = (1 / MM_PER_INCH, 5) if self.inches else (1.0, 3)
        out: list[Point] = []
        for x, y in ring:
            mx = self.width_mm - x if self.mirror else x
            my = y if self.flip_vertical else self.height_mm - y
            point = (
                round(mx * scale, decimals) + 0.0,
                round(my * scale, decimals) + 0.0,
            )
            if not out or out[-1] != point:
                out.append(point)
        while len(out) > 1 and out[0] == out[-1]:
            out.pop()
        if len(out) < 3 or signed_area(out) == 0:
            return None
        return tuple(out)


def canonical(ring: Ring) -> Ring:
    """The same closed path whatever its start and direction: the key for finding duplicates."""
    start = min(range(len(ring)), key=ring.__getitem__)
    forward = ring[start:] + ring[:start]
    backward = (forward[0], *reversed(forward[1:]))
    return min(forward, backward)


# --- areas and nesting --------------------------------------------------------------------


def signed_area(ring: Sequence[Point]) -> float:
    """Shoelace area: positive when the ring turns from +x towards +y."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(ring, (*ring[1:], ring[0]), strict=True):
        total += x0 * y1 - x1 * y0
    return total / 2


def bbox(ring: Sequence[Point]) -> Box:
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def contains(ring: Ring, point: Point) -> bool:
    """Even-odd point in polygon."""
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, (*ring[1:], ring[0]), strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def depths(rings: Sequence[Ring]) -> list[int]:
    """How many other rings enclose each ring: 0 outer, 1 hole, 2 island in a hole ..."""
    boxes = [bbox(r) for r in rings]
    out = []
    for i, ring in enumerate(rings):
        a = boxes[i]
        out.append(
            sum(
                1
                for j, other in enumerate(rings)
                if j != i
                and boxes[j][0] <= a[0]
                and boxes[j][1] <= a[1]
                and boxes[j][2] >= a[2]
                and boxes[j][3] >= a[3]
                and contains(other, ring[0])
            )
        )
    return out


def oriented(ring: Ring, depth: int) -> Ring:
    """Outer rings (even depth) with a positive area, holes negative: filled side on the left."""
    if (signed_area(ring) > 0) != (depth % 2 == 0):
        return (ring[0], *reversed(ring[1:]))
    return ring
