"""Text on a circular arc: one shaped line bent onto a circle, glyph by glyph.

The line is shaped exactly as a straight line (HarfBuzz runs in visual order, RTL included),
then each glyph keeps its place along the line as an arc length along the baseline circle and
is turned rigidly to the tangent there. Conventions (all in the zone's own frame, mm, y down
from the zone's top-left corner, so the zone's offset and rotation apply as for straight text):

- ``cx_mm``/``cy_mm`` is the circle's centre, ``radius_mm`` the baseline's radius.
- Angles are degrees clockwise from 12 o'clock: 0 is the top, 90 the right, 180 the bottom.
  ``center_deg`` is where the middle of the arc is; ``span_deg`` how much of the circle the
  text may use (360: a full circle), so the arc is ``radius × span`` long.
- ``side: outside`` sets the text on top of the curve, reading clockwise, glyph tops away from
  the centre (the top of a badge); ``inside`` sets it below the curve, reading
  counter-clockwise, tops towards the centre (the bottom of a coaster, upright to the reader).
- ``tracking_mm`` adds that much space after every glyph (0 for joining scripts).
- ``bend``: glyph outlines follow the circle (each point at its own angle and radius, see
  chalicelib/scene/bend.py) instead of turning rigidly, so joins of Arabic or a cursive font
  meet exactly as on a straight line. Placement, auto-fit and the spec's record are the same.
- Alignment uses the zone's ``align`` along the arc: ``center`` centres the ink on
  ``center_deg``; ``left``/``right`` (and ``start``/``end`` by paragraph direction) put the ink
  at the arc's start or end in reading order.

Auto-fit: the line is ``too_wide`` when its ink (plus tracking) is longer than the arc, and
``too_tall`` on the inside when the ink would reach the centre. A :class:`LineLayout` of an arc
records ``x_mm`` as the arc length from the arc's middle to the first glyph's origin and
``baseline_mm`` as the radius, so the spec's 1 µm re-layout check covers arcs as it does lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from chalicelib.domain.lines import Run, UnitBox

if TYPE_CHECKING:
    from chalicelib.domain.layout import Box, GlyphPlacement, Layout, LayoutOptions
    from chalicelib.domain.zone import ArcPath
    from chalicelib.fonts import LoadedFont

_DECIMALS = 4
_ANGLE_DECIMALS = 7
_EPS = 1e-9


def arc_length(path: ArcPath) -> float:
    return path.radius_mm * math.radians(path.span_deg)


def layout_on_arc(
    font: LoadedFont, runs: Sequence[Run], size_mm: float, options: LayoutOptions
) -> Layout:
    """The layout of one line on ``options.path`` (callers refuse paths on multi-line zones;
    extra lines, if any, are reported as ``too_many_lines`` and not drawn)."""
    from chalicelib.domain.layout import GlyphPlacement, Layout, LineLayout

    path = options.path
    assert path is not None
    fonts = (font, *(options.shaping.fallbacks if options.shaping else ()))
    scale = size_mm / font.units_per_em
    run = runs[0]
    n = len(run.glyphs)
    along = [x * scale + path.tracking_mm * i for i, x in enumerate(run.pen_x)]
    heights = [y * scale for y in (run.pen_y or (0.0,) * n)]
    ink = (
        _ink_along(fonts, run, along, heights, size_mm)
        if path.tracking_mm
        else None
        if run.ink is None
        else (run.ink[0] * scale, run.ink[1] * scale, run.ink[2] * scale, run.ink[3] * scale)
    )
    length = 0.0 if ink is None else ink[2] - ink[0]
    start = _start(path, run, options, ink)
    # Angles clockwise from 12 o'clock; outside reads clockwise, inside counter-clockwise and
    # upside down (turned by a half turn more), tops towards the centre.
    sign = 1.0 if path.side == "outside" else -1.0
    phi0, turn = math.radians(path.center_deg), 0.0 if sign > 0 else 180.0
    placed: list[GlyphPlacement] = []
    box = _BoxAcc()
    for i, (glyph, char, f, c) in enumerate(
        zip(
            run.glyphs,
            run.chars or tuple(run.text),
            run.fonts or (0,) * n,
            run.clusters or range(n),
            strict=True,
        )
    ):
        phi = phi0 + sign * (start + along[i]) / path.radius_mm
        sin, cos = math.sin(phi), math.cos(phi)
        rho = path.radius_mm + sign * heights[i]
        p = GlyphPlacement(
            glyph,
            char,
            0,
            _r(path.cx_mm + rho * sin),
            _r(path.cy_mm - rho * cos),
            f,
            c,
            round(math.degrees(phi) - turn, _ANGLE_DECIMALS),
        )
        placed.append(p)
        bounds = fonts[f].glyph_bounds(glyph)
        if bounds is not None:
            box.add(p, bounds, size_mm / fonts[f].units_per_em, sign * cos, sign * sin)
    ink_box = box.box()
    problems = _problems(path, runs, length, ink, options)
    line = LineLayout(
        run.text, _r(start), _r(path.radius_mm), _r(run.advance * scale), ink_box, run.rtl, run.runs
    )
    return Layout(
        font_id=font.font_id,
        font_sha256=font.sha256,
        font_size_mm=_r(size_mm),
        lines=(line,),
        glyphs=tuple(placed),
        ink=ink_box,
        width_mm=ink_box.width if ink_box else 0.0,
        height_mm=ink_box.height if ink_box else 0.0,
        fits=not problems,
        problems=problems,
        missing=tuple(dict.fromkeys(ch for r in runs for ch in r.missing)),
        fallbacks=fonts[1:],
        path=path,
    )


def _ink_along(
    fonts: Sequence[LoadedFont],
    run: Run,
    along: Sequence[float],
    heights: Sequence[float],
    size_mm: float,
) -> UnitBox | None:
    """The straight line's ink in mm (x along the arc, y up), tracking included."""
    x0 = y0 = math.inf
    x1 = y1 = -math.inf
    for i, glyph in enumerate(run.glyphs):
        f = fonts[run.fonts[i]] if run.fonts else fonts[0]
        b = f.glyph_bounds(glyph)
        if b is not None:
            k = size_mm / f.units_per_em
            x0, x1 = min(x0, along[i] + b[0] * k), max(x1, along[i] + b[2] * k)
            y0, y1 = min(y0, heights[i] + b[1] * k), max(y1, heights[i] + b[3] * k)
    return None if x0 == math.inf else (x0, y0, x1, y1)


def _start(path: ArcPath, run: Run, options: LayoutOptions, ink: UnitBox | None) -> float:
    """Arc length (from the arc's middle) of the line's origin, by the zone's alignment."""
    left, right = (ink[0], ink[2]) if ink is not None else (0.0, 0.0)
    half = arc_length(path) / 2
    align = options.align
    if align in ("start", "end"):
        align = "left" if (align == "start") != run.rtl else "right"
    if align == "left":
        return -half - left
    if align == "right":
        return half - right
    return -(left + right) / 2


def _problems(
    path: ArcPath,
    runs: Sequence[Run],
    length: float,
    ink: UnitBox | None,
    options: LayoutOptions,
) -> tuple[str, ...]:
    problems: list[str] = []
    if length > arc_length(path) + _EPS:
        problems.append("too_wide")
    if path.side == "inside" and ink is not None and ink[3] >= path.radius_mm:
        problems.append("too_tall")  # the tops would cross the centre
    if len(runs) > 1 or (options.max_lines is not None and len(runs) > options.max_lines):
        problems.append("too_many_lines")
    return tuple(problems)


class _BoxAcc:
    """Axis-aligned box around each glyph's turned bounds box (a slight over-estimate of the
    ink, never an under-estimate): the box's centre turned, plus its half extents projected."""

    def __init__(self) -> None:
        self.x0 = self.y0 = math.inf
        self.x1 = self.y1 = -math.inf

    def add(
        self,
        p: GlyphPlacement,
        b: tuple[float, float, float, float],
        k: float,
        cos: float,
        sin: float,
    ) -> None:
        """``cos``/``sin`` of the glyph's rotation (clockwise on screen)."""
        u, v = (b[0] + b[2]) * k / 2, -(b[1] + b[3]) * k / 2  # centre, y down
        hw, hh = (b[2] - b[0]) * k / 2, (b[3] - b[1]) * k / 2
        cx, cy = p.x_mm + u * cos - v * sin, p.y_mm + u * sin + v * cos
        ex, ey = abs(cos) * hw + abs(sin) * hh, abs(sin) * hw + abs(cos) * hh
        self.x0, self.x1 = min(self.x0, cx - ex), max(self.x1, cx + ex)
        self.y0, self.y1 = min(self.y0, cy - ey), max(self.y1, cy + ey)

    def box(self) -> Box | None:
        from chalicelib.domain.layout import Box

        if self.x0 == math.inf:
            return None
        return Box(_r(self.x0), _r(self.y0), _r(self.x1), _r(self.y1))


def _r(value: float) -> float:
    return round(value, _DECIMALS) + 0.0
