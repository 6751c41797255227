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

Font fallback: with fallback fonts, each grapheme cluster (regex ``\\X``: a ZWJ sequence, a
letter with its marks, a conjunct stays whole) takes the first font whose cmap covers all of its
characters (joiners and variation selectors excepted); a space keeps the font before it. Runs
then also split where the font changes, each shaped with its own font, and positions are brought
into the first font's units (``units_per_em`` ratio), so one line can mix fonts.

Glyph id 0 is ``.notdef``: the characters of every cluster that shaped to it are reported by
:attr:`ShapedLine.missing`, after shaping and per cluster, not per code point (a sequence the font
composes into one glyph is not missing even if one of its code points has no cmap entry).

uharfbuzz is imported on first use (about 75 ms), so ``import app`` stays light.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.domain.bidi import BaseDirection, resolve, visual_order
from chalicelib.domain.text import graphemes
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
_IGNORABLE = frozenset("\u200c\u200d\ufe0e\ufe0f")  # a font need not map these to draw them


@dataclass(frozen=True)
class RunInfo:
    """One shaped run: characters ``start`` to ``end`` (logical, end exclusive) of the line."""

    start: int
    end: int
    level: int
    script: str
    direction: RunDirection
    language: str
    font: int = 0  # 0: the zone's font, i: its i-th fallback


@dataclass(frozen=True)
class ShapedGlyph:
    gid: int
    name: str
    cluster: int  # logical index of the first character of the glyph's cluster
    cluster_end: int  # logical index after its last character
    x: float  # pen position plus HarfBuzz's x offset, first font's units from the line origin
    y: float  # HarfBuzz's y offset, first font's units, y up
    font: int = 0  # which font draws it (see RunInfo.font); its outline is in that font's units


@dataclass(frozen=True)
class ShapedLine:
    text: str
    glyphs: tuple[ShapedGlyph, ...]  # visual order, leftmost first
    advance: float
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
    fallbacks: Sequence[LoadedFont] = (),
) -> ShapedLine:
    """Shape one line (no newline inside); ``features`` switch OpenType features on or off;
    ``fallbacks`` draw the clusters ``font`` lacks, first that covers wins."""
    fonts = (font, *fallbacks)
    levels = resolve(text, direction)
    runs = itemize(text, levels.levels, font_per_char(fonts, text) if fallbacks else None)
    order = visual_order([run.level for run in runs])
    codepoints = [ord(ch) for ch in text]
    glyphs: list[ShapedGlyph] = []
    pen: float = 0
    missing: dict[str, None] = {}
    for index in order:
        run = runs[index]
        run_font = fonts[run.font]
        ratio = font.units_per_em / run_font.units_per_em  # 1 for the zone's own font
        infos, positions = _shape_run(run_font, codepoints, run, dict(features or {}))
        starts = sorted({int(info.cluster) for info in infos} | {run.end})
        ends = dict(itertools.pairwise(starts))
        for info, pos in zip(infos, positions, strict=True):
            gid, cluster = int(info.codepoint), int(info.cluster)
            glyph = ShapedGlyph(
                gid,
                run_font.glyph_name(gid),
                cluster,
                ends[cluster],
                pen + pos.x_offset * ratio,
                pos.y_offset * ratio,
                run.font,
            )
            glyphs.append(glyph)
            pen += pos.x_advance * ratio
            if gid == 0:
                missing.update(
                    dict.fromkeys(
                        ch for ch in text[cluster : glyph.cluster_end] if not ch.isspace()
                    )
                )
    return ShapedLine(
        text, tuple(glyphs), pen, levels.rtl, tuple(runs[i] for i in order), tuple(missing)
    )


def font_per_char(fonts: Sequence[LoadedFont], text: str) -> list[int]:
    """The font of each character: per grapheme cluster, the first font covering all of it."""
    owners: list[int] = []
    for cluster in graphemes(text):
        if cluster.isspace() and owners:
            owner = owners[-1]  # a space stays in the run it sits in
        else:
            owner = next(
                (
                    i
                    for i, f in enumerate(fonts)
                    if all(ch in _IGNORABLE or ch.isspace() or ord(ch) in f.cmap for ch in cluster)
                ),
                0,  # nobody covers it: the zone's font, whose .notdef names the characters
            )
        owners.extend([owner] * len(cluster))
    return owners


def itemize(
    text: str, levels: tuple[int, ...], fonts: Sequence[int] | None = None
) -> list[RunInfo]:
    """Maximal runs of one bidi level, one script and one font, in logical order."""
    owner = fonts if fonts is not None else [0] * len(text)
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
        if (
            i == len(text)
            or levels[i] != levels[start]
            or resolved[i] != resolved[start]
            or owner[i] != owner[start]
        ):
            script = resolved[start]
            runs.append(
                RunInfo(
                    start,
                    i,
                    levels[start],
                    script,
                    "rtl" if levels[start] % 2 else "ltr",
                    _LANGUAGES.get(script, "und"),
                    owner[start],
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
