"""The bundled font registry, loaded-font metrics, glyph coverage and upload verification."""

from __future__ import annotations

import hashlib
import importlib.resources
import io
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.errors import NotFound, ServiceUnavailable, ValidationFailed
from chalicelib.fonts import (
    DEFAULT_FONT_ID,
    FontEmbeddingRestricted,
    FontInvalid,
    FontUnknown,
    LoadedFont,
    font_info,
    get_font,
    list_fonts,
    missing_characters,
    verify_font_bytes,
)
from tests.support.fonts import (
    broken_kerning_font_bytes,
    dejavu_bytes,
    os2_garbage_font_bytes,
    truncated_font_bytes,
)

# A spec stores the font id and the sha256 of its file: if a package upgrade changes a file, the
# same spec would engrave different outlines. These pins make such a change fail loudly here, so
# it is made on purpose (new font id or a migration), never by a routine dependency bump.
PINNED_SHA256 = {
    "lato-regular": "e82542aed829",
    "lato-bold": "d7f0b7f2570f",
    "source-serif-pro-regular": "199c8adc8347",
    "caladea-regular": "d2f6cad33f19",
    "amatic-sc-regular": "95ea38520ec4",
    "fredoka-one-regular": "a2fbb1416510",
    "amiri-regular": "d26cd95609ed",
    "noto-naskh-arabic-regular": "706b4580c025",
    "rubik-regular": "6b94e23adeda",
    "noto-sans-devanagari-regular": "084a94d89eb5",
    "dancing-script-regular": "9ef04a03a7e3",
    "great-vibes-regular": "8671b4332bff",
    "pacifico-regular": "4dac9db3fa9c",
    "noto-emoji-regular": "24aaa2a20c9c",
}

FONT_IDS = [info.font_id for info in list_fonts()]
PYPI_FONT_IDS = [info.font_id for info in list_fonts() if info.npm is None]


def edited_font_bytes(
    font_id: str, edit: Callable[[Any], None], flavor: str | None = None
) -> bytes:
    """A bundled font with one table changed in memory, as an upload would arrive."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(font_info(font_id).path.read_bytes()))
    edit(font)
    font.flavor = flavor
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def set_fs_type(value: int) -> Callable[[Any], None]:
    def edit(font: Any) -> None:
        font["OS/2"].fsType = value

    return edit












def test_registry_offers_sans_serif_and_display_fonts_under_free_licences() -> None:
    infos = list_fonts()
    assert len(infos) >= 4
    assert {"sans", "serif", "display", "script"} <= {info.category for info in infos}
    assert {info.license for info in infos} <= {"OFL-1.1", "Apache-2.0"}
    assert len({info.font_id for info in infos}) == len(infos)
    assert DEFAULT_FONT_ID in FONT_IDS


@pytest.mark.parametrize("font_id", FONT_IDS)
def test_every_registered_font_loads_with_the_family_and_style_it_claims(font_id: str) -> None:
    info = font_info(font_id)
    font = get_font(font_id)
    name = font.ttfont["name"]
    assert (name.getBestFamilyName(), name.getBestSubFamilyName()) == (info.family, info.style)
    assert font.font_id == font_id
    assert font.units_per_em > 0
    assert font.glyph_for("\U0001f600" if info.category == "emoji" else "A") != font.notdef


@pytest.mark.parametrize("font_id", PYPI_FONT_IDS)
def test_font_file_is_found_inside_its_installed_package(font_id: str) -> None:
    info = font_info(font_id)
    package_dir = importlib.resources.files(info.module)
    assert info.path.is_file()
    assert str(info.path).startswith(str(package_dir))
    assert info.package_version


@pytest.mark.parametrize("font_id", FONT_IDS)
def test_font_sha256_is_stable_and_matches_the_file(font_id: str) -> None:
    info = font_info(font_id)
    expected = hashlib.sha256(info.path.read_bytes()).hexdigest()
    assert info.sha256 == expected == font_info(font_id).sha256
    assert get_font(font_id).sha256 == expected
    assert expected.startswith(PINNED_SHA256[font_id]), (
        f"{info.package} {info.package_version} ships a different {info.filename}"
    )


def test_get_font_parses_each_font_once_per_process() -> None:
    assert get_font("lato-regular") is get_font("lato-regular")


def test_unknown_font_id_is_a_typed_not_found_listing_known_ids() -> None:
    with pytest.raises(FontUnknown) as caught:
        get_font("comic-sans")
    assert isinstance(caught.value, NotFound)
    assert caught.value.code == "font.unknown"
    assert "lato-regular" in caught.value.details["known"]


def test_font_loaded_from_bytes_measures_like_the_bundled_one() -> None:
    data = font_info("caladea-regular").path.read_bytes()
    uploaded = LoadedFont.from_bytes(data, "brand-font-1")
    bundled = get_font("caladea-regular")
    assert uploaded.font_id == "brand-font-1"
    assert uploaded.sha256 == bundled.sha256
    assert uploaded.advance("A") == bundled.advance("A")
    assert uploaded.kerning("A", "V") == bundled.kerning("A", "V")


def test_loading_garbage_bytes_is_font_invalid() -> None:
    with pytest.raises(FontInvalid) as caught:
        LoadedFont.from_bytes(b"definitely not a font", "x")
    assert caught.value.code == "font.invalid"


def test_kerned_font_kerns_av_from_gpos_pair_adjustment() -> None:
    font = get_font("lato-regular")  # PairPos format 1 (glyph pairs)
    assert font.kerning("A", "V") < 0


def test_class_kerning_and_its_exceptions_resolve_in_subtable_order() -> None:
    # Source Serif lists pair exceptions (format 1) before class kerning (format 2); the values
    # are the ones HarfBuzz applies for the same pairs.
    font = get_font("source-serif-pro-regular")
    assert font.kerning("A", "V") == -129  # class kerning
    assert font.kerning("B", "V") == -50  # exception wins over the class value (0)
    assert font.kerning("B", "A") == -30  # not an exception: falls through to the classes


def test_kerning_inside_extension_lookups_is_found() -> None:
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables import otTables

    def wrap_in_extensions(font: Any) -> None:
        for lookup in font["GPOS"].table.LookupList.Lookup:
            if lookup.LookupType != 2:
                continue
            wrapped = []
            for subtable in lookup.SubTable:
                ext = otTables.ExtensionPos()
                ext.Format, ext.ExtensionLookupType, ext.ExtSubTable = 1, 2, subtable
                wrapped.append(ext)
            lookup.LookupType, lookup.SubTable = 9, wrapped

    data = edited_font_bytes("source-serif-pro-regular", wrap_in_extensions)
    types = {lk.LookupType for lk in TTFont(io.BytesIO(data))["GPOS"].table.LookupList.Lookup}
    assert 9 in types and 2 not in types
    font = LoadedFont.from_bytes(data, "extension")
    assert (font.kerning("A", "V"), font.kerning("B", "V")) == (-129, -50)


def test_legacy_kern_table_is_used_when_the_font_has_no_gpos_kerning() -> None:
    from fontTools.ttLib import newTable
    from fontTools.ttLib.tables._k_e_r_n import KernTable_format_0

    def legacy_kern_only(font: Any) -> None:
        del font["GPOS"]
        subtable = KernTable_format_0()
        subtable.version, subtable.coverage, subtable.format = 0, 1, 0
        subtable.kernTable = {("A", "V"): -77}
        kern = newTable("kern")
        kern.version, kern.kernTables = 0, [subtable]
        font["kern"] = kern

    font = LoadedFont.from_bytes(edited_font_bytes("lato-regular", legacy_kern_only), "legacy")
    assert font.kerning("A", "V") == -77
    assert font.kerning("V", "A") == 0


def test_cjk_character_in_a_latin_font_is_reported_missing() -> None:
    missing = missing_characters(get_font("lato-regular"), "Anna 中\n文 中")
    assert missing == ["中", "文"]


def test_accented_latin_whitespace_and_newlines_are_not_missing() -> None:
    text = "Zoë Łukasz\nÅsa\tRenée\u00a0Ø"
    assert missing_characters(get_font("lato-regular"), text) == []


def test_verify_reports_the_facts_of_a_valid_font() -> None:
    info = font_info("source-serif-pro-regular")
    facts = verify_font_bytes(info.path.read_bytes())
    assert (facts.family, facts.style) == ("Source Serif Pro", "Regular")
    assert facts.outline_format == "cff"
    assert facts.glyph_count > 1000
    assert facts.codepoint_count > 500
    assert facts.missing_basic_latin == ()
    assert facts.embedding == "installable"
    assert facts.sha256 == info.sha256
    assert not facts.is_variable


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage bytes, not a font",
        b"\x00\x01\x00\x00" + b"\x00" * 64,  # TrueType magic, empty table directory
        b"OTTO" + b"\xff" * 200,  # CFF magic, nonsense after it
    ],
)
def test_verify_rejects_bytes_that_are_not_a_font(data: bytes) -> None:
    with pytest.raises(FontInvalid) as caught:
        verify_font_bytes(data)
    assert caught.value.code == "font.invalid"
    assert isinstance(caught.value, ValidationFailed)


def test_dejavu_itself_passes_verification() -> None:
    """The malformed fonts below are broken by their edit, not by their source."""
    assert verify_font_bytes(dejavu_bytes()).family == "DejaVu Sans"


@pytest.mark.parametrize(
    "build",
    [truncated_font_bytes, os2_garbage_font_bytes, broken_kerning_font_bytes],
    ids=["truncated", "os2_all_ff", "kerning_matrix_cut"],
)
def test_verify_rejects_a_malformed_real_font_as_font_invalid(
    build: Callable[[], bytes],
) -> None:
    # Both once escaped as a bare fontTools TTLibError (a 500 leaving the asset pending): the
    # broken table is parsed lazily, outside the checks that caught the other cases.
    with pytest.raises(FontInvalid) as caught:
        verify_font_bytes(build())
    assert caught.value.code == "font.invalid"
    assert caught.value.details["reason"] in ("TTLibError", "ValueError")


def test_a_font_whose_kerning_breaks_layout_is_refused_at_upload() -> None:
    """It passed verification, then raised IndexError on most pairs while laying out text."""
    data = broken_kerning_font_bytes()
    font = LoadedFont.from_bytes(data, "kern")
    with pytest.raises(ValueError, match="PairPos"):
        font.kerning(font.glyph_for("A"), font.glyph_for("V"))
    with pytest.raises(FontInvalid):
        verify_font_bytes(data)


def test_loading_a_truncated_font_is_font_invalid_not_a_fonttools_error() -> None:
    with pytest.raises(FontInvalid):
        LoadedFont.from_bytes(truncated_font_bytes(), "cut")


def test_verify_rejects_a_font_whose_licence_restricts_embedding() -> None:
    data = edited_font_bytes("lato-regular", set_fs_type(0x0002))
    with pytest.raises(FontEmbeddingRestricted) as caught:
        verify_font_bytes(data)
    assert caught.value.code == "font.embedding_restricted"
    assert caught.value.details["fs_type"] == 0x0002


def test_verify_rejects_bitmap_only_embedding_because_we_output_outlines() -> None:
    with pytest.raises(FontEmbeddingRestricted):
        verify_font_bytes(edited_font_bytes("lato-regular", set_fs_type(0x0200 | 0x0008)))


def test_verify_accepts_preview_and_print_embedding() -> None:
    facts = verify_font_bytes(edited_font_bytes("lato-regular", set_fs_type(0x0004)))
    assert facts.embedding == "preview_print"
    assert facts.fs_type == 0x0004


def test_verify_refuses_woff_and_asks_for_ttf_or_otf() -> None:
    data = edited_font_bytes("lato-regular", lambda font: None, flavor="woff")
    with pytest.raises(FontInvalid) as caught:
        verify_font_bytes(data)
    assert caught.value.details["reason"] == "unsupported_format"


def test_verify_refuses_files_over_the_size_limit() -> None:
    data = font_info("lato-regular").path.read_bytes()
    with pytest.raises(FontInvalid) as caught:
        verify_font_bytes(data, max_bytes=1024)
    assert caught.value.code == "font.too_large"


def test_missing_font_package_is_a_service_problem_not_the_clients() -> None:
    from chalicelib.fonts import FontUnavailable, _resolve_path

    with pytest.raises(FontUnavailable) as caught:
        _resolve_path("font_package_that_is_not_installed", "X.ttf")
    assert isinstance(caught.value, ServiceUnavailable)
    assert caught.value.code == "font.unavailable"


def _raw_table(tag: str, data: bytes) -> Callable[[Any], None]:
    def edit(font: Any) -> None:
        from fontTools.ttLib.tables.DefaultTable import DefaultTable

        table = DefaultTable(tag)  # raw bytes: the check must not need to decompile them
        table.data = data
        font[tag] = table

    return edit


@pytest.mark.parametrize(
    ("tag", "data", "code"),
    [
        ("CBDT", b"\x00\x03\x00\x00", "font.color_bitmap_unsupported"),
        ("sbix", b"\x00\x01\x00\x01\x00\x00\x00\x00", "font.color_bitmap_unsupported"),
        ("COLR", b"\x00\x01" + b"\x00" * 32, "font.color_gradient_unsupported"),
    ],
)
def test_colour_fonts_we_cannot_cut_are_refused_with_a_clear_code(
    tag: str, data: bytes, code: str
) -> None:
    upload = edited_font_bytes("lato-regular", _raw_table(tag, data))
    with pytest.raises(FontInvalid) as caught:
        verify_font_bytes(upload)
    assert caught.value.code == code and caught.value.details["tables"] == [tag]


def test_a_plain_layered_colour_font_is_accepted() -> None:
    from fontTools.colorLib.builder import buildCOLR, buildCPAL

    def layered(font: Any) -> None:
        font["COLR"] = buildCOLR({"A": [("A", 0)]}, version=0)
        font["CPAL"] = buildCPAL([[(0.0, 0.0, 0.0, 1.0)]])

    facts = verify_font_bytes(edited_font_bytes("lato-regular", layered))
    assert facts.family == "Lato"
