"""Booleans and offsets on filled regions, through Clipper (``pyclipper``), on a 1 µm grid.

Why Clipper and not GEOS (``shapely``): both are maintained and exact enough, but shapely pulls
numpy into whatever imports it, and validate (an API call) runs the manufacturability checks;
Clipper is one small extension module. Clipper works in integer coordinates, so every result is
snapped to the 1 µm grid the files are written on: the same input gives the same vertices on any
machine, and there is no float noise to round away later. ``bench/geometry_bench.py`` measured
it against shapely 2.2 on a welded 12-letter script name (see that file).

A :data:`Region` is the filled area as Clipper returns it: closed paths in µm, outer contours
with a positive area, holes negative, none crossing another. Every function here takes and gives
regions; :func:`region` makes one from flattened rings (nonzero rule, as fonts fill), and
:func:`parts` splits one into separate pieces in a fixed order, each ring starting at its
lowest-leftmost vertex, so output order never depends on Clipper's internals.

- **Kerf** (:func:`kerf_offset`) moves the boundary kerf/2 away from the part: miter joins,
  bevelled beyond 2 × the offset. Offsetting the welded region, not each contour, merges
  letters closer than the kerf into one contour. A hole smaller than the kerf is refused.
- **Stencil bridges** (:func:`stencil_bridges`) join each counter to the outside through the
  stroke on either side of it, along the text's own vertical (``angle_deg``: a rotated zone
  gets bridges across its strokes, not vertical bands on the artboard).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyclipper  # type: ignore[import-untyped]  # C extension without type hints

from chalicelib.scene.flatten import GeometryError, Point, Ring

SCALE = 1000  # Clipper units per millimetre: the 1 µm grid
MITER_LIMIT = 2.0  # in multiples of the offset, as Clipper counts it
ARC_TOLERANCE_MM = 0.005  # round joins stay this close to the true arc
SLIVER_MM = 0.1  # waste this thin left by a bridge is not cut (shops work to ±0.1 mm)
_TOUCH_UM = 5  # pieces closer than this (µm) touch

IntPoint = tuple[int, int]
Path = tuple[IntPoint, ...]
Region = tuple[Path, ...]


@dataclass(frozen=True)
class Part:
    """One piece that comes out of the sheet: its outline, its holes, and how deep it sits
    (0 on the sheet, 2 inside another part's hole, ...)."""

    outer: Path
    holes: tuple[Path, ...]
    depth: int

    @property
    def region(self) -> Region:
        return (self.outer, *self.holes)


# --- conversions --------------------------------------------------------------------------


def to_path(ring: Sequence[Point]) -> Path:
    return tuple((round(x * SCALE), round(y * SCALE)) for x, y in ring)


def to_ring(path: Path) -> Ring:
    return tuple((x / SCALE, y / SCALE) for x, y in path)


def area_mm2(path_or_region: Path | Region) -> float:
    """Signed area of a path, or the filled area of a region, in mm²."""
    if path_or_region and isinstance(path_or_region[0][0], int):
        return float(pyclipper.Area(path_or_region)) / SCALE**2
    return sum(float(pyclipper.Area(p)) for p in path_or_region) / SCALE**2


# --- booleans -----------------------------------------------------------------------------


def region(rings: Iterable[Sequence[Point]]) -> Region:
    """The area the rings fill under the nonzero rule (how TrueType and CFF glyphs fill)."""
    return _execute(pyclipper.CT_UNION, [to_path(r) for r in rings], [], pyclipper.PFT_NONZERO)


def union(*regions: Region) -> Region:
    return _execute(pyclipper.CT_UNION, [p for r in regions for p in r], [])


def difference(a: Region, b: Region) -> Region:
    return _execute(pyclipper.CT_DIFFERENCE, list(a), list(b))


def intersection(a: Region, b: Region) -> Region:
    return _execute(pyclipper.CT_INTERSECTION, list(a), list(b))


def strictly_simple(a: Region) -> Region:
    """The same fill with no contour touching itself or another at a vertex: each ring is then
    a path a laser can follow on its own. Done once, on what goes into a file (it costs six
    times an ordinary union)."""
    return _execute(pyclipper.CT_UNION, list(a), [], strict=True)


def _execute(
    kind: int,
    subject: list[Path],
    clip: list[Path],
    fill: int = pyclipper.PFT_NONZERO,
    *,
    strict: bool = False,
) -> Region:
    subject = [p for p in subject if len(p) >= 3]
    clip = [p for p in clip if len(p) >= 3]
    if not subject:
        return ()
    clipper = pyclipper.Pyclipper()
    clipper.StrictlySimple = strict
    clipper.AddPaths(subject, pyclipper.PT_SUBJECT, True)
    if clip:
        clipper.AddPaths(clip, pyclipper.PT_CLIP, True)
    return _canonical(clipper.Execute(kind, fill, fill))


def offset(a: Region, distance_mm: float, *, round_joins: bool = False) -> Region:
    """The region grown by ``distance_mm`` (negative: shrunk); holes move the other way.

    Miter joins (bevelled beyond :data:`MITER_LIMIT`) keep a kerf-compensated corner sharp;
    ``round_joins`` (within :data:`ARC_TOLERANCE_MM`) is for borders drawn around text.
    """
    if not a or distance_mm == 0:
        return a
    clipper = pyclipper.PyclipperOffset(MITER_LIMIT, ARC_TOLERANCE_MM * SCALE)
    join = pyclipper.JT_ROUND if round_joins else pyclipper.JT_MITER
    clipper.AddPaths(list(a), join, pyclipper.ET_CLOSEDPOLYGON)
    return _canonical(clipper.Execute(distance_mm * SCALE))  # Clipper unions the result


def _canonical(paths: Iterable[Sequence[Sequence[int]]]) -> Region:
    """Paths as tuples starting at their lowest-leftmost vertex, sorted: a fixed form."""
    out = []
    for raw in paths:  # Clipper's own output: lists of [x, y] Python ints
        if len(raw) < 3 or pyclipper.Area(raw) == 0:
            continue
        path: list[tuple[int, int]] = [(x, y) for x, y in raw]
        start = path.index(min(path))
        out.append(tuple(path[start:] + path[:start]))
    return tuple(sorted(out))


# --- pieces -------------------------------------------------------------------------------


def parts(a: Region) -> list[Part]:
    """The separate pieces of a region, ordered by position (left to right, then top down)."""
    if not a:
        return []
    clipper = pyclipper.Pyclipper()
    clipper.AddPaths(list(a), pyclipper.PT_SUBJECT, True)
    tree = clipper.Execute2(pyclipper.CT_UNION, pyclipper.PFT_NONZERO, pyclipper.PFT_NONZERO)
    found: list[Part] = []
    pending = [(node, 0) for node in tree.Childs]
    while pending:
        node, depth = pending.pop()
        holes = []
        for hole in node.Childs:
            holes.append(hole.Contour)
            pending.extend((island, depth + 2) for island in hole.Childs)
        paths = _canonical([node.Contour, *holes])
        if any(pyclipper.Area(p) > 0 for p in paths):
            found.append(Part(*_outer_first(paths), depth))
    return sorted(found, key=lambda p: (_bbox(p.outer), p.holes))


def _outer_first(paths: Region) -> tuple[Path, tuple[Path, ...]]:
    outer = next(p for p in paths if pyclipper.Area(p) > 0)
    return outer, tuple(p for p in paths if p is not outer)


def _bbox(path: Path) -> tuple[int, int, int, int]:
    xs, ys = [p[0] for p in path], [p[1] for p in path]
    return min(xs), min(ys), max(xs), max(ys)


def touches(a: Region, b: Region) -> bool:
    """Whether two regions overlap or lie within a few micrometres of each other."""
    return bool(intersection(offset(a, _TOUCH_UM / SCALE), b))


# --- kerf ---------------------------------------------------------------------------------


def kerf_offset(a: Region, kerf_mm: float, *, part_is_fill: bool = True) -> Region:
    """Move the boundary kerf/2 away from the part, so the part comes out at its drawn size.

    ``part_is_fill``: the filled shape is the part (cut-out letters, plaques): outlines grow and
    holes shrink. False for a stencil, where the sheet is the part: letters shrink, counters
    grow. A hole smaller than the kerf in a part is an error (it cannot be cut to size); in a
    stencil a letter stroke thinner than the kerf simply vanishes (a sliver left uncut).
    """
    half = kerf_mm / 2
    if part_is_fill:
        for part in parts(a):
            for hole in part.holes:
                if not offset((tuple(reversed(hole)),), -half):
                    raise GeometryError(
                        f"a hole is smaller than the kerf ({kerf_mm:g} mm)",
                        "geometry.hole_smaller_than_kerf",
                    )
    return offset(a, half if part_is_fill else -half)


# --- stencil bridges ----------------------------------------------------------------------


def stencil_bridges(a: Region, width_mm: float, angle_deg: float = 0.0) -> Region:
    """The region with a ``width_mm`` channel cut from each counter through the ink around it.

    The channel runs along the text's vertical (the zone turned by ``angle_deg``, positive
    clockwise on screen as zones turn), through the counter's centre, and removes the pieces
    of ink it crosses that touch the counter: the stroke above and below, and whatever ink is
    welded to them inside the band. A counter then joins the sheet (or a neighbouring counter,
    handled next) through two bridges, like a stencil letter. Pieces thinner than
    :data:`SLIVER_MM` left beside a channel are dropped. Raises :class:`GeometryError` when a
    counter cannot be opened: a stencil whose islands fall out is worse than no file.
    """
    theta = math.radians(angle_deg)
    up = (-math.sin(theta), math.cos(theta))
    for _ in range(4 * sum(len(p.holes) for p in parts(a)) + 1):
        holes = [h for p in parts(a) for h in p.holes]
        if not holes:
            return _without_slivers(a)
        hole = holes[0]
        filled = (tuple(reversed(hole)),)
        band = _band(_inside_point(filled), up, width_mm, _reach(a))
        cut = [p.region for p in parts(intersection(band, a)) if touches(p.region, filled)]
        if not cut:
            break
        # Subtract the band around those pieces, not the pieces themselves: their edges are
        # rounded crossings that no longer lie exactly on the ink's edges, and subtracting
        # them would leave micrometre spikes along the channel's walls.
        a = difference(a, intersection(band, offset(union(*cut), 0.02)))
    raise GeometryError("a counter could not be bridged", "geometry.counter_not_bridged")


def _reach(a: Region) -> float:
    x0, y0, x1, y1 = _bbox(tuple(p for path in a for p in path))
    return math.hypot(x1 - x0, y1 - y0) / SCALE + 1.0


def _inside_point(filled: Region) -> Point:
    """The centroid of a counter when it lies inside (O, A, e ...), else a point just inside
    its boundary (a crescent-shaped counter)."""
    (path,) = filled
    area = float(pyclipper.Area(path))
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(path, (*path[1:], path[0]), strict=True):
        cross = x0 * y1 - x1 * y0
        cx, cy = cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
    centre = (round(cx / (6 * area)), round(cy / (6 * area)))
    if pyclipper.PointInPolygon(centre, path) == 1:
        return centre[0] / SCALE, centre[1] / SCALE
    inner = offset(filled, -min(0.05, math.sqrt(abs(area)) / SCALE / 4)) or filled
    x, y = inner[0][0]
    return x / SCALE, y / SCALE


def _band(centre: Point, up: Point, width_mm: float, reach_mm: float) -> Region:
    """A ``width_mm`` wide strip through ``centre`` along ``up``, ``reach_mm`` each way."""
    (cx, cy), (ux, uy) = centre, up
    sx, sy = uy * width_mm / 2, -ux * width_mm / 2  # across the strip
    corners = [
        (cx + ux * reach_mm * k + sx * s, cy + uy * reach_mm * k + sy * s)
        for k, s in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    return region([corners])


def _without_slivers(a: Region) -> Region:
    kept = []
    for part in parts(a):
        perimeter = sum(
            math.dist(p, q)
            for p, q in zip(part.outer, (*part.outer[1:], part.outer[0]), strict=True)
        )
        if 2 * area_mm2(part.region) * SCALE >= SLIVER_MM * perimeter:
            kept.append(part.region)
    return union(*kept)
