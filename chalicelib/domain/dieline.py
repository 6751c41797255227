"""A product's die line: the outline the workshop cuts the product itself along.

A pendant is a heart, a keychain a rounded rectangle: the shape exists in every pack (the CUT
layer of the DXF and machine SVG, a ``CutContour`` spot colour in the print PDF) and zones must
lie inside it with a safe margin. Built-in shapes fill the box ``x_mm, y_mm, width_mm,
height_mm`` (rectangle with ``corner_radius_mm``, circle, ellipse, heart, hexagon); ``path`` is
an SVG path in artboard millimetres (M, L, H, V, C, Q, Z, absolute or relative; no arcs),
one closed contour.

Pure geometry with no dependency: :func:`die_segments` gives the outline as line and Bézier
segments (the scene flattens them like glyphs), :func:`die_polygon` a polygon fine enough for
the product checks in :func:`die_line_issues`.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MIN_SIZE_MM = 5.0
MAX_PATH_POINTS = 2000
KAPPA = 0.5522847498  # cubic Bézier handle for a quarter circle
Point = tuple[float, float]
Mm = Annotated[float, Field(ge=0, le=5000)]
PositiveMm = Annotated[float, Field(gt=0, le=5000)]


class DieLine(BaseModel):
    """Strict like the product it belongs to (it cannot import zone.py, which imports it)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    shape: Literal["rectangle", "circle", "ellipse", "heart", "hexagon", "path"]
    x_mm: Mm = 0.0
    y_mm: Mm = 0.0
    width_mm: PositiveMm | None = None  # the box of a built-in shape; unused by a path
    height_mm: PositiveMm | None = None
    corner_radius_mm: Annotated[float, Field(ge=0, le=1000)] = 0.0
    path: Annotated[str, Field(min_length=1, max_length=20_000)] | None = None
    margin_mm: Annotated[float, Field(ge=0, le=100)] = 2.0  # zones stay this far inside


@dataclass(frozen=True)
class DieSegment:
    """``M``/``L``: the end point; ``Q``: control and end; ``C``: two controls and end."""

    op: Literal["M", "L", "Q", "C"]
    points: tuple[Point, ...]


class DieLineInvalid(ValueError):
    """The die line cannot be drawn; ``code`` and ``field`` go into the product's 422."""

    def __init__(self, message: str, code: str, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field


# --- shapes ----------------------------------------------------------------------------------


def die_segments(die: DieLine) -> tuple[DieSegment, ...]:
    """The die line as one closed contour of segments, in artboard mm (y down)."""
    if die.shape == "path":
        return _parse_path(die.path or "")
    if die.width_mm is None or die.height_mm is None:
        raise DieLineInvalid(
            "A built-in shape needs width_mm and height_mm.", "dieline.no_box", "width_mm"
        )
    unit = _UNIT_SHAPES[die.shape](die)
    x, y, w, h = die.x_mm, die.y_mm, die.width_mm, die.height_mm
    return tuple(
        DieSegment(s.op, tuple((x + px * w, y + py * h) for px, py in s.points)) for s in unit
    )


def _rectangle(die: DieLine) -> tuple[DieSegment, ...]:
    w, h = die.width_mm or 1.0, die.height_mm or 1.0
    r = die.corner_radius_mm
    if r > min(w, h) / 2:
        raise DieLineInvalid(
            "The corner radius is more than half the shorter side.",
            "dieline.radius_too_large",
            "corner_radius_mm",
        )
    rx, ry, k = r / w, r / h, KAPPA
    if r == 0:
        return _polygon_segments(((0, 0), (1, 0), (1, 1), (0, 1)))
    return (
        DieSegment("M", ((rx, 0),)),
        DieSegment("L", ((1 - rx, 0),)),
        DieSegment("C", ((1 - rx + k * rx, 0), (1, ry - k * ry), (1, ry))),
        DieSegment("L", ((1, 1 - ry),)),
        DieSegment("C", ((1, 1 - ry + k * ry), (1 - rx + k * rx, 1), (1 - rx, 1))),
        DieSegment("L", ((rx, 1),)),
        DieSegment("C", ((rx - k * rx, 1), (0, 1 - ry + k * ry), (0, 1 - ry))),
        DieSegment("L", ((0, ry),)),
        DieSegment("C", ((0, ry - k * ry), (rx - k * rx, 0), (rx, 0))),
    )


def _ellipse(die: DieLine) -> tuple[DieSegment, ...]:
    if die.shape == "circle" and die.width_mm != die.height_mm:
        raise DieLineInvalid(
            "A circle's width and height are equal.", "dieline.not_round", "height_mm"
        )
    k = KAPPA / 2
    return (
        DieSegment("M", ((1, 0.5),)),
        DieSegment("C", ((1, 0.5 + k), (0.5 + k, 1), (0.5, 1))),
        DieSegment("C", ((0.5 - k, 1), (0, 0.5 + k), (0, 0.5))),
        DieSegment("C", ((0, 0.5 - k), (0.5 - k, 0), (0.5, 0))),
        DieSegment("C", ((0.5 + k, 0), (1, 0.5 - k), (1, 0.5))),
    )


# A heart drawn in a unit box, then stretched so its true extremes touch the box's sides.
_HEART = (
    DieSegment("M", ((0.5, 0.25),)),
    DieSegment("C", ((0.5, 0.0), (0.0, 0.0), (0.0, 0.35))),
    DieSegment("C", ((0.0, 0.6), (0.3, 0.75), (0.5, 1.0))),
    DieSegment("C", ((0.7, 0.75), (1.0, 0.6), (1.0, 0.35))),
    DieSegment("C", ((1.0, 0.0), (0.5, 0.0), (0.5, 0.25))),
)


def _heart(die: DieLine) -> tuple[DieSegment, ...]:
    x0, y0, x1, y1 = _bbox(polygon_of(_HEART, 1e-6))
    return tuple(
        DieSegment(
            s.op, tuple(((px - x0) / (x1 - x0), (py - y0) / (y1 - y0)) for px, py in s.points)
        )
        for s in _HEART
    )


def _hexagon(die: DieLine) -> tuple[DieSegment, ...]:
    return _polygon_segments(((0, 0.5), (0.25, 0), (0.75, 0), (1, 0.5), (0.75, 1), (0.25, 1)))


_UNIT_SHAPES = {
    "rectangle": _rectangle,
    "circle": _ellipse,
    "ellipse": _ellipse,
    "heart": _heart,
    "hexagon": _hexagon,
}


def _polygon_segments(points: tuple[Point, ...]) -> tuple[DieSegment, ...]:
    return (
        DieSegment("M", (points[0],)),
        *(DieSegment("L", (p,)) for p in points[1:]),
        DieSegment("L", (points[0],)),
    )


# --- SVG path ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[MLHVCQZmlhvcqz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARITY = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "Q": 4, "Z": 0}


def _parse_path(d: str) -> tuple[DieSegment, ...]:
    """One closed contour from SVG path data; anything else is a :class:`DieLineInvalid`."""
    leftover = _TOKEN.sub(" ", d).replace(",", " ").strip()
    if leftover:
        raise DieLineInvalid(
            f"Unsupported path data: {leftover[:20]!r} (M L H V C Q Z only).",
            "dieline.unsupported_path",
            "path",
        )
    tokens = _TOKEN.findall(d)
    segments: list[DieSegment] = []
    current = start = (0.0, 0.0)
    command, closed, i = "", False, 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command, i = tokens[i], i + 1
        if closed or not command:
            raise DieLineInvalid("A die line is one closed contour.", "dieline.open", "path")
        upper, relative = command.upper(), command.islower()
        if upper == "Z":
            closed = True
            if current != start:
                segments.append(DieSegment("L", (start,)))
            continue
        args = [float(t) for t in tokens[i : i + _ARITY[upper]]]
        if len(args) < _ARITY[upper] or any(a.isalpha() for a in tokens[i : i + _ARITY[upper]]):
            raise DieLineInvalid("The path data is cut short.", "dieline.unsupported_path", "path")
        i += _ARITY[upper]
        points = _points(upper, args, current, relative)
        if upper == "M":
            if segments:
                raise DieLineInvalid("A die line is one closed contour.", "dieline.open", "path")
            start = points[0]
            segments.append(DieSegment("M", points))
            command = "l" if relative else "L"
        else:
            op = "L" if upper in "LHV" else upper
            segments.append(DieSegment(op, points))  # type: ignore[arg-type]  # L, C or Q
        current = points[-1]
        if len(segments) > MAX_PATH_POINTS:
            raise DieLineInvalid("The path has too many segments.", "dieline.too_complex", "path")
    if not closed or len(segments) < 3:
        raise DieLineInvalid("The die line must be closed (end with Z).", "dieline.open", "path")
    return tuple(segments)


def _points(upper: str, args: list[float], current: Point, relative: bool) -> tuple[Point, ...]:
    cx, cy = current if relative else (0.0, 0.0)
    if upper == "H":
        return ((args[0] + cx, current[1]),)
    if upper == "V":
        return ((current[0], args[0] + cy),)
    return tuple((args[j] + cx, args[j + 1] + cy) for j in range(0, len(args), 2))


# --- checks -----------------------------------------------------------------------------------


def polygon_of(segments: tuple[DieSegment, ...], tolerance_mm: float = 0.05) -> list[Point]:
    """The contour as a polygon, curves split in equal steps within about ``tolerance_mm``."""
    points: list[Point] = []
    current = segments[0].points[0]
    for s in segments:
        if s.op in ("Q", "C"):
            ctrl = (current, *s.points)
            span = sum(math.dist(a, b) for a, b in itertools.pairwise(ctrl))
            steps = max(2, min(64, math.ceil(math.sqrt(span / (8 * tolerance_mm)) * 2)))
            points.extend(_bezier(ctrl, k / steps) for k in range(1, steps))
        points.append(s.points[-1])
        current = s.points[-1]
    deduped = [p for k, p in enumerate(points) if k == 0 or p != points[k - 1]]
    while len(deduped) > 1 and deduped[0] == deduped[-1]:
        deduped.pop()
    return deduped


def die_path_d(die: DieLine) -> str:
    """The die line as an SVG path ``d`` in artboard mm (y down), written from the very segments
    the pack cuts, so the widget's overlay has no second geometry of its own."""
    parts = [
        s.op + " ".join(f"{_num(x)} {_num(y)}" for x, y in s.points) for s in die_segments(die)
    ]
    return " ".join(parts) + " Z"


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def die_polygon(die: DieLine) -> list[Point]:
    return polygon_of(die_segments(die))


def _bezier(ctrl: tuple[Point, ...], t: float) -> Point:
    pts = list(ctrl)
    while len(pts) > 1:
        pts = [
            (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in itertools.pairwise(pts)
        ]
    return pts[0]


def _bbox(points: list[Point]) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def die_line_issues(
    die: DieLine, artboard: tuple[float, float], zones: list[tuple[str, list[Point]]]
) -> list[dict[str, Any]]:
    """Everything wrong with a die line, and the zones (as corner lists) not inside it."""
    at = "die_line"
    try:
        polygon = die_polygon(die)
    except DieLineInvalid as exc:
        return [_issue(f"{at}.{exc.field}", exc.code, str(exc))]
    x0, y0, x1, y1 = _bbox(polygon)
    issues = []
    if x1 - x0 < MIN_SIZE_MM or y1 - y0 < MIN_SIZE_MM:
        issues.append(
            _issue(at, "dieline.too_small", f"A die line spans at least {MIN_SIZE_MM:g} mm.")
        )
    tol = 1e-6
    if x0 < -tol or y0 < -tol or x1 > artboard[0] + tol or y1 > artboard[1] + tol:
        issues.append(
            _issue(at, "dieline.outside_artboard", "The die line must lie inside the artboard.")
        )
    if _self_intersects(polygon):
        issues.append(
            _issue(f"{at}.path", "dieline.self_intersecting", "The die line crosses itself.")
        )
    if issues:
        return issues
    for zone_id, corners in zones:
        if not _inside_with_margin(polygon, corners, die.margin_mm):
            issues.append(
                _issue(
                    at,
                    "zone.outside_die_line",
                    f"Zone {zone_id} must lie inside the die line, {die.margin_mm:g} mm from it.",
                    zone_id=zone_id,
                )
            )
    return issues


def _issue(field: str, code: str, message: str, **params: Any) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message, "params": params}


def _self_intersects(polygon: list[Point]) -> bool:
    n = len(polygon)
    edges = [(polygon[i], polygon[(i + 1) % n]) for i in range(n)]
    order = sorted(range(n), key=lambda i: min(edges[i][0][0], edges[i][1][0]))
    for k, i in enumerate(order):
        (ax, ay), (bx, by) = edges[i]
        for j in order[k + 1 :]:
            (cx, cy), (dx, dy) = edges[j]
            if min(cx, dx) > max(ax, bx):
                break
            if abs(i - j) in (1, n - 1):
                continue
            d1 = (dx - cx) * (ay - cy) - (dy - cy) * (ax - cx)
            d2 = (dx - cx) * (by - cy) - (dy - cy) * (bx - cx)
            d3 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
            d4 = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax)
            if d1 * d2 < 0 and d3 * d4 < 0:
                return True
    return False


def _inside_with_margin(polygon: list[Point], corners: list[Point], margin: float) -> bool:
    """Every point along the zone's edges (1 mm apart) inside, ``margin`` from the line."""
    samples = []
    for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
        steps = max(1, math.ceil(math.dist(a, b)))
        samples += [
            (a[0] + (b[0] - a[0]) * k / steps, a[1] + (b[1] - a[1]) * k / steps)
            for k in range(steps)
        ]
    return all(_contains(polygon, p) and _distance(polygon, p) >= margin - 1e-9 for p in samples)


def _contains(polygon: list[Point], point: Point) -> bool:
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _distance(polygon: list[Point], p: Point) -> float:
    best = math.inf
    for a, b in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        dx, dy = b[0] - a[0], b[1] - a[1]
        length2 = dx * dx + dy * dy or 1e-18
        t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
        best = min(best, math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy))
    return best
