"""What holds a cut name together: welded letters, a bar, an outline border, a jump ring.

A name cut out of acrylic or wood is only a product if it comes out of the sheet as one piece
(or as the pieces the brand accepts). The zone's ``cut`` options (:class:`CutOptions`) choose how:

- ``weld`` (default) and ``none``: the letters as they are, letters that touch or overlap
  welded (two overlapping letters cannot be cut apart; ``none`` only differs in the report);
- ``bar``: a bar of ``bar_mm`` centred on each baseline from the first letter to the last,
  welded; pieces still loose (the dot of an i, an accent) get a stem of the bar's width down
  to the ink below them;
- ``outline``: the welded text grown by ``outline_mm`` with round joins, its holes filled: the
  border is cut, the letters are engraved on it (cake toppers, keychains), or with
  ``outline_text: cut`` cut out of it as inner contours;
- ``ring`` (with any of them): a loop of ``inner_diameter_mm`` and ``wall_mm`` beside the
  first or last letter, at mid-height, overlapping the ink by half a wall.

Everything is built in the zone's own frame (x along the text, y down) and placed with the
zone's transform, so a turned zone gets its bar along its baseline. A connector that cannot
attach raises :class:`ConnectorError` with a stable code and the field to blame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.domain.zone import CutOptions, RingOptions
from chalicelib.scene import flatten as geo
from chalicelib.scene import polygon_ops as ops
from chalicelib.scene.model import Affine, TextItem
from chalicelib.scene.outline import GlyphOutline

STEM_OVERLAP_MM = 0.3  # a stem reaches this far into the ink it joins
RING_TOLERANCE_MM = 0.005
_FAR_MM = 10_000.0


class ConnectorError(geo.GeometryError):
    """A connector or ring that cannot attach to this text; ``field`` names the option."""

    def __init__(self, message: str, code: str, field: str) -> None:
        super().__init__(message, code)
        self.field = field


@dataclass(frozen=True)
class CutShape:
    """What a cut text zone makes: the region cut out, and fills engraved on it."""

    cut: ops.Region
    engrave: tuple[ops.Region, ...]


def glyph_fills(item: TextItem) -> list[tuple[GlyphOutline, ops.Region]]:
    """Each drawn glyph with its fill, resolved with the nonzero rule (spaces give none)."""
    fills = ((g, ops.region(geo.flatten_all(g.contours))) for g in item.outline.glyphs)
    return [(glyph, fill) for glyph, fill in fills if fill]


def cut_shape(
    item: TextItem, fills: Sequence[tuple[GlyphOutline, ops.Region]] | None = None
) -> CutShape:
    """The zone's text with its connectors, before stencil bridges and kerf (``fills``: the
    item's :func:`glyph_fills`, when the caller has them already)."""
    options = item.cut or CutOptions()
    if fills is None:
        fills = glyph_fills(item)
    shape = ops.union(*(fill for _, fill in fills))
    engrave: tuple[ops.Region, ...] = ()
    if options.connect == "bar":
        shape = ops.union(shape, *_bars(item, fills, options.bar_mm))
        shape = _attach_islands(item.frame, shape, options.bar_mm)
    elif options.connect == "outline":
        text = shape
        shape = filled(ops.offset(text, options.outline_mm, round_joins=True))
        if options.outline_text == "cut":  # the letters cut out of the border: inner contours
            shape = ops.difference(shape, text)
        else:
            engrave = tuple(fill for _, fill in fills)
    if options.ring is not None:
        shape = ops.union(shape, _ring(item.frame, shape, options.ring))
    return CutShape(shape, engrave)


def filled(shape: ops.Region) -> ops.Region:
    """The region with every hole filled: only the outer contours."""
    return ops.union(*((part.outer,) for part in ops.parts(shape) if part.depth == 0))


# --- the zone's frame -------------------------------------------------------------------------


def to_local(frame: Affine, x: float, y: float) -> tuple[float, float]:
    """Artboard mm to zone-local mm (the inverse of the zone's rigid transform)."""
    det = frame.a * frame.d - frame.b * frame.c
    dx, dy = x - frame.e, y - frame.f
    return (frame.d * dx - frame.c * dy) / det, (-frame.b * dx + frame.a * dy) / det


def local_bbox(frame: Affine, shape: ops.Region) -> geo.Box:
    return geo.bbox([to_local(frame, *p) for path in shape for p in ops.to_ring(path)])


def local_rect(frame: Affine, x0: float, y0: float, x1: float, y1: float) -> ops.Region:
    corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    return ops.region([[frame.apply(x, y) for x, y in corners]])


# --- bar ----------------------------------------------------------------------------------


def _bars(
    item: TextItem, fills: Sequence[tuple[GlyphOutline, ops.Region]], bar_mm: float
) -> list[ops.Region]:
    """One bar per line, centred on its baseline, from its first letter's ink to its last's."""
    bars = []
    for line, baseline in enumerate(item.baselines_mm):
        inked = [fill for glyph, fill in fills if glyph.line == line]
        if not inked:
            continue
        x0, _, x1, _ = local_bbox(item.frame, ops.union(*inked))
        bars.append(local_rect(item.frame, x0, baseline - bar_mm / 2, x1, baseline + bar_mm / 2))
    return bars


def _attach_islands(frame: Affine, shape: ops.Region, width_mm: float) -> ops.Region:
    """Join each loose piece to the largest one by a stem straight down (else up) to its ink."""
    pieces = ops.parts(shape)
    if len(pieces) < 2:
        return shape
    main = max(pieces, key=lambda p: ops.area_mm2(p.region)).region
    for piece in pieces:
        if piece.region == main or piece.depth > 0:
            continue
        stem = _stem(frame, piece.region, main, width_mm)
        if stem:
            main = ops.union(main, piece.region, stem)
    return ops.union(shape, main)


def _stem(frame: Affine, island: ops.Region, main: ops.Region, width_mm: float) -> ops.Region:
    x0, y0, x1, y1 = local_bbox(frame, island)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = min(width_mm, 0.8 * (x1 - x0)) / 2
    for sign in (1.0, -1.0):  # down first: the bar is below
        band = local_rect(frame, cx - half, cy, cx + half, cy + sign * _FAR_MM)
        ends = [
            sign * to_local(frame, *p)[1]
            for path in ops.intersection(band, main)
            for p in ops.to_ring(path)
        ]
        if ends:
            reach = sign * (min(ends) + STEM_OVERLAP_MM)
            return local_rect(frame, cx - half, cy, cx + half, reach)
    return ()


# --- ring ---------------------------------------------------------------------------------


def _ring(frame: Affine, shape: ops.Region, ring: RingOptions) -> ops.Region:
    """The loop beside the first (or last) ink at mid-height, overlapping it by half a wall."""
    x0, y0, x1, y1 = local_bbox(frame, shape)
    cy, wall = (y0 + y1) / 2, ring.wall_mm
    strip = local_rect(frame, x0 - 1, cy - wall / 2, x1 + 1, cy + wall / 2)
    touching = ops.intersection(strip, shape)
    xs = [to_local(frame, *p)[0] for path in touching for p in ops.to_ring(path)]
    if not xs:
        raise ConnectorError(
            "The ring finds no letter at mid-height to hold on to.",
            "cut.ring_cannot_attach",
            "cut.ring",
        )
    inner = ring.inner_diameter_mm / 2
    outer = inner + wall
    cx = min(xs) + wall / 2 - outer if ring.end == "start" else max(xs) - wall / 2 + outer
    hole = _circle(frame, cx, cy, inner)
    if ops.area_mm2(ops.intersection(hole, shape)) > 0.05 * math.pi * inner**2:
        raise ConnectorError(
            "The letters reach into the ring's hole.", "cut.ring_cannot_attach", "cut.ring"
        )
    return ops.difference(_circle(frame, cx, cy, outer), hole)


def _circle(frame: Affine, cx: float, cy: float, radius: float) -> ops.Region:
    """A polygon whose chords stay within :data:`RING_TOLERANCE_MM` of the circle."""
    steps = max(16, math.ceil(math.pi / math.acos(1 - RING_TOLERANCE_MM / radius)))
    points = [
        frame.apply(
            cx + radius * math.cos(2 * math.pi * k / steps),
            cy + radius * math.sin(2 * math.pi * k / steps),
        )
        for k in range(steps)
    ]
    return ops.region([points])
