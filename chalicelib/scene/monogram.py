"""A monogram zone as a scene item: its letters' outlines and its frame, on the artboard.

The frame is drawn as filled outlines (a ring for ``circle``, a rhombus band for ``diamond``),
not as a stroke, so every writer (preview, SVG, PDF, DXF) draws the same closed contours as the
letters: the circle is four cubic Béziers per edge (the usual 0.5523 handle, within 0.03 % of
the true circle), outer contour clockwise and inner counter-clockwise on screen, so the nonzero
fill leaves the inside open.
"""

from __future__ import annotations

import math

from chalicelib.domain.monogram import MonogramCountInvalid, MonogramLayout, layout_monogram
from chalicelib.domain.spec import MonogramZoneSpec
from chalicelib.domain.zone import MonogramZone
from chalicelib.fonts import LoadedFont
from chalicelib.scene.model import Affine, RenderError, TextItem
from chalicelib.scene.outline import (
    Contour,
    GlyphOutline,
    Point,
    Segment,
    TextOutline,
    draw_glyph,
    move_contour,
)

_KAPPA = 4 * (math.sqrt(2) - 1) / 3


def rebuilt_monogram(
    zone: MonogramZone, given: MonogramZoneSpec, font: LoadedFont, frame: Affine, tolerance: float
) -> TextItem:
    """Lay the initials out again at the recorded size; every letter must land within
    ``tolerance`` mm of where the spec put it, else ``render.layout_mismatch``."""
    try:
        layout = layout_monogram(zone, given.text, font, given.layout.font_size_mm)
    except MonogramCountInvalid as exc:
        raise RenderError(
            "The spec's initials do not suit the zone's monogram layout.",
            code="render.layout_mismatch",
            details={"zone_id": zone.id},
        ) from exc
    fresh = [(c.char, c.size_mm, c.x_mm, c.baseline_mm) for c in layout.letters]
    spec = [(c.char, c.size_mm, c.x_mm, c.baseline_mm) for c in given.layout.letters]
    same = len(fresh) == len(spec) and all(
        a[0] == b[0] and all(abs(u - v) <= tolerance for u, v in zip(a[1:], b[1:], strict=True))
        for a, b in zip(fresh, spec, strict=False)
    )
    if not same:
        raise RenderError(
            "Laying the initials out again does not give the layout the spec recorded.",
            code="render.layout_mismatch",
            details={"zone_id": zone.id, "recorded": spec, "fresh": fresh},
        )
    return monogram_item(zone, layout, font, given.color, frame)


def monogram_item(
    zone: MonogramZone, layout: MonogramLayout, font: LoadedFont, color: str, frame: Affine
) -> TextItem:
    """Letters (index = position as displayed) and the frame (glyph ``frame``), moved by the
    zone's frame (offset and rotation) like any text."""
    glyphs: list[GlyphOutline] = []
    for i, letter in enumerate(layout.letters):
        scale = letter.size_mm / font.units_per_em
        contours = draw_glyph(
            font, letter.glyph, (scale, 0, 0, -scale, letter.x_mm, letter.baseline_mm)
        )
        glyphs.append(GlyphOutline(letter.glyph, letter.char, 0, contours, i))
    rings = frame_contours(zone)
    if rings:
        glyphs.append(GlyphOutline("frame", "", 0, rings, -1))
    moved = tuple(
        GlyphOutline(
            g.glyph, g.char, g.line, tuple(move_contour(c, frame) for c in g.contours), g.index
        )
        for g in glyphs
    )
    baselines = tuple(letter.baseline_mm for letter in layout.letters)
    return TextItem(
        zone.id, zone.process, color, TextOutline(moved), zone.rotation_deg, frame, baselines
    )


def frame_contours(zone: MonogramZone) -> tuple[Contour, ...]:
    """The frame's outer and inner edge in zone coordinates (empty for ``none``)."""
    cx, cy = zone.width_mm / 2, zone.height_mm / 2
    if zone.frame == "circle":
        outer = min(zone.width_mm, zone.height_mm) / 2
        return (_circle(cx, cy, outer, True), _circle(cx, cy, outer - zone.frame_mm, False))
    if zone.frame == "diamond":
        a, b = zone.width_mm / 2, zone.height_mm / 2
        inset = 1 - zone.frame_mm * math.hypot(a, b) / (a * b)  # edge distance a·b/√(a²+b²)
        return (_diamond(cx, cy, a, b, True), _diamond(cx, cy, a * inset, b * inset, False))
    return ()


def _circle(cx: float, cy: float, r: float, clockwise: bool) -> Contour:
    k = _KAPPA * r
    # top, right, bottom, left: clockwise on screen (y down)
    pts = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
    tangents = [(1, 0), (0, 1), (-1, 0), (0, -1)]
    order = range(4) if clockwise else range(0, -4, -1)
    sign = 1 if clockwise else -1
    segments = [Segment("M", (pts[0],))]
    for i in order:
        j = (i + sign) % 4
        p0, p1 = pts[i % 4], pts[j]
        t0, t1 = tangents[i % 4], tangents[j]
        c1: Point = (p0[0] + sign * t0[0] * k, p0[1] + sign * t0[1] * k)
        c2: Point = (p1[0] - sign * t1[0] * k, p1[1] - sign * t1[1] * k)
        segments.append(Segment("C", (c1, c2, p1)))
    return tuple(segments)


def _diamond(cx: float, cy: float, a: float, b: float, clockwise: bool) -> Contour:
    pts: list[Point] = [(cx, cy - b), (cx + a, cy), (cx, cy + b), (cx - a, cy)]
    if not clockwise:
        pts = [pts[0], *reversed(pts[1:])]
    return (Segment("M", (pts[0],)), *(Segment("L", (p,)) for p in pts[1:]))
