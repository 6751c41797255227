"""Text layout in millimetres and auto-fit, from real font metrics.

One layout feeds the live preview and the production files, so what it measures is what gets
drawn: widths and heights are the ink box of the glyph outlines (not advance widths), computed
from the same per-glyph bounds the outline code draws. Positions and sizes are rounded to four
decimals (0.1 µm) so the same input yields identical floats on every machine.

Decisions a caller should know:
- Alignment is by ink. ``left`` puts the leftmost ink of each line on the zone's left edge,
  ``right`` the rightmost ink on the right edge, ``center`` centres each line's ink; vertically
  the ink of the whole block is placed at the top, middle or bottom. Side bearings and empty
  ascender space mean nothing on an engraved ring, so the ink is what must fit.
- Line spacing defaults to the font's own hhea ascender - descender + lineGap (about 1.2 × size
  for most fonts); ``line_height`` overrides it as a multiple of the font size.
- Two engines. Without ``LayoutOptions.shaping`` (spec version 1, kept for good so locked
  snapshots re-lay out identically): one glyph per character (cmap), pair kerning from the
  font, no other shaping; characters the font lacks are drawn as .notdef, so check
  ``missing_characters`` first. With it (spec version 2): each line is shaped by HarfBuzz in
  bidi/script runs (:mod:`chalicelib.domain.shaping`); glyphs the font lacks are listed in
  ``Layout.missing`` and ``start``/``end`` alignment follows each line's paragraph direction.
- The y axis points down from the zone's top-left corner, as in SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from chalicelib.domain.lines import Run, Shaping, UnitBox, break_lines, union
from chalicelib.domain.shaping import RunInfo
from chalicelib.errors import ValidationFailed
from chalicelib.fonts import LoadedFont

if TYPE_CHECKING:
    from chalicelib.domain.zone import ArcPath

Align = Literal["left", "center", "right", "start", "end"]
VAlign = Literal["top", "middle", "bottom"]
FitMode = Literal["shrink", "none"]

SIZE_STEP_MM = 0.01
_DECIMALS = 4
_EPS = 1e-9


class LayoutInvalid(ValidationFailed):
    code = "layout.invalid"


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in mm, y down from the zone's top-left corner."""

    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def width(self) -> float:
        return _r(self.x_max - self.x_min)

    @property
    def height(self) -> float:
        return _r(self.y_max - self.y_min)


@dataclass(frozen=True)
class LayoutOptions:
    """The zone box and how text is set inside it."""

    width_mm: float
    height_mm: float
    align: Align = "center"
    valign: VAlign = "middle"
    wrap: bool = False
    line_height: float | None = None  # × font size; None: the font's hhea line spacing
    max_lines: int | None = None
    shaping: Shaping | None = None  # None: the version 1 engine (cmap + pair kerning)
    path: ArcPath | None = None  # one line along a circular arc (chalicelib.domain.arc)


@dataclass(frozen=True)
class GlyphPlacement:
    glyph: str
    char: str
    line: int
    x_mm: float  # pen origin
    y_mm: float  # baseline
    font: int = 0  # 0: the layout's font, i: its i-th fallback (``Layout.fallbacks``)
    index: int = -1  # its (cluster's first) character in the laid-out text, newlines counted
    rotation_deg: float = 0.0  # turned about its origin, clockwise on screen (text on an arc)


@dataclass(frozen=True)
class LineLayout:
    text: str
    x_mm: float  # pen origin of the first glyph
    baseline_mm: float
    advance_mm: float  # sum of advances and kerning, for callers that need the typographic width
    ink: Box | None  # None for a blank line
    rtl: bool = False  # paragraph direction of the line (version 2)
    runs: tuple[RunInfo, ...] = ()  # shaped runs in visual order (version 2)


@dataclass(frozen=True)
class Layout:
    font_id: str
    font_sha256: str
    font_size_mm: float
    lines: tuple[LineLayout, ...]
    glyphs: tuple[GlyphPlacement, ...]
    ink: Box | None
    width_mm: float  # ink width; 0 when nothing is drawn
    height_mm: float  # ink height
    fits: bool
    problems: tuple[str, ...]  # "too_wide", "too_tall", "too_many_lines", "word_too_long"
    missing: tuple[str, ...] = ()  # characters whose clusters shaped to .notdef (version 2)
    fallbacks: tuple[LoadedFont, ...] = ()  # GlyphPlacement.font i > 0 is fallbacks[i - 1]
    path: ArcPath | None = None  # the arc its glyphs were placed on (chalicelib.domain.arc)


def layout_text(text: str, font: LoadedFont, size_mm: float, options: LayoutOptions) -> Layout:
    """Lay out already-normalized text (lines separated by newlines) at one font size."""
    _check_options(options)
    _check_size(size_mm, "size_mm")
    scale = size_mm / font.units_per_em
    if options.path is not None:
        from chalicelib.domain.arc import layout_on_arc

        return layout_on_arc(font, break_lines(font, text, None, options.shaping), size_mm, options)
    max_width = options.width_mm / scale if options.wrap else None
    return _place(font, break_lines(font, text, max_width, options.shaping), size_mm, options)


def fit_text(
    text: str,
    font: LoadedFont,
    options: LayoutOptions,
    *,
    min_size_mm: float,
    max_size_mm: float,
    size_mm: float | None = None,
    fit: FitMode = "shrink",
) -> Layout:
    """The layout at the largest size that fits, or at the requested size with ``fit="none"``.

    ``size_mm`` is the preferred size within the range (default ``max_size_mm``): ``none`` uses
    it as is, and ``shrink`` never grows past it. Shrinking tries the preferred size, then the
    lower bound, then binary-searches the grid ``min_size_mm + k × 0.01`` mm, so the result is
    deterministic and the next grid size up is known not to fit. When even ``min_size_mm``
    does not fit, the layout at ``min_size_mm`` is returned with ``fits`` false.
    """
    _check_size(min_size_mm, "min_size_mm")
    _check_size(max_size_mm, "max_size_mm")
    if min_size_mm > max_size_mm:
        raise LayoutInvalid(
            "min_size_mm is larger than max_size_mm",
            details={"min_size_mm": min_size_mm, "max_size_mm": max_size_mm},
        )
    upper = max_size_mm if size_mm is None else size_mm
    if not min_size_mm <= upper <= max_size_mm:
        raise LayoutInvalid(
            "size_mm is outside the allowed range",
            details={"size_mm": upper, "min_size_mm": min_size_mm, "max_size_mm": max_size_mm},
        )
    if fit == "none":
        return layout_text(text, font, upper, options)
    best = layout_text(text, font, upper, options)
    if best.fits:
        return best
    lowest = layout_text(text, font, min_size_mm, options)
    if not lowest.fits:
        return lowest
    lo, hi = 0, math.floor((upper - min_size_mm) / SIZE_STEP_MM + _EPS) + 1
    best = lowest
    while hi - lo > 1:
        mid = (lo + hi) // 2
        candidate = layout_text(text, font, _r(min_size_mm + mid * SIZE_STEP_MM), options)
        if candidate.fits:
            lo, best = mid, candidate
        else:
            hi = mid
    return best


def _check_size(value: float, name: str) -> None:
    if not (math.isfinite(value) and value > 0):
        raise LayoutInvalid(
            f"{name} must be a positive number of millimetres",
            details={name: value if math.isfinite(value) else str(value)},
        )


def _check_options(options: LayoutOptions) -> None:
    _check_size(options.width_mm, "width_mm")
    _check_size(options.height_mm, "height_mm")
    if options.line_height is not None:
        _check_size(options.line_height, "line_height")
    if options.max_lines is not None and options.max_lines < 1:
        raise LayoutInvalid(
            "max_lines must be at least 1", details={"max_lines": options.max_lines}
        )


def _place(font: LoadedFont, runs: Sequence[Run], size_mm: float, options: LayoutOptions) -> Layout:
    scale = size_mm / font.units_per_em
    fonts = (font, *(options.shaping.fallbacks if options.shaping else ()))
    pitch = (
        options.line_height * font.units_per_em
        if options.line_height is not None
        else font.line_height_units
    )
    first_baseline = _first_baseline(font, runs, pitch, scale, options)
    lines: list[LineLayout] = []
    glyphs: list[GlyphPlacement] = []
    offset = 0  # each line break (a newline or a wrapping space) is one character of the text
    for index, run in enumerate(runs):
        baseline = _r(first_baseline + index * pitch * scale)
        origin = _line_origin(run, scale, options)
        placed = [
            GlyphPlacement(
                glyph, char, index, _r(origin + x * scale), _r(baseline - y * scale), f, offset + c
            )
            for glyph, char, x, y, f, c in zip(
                run.glyphs,
                run.chars or tuple(run.text),
                run.pen_x,
                run.pen_y or (0,) * len(run.glyphs),
                run.fonts or (0,) * len(run.glyphs),
                run.clusters or range(len(run.glyphs)),
                strict=True,
            )
        ]
        offset += len(run.text) + 1
        glyphs.extend(placed)
        lines.append(
            LineLayout(
                run.text,
                _r(origin),
                baseline,
                _r(run.advance * scale),
                _ink_mm(fonts, placed, size_mm),
                run.rtl,
                run.runs,
            )
        )
    inks = [line.ink for line in lines if line.ink is not None]
    ink = (
        Box(
            min(b.x_min for b in inks),
            min(b.y_min for b in inks),
            max(b.x_max for b in inks),
            max(b.y_max for b in inks),
        )
        if inks
        else None
    )
    problems = _problems(runs, pitch, scale, options)
    return Layout(
        font_id=font.font_id,
        font_sha256=font.sha256,
        font_size_mm=_r(size_mm),
        lines=tuple(lines),
        glyphs=tuple(glyphs),
        ink=ink,
        width_mm=ink.width if ink else 0.0,
        height_mm=ink.height if ink else 0.0,
        fits=not problems,
        problems=problems,
        missing=tuple(dict.fromkeys(ch for run in runs for ch in run.missing)),
        fallbacks=fonts[1:],
    )


def _block_extent(runs: Sequence[Run], pitch: float) -> tuple[float, float] | None:
    """Top and bottom of the block's ink in font units, y down from the first baseline."""
    tops = [i * pitch - r.ink[3] for i, r in enumerate(runs) if r.ink is not None]
    bottoms = [i * pitch - r.ink[1] for i, r in enumerate(runs) if r.ink is not None]
    return (min(tops), max(bottoms)) if tops else None


def _first_baseline(
    font: LoadedFont, runs: Sequence[Run], pitch: float, scale: float, options: LayoutOptions
) -> float:
    extent = _block_extent(runs, pitch)
    if extent is None:  # nothing drawn: place the font's line boxes instead
        extent = (-font.ascender, (len(runs) - 1) * pitch - font.descender)
    top, bottom = extent
    if options.valign == "top":
        return -top * scale
    if options.valign == "bottom":
        return options.height_mm - bottom * scale
    return (options.height_mm - (top + bottom) * scale) / 2


def _line_origin(run: Run, scale: float, options: LayoutOptions) -> float:
    left, right = (run.ink[0], run.ink[2]) if run.ink is not None else (0.0, float(run.advance))
    align = options.align
    if align in ("start", "end"):
        align = "left" if (align == "start") != run.rtl else "right"
    if align == "left":
        return -left * scale
    if align == "right":
        return options.width_mm - right * scale
    return (options.width_mm - (left + right) * scale) / 2


def _ink_mm(
    fonts: Sequence[LoadedFont], placed: Sequence[GlyphPlacement], size_mm: float
) -> Box | None:
    """Ink of placed glyphs from their rounded positions: exactly what the outlines will cover."""
    box: UnitBox | None = None
    for p in placed:
        b = fonts[p.font].glyph_bounds(p.glyph)
        scale = size_mm / fonts[p.font].units_per_em
        if b is not None:
            box = union(
                box,
                (
                    p.x_mm + b[0] * scale,
                    p.y_mm - b[3] * scale,
                    p.x_mm + b[2] * scale,
                    p.y_mm - b[1] * scale,
                ),
            )
    return None if box is None else Box(_r(box[0]), _r(box[1]), _r(box[2]), _r(box[3]))


def _problems(
    runs: Sequence[Run], pitch: float, scale: float, options: LayoutOptions
) -> tuple[str, ...]:
    problems: list[str] = []
    if max((r.ink_width for r in runs), default=0.0) * scale > options.width_mm + _EPS:
        problems.append("too_wide")
        if options.wrap and any(
            " " not in r.text and r.ink_width * scale > options.width_mm for r in runs
        ):
            problems.append("word_too_long")
    extent = _block_extent(runs, pitch)
    if extent is not None and (extent[1] - extent[0]) * scale > options.height_mm + _EPS:
        problems.append("too_tall")
    if options.max_lines is not None and len(runs) > options.max_lines:
        problems.append("too_many_lines")
    return tuple(problems)


def _r(value: float) -> float:
    """Round for determinism; ``+ 0.0`` folds -0.0 into 0.0 so equal layouts compare equal."""
    return round(value, _DECIMALS) + 0.0
