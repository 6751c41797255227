"""Layout, auto-fit and glyph outlines: what is measured must be exactly what gets drawn."""

from __future__ import annotations

import pytest

from chalicelib.domain.layout import (
    SIZE_STEP_MM,
    Align,
    Layout,
    LayoutInvalid,
    LayoutOptions,
    VAlign,
    fit_text,
    layout_text,
)
from chalicelib.fonts import get_font, list_fonts
from chalicelib.scene.outline import bounds, outline_layout, to_svg_path_d

FONT_IDS = [info.font_id for info in list_fonts()]
ZONE = LayoutOptions(width_mm=80.0, height_mm=40.0)


def drawn_layout(text: str, font_id: str, size_mm: float, options: LayoutOptions) -> Layout:
    return layout_text(text, get_font(font_id), size_mm, options)


def assert_measured_equals_drawn(layout: Layout, font_id: str) -> None:
    drawn = bounds(outline_layout(layout, get_font(font_id)))
    assert drawn is not None and layout.ink is not None
    assert layout.width_mm == pytest.approx(drawn.x_max - drawn.x_min, abs=0.05)
    assert layout.height_mm == pytest.approx(drawn.y_max - drawn.y_min, abs=0.05)
    for edge in ("x_min", "y_min", "x_max", "y_max"):
        assert getattr(layout.ink, edge) == pytest.approx(getattr(drawn, edge), abs=0.05)


def test_kerned_pair_av_is_narrower_than_a_plus_v() -> None:
    a = drawn_layout("A", "lato-regular", 10, ZONE)
    v = drawn_layout("V", "lato-regular", 10, ZONE)
    av = drawn_layout("AV", "lato-regular", 10, ZONE)
    assert av.lines[0].advance_mm < a.lines[0].advance_mm + v.lines[0].advance_mm - 0.5
    assert av.width_mm < a.lines[0].advance_mm + v.width_mm


@pytest.mark.parametrize("font_id", FONT_IDS)
@pytest.mark.parametrize("text", ["AVATAR", "Tøby & Jo", "fjord, quay!", "Happy\nBirthday"])
@pytest.mark.parametrize("size_mm", [3.0, 12.5])
@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_measured_width_equals_the_bbox_of_the_drawn_outlines(
    font_id: str, text: str, size_mm: float, align: Align
) -> None:
    layout = drawn_layout(text, font_id, size_mm, LayoutOptions(120, 60, align=align))
    assert_measured_equals_drawn(layout, font_id)


def test_measured_equals_drawn_after_wrapping_and_shrinking() -> None:
    options = LayoutOptions(35, 20, wrap=True, align="right")
    layout = fit_text(
        "To the moon and back, love Sam",
        get_font("source-serif-pro-regular"),
        options,
        min_size_mm=2,
        max_size_mm=15,
    )
    assert len(layout.lines) > 1
    assert_measured_equals_drawn(layout, "source-serif-pro-regular")


@pytest.mark.parametrize(
    ("align", "edge"), [("left", "x_min"), ("right", "x_max"), ("center", "middle")]
)
def test_each_line_ink_sits_on_the_aligned_zone_edge(align: Align, edge: str) -> None:
    layout = drawn_layout(
        "Wide first line\nshort\nmid line", "lato-regular", 8, LayoutOptions(100, 40, align=align)
    )
    assert len(layout.lines) == 3
    for line in layout.lines:
        assert line.ink is not None
        if edge == "middle":
            assert (line.ink.x_min + line.ink.x_max) / 2 == pytest.approx(50, abs=1e-3)
        else:
            assert getattr(line.ink, edge) == pytest.approx(0 if edge == "x_min" else 100, abs=1e-3)
    widths = [line.ink.width for line in layout.lines if line.ink]
    assert layout.width_mm == pytest.approx(max(widths), abs=1e-3)


def test_glyphs_advance_left_to_right_on_their_line_baseline() -> None:
    layout = drawn_layout("AB\nCD", "lato-regular", 10, LayoutOptions(100, 40, align="left"))
    first, second = layout.lines
    assert [g.char for g in layout.glyphs] == ["A", "B", "C", "D"]
    assert [g.line for g in layout.glyphs] == [0, 0, 1, 1]
    assert layout.glyphs[0].x_mm < layout.glyphs[1].x_mm
    assert {g.y_mm for g in layout.glyphs[:2]} == {first.baseline_mm}
    assert {g.y_mm for g in layout.glyphs[2:]} == {second.baseline_mm}


def test_lines_are_spaced_by_the_fonts_hhea_line_height_by_default() -> None:
    font = get_font("source-serif-pro-regular")
    layout = layout_text("one\ntwo\nthree", font, 10, ZONE)
    pitch = 10 * font.line_height_units / font.units_per_em
    baselines = [line.baseline_mm for line in layout.lines]
    assert baselines[1] - baselines[0] == pytest.approx(pitch, abs=1e-3)
    assert baselines[2] - baselines[1] == pytest.approx(pitch, abs=1e-3)


def test_explicit_line_height_is_a_multiple_of_the_font_size() -> None:
    layout = drawn_layout("one\ntwo", "lato-regular", 10, LayoutOptions(80, 40, line_height=1.5))
    assert layout.lines[1].baseline_mm - layout.lines[0].baseline_mm == pytest.approx(15)


@pytest.mark.parametrize(("valign", "expect"), [("top", 0.0), ("bottom", 40.0), ("middle", 20.0)])
def test_vertical_alignment_places_the_block_ink(valign: VAlign, expect: float) -> None:
    layout = drawn_layout("Anna\nGrace", "caladea-regular", 8, LayoutOptions(80, 40, valign=valign))
    assert layout.ink is not None
    measured = {
        "top": layout.ink.y_min,
        "bottom": layout.ink.y_max,
        "middle": (layout.ink.y_min + layout.ink.y_max) / 2,
    }[valign]
    assert measured == pytest.approx(expect, abs=1e-3)


def test_shrink_returns_the_largest_size_in_range_that_fits() -> None:
    font = get_font("lato-bold")
    options = LayoutOptions(30, 12)
    layout = fit_text("Alexandria", font, options, min_size_mm=2, max_size_mm=20)
    assert 2 <= layout.font_size_mm < 20
    assert layout.fits and layout.width_mm <= 30
    bigger = layout_text("Alexandria", font, layout.font_size_mm + SIZE_STEP_MM, options)
    assert not bigger.fits
    assert bigger.problems == ("too_wide",)


def test_shrink_respects_zone_height_and_line_count() -> None:
    font = get_font("fredoka-one-regular")
    options = LayoutOptions(60, 10, max_lines=2)
    layout = fit_text("Line one\nLine two", font, options, min_size_mm=1, max_size_mm=30)
    assert layout.fits and layout.height_mm <= 10
    assert not layout_text("Line one\nLine two", font, layout.font_size_mm + 0.01, options).fits
    three = fit_text("a\nb\nc", font, options, min_size_mm=1, max_size_mm=30)
    assert not three.fits and "too_many_lines" in three.problems


def test_shrink_keeps_the_preferred_size_when_the_text_already_fits() -> None:
    layout = fit_text(
        "Jo", get_font("lato-regular"), ZONE, min_size_mm=2, max_size_mm=20, size_mm=9
    )
    assert layout.font_size_mm == 9 and layout.fits


def test_shrink_reports_not_fitting_when_even_the_minimum_size_is_too_big() -> None:
    layout = fit_text(
        "Bartholomew",
        get_font("lato-regular"),
        LayoutOptions(10, 10),
        min_size_mm=5,
        max_size_mm=20,
    )
    assert layout.font_size_mm == 5
    assert not layout.fits and "too_wide" in layout.problems


def test_fit_none_keeps_the_requested_size_and_reports_overflow() -> None:
    font = get_font("lato-regular")
    options = LayoutOptions(20, 10)
    layout = fit_text(
        "Bartholomew", font, options, min_size_mm=2, max_size_mm=20, size_mm=12, fit="none"
    )
    assert layout.font_size_mm == 12 and not layout.fits
    small = fit_text("Bo", font, options, min_size_mm=2, max_size_mm=20, fit="none")
    assert small.font_size_mm == 20 and not small.fits
    assert fit_text("Bo", font, options, min_size_mm=2, max_size_mm=20, size_mm=5, fit="none").fits


def test_wrap_breaks_on_spaces_so_every_line_fits_the_zone_width() -> None:
    text = "For the best mum in the whole wide world"
    layout = drawn_layout(text, "lato-regular", 6, LayoutOptions(40, 40, wrap=True))
    assert len(layout.lines) > 1
    assert " ".join(line.text for line in layout.lines) == text
    assert all(line.ink is not None and line.ink.width <= 40 for line in layout.lines)
    assert layout.fits


def test_word_longer_than_the_zone_stays_whole_on_its_own_line_and_does_not_fit() -> None:
    layout = drawn_layout(
        "to Maximilianus with love", "lato-regular", 8, LayoutOptions(25, 40, wrap=True)
    )
    assert "Maximilianus" in [line.text for line in layout.lines]
    assert not layout.fits
    assert {"too_wide", "word_too_long"} <= set(layout.problems)


def test_without_wrapping_a_long_line_is_reported_too_wide() -> None:
    layout = drawn_layout("one two three", "lato-regular", 8, LayoutOptions(20, 40))
    assert len(layout.lines) == 1 and layout.problems == ("too_wide",)


def test_same_input_gives_identical_rounded_floats() -> None:
    font = get_font("amatic-sc-regular")
    options = LayoutOptions(33.3, 17.7, wrap=True, align="right")
    first = fit_text("Zoë & Ben 2024", font, options, min_size_mm=1.5, max_size_mm=25)
    second = fit_text("Zoë & Ben 2024", font, options, min_size_mm=1.5, max_size_mm=25)
    assert first == second and repr(first) == repr(second)
    for glyph in first.glyphs:
        assert glyph.x_mm == round(glyph.x_mm, 4) and glyph.y_mm == round(glyph.y_mm, 4)


def test_blank_text_draws_nothing_and_fits() -> None:
    layout = drawn_layout("", "lato-regular", 10, ZONE)
    assert layout.fits and layout.ink is None and layout.width_mm == 0
    assert bounds(outline_layout(layout, get_font("lato-regular"))) is None


def test_missing_characters_are_laid_out_as_notdef() -> None:
    layout = drawn_layout("A中", "lato-regular", 10, ZONE)
    assert [g.glyph for g in layout.glyphs] == ["A", ".notdef"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_size_mm": 0, "max_size_mm": 10},
        {"min_size_mm": 8, "max_size_mm": 4},
        {"min_size_mm": 2, "max_size_mm": 10, "size_mm": 12},
        {"min_size_mm": 2, "max_size_mm": float("nan")},
    ],
)
def test_invalid_size_ranges_are_rejected_with_a_typed_error(kwargs: dict[str, float]) -> None:
    with pytest.raises(LayoutInvalid) as caught:
        fit_text(
            "x",
            get_font("lato-regular"),
            ZONE,
            min_size_mm=kwargs["min_size_mm"],
            max_size_mm=kwargs["max_size_mm"],
            size_mm=kwargs.get("size_mm"),
        )
    assert caught.value.code == "layout.invalid"


def test_invalid_zone_options_are_rejected() -> None:
    with pytest.raises(LayoutInvalid):
        drawn_layout("x", "lato-regular", 5, LayoutOptions(0, 10))
    with pytest.raises(LayoutInvalid):
        drawn_layout("x", "lato-regular", 5, LayoutOptions(10, 10, max_lines=0))


def test_outlines_use_a_y_down_axis_from_the_zone_top() -> None:
    layout = drawn_layout("T", "lato-regular", 10, LayoutOptions(20, 20, valign="top"))
    outline = outline_layout(layout, get_font("lato-regular"))
    ys = [pt[1] for c in outline.contours for seg in c for pt in seg.points]
    baseline = layout.lines[0].baseline_mm
    assert min(ys) == pytest.approx(0, abs=1e-3)  # the T's bar is at the zone top
    assert max(ys) == pytest.approx(baseline, abs=0.01)  # its stem stands on the baseline


def test_outline_contours_are_closed_and_quad_or_cubic_by_font_format() -> None:
    for font_id, curve in (("lato-regular", "Q"), ("source-serif-pro-regular", "C")):
        layout = drawn_layout("Ob", font_id, 10, ZONE)
        outline = outline_layout(layout, get_font(font_id))
        ops = {seg.op for c in outline.contours for seg in c}
        assert curve in ops
        assert all(c[0].op == "M" and all(s.op != "M" for s in c[1:]) for c in outline.contours)
        d = to_svg_path_d(outline)
        assert d.startswith("M") and d.endswith("Z")
        assert d.count("Z") == d.count("M") == len(outline.contours) == 4


def test_outlining_with_a_different_font_than_the_layouts_is_refused() -> None:
    layout = drawn_layout("A", "lato-regular", 10, ZONE)
    with pytest.raises(ValueError):
        outline_layout(layout, get_font("caladea-regular"))
