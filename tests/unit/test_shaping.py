"""HarfBuzz shaping (spec version 2) against HarfBuzz's own command line, for every script we sell.

The reference is Debian's ``hb-shape`` (``libharfbuzz-bin``), a separate HarfBuzz build driven by
its own CLI, and the fonts are Debian font packages used as a brand would upload them; ``make
test`` installs both (``TEST_DEB_PACKAGES``). Glyph ids and pen positions must be equal, not close.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from chalicelib.domain.layout import LayoutOptions, layout_text
from chalicelib.domain.lines import Shaping
from chalicelib.domain.shaping import shape_line
from chalicelib.fonts import LoadedFont
from tests.support.shaping import KAUSHAN, hb_shape

AMIRI = Path("/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf")
DAVID = Path("/usr/share/fonts/truetype/culmus/DavidCLM-Medium.otf")
LOHIT = Path("/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf")
DANCING = Path("/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf")

# (font, text, direction, script, language, what the case exercises)
CORPUS = [
    (AMIRI, "محمد", "rtl", "Arab", "ar", "initial, medial and final joining forms"),
    (AMIRI, "سلام", "rtl", "Arab", "ar", "lam-alef"),
    (AMIRI, "عبد الله", "rtl", "Arab", "ar", "allah ligature and a space"),
    (AMIRI, "مُحَمَّد", "rtl", "Arab", "ar", "harakat placed by mark positioning"),
    (AMIRI, "عَبْدُ اللّٰه", "rtl", "Arab", "ar", "stacked marks (mkmk)"),
    (AMIRI, "نجيب", "rtl", "Arab", "ar", "contextual alternates (calt)"),
    (DAVID, "שָׁלוֹם", "rtl", "Hebr", "he", "niqqud"),
    (DAVID, "יִצְחָק", "rtl", "Hebr", "he", "niqqud under and inside letters"),
    (LOHIT, "क्षत्रिय", "ltr", "Deva", "hi", "conjuncts"),
    (LOHIT, "किशोर", "ltr", "Deva", "hi", "the i-matra reordered before its consonant"),
    (LOHIT, "प्रिया", "ltr", "Deva", "hi", "ra below-form and i-matra"),
    (KAUSHAN, "Office", "ltr", "Latn", "en", "ffi ligature"),
    (DANCING, "Griffin", "ltr", "Latn", "en", "fi ligature"),
]


@functools.cache
def font(path: Path) -> LoadedFont:
    return LoadedFont.from_path(path, path.stem.lower())




@pytest.mark.parametrize(
    ("path", "text", "direction", "script", "language", "case"),
    CORPUS,
    ids=[c[-1] for c in CORPUS],
)
def test_glyph_ids_and_positions_equal_hb_shape(
    path: Path, text: str, direction: str, script: str, language: str, case: str
) -> None:
    line = shape_line(font(path), text)
    expected = hb_shape(
        path, text, f"--direction={direction}", f"--script={script}", f"--language={language}"
    )
    assert [(g.gid, g.x, g.y) for g in line.glyphs] == expected
    assert [(r.script, r.direction, r.language) for r in line.runs] == [
        (script, direction, language)
    ]


def test_amiri_has_calt_and_it_changes_the_glyphs() -> None:
    """The calt case above is meaningful: the font has the feature and it fires on this name."""
    gsub = font(AMIRI).ttfont["GSUB"].table
    assert "calt" in {r.FeatureTag for r in gsub.FeatureList.FeatureRecord}
    on = [g.gid for g in shape_line(font(AMIRI), "نجيب").glyphs]
    off = [g.gid for g in shape_line(font(AMIRI), "نجيب", features={"calt": False}).glyphs]
    assert on != off
    assert [
        (g.gid, g.x, g.y) for g in shape_line(font(AMIRI), "نجيب", "auto", {"calt": False}).glyphs
    ] == (
        hb_shape(
            AMIRI, "نجيب", "--direction=rtl", "--script=Arab", "--language=ar", "--features=-calt"
        )
    )


def test_ligature_is_one_glyph_for_several_characters() -> None:
    line = shape_line(font(KAUSHAN), "Office")
    assert [line.cluster_text(g) for g in line.glyphs] == ["O", "ffi", "c", "e"]


def test_i_matra_is_drawn_left_of_the_consonant_it_follows() -> None:
    line = shape_line(font(LOHIT), "कि")
    assert [g.name for g in line.glyphs] == ["isigndeva", "kadeva"]
    assert line.glyphs[0].x < line.glyphs[1].x


def test_mixed_line_is_shaped_in_runs_and_ordered_for_the_reader() -> None:
    """ "Ahmed أحمد": the Latin run first (left), then the Arabic run, joined right to left."""
    line = shape_line(font(AMIRI), "Ahmed أحمد")
    assert [(r.script, r.direction, r.start, r.end) for r in line.runs] == [
        ("Latn", "ltr", 0, 6),
        ("Arab", "rtl", 6, 10),
    ]
    arabic = hb_shape(AMIRI, "أحمد", "--direction=rtl", "--script=Arab", "--language=ar")
    latin = line.glyphs[: len(line.glyphs) - len(arabic)]
    start = latin[-1].x + font(AMIRI).advance(latin[-1].name)
    assert [(g.gid, g.x - start, g.y) for g in line.glyphs[len(latin) :]] == arabic
    assert not line.rtl


def test_rtl_paragraph_puts_the_number_after_the_name_on_the_left() -> None:
    """ "نور 2026": an Arabic paragraph, so the year (left to right inside) is left of the name."""
    line = shape_line(font(AMIRI), "نور 2026")
    assert line.rtl
    assert [(r.direction, r.start, r.end) for r in line.runs] == [("ltr", 4, 8), ("rtl", 0, 4)]
    digits = [line.cluster_text(g) for g in line.glyphs[:4]]
    assert digits == ["2", "0", "2", "6"]
    assert [line.cluster_text(g) for g in line.glyphs[4:]] == [" ", "ر", "و", "ن"]


def test_notdef_is_reported_per_cluster_naming_the_characters() -> None:
    line = shape_line(font(DAVID), "Noa नोआ")
    assert line.missing == ("न", "ो", "आ")
    assert shape_line(font(LOHIT), "क्ष").missing == ()


def test_start_alignment_is_right_for_an_rtl_line_and_left_for_an_ltr_one() -> None:
    options = LayoutOptions(width_mm=100, height_mm=20, align="start", shaping=Shaping())
    rtl = layout_text("نور", font(AMIRI), 10, options)
    ltr = layout_text("Noor", font(AMIRI), 10, options)
    assert rtl.ink is not None and ltr.ink is not None
    assert rtl.ink.x_max == pytest.approx(100) and ltr.ink.x_min == pytest.approx(0)
    forced = layout_text(
        "Noor", font(AMIRI), 10, LayoutOptions(100, 20, align="start", shaping=Shaping("rtl"))
    )
    assert forced.ink is not None and forced.ink.x_max == pytest.approx(100)


def test_harakat_sit_above_the_baseline_by_harfbuzz_y_offsets() -> None:
    options = LayoutOptions(width_mm=100, height_mm=40, shaping=Shaping())
    layout = layout_text("مُحَمَّد", font(AMIRI), 20, options)
    baseline = layout.lines[0].baseline_mm
    marks = [g for g in layout.glyphs if g.y_mm != baseline]
    assert marks, "mark glyphs are offset vertically"
    line = shape_line(font(AMIRI), "مُحَمَّد")
    scale = 20 / font(AMIRI).units_per_em
    assert sorted(round(baseline - g.y_mm, 4) for g in marks) == sorted(
        round(g.y * scale, 4) for g in line.glyphs if g.y != 0
    )


def test_a_line_is_shaped_once_for_every_size_auto_fit_tries_and_pins_no_font() -> None:
    import gc
    import weakref

    from chalicelib.domain import lines

    fresh = LoadedFont.from_path(AMIRI, "amiri-cache-test")
    options = [LayoutOptions(100, 20, shaping=Shaping()) for _ in range(2)]
    shaped = lines.shape(fresh, "نور 2026", options[0].shaping)
    assert lines.shape(fresh, "نور 2026", options[1].shaping) is shaped
    small = layout_text("نور 2026", fresh, 5, options[0])
    large = layout_text("نور 2026", fresh, 10, options[0])
    assert [g.glyph for g in small.glyphs] == [g.glyph for g in large.glyphs]
    gone = weakref.ref(fresh)
    del fresh, small, large
    gc.collect()
    assert gone() is None
