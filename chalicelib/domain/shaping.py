"""One line of text shaped by HarfBuzz: glyph ids and positions in font units, in visual order.

This is the layout engine of spec version 2 (version 1 keeps the cmap + pair-kerning engine in
:mod:`chalicelib.domain.layout` for good). A line goes through three steps:

1. Bidi levels (UAX #9, :mod:`chalicelib.domain.bidi`), with the zone's direction forcing the
   paragraph level or ``auto`` taking it from the first strong character.
2. Runs of one level and one script (UAX #24 Script property; Common and Inherited characters
   such as spaces, digits and marks join the run before them, or the first real script after
   them at the start of the line). Each run is shaped in logical order with its own script,
   direction and a language fixed per script, so no process locale can change the result. The
   whole line is passed as context, so Arabic letters join across a run boundary as in a browser.
3. Runs are put in visual order (rule L2 applied to whole runs: HarfBuzz already returns an RTL
   run's glyphs left to right).

Glyph id 0 is ``.notdef``: the characters of every cluster that shaped to it are reported by
:attr:`ShapedLine.missing`, after shaping and per cluster, not per code point (a sequence the font
composes into one glyph is not missing even if one of its code points has no cmap entry).

uharfbuzz is imported on first use (about 75 ms), so ``import app`` stays light.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.domain.bidi import BaseDirection, resolve, visual_order
from chalicelib.fonts import LoadedFont

RunDirection = Literal["ltr", "rtl"]

# A language per script: the shaping result must not depend on the process's locale, which
# HarfBuzz would otherwise use. Recorded in the spec with each run.
_LANGUAGES = {
    "Arab": "ar",
    "Hebr": "he",
    "Deva": "hi",
    "Latn": "en",
    "Cyrl": "ru",
    "Grek": "el",
}
_NEUTRAL_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz"})


@dataclass(frozen=True)
class RunInfo:
    """One shaped run: characters ``start`` to ``end`` (logical, end exclusive) of the line."""

    start: int
    end: int
    level: int
    script: str
    direction: RunDirection
    language: str


@dataclass(frozen=True)
class ShapedGlyph:
    gid: int
    name: str
    cluster: int  # logical index of the first character of the glyph's cluster
    cluster_end: int  # logical index after its last character
    x: int  # pen position plus HarfBuzz's x offset, font units from the line origin
    y: int  # HarfBuzz's y offset, font units, y up


@dataclass(frozen=True)
class ShapedLine:
    text: str
    glyphs: tuple[ShapedGlyph, ...]  # visual order, leftmost first
    advance: int
    rtl: bool  # paragraph direction: alignment ``start``/``end`` follows it
    runs: tuple[RunInfo, ...]  # visual order
    missing: tuple[str, ...]  # characters of clusters that shaped to .notdef, once each

    def cluster_text(self, glyph: ShapedGlyph) -> str:
        """The characters of a glyph's cluster (shared by every glyph of that cluster)."""
        return self.text[glyph.cluster : glyph.cluster_end]


def shape_line(
    font: LoadedFont,
    text: str,
    direction: BaseDirection = "auto",
    features: Mapping[str, bool] | None = None,
) -> ShapedLine:
    """Shape one line (no newline inside); ``features`` switch OpenType features on or off."""
    levels = resolve(text, direction)
    runs = itemize(text, levels.levels)
    order = visual_order([run.level for run in runs])
    codepoints = [ord(ch) for ch in text]
    glyphs: list[ShapedGlyph] = []
    pen = 0
    missing: dict[str, None] = {}
    for index in order:
        run = runs[index]
        infos, positions = _shape_run(font, codepoints, run, dict(features or {}))
        starts = sorted({int(info.cluster) for info in infos} | {run.end})
        ends = dict(itertools.pairwise(starts))
        for info, pos in zip(infos, positions, strict=True):
            gid, cluster = int(info.codepoint), int(info.cluster)
            glyph = ShapedGlyph(
                gid, font.glyph_name(gid), cluster, ends[cluster], pen + pos.x_offset, pos.y_offset
            )
            glyphs.append(glyph)
            pen += int(pos.x_advance)
            if gid == 0:
                missing.update(
                    dict.fromkeys(
                        ch for ch in text[cluster : glyph.cluster_end] if not ch.isspace()
                    )
                )
    return ShapedLine(
        text, tuple(glyphs), pen, levels.rtl, tuple(runs[i] for i in order), tuple(missing)
    )


def itemize(text: str, levels: tuple[int, ...]) -> list[RunInfo]:
    """Maximal runs of one bidi level and one script, in logical order."""
    from fontTools import unicodedata  # type: ignore[import-untyped]

    scripts = [str(unicodedata.script(ch)) for ch in text]
    first_real = next((s for s in scripts if s not in _NEUTRAL_SCRIPTS), "Zyyy")
    current = first_real
    resolved: list[str] = []
    for script in scripts:
        if script not in _NEUTRAL_SCRIPTS:
            current = script
        resolved.append(current)
    runs: list[RunInfo] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or levels[i] != levels[start] or resolved[i] != resolved[start]:
            script = resolved[start]
            runs.append(
                RunInfo(
                    start,
                    i,
                    levels[start],
                    script,
                    "rtl" if levels[start] % 2 else "ltr",
                    _LANGUAGES.get(script, "und"),
                )
            )
            start = i
    return runs


def _shape_run(
    font: LoadedFont, codepoints: list[int], run: RunInfo, features: dict[str, bool]
) -> tuple[list[Any], list[Any]]:
    import uharfbuzz as hb

    buf = hb.Buffer()
    buf.add_codepoints(codepoints, run.start, run.end - run.start)
    buf.direction = run.direction
    buf.script = run.script
    buf.language = run.language
    hb.shape(font.hb_font, buf, features)
    return list(buf.glyph_infos), list(buf.glyph_positions)
