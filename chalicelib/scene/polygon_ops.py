"""Polygon operations on flattened rings: kerf offsets and stencil bridges.

Kept apart from :mod:`chalicelib.scene.flatten`, which turns the scene's outlines into rings,
puts them in the machine's frame and works out their nesting. The operations here come after
that, and only when a profile asks for them (``kerf_mm`` > 0, ``stencil_bridges``); they are the
only geometry that can refuse a design (:class:`~chalicelib.scene.flatten.GeometryError`), and
on their own they are larger than the rest. Dependencies go one way: this module uses flatten's
ring types and nesting helpers; flatten never imports it.

- **Kerf** moves every edge of a closed contour by kerf/2 away from the part (miter joins,
  bevelled beyond a miter of 2 × the offset). Where the offset swallows short edges (a concave
  curve tighter than the offset) the reversed edges are dropped and their neighbours joined,
  the usual fix for vertex-offset polygons; where it crosses itself (a slot narrower than the
  kerf closing up) the loops that turn the wrong way are cut off. A hole smaller than the kerf
  raises :class:`GeometryError`: the part cannot be cut to size. Offsets of separate contours
  are not merged where they meet (letters closer than the kerf).
- **Stencil bridges** keep counters (the island inside O, A, B ...) attached to the sheet: a
  band of the bridge width, centred on the counter, is removed from the letter from beyond the
  stroke above the counter to beyond the stroke below it (a boolean difference with a
  rectangle, Weiler-Atherton style). The counter then joins the sheet through two bridges,
  like a stencil letter. The band is vertical on the artboard (the scene keeps no text angle).

Everything here is plain floats: no numpy, no shapely, no import of fontTools.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.scene.flatten import (
    EPS,
    NOISE_AREA_MM2,
    Box,
    GeometryError,
    Point,
    Ring,
    append_point,
    bbox,
    contains,
    depths,
    oriented,
    same_point,
    signed_area,
)

MITER_LIMIT = 2.0
SLIVER_MM = 0.1  # waste this thin left by a bridge is not cut (shops work to ±0.1 mm)


# --- kerf ------------------------------------------------------------------------------------


def kerf_offset(rings: Sequence[Ring], kerf_mm: float, *, part_is_fill: bool = True) -> list[Ring]:
    """Move every contour kerf/2 away from the part, so the part comes out at its drawn size.

    ``part_is_fill``: the filled shape is the part (cut-out letters, plaques): outer contours
    grow and holes shrink. False for a stencil, where the sheet is the part and the letter
    shapes are waste: then letters shrink and counters grow.

    A waste region narrower than the beam has no offset. In a part (a hole smaller than the
    kerf) that is an error: the part cannot be made as drawn. In a stencil it is a sliver of
    waste beside a bridge, and it is left uncut (the sheet keeps a bump thinner than the kerf).
    """
    half = kerf_mm / 2 if part_is_fill else -kerf_mm / 2
    out: list[Ring] = []
    for ring, depth in zip(rings, depths(rings), strict=True):
        distance = half if depth % 2 == 0 else -half
        moved = offset_ring(ring, distance)
        if not moved and part_is_fill:
            raise GeometryError(
                f"a hole is smaller than the kerf ({kerf_mm:g} mm)",
                "geometry.hole_smaller_than_kerf",
            )
        out.extend(moved)
    return out


def offset_ring(ring: Ring, distance: float, miter_limit: float = MITER_LIMIT) -> list[Ring]:
    """The ring moved ``distance`` outwards (negative: inwards), whichever way it turns.

    Usually one ring; none when an inward offset swallows it; several when it pinches a neck.
    Loops where the offset crosses itself (a slot narrower than the offset closing up) turn
    the wrong way and are removed, as the beam could not enter the slot anyway.
    """
    area = signed_area(ring)
    if distance == 0:
        return [ring]
    lines = _offset_lines(ring, distance if area > 0 else -distance, miter_limit)
    while len(lines) >= 3:
        vertices = [_intersect(lines[i - 1], lines[i]) for i in range(len(lines))]
        swallowed = _first_reversed(lines, vertices)
        if swallowed is None:
            return _untangle(tuple(vertices), 1.0 if area > 0 else -1.0)
        del lines[swallowed]
    return []


Line = tuple[float, float, float, float]  # a point and a unit direction


def _offset_lines(ring: Ring, shift: float, miter_limit: float) -> list[Line]:
    """Each edge's line moved by ``shift`` along its right-hand normal, plus a bevel line where
    a miter would spike out further than ``miter_limit`` times the shift."""
    n = len(ring)
    dirs = []
    for i in range(n):
        (x0, y0), (x1, y1) = ring[i], ring[(i + 1) % n]
        length = math.hypot(x1 - x0, y1 - y0)
        dirs.append(((x1 - x0) / length, (y1 - y0) / length))
    lines: list[Line] = []
    for i, (px, py) in enumerate(ring):
        (ax, ay), (bx, by) = dirs[i - 1], dirs[i]
        dot, cross = ax * bx + ay * by, ax * by - ay * bx
        opens = cross * shift > 0  # the moved edges part here: a miter would stick out
        if dot < -1 + 1e-12 or (opens and 2 / (1 + dot) > miter_limit**2):
            sx, sy = px + shift * ay, py - shift * ax
            ex, ey = px + shift * by, py - shift * bx
            length = math.hypot(ex - sx, ey - sy)
            if length > EPS:
                lines.append((sx, sy, (ex - sx) / length, (ey - sy) / length))
        lines.append((px + shift * by, py - shift * bx, bx, by))
    return lines


def _intersect(a: Line, b: Line) -> Point:
    denominator = a[2] * b[3] - a[3] * b[2]
    if abs(denominator) < EPS:  # parallel neighbours: the same line for our purposes
        return b[0], b[1]
    t = ((b[0] - a[0]) * b[3] - (b[1] - a[1]) * b[2]) / denominator
    return a[0] + t * a[2], a[1] + t * a[3]


def _first_reversed(lines: list[Line], vertices: list[Point]) -> int | None:
    """The first moved edge that now runs against its own direction (it was swallowed)."""
    n = len(lines)
    for i, line in enumerate(lines):
        start, end = vertices[i], vertices[(i + 1) % n]
        if (end[0] - start[0]) * line[2] + (end[1] - start[1]) * line[3] < 0:
            return i
    return None


def _untangle(ring: Ring, sign: float) -> list[Ring]:
    """Split a self-crossing ring at its crossings; keep the loops that turn like ``sign``."""
    pending, out = [ring], []
    while pending:
        current = pending.pop()
        crossing = _first_crossing(current)
        if crossing is None:
            if signed_area(current) * sign > NOISE_AREA_MM2:
                out.append(current)
            continue
        i, j, p = crossing
        pending.append((p, *current[i + 1 : j + 1]))
        pending.append((*current[: i + 1], p, *current[j + 1 :]))
    return out


def _first_crossing(ring: Ring) -> tuple[int, int, Point] | None:
    """Two non-adjacent edges that cross (i < j) and where; a sweep along x keeps it fast."""
    n = len(ring)
    edges = [(ring[i], ring[(i + 1) % n]) for i in range(n)]
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
                t = d1 / (d1 - d2)
                return min(i, j), max(i, j), (ax + t * (bx - ax), ay + t * (by - ay))
    return None


# --- stencil bridges ----------------------------------------------------------------------


def stencil_bridges(rings: Sequence[Ring], width_mm: float) -> list[Ring]:
    """The fill with a ``width_mm`` band cut through the strokes above and below each counter.

    Returns oriented rings (see :func:`oriented`). Bands that touch (the two counters of B or 8)
    are merged into one. Pieces of letter thinner than :data:`SLIVER_MM` on average (twice the
    area over the perimeter), left where a band grazes a stroke, are dropped. Raises
    :class:`GeometryError` if a counter is still enclosed afterwards: a stencil whose islands
    fall out is worse than no file.
    """
    ring_depths = depths(rings)
    shapes = [oriented(r, d) for r, d in zip(rings, ring_depths, strict=True)]
    holes = [r for r, d in zip(shapes, ring_depths, strict=True) if d % 2 == 1]
    for band in _merged([_band(hole, shapes, width_mm) for hole in holes]):
        shapes = subtract_box(shapes, band)
    if any(d % 2 == 1 for d in depths(shapes)):
        raise GeometryError("a counter could not be bridged", "geometry.counter_not_bridged")
    return [r for r in shapes if 2 * signed_area(r) >= SLIVER_MM * _perimeter(r)]


def _perimeter(ring: Ring) -> float:
    return sum(math.dist(a, b) for a, b in zip(ring, (*ring[1:], ring[0]), strict=True))


def _band(hole: Ring, rings: Sequence[Ring], width: float) -> Box:
    """A vertical band through the hole's centre, reaching past the strokes on both sides."""
    x_min, _, x_max, _ = bbox(hole)
    x, half = (x_min + x_max) / 2, width / 2
    own = _ys_at(hole, x)
    top = _band_end(rings, x, half, min(own), -1.0)
    bottom = _band_end(rings, x, half, max(own), 1.0)
    return x - half, top, x + half, bottom


def _band_end(rings: Sequence[Ring], x: float, half: float, start: float, sign: float) -> float:
    """Where the band may stop: the middle of the first gap past the stroke whose whole width
    (x ± half) is clear of ink; past every contour if no gap is."""
    ahead = sorted(
        (y - start) * sign for r in rings for y in _ys_at(r, x) if (y - start) * sign > EPS
    )
    # ahead[0] leaves the stroke next to the counter, ahead[1] enters the next ink, and so on
    for k in range(0, len(ahead) - 1, 2):
        end = start + sign * (ahead[k] + ahead[k + 1]) / 2
        if not any(_crosses_row(r, end, x - half, x + half) for r in rings):
            return end
    boxes = [bbox(r) for r in rings]
    return max(b[3] for b in boxes) + half if sign > 0 else min(b[1] for b in boxes) - half


def _ys_at(ring: Ring, x: float) -> list[float]:
    """Where the vertical line through ``x`` crosses the ring (half-open rule at vertices)."""
    return [
        y0 + (x - x0) * (y1 - y0) / (x1 - x0)
        for (x0, y0), (x1, y1) in zip(ring, (*ring[1:], ring[0]), strict=True)
        if (x0 <= x < x1) or (x1 <= x < x0)
    ]


def _crosses_row(ring: Ring, y: float, x_min: float, x_max: float) -> bool:
    return any(
        (y0 > y) != (y1 > y) and x_min <= x0 + (y - y0) * (x1 - x0) / (y1 - y0) <= x_max
        for (x0, y0), (x1, y1) in zip(ring, (*ring[1:], ring[0]), strict=True)
    )


def _merged(boxes: list[Box]) -> list[Box]:
    """Overlapping or touching boxes become their common bounding box."""
    out: list[Box] = []
    for box in boxes:
        while True:
            touching = [
                b
                for b in out
                if b[0] <= box[2] and box[0] <= b[2] and b[1] <= box[3] and box[1] <= b[3]
            ]
            if not touching:
                break
            for b in touching:
                out.remove(b)
                box = min(b[0], box[0]), min(b[1], box[1]), max(b[2], box[2]), max(b[3], box[3])
        out.append(box)
    return out


@dataclass(frozen=True)
class _Chain:
    """A run of a contour outside the box, from where it leaves the box to where it re-enters,
    with those two places as positions along the box's perimeter."""

    points: tuple[Point, ...]
    start: float
    end: float


def subtract_box(rings: Sequence[Ring], box: Box) -> list[Ring]:
    """The fill of oriented ``rings`` minus an axis-aligned box, as oriented rings.

    Weiler-Atherton for a rectangle: contours are split where they cross the box, the runs
    outside are kept, and each run continues along the box's edge (walked against the fill's
    orientation, so the fill stays on the left) to the next run. Box sides are first moved a
    micrometre off any vertex, so every crossing is a clean one.
    """
    box = _clear_of_vertices(rings, box)
    kept: list[Ring] = []
    chains: list[_Chain] = []
    for ring in rings:
        hits = _box_hits(ring, box)
        if hits:
            chains.extend(_outside_chains(ring, hits, box))
        elif not _in_box(ring[0], box):
            kept.append(ring)
    if chains:
        return kept + _stitch(chains, box)
    if sum(contains(r, (box[0], box[1])) for r in rings) % 2:  # inside the fill: a new hole
        x0, y0, x1, y1 = box
        kept.append(((x0, y0), (x0, y1), (x1, y1), (x1, y0)))
    return kept


def _clear_of_vertices(rings: Sequence[Ring], box: Box) -> Box:
    xs = [p[0] for r in rings for p in r]
    ys = [p[1] for r in rings for p in r]
    x0, y0, x1, y1 = box

    def clear(value: float, coords: list[float], step: float) -> float:
        while any(abs(value - c) < 1e-7 for c in coords):
            value += step
        return value

    return clear(x0, xs, -1e-6), clear(y0, ys, -1e-6), clear(x1, xs, 1e-6), clear(y1, ys, 1e-6)


def _in_box(p: Point, box: Box) -> bool:
    return box[0] < p[0] < box[2] and box[1] < p[1] < box[3]


def _position(box: Box, side: int, p: Point) -> float:
    """Perimeter position, walking (x0,y0) → (x0,y1) → (x1,y1) → (x1,y0): a negative turn."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    return (p[1] - y0, h + p[0] - x0, h + w + y1 - p[1], 2 * h + w + x1 - p[0])[side]


Hit = tuple[int, float, Point, float]  # edge index, parameter on the edge, point, perimeter pos


def _box_hits(ring: Ring, box: Box) -> list[Hit]:
    """Where the ring crosses the box's sides, in the ring's order."""
    x0, y0, x1, y1 = box
    rx0, ry0, rx1, ry1 = bbox(ring)
    if rx1 < x0 or rx0 > x1 or ry1 < y0 or ry0 > y1:
        return []
    hits: list[Hit] = []
    for i, ((ax, ay), (bx, by)) in enumerate(zip(ring, (*ring[1:], ring[0]), strict=True)):
        found: list[tuple[float, Point, float]] = []
        for side, x in ((0, x0), (2, x1)):
            if (ax - x) * (bx - x) < 0:
                t = (x - ax) / (bx - ax)
                p = (x, ay + t * (by - ay))
                if y0 < p[1] < y1:
                    found.append((t, p, _position(box, side, p)))
        for side, y in ((1, y1), (3, y0)):
            if (ay - y) * (by - y) < 0:
                t = (y - ay) / (by - ay)
                p = (ax + t * (bx - ax), y)
                if x0 < p[0] < x1:
                    found.append((t, p, _position(box, side, p)))
        hits.extend((i, t, p, s) for t, p, s in sorted(found))
    return hits


def _outside_chains(ring: Ring, hits: list[Hit], box: Box) -> list[_Chain]:
    n, k = len(ring), len(hits)
    chains = []
    for j in range(k):
        edge_a, _, start, s_start = hits[j]
        edge_b, _, end, s_end = hits[(j + 1) % k]
        count = (edge_b - edge_a) % n or (n if j == k - 1 else 0)
        between = [ring[(edge_a + 1 + m) % n] for m in range(count)]
        probe = between[0] if between else end
        if not _in_box(((start[0] + probe[0]) / 2, (start[1] + probe[1]) / 2), box):
            chains.append(_Chain((start, *between, end), s_start, s_end))
    return chains


def _stitch(chains: list[_Chain], box: Box) -> list[Ring]:
    """Join each run's end to the next run's start along the box's edge."""
    events = sorted(
        [(c.start, 1, i) for i, c in enumerate(chains)]
        + [(c.end, 0, i) for i, c in enumerate(chains)]
    )
    following: dict[int, int] = {}
    for index, (_, kind, chain) in enumerate(events):
        if kind == 0:
            _, next_kind, next_chain = events[(index + 1) % len(events)]
            if next_kind != 1:
                raise GeometryError("contours cross each other", "geometry.contours_cross")
            following[chain] = next_chain
    rings: list[Ring] = []
    done: set[int] = set()
    for first in range(len(chains)):
        points: list[Point] = []
        current = first
        while current not in done:
            done.add(current)
            nxt = following[current]
            points.extend(chains[current].points)
            points.extend(_corners(box, chains[current].end, chains[nxt].start))
            current = nxt
        if points:
            rings.append(_closed(points))
    return rings


def _corners(box: Box, a: float, b: float) -> list[Point]:
    """The box's corners passed walking its perimeter forward from position a to b."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    corners = ((0.0, (x0, y0)), (h, (x0, y1)), (h + w, (x1, y1)), (2 * h + w, (x1, y0)))
    if a < b:
        return [p for s, p in corners if a < s < b]
    return [p for s, p in corners if s > a] + [p for s, p in corners if s < b]


def _closed(points: list[Point]) -> Ring:
    out: list[Point] = []
    for p in points:
        append_point(out, p)
    while len(out) > 1 and same_point(out[0], out[-1]):
        out.pop()
    return tuple(out)
