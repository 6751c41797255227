"""Arabic, Hebrew and Devanagari names end to end in the domain: charsets, normalization that
keeps the joiners a script needs, grapheme counts, validation into a version 2 spec, and the
scene builder re-shaping it. Fonts are Debian packages used as brand uploads."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.charsets import charset_issue, resolve_charset
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.spec import build_spec
from chalicelib.domain.text import count_graphemes, normalize_text
from chalicelib.domain.zone import ProductDoc, TextZone, product_issues
from chalicelib.errors import NotFound
from chalicelib.fonts import LoadedFont
from chalicelib.scene.build import build_scene
from chalicelib.scene.model import RenderError, Scene, TextItem
from chalicelib.scene.outline import bounds
from tests.support.scripts import DEBIAN_FONTS, BrandFonts, debian_font, name_zone, pendant


def spec_for(text: str, font: str, **changes: Any) -> tuple[dict[str, Any], ProductDoc]:
    doc = pendant(**changes)
    result = validate_inputs(doc, {"name": ZoneInput(text=text, font=font)}, BrandFonts())
    assert result.valid, result.errors
    return build_spec("prd_names", 1, doc, result), doc


def scene_of(text: str, font: str, **changes: Any) -> Scene:
    spec, doc = spec_for(text, font, **changes)
    return build_scene(spec, doc, BrandFonts(), mockup=False)


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("arabic", "مُحَمَّد ١٢"),
        ("arabic", "می\u200cخواهم"),
        ("hebrew", "שָׁלוֹם"),
        ("devanagari", "क्षत्रिय।"),
        ("devanagari", "क्\u200dष"),
    ],
)
def test_script_charsets_accept_their_names(charset: str, text: str) -> None:
    assert charset_issue(normalize_text(text).normalized, resolve_charset([charset])) is None


def test_a_zone_may_list_several_charsets_and_each_refuses_the_others() -> None:
    both = resolve_charset(["latin", "hebrew"])
    assert charset_issue("Noa נועה", both) is None
    issue = charset_issue("Noa نور", resolve_charset(["latin", "hebrew"]))
    assert issue is not None and issue.params["characters"] == ["ن", "و", "ر"]


def test_zwnj_in_persian_and_zwj_in_a_devanagari_half_form_are_kept() -> None:
    persian = normalize_text("می\u200cخواهم")
    half_form = normalize_text("क्\u200dष")
    assert persian.normalized == "می\u200cخواهم" and not persian.removed
    assert half_form.normalized == "क्\u200dष" and not half_form.removed


@pytest.mark.parametrize(
    "text", ["Pay\u200cPal", "Pa\u200dul", "\u200cنور", "نور\u200d", "ن\u200c\u200cور"]
)
def test_joiners_that_only_spoof_are_removed(text: str) -> None:
    result = normalize_text(text)
    assert "\u200c" not in result.normalized.replace("ن\u200cور", "")
    assert "\u200d" not in result.normalized
    assert any(r.reason == "zero_width" for r in result.removed)


@pytest.mark.parametrize(
    ("text", "count"),
    [("क्षत्रिय", 3), ("किशोर", 3), ("مُحَمَّد", 4), ("שָׁלוֹם", 4), ("क्\u200dष", 1)],
)
def test_a_conjunct_or_a_letter_with_its_marks_counts_as_one(text: str, count: int) -> None:
    assert count_graphemes(text) == count
    assert normalize_text(text).grapheme_count == count


def test_arabic_name_validates_into_a_version_2_spec_with_its_runs() -> None:
    spec, _ = spec_for("Ahmed أحمد", "amiri")
    zone = spec["zones"]["name"]
    assert spec["spec_version"] == 2
    runs = zone["shaping"]["lines"][0]["runs"]
    assert [(r["script"], r["direction"], r["start"], r["end"]) for r in runs] == [
        ("Latn", "ltr", 0, 6),
        ("Arab", "rtl", 6, 10),
    ]
    assert {r["font"]["sha256"] for r in runs} == {debian_font("amiri").sha256}


@pytest.mark.parametrize(
    ("text", "font"), [("مُحَمَّد", "amiri"), ("שָׁלוֹם", "david"), ("प्रिया", "lohit")]
)
def test_the_scene_builder_reshapes_the_spec_and_accepts_it(text: str, font: str) -> None:
    scene = scene_of(text, font)
    assert scene.items and scene.items[0].zone_id == "name"


def test_a_tampered_run_is_a_layout_mismatch() -> None:
    spec, doc = spec_for("Ahmed أحمد", "amiri")
    spec["zones"]["name"]["shaping"]["lines"][0]["runs"][1]["language"] = "fa"
    with pytest.raises(RenderError) as caught:
        build_scene(spec, doc, BrandFonts(), mockup=False)
    assert caught.value.code == "render.layout_mismatch"


def test_characters_the_font_cannot_shape_are_named_after_shaping() -> None:
    doc = pendant()
    result = validate_inputs(doc, {"name": ZoneInput(text="Noa नोआ", font="david")}, BrandFonts())
    errors = [e for e in result.errors if e["code"] == "text.missing_glyphs"]
    assert errors and errors[0]["params"]["characters"] == ["न", "ो", "आ"]
    assert "name" not in result.layouts  # nothing half-measured reaches a spec


def test_rtl_start_alignment_puts_the_ink_on_the_zone_right_edge() -> None:
    scene = scene_of("נועה", "david", align="start", fit="none", default_size_mm=10)
    item = scene.items[0]
    assert isinstance(item, TextItem)
    box = bounds(item.outline)
    assert box is not None and box.x_max == pytest.approx(10 + 120, abs=1e-3)


def test_unknown_direction_and_unknown_charset_are_refused_naming_them() -> None:
    with pytest.raises(ValidationError) as caught:
        TextZone.model_validate(name_zone(direction="up"))
    assert caught.value.errors()[0]["loc"] == ("direction",)
    doc = pendant(charset=["latin", "klingon"])
    issues = product_issues(doc, set(DEBIAN_FONTS))
    assert [(i["code"], i["params"]["charsets"]) for i in issues] == [
        ("zone.unknown_charset", ["klingon"])
    ]


def test_specimen_is_in_the_script_the_zone_allows_and_shaped() -> None:
    from chalicelib.scene.specimen import specimen_svg, specimen_text

    amiri = debian_font("amiri")
    assert specimen_text(amiri, "Amiri", ["latin", "arabic"]) == "أحمد"
    assert specimen_text(amiri, "Amiri", ["latin", "hebrew"]) == "Amiri"  # no Hebrew in Amiri
    assert specimen_text(debian_font("lohit"), "Lohit", ["devanagari"]) == "प्रिया"
    shaped = specimen_svg(amiri, "أحمد")
    assert shaped.startswith("<svg") and "<path d=" in shaped
    isolated = specimen_svg(amiri, "أ ح م د")  # letters apart, unjoined: another drawing
    assert shaped != isolated


def test_fallback_font_draws_the_clusters_the_zone_font_lacks() -> None:
    """Kaushan (1000 units/em) has no Hebrew; David (1200) draws it, at the same size in mm."""
    spec, doc = spec_for(
        "Noa נועה", "kaushan", fallback_fonts=["david"], fit="none", default_size_mm=10
    )
    runs = spec["zones"]["name"]["shaping"]["lines"][0]["runs"]
    assert [(r["script"], r["font"]["id"]) for r in runs] == [
        ("Latn", "kaushan"),
        ("Hebr", "david"),
    ]
    assert runs[1]["font"]["sha256"] == debian_font("david").sha256
    result = validate_inputs(
        doc, {"name": ZoneInput(text="Noa נועה", font="kaushan")}, BrandFonts()
    )
    hebrew = [g for g in result.layouts["name"].glyphs if g.font == 1]
    alone = validate_inputs(
        pendant(fit="none", default_size_mm=10),
        {"name": ZoneInput(text="נועה", font="david")},
        BrandFonts(),
    ).layouts["name"]
    assert [g.glyph for g in hebrew] == [g.glyph for g in alone.glyphs]
    gaps = [round(b.x_mm - a.x_mm, 3) for a, b in itertools.pairwise(hebrew)]
    assert gaps == [round(b.x_mm - a.x_mm, 3) for a, b in itertools.pairwise(alone.glyphs)]
    scene = build_scene(spec, doc, BrandFonts(), mockup=False)
    item = scene.items[0]
    assert isinstance(item, TextItem)
    assert {g.glyph for g in item.outline.glyphs} >= {g.glyph for g in alone.glyphs}


def test_a_cluster_no_font_covers_is_named_and_a_lost_fallback_stops_production() -> None:
    doc = pendant(fallback_fonts=["david"])
    result = validate_inputs(doc, {"name": ZoneInput(text="Noa नोआ", font="kaushan")}, BrandFonts())
    errors = [e for e in result.errors if e["code"] == "text.missing_glyphs"]
    assert errors and errors[0]["params"]["characters"] == ["न", "ो", "आ"]
    spec, doc = spec_for("Noa נועה", "kaushan", fallback_fonts=["david"])

    class WithoutDavid(BrandFonts):
        def font(self, font_id: str, sha256: str = "") -> LoadedFont:
            if font_id == "david":
                raise NotFound("gone", code="font.unknown")
            return super().font(font_id, sha256)

    with pytest.raises(RenderError) as caught:
        build_scene(spec, doc, WithoutDavid(), mockup=False)
    assert caught.value.code == "render.font_missing"


def test_cut_findings_name_right_to_left_letters_by_their_index_in_the_text() -> None:
    """The dot under ب (logically first, drawn last in visual order) falls off when cut."""
    from chalicelib.domain.profile import BUILTIN
    from chalicelib.scene.cut_checks import check_cut_zones

    doc = pendant(process="cut", fit="none", default_size_mm=20)
    result = validate_inputs(doc, {"name": ZoneInput(text="بحر", font="amiri")}, BrandFonts())
    reports = check_cut_zones(doc, result, debian_font, BUILTIN["laser-default"])
    islands = [f for f in reports[0].findings if f.code == "cut.island"]
    assert islands, reports[0].findings
    assert islands[0].params["characters"] == [{"index": 0, "char": "ب"}]
