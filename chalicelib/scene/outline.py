"""Glyph outlines of a laid-out text, in millimetres, y down from the zone's top-left corner.

This is the geometry every output shares: the SVG and PDF writers emit the segments as they are,
the DXF writer flattens the curves, the raster preview fills them. Keeping it a plain list of
closed contours (move, line, quadratic, cubic) keeps those writers free of fontTools. This module
imports fontTools at load time; nothing imported by ``chalicelib`` itself imports this module.

Each glyph is drawn from the font through a ``TransformPen`` that scales font units to mm, flips
y and moves the glyph to its placement, into a ``BasePen`` that splits TrueType's implied
on-curve points and CFF's multi-segment curves into single segments. The y flip reverses the
winding of every contour alike, so a nonzero fill still renders counters as holes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from fontTools.pens.basePen import BasePen  # type: ignore[import-untyped]
from fontTools.pens.boundsPen import BoundsPen  # type: ignore[import-untyped]
from fontTools.pens.transformPen import TransformPen  # type: ignore[import-untyped]

from chalicelib.domain.layout import Box, GlyphPlacement, Layout
from chalicelib.fonts import LoadedFont
from chalicelib.scene.model import Affine

Point = tuple[float, float]
SegmentOp = Literal["M", "L", "Q", "C"]


@dataclass(frozen=True)
class Segment:
    """``M``/``L`` carry the end point; ``Q`` a control point and the end; ``C`` two and the end."""

    op: SegmentOp
    points: tuple[Point, ...]


Contour = tuple[Segment, ...]  # starts with an M; implicitly closed back to it


@dataclass(frozen=True)
class GlyphOutline:
    glyph: str
    char: str
    line: int
    contours: tuple[Contour, ...]
    index: int = -1  # its character in the laid-out text (GlyphPlacement.index), -1: unknown


@dataclass(frozen=True)
class TextOutline:
    glyphs: tuple[GlyphOutline, ...]

    @property
    def contours(self) -> tuple[Contour, ...]:
        return tuple(c for g in self.glyphs for c in g.contours)


def outline_layout(layout: Layout, font: LoadedFont) -> TextOutline:
    """Outlines of every placed glyph; the font must be the one the layout was measured with."""
    if layout.font_sha256 != font.sha256:
        raise ValueError(f"layout was made with font {layout.font_id}, not {font.font_id}")
    fonts = (font, *layout.fallbacks)  # a fallback glyph is drawn from its own font
    glyphs = []
    for placement in layout.glyphs:
        glyph_font = fonts[placement.font]
        scale = layout.font_size_mm / glyph_font.units_per_em
        if layout.path is not None and layout.path.bend:
            from chalicelib.scene.bend import bend_contours  # it builds on this module's types

            straight = draw_glyph(glyph_font, placement.glyph, (scale, 0, 0, -scale, 0, 0))
            contours = bend_contours(straight, layout.path, placement)
        else:
            contours = draw_glyph(
                glyph_font, placement.glyph, _placement_transform(placement, scale)
            )
        if contours:
            glyphs.append(
                GlyphOutline(
                    placement.glyph, placement.char, placement.line, contours, placement.index
                )
            )
    return TextOutline(tuple(glyphs))


def _placement_transform(
    placement: GlyphPlacement, scale: float
) -> tuple[float, float, float, float, float, float]:
    """Font units to mm, y flipped, turned by the glyph's rotation (text on an arc) about its
    origin, then moved there: one affine map, exact for the Bézier control points."""
    if placement.rotation_deg == 0.0:
        return (scale, 0, 0, -scale, placement.x_mm, placement.y_mm)
    theta = math.radians(placement.rotation_deg)
    cos, sin = scale * math.cos(theta), scale * math.sin(theta)
    return (cos, sin, sin, -cos, placement.x_mm, placement.y_mm)


def draw_glyph(
    font: LoadedFont, glyph: str, transform: tuple[float, float, float, float, float, float]
) -> tuple[Contour, ...]:
    pen = _SegmentPen(font.glyph_set)
    font.draw_glyph(glyph, TransformPen(pen, transform))
    pen.finish_contour()
    return tuple(pen.contours)


class _SegmentPen(BasePen):  # type: ignore[misc]  # fontTools is untyped, so BasePen is Any
    """Collects single segments; BasePen decomposes components and multi-point curves."""

    def __init__(self, glyph_set: Any) -> None:
        super().__init__(glyph_set)
        self.contours: list[Contour] = []
        self._current: list[Segment] = []

    def finish_contour(self) -> None:
        if len(self._current) > 1:
            self.contours.append(tuple(self._current))
        self._current = []

    def _moveTo(self, pt: Point) -> None:
        self.finish_contour()
        self._current.append(Segment("M", (_pt(pt),)))

    def _lineTo(self, pt: Point) -> None:
        self._current.append(Segment("L", (_pt(pt),)))

    def _qCurveToOne(self, pt1: Point, pt2: Point) -> None:
        self._current.append(Segment("Q", (_pt(pt1), _pt(pt2))))

    def _curveToOne(self, pt1: Point, pt2: Point, pt3: Point) -> None:
        self._current.append(Segment("C", (_pt(pt1), _pt(pt2), _pt(pt3))))

    def _closePath(self) -> None:
        self.finish_contour()

    def _endPath(self) -> None:
        self.finish_contour()


def move_contour(contour: Contour, frame: Affine) -> Contour:
    """Affine maps send Bézier control points to control points: the transform is exact."""
    return tuple(Segment(s.op, tuple(frame.apply(x, y) for x, y in s.points)) for s in contour)


def _pt(pt: Point) -> Point:
    return (float(pt[0]), float(pt[1]))


def bounds(outline: TextOutline) -> Box | None:
    """Exact bounding box of the outlines (curve extrema, not control points), None if empty."""
    pen = BoundsPen(None)
    for contour in outline.contours:
        for segment in contour:
            if segment.op == "M":
                pen.moveTo(segment.points[0])
            elif segment.op == "L":
                pen.lineTo(segment.points[0])
            elif segment.op == "Q":
                pen.qCurveTo(*segment.points)
            else:
                pen.curveTo(*segment.points)
        pen.closePath()
    if pen.bounds is None:
        return None
    x_min, y_min, x_max, y_max = (float(v) for v in pen.bounds)
    return Box(x_min, y_min, x_max, y_max)


def to_svg_path_d(outline: TextOutline, decimals: int = 4) -> str:
    """One SVG path ``d`` for the whole text; fill it with the nonzero rule."""
    parts: list[str] = []
    for contour in outline.contours:
        for segment in contour:
            coords = " ".join(f"{_num(x, decimals)} {_num(y, decimals)}" for x, y in segment.points)
            parts.append(f"{segment.op}{coords}")
        parts.append("Z")
    return "".join(parts)


def _num(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
