"""validate_inputs against real bundled fonts, with a fake catalog for images and words."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.personalization import (
    ImageInfo,
    ZoneInput,
    effective_dpi,
    validate_inputs,
)
from chalicelib.domain.zone import ImageZone, ProductDoc
from tests.support.personalization import CORD, NAME, FakeCatalog


def make_product(*zones: dict[str, Any]) -> ProductDoc:
    return ProductDoc.model_validate(
        {"name": "Sign", "sku": "S-1", "width_mm": 300, "height_mm": 200, "zones": list(zones)}
    )


PHOTO = {
    "id": "photo",
    "name": "Photo",
    "kind": "image",
    "x_mm": 150,
    "y_mm": 10,
    "width_mm": 100,
    "height_mm": 100,
    "min_dpi": 150,
}


def run(product: ProductDoc, catalog: FakeCatalog | None = None, **inputs: dict[str, Any]) -> Any:
    parsed = {k: ZoneInput.model_validate(v) for k, v in inputs.items()}
    return validate_inputs(product, parsed, catalog or FakeCatalog())


def codes(result: Any) -> list[str]:
    return [e["code"] for e in result.errors]


def test_valid_text_gets_normalized_inputs_and_layout() -> None:
    r = run(make_product(NAME, CORD), name={"text": "  Émilie\u200b  Dupont ", "color": "#c0c0c0"})
    assert r.valid, r.errors
    assert r.normalized_inputs["name"] == {
        "text": "Émilie Dupont",
        "font": "lato-regular",
        "color": "#C0C0C0",
        "size": r.layout["name"]["font_size_mm"],
    }
    assert r.normalized_inputs["cord"] == {"color": "#FF0000"}  # default colour filled in
    assert r.layout["name"]["fits"] is True and r.layout["name"]["width_mm"] <= 120
    assert [w["code"] for w in r.warnings] == ["text.zero_width_removed"]


def test_missing_required_zone_and_unknown_zone_are_errors() -> None:
    r = run(make_product(NAME), ghost={"text": "boo"})
    assert sorted(codes(r)) == ["zone.required", "zone.unknown"]


def test_long_text_shrinks_then_reports_not_fitting() -> None:
    product = make_product({**NAME, "max_chars": 200})
    fitted = run(product, name={"text": "Long Name Here"})
    assert fitted.valid and fitted.layout["name"]["font_size_mm"] < 20
    crammed = run(product, name={"text": "W" * 150})
    assert "text.does_not_fit" in codes(crammed)
    assert crammed.layout["name"]["font_size_mm"] == 4


def test_cjk_in_latin_font_names_the_character() -> None:
    product = make_product({**NAME, "charset": [], "charset_extra": "AB漢"})
    r = run(product, name={"text": "AB漢"})
    missing = [e for e in r.errors if e["code"] == "text.missing_glyphs"]
    assert missing and missing[0]["params"]["characters"] == ["漢"]
    assert "漢" in missing[0]["message"]


def test_rules_each_report_their_code() -> None:
    product = make_product({**NAME, "max_chars": 5, "max_lines": 1, "min_chars": 2})
    r = run(
        product,
        name={
            "text": "Привет\nвсем",
            "font": "fredoka-one-regular",
            "color": "#123456",
            "size": 50,
        },
    )
    assert set(codes(r)) >= {
        "text.too_many_characters",
        "text.too_many_lines",
        "text.disallowed_characters",
        "zone.font_not_allowed",
        "zone.color_not_allowed",
        "zone.size_out_of_range",
    }


def test_profanity_blocked_with_brand_words() -> None:
    product = make_product(NAME)
    assert "text.profanity" in codes(run(product, name={"text": "sh1t happens"}))
    brand = FakeCatalog(deny=("voldemort",), allow=("dick",))
    assert "text.profanity" in codes(run(product, brand, name={"text": "Voldemort"}))
    assert run(product, brand, name={"text": "Dick Smith"}).valid


def test_emoji_denied_by_default() -> None:
    r = run(make_product(NAME), name={"text": "Hi 👋"})
    assert "text.emoji_not_allowed" in codes(r)


@pytest.mark.parametrize(
    "hostile",
    [
        "\u202eevil",
        "a" * 10_000,
        "e" + "\u0301" * 500,
        "\ud800x",
        "\x00\x01",
        "👨‍👩‍👧‍👦",
        "\u200b\u200b",
        "раураl",
    ],
)
def test_hostile_text_never_raises(hostile: str) -> None:
    r = run(make_product({**NAME, "required": False}), name={"text": hostile})
    assert isinstance(r.valid, bool)
    for entry in r.errors + r.warnings:
        assert entry["zone_id"] == "name" and entry["code"]


def test_image_rules_use_verified_facts() -> None:
    product = make_product(PHOTO)
    images = {
        "ast_ok": ImageInfo("jpeg", 1200, 1200, 300_000),
        "ast_small": ImageInfo("png", 300, 300, 10_000),
        "ast_gif": ImageInfo("gif", 2000, 2000, 10_000),
    }
    catalog = FakeCatalog(images)
    ok = run(product, catalog, photo={"asset_id": "ast_ok"})
    assert ok.valid and ok.normalized_inputs["photo"]["effective_dpi"] == pytest.approx(304.8)
    assert codes(run(product, catalog, photo={"asset_id": "ast_small"})) == ["image.dpi_too_low"]
    assert codes(run(product, catalog, photo={"asset_id": "ast_gif"})) == [
        "image.format_not_allowed"
    ]
    assert codes(run(product, catalog, photo={"asset_id": "ast_other"})) == ["asset.not_found"]
    assert codes(run(product, catalog, photo={"text": "x"})) == []  # not required, nothing given
    mixed = run(product, catalog, photo={"asset_id": "ast_ok", "text": "x"})
    assert codes(mixed) == ["zone.unexpected_input"]


def test_effective_dpi_cover_versus_contain() -> None:
    zone = ImageZone.model_validate({**PHOTO, "width_mm": 100, "height_mm": 50})
    image = ImageInfo("png", 1000, 1000, 1)
    assert effective_dpi(zone, image) == pytest.approx(254.0)  # cover: 100 mm wide side
    contained = zone.model_copy(update={"image_fit": "contain"})
    assert effective_dpi(contained, image) == pytest.approx(508.0)  # contain: 50 mm side


def test_color_zone_rules() -> None:
    product = make_product({**CORD, "required": True})
    assert codes(run(product)) == ["zone.required"]
    assert codes(run(product, cord={"color": "#00FF00"})) == ["zone.color_not_allowed"]
    assert run(product, cord={"color": "#0000ff"}).normalized_inputs["cord"] == {"color": "#0000FF"}


def test_same_inputs_give_identical_results() -> None:
    product = make_product(NAME, CORD)
    a = run(product, name={"text": "Zoë & Léa"}).as_dict()
    b = run(product, name={"text": "Zoë & Léa"}).as_dict()
    assert a == b
