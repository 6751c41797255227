"""Lines in font units: the glyphs of one line, where each pen goes and its ink.

Two engines make a :class:`Run` from a line of text. Version 1 (no :class:`Shaping`): one glyph
per character from the cmap, pair kerning from the font, nothing else. Version 2: HarfBuzz in
bidi and script runs (:mod:`chalicelib.domain.shaping`). :func:`break_lines` splits text into
such runs at newlines and, when a width is given, greedily at spaces (in logical order, which
is also right for right-to-left text).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from chalicelib.domain.bidi import BaseDirection, resolve
from chalicelib.domain.shaping import RunInfo, shape_line
from chalicelib.fonts import LoadedFont

_EPS = 1e-9

UnitBox = tuple[float, float, float, float]  # xMin, yMin, xMax, yMax in font units, y up


@dataclass(frozen=True)
class Shaping:
    """HarfBuzz shaping (spec version 2): paragraph direction, OpenType feature switches and
    the fallback fonts that draw what the zone's font lacks."""

    direction: BaseDirection = "auto"
    features: tuple[tuple[str, bool], ...] = ()
    fallbacks: tuple[LoadedFont, ...] = ()


@dataclass(frozen=True)
class Run:
    """A line shaped in font units: glyphs, pen positions and ink relative to its origin."""

    text: str
    glyphs: tuple[str, ...]
    pen_x: tuple[float, ...]
    advance: float
    ink: UnitBox | None
    pen_y: tuple[float, ...] = ()  # HarfBuzz y offsets (y up); empty means all zero
    fonts: tuple[int, ...] = ()  # per glyph, 0 the zone's font, i its i-th fallback
    clusters: tuple[int, ...] = ()  # per glyph, its cluster's first character in ``text``
    chars: tuple[str, ...] = ()  # each glyph's cluster text; empty means one glyph per char
    rtl: bool = False
    runs: tuple[RunInfo, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def ink_width(self) -> float:
        return 0.0 if self.ink is None else self.ink[2] - self.ink[0]


def shape(font: LoadedFont, text: str, shaping: Shaping | None) -> Run:
    if shaping is not None:
        return _shape_hb(font, text, shaping)
    glyphs = tuple(font.glyph_for(ch) for ch in text)
    pen_x: list[int] = []
    x = 0
    ink: UnitBox | None = None
    for i, glyph in enumerate(glyphs):
        pen_x.append(x)
        bounds = font.glyph_bounds(glyph)
        if bounds is not None:
            ink = union(ink, (x + bounds[0], bounds[1], x + bounds[2], bounds[3]))
        x += font.advance(glyph)
        if i + 1 < len(glyphs):
            x += font.kerning(glyph, glyphs[i + 1])
    return Run(text, glyphs, tuple(pen_x), x, ink)


_CACHE_SIZE = 1024
_cache: OrderedDict[tuple[object, ...], Run] = OrderedDict()
_cache_lock = threading.Lock()


def _shape_hb(font: LoadedFont, text: str, shaping: Shaping) -> Run:
    """Shaping does not depend on the size, and auto-fit lays one line out at up to a dozen
    sizes: the (immutable) result is cached, keyed by the font files' hashes (never the font
    objects, which the cache would otherwise keep alive), the text and the options."""
    fallbacks = tuple(f.sha256 for f in shaping.fallbacks)
    key = (font.sha256, fallbacks, text, shaping.direction, shaping.features)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    run = _shape_uncached(font, text, shaping)
    with _cache_lock:
        _cache[key] = run
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return run


def _shape_uncached(font: LoadedFont, text: str, shaping: Shaping) -> Run:
    """A HarfBuzz-shaped line; a space the font lacks advances but draws no .notdef box."""
    fonts = (font, *shaping.fallbacks)
    line = shape_line(font, text, shaping.direction, dict(shaping.features), shaping.fallbacks)
    drawn = [g for g in line.glyphs if g.gid != 0 or not line.cluster_text(g).isspace()]
    ink: UnitBox | None = None
    for g in drawn:
        bounds = fonts[g.font].glyph_bounds(g.name)
        if bounds is not None:
            k = font.units_per_em / fonts[g.font].units_per_em
            box = (
                g.x + bounds[0] * k,
                g.y + bounds[1] * k,
                g.x + bounds[2] * k,
                g.y + bounds[3] * k,
            )
            ink = union(ink, box)
    return Run(
        text,
        tuple(g.name for g in drawn),
        tuple(g.x for g in drawn),
        line.advance,
        ink,
        pen_y=tuple(g.y for g in drawn),
        chars=tuple(line.cluster_text(g) for g in drawn),
        fonts=tuple(g.font for g in drawn) if shaping.fallbacks else (),
        clusters=tuple(g.cluster for g in drawn),
        rtl=line.rtl,
        runs=line.runs,
        missing=line.missing,
    )


def _paragraph_shaping(paragraph: str, shaping: Shaping | None) -> Shaping | None:
    """Fix ``auto`` to the paragraph's own direction, so a wrapped line keeps it."""
    if shaping is None or shaping.direction != "auto":
        return shaping
    direction: BaseDirection = "rtl" if resolve(paragraph).rtl else "ltr"
    return Shaping(direction, shaping.features, shaping.fallbacks)


def break_lines(
    font: LoadedFont, text: str, max_width: float | None, shaping: Shaping | None
) -> list[Run]:
    """Hard breaks at newlines; with ``max_width`` (font units) greedy word wrap on spaces.

    A word wider than the zone stays whole on its own line; the caller reports it.
    """
    runs: list[Run] = []
    for paragraph in text.split("\n"):
        paragraph_shaping = _paragraph_shaping(paragraph, shaping)
        if max_width is None:
            runs.append(shape(font, paragraph, paragraph_shaping))
            continue
        current: Run | None = None
        for word in paragraph.split(" "):
            if current is not None:
                candidate = shape(font, f"{current.text} {word}", paragraph_shaping)
                if candidate.ink_width <= max_width + _EPS:
                    current = candidate
                    continue
                runs.append(current)
            current = shape(font, word, paragraph_shaping)
        if current is not None:
            runs.append(current)
    return runs


def union(a: UnitBox | None, b: UnitBox) -> UnitBox:
    if a is None:
        return b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
