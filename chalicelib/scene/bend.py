"""Glyph outlines bent along a circular arc (a text zone's ``path`` with ``bend``).

A rigid glyph turned to the tangent keeps its shape, but its ends no longer meet the next
glyph's where a joining script (Arabic) or a cursive font connects them. Bending maps every
point of the straight glyph, ``u`` mm along the line from the glyph's origin and ``v`` mm above
the baseline, to the angle its arc length reaches and the radius its height gives: what was
one connected stroke on the line stays connected on the circle.

The map is not affine, so control points alone would not do: every segment is first split into
pieces of at most :data:`PIECE_MM` (de Casteljau for curves, equal parts for lines), and each
piece's points are mapped. A piece's error is about ``piece² / (8 · radius)``: 0.5 mm pieces on a
5 mm radius stay under 0.01 mm (the machine tolerance), far less on real rings and coasters.
Lines become several lines; curves stay curves.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from chalicelib.domain.layout import GlyphPlacement
from chalicelib.domain.zone import ArcPath
from chalicelib.scene.outline import Contour, Point, Segment

PIECE_MM = 0.5


def bend_contours(
    contours: tuple[Contour, ...], path: ArcPath, placement: GlyphPlacement
) -> tuple[Contour, ...]:
    """``contours`` drawn straight (mm, y down, origin at the glyph's pen origin) bent onto
    ``path`` where ``placement`` put the glyph."""
    sign = 1.0 if path.side == "outside" else -1.0
    phi = math.radians(placement.rotation_deg + (0.0 if sign > 0 else 180.0))
    height = sign * (
        math.hypot(placement.x_mm - path.cx_mm, placement.y_mm - path.cy_mm) - path.radius_mm
    )

    def to_arc(p: Point) -> Point:
        u, v = p[0], height - p[1]  # v up from the baseline
        angle = phi + sign * u / path.radius_mm
        rho = path.radius_mm + sign * v
        return (path.cx_mm + rho * math.sin(angle), path.cy_mm - rho * math.cos(angle))

    return tuple(_bend(contour, to_arc) for contour in contours)


def _bend(contour: Contour, to_arc: Callable[[Point], Point]) -> Contour:
    out: list[Segment] = []
    current: Point = contour[0].points[0]
    out.append(Segment("M", (to_arc(current),)))
    for segment in contour[1:]:
        points = (current, *segment.points)
        for piece in _split(points):
            out.append(Segment(segment.op, tuple(to_arc(p) for p in piece[1:])))
        current = segment.points[-1]
    first = contour[0].points[0]
    if current != first:  # the implicit closing line bends too
        for piece in _split((current, first)):
            out.append(Segment("L", (to_arc(piece[1]),)))
    return tuple(out)


def _split(points: tuple[Point, ...]) -> list[tuple[Point, ...]]:
    """The segment (start point first) as pieces no longer than :data:`PIECE_MM`."""
    length = sum(math.dist(a, b) for a, b in itertools.pairwise(points))
    n = max(1, math.ceil(length / PIECE_MM))
    pieces = []
    rest = points
    for k in range(n, 1, -1):
        head, rest = _de_casteljau(rest, 1 / k)
        pieces.append(head)
    pieces.append(rest)
    return pieces


def _de_casteljau(
    points: tuple[Point, ...], t: float
) -> tuple[tuple[Point, ...], tuple[Point, ...]]:
    """Split a Bézier (any degree, a line included) at ``t``: both halves, start points first."""
    left, right = [points[0]], [points[-1]]
    level = list(points)
    while len(level) > 1:
        level = [
            (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
            for a, b in itertools.pairwise(level)
        ]
        left.append(level[0])
        right.append(level[-1])
    return tuple(left), tuple(reversed(right))
