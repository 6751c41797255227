"""OpenType features per zone: brand-fixed switches, a shopper's named choices, what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.features import resolve_features
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.spec import build_spec, spec_hash
from chalicelib.domain.zone import FeatureChoice, TextZone, product_issues
from chalicelib.scene.build import build_scene
from tests.support.scripts import DEBIAN_FONTS, BrandFonts, debian_font, name_zone, pendant
from tests.support.shaping import KAUSHAN, hb_shape

ALT_Z = {"id": "alt-z", "name": "Alternate z", "features": {"salt": True}}
LATIN = ("--direction=ltr", "--script=Latn", "--language=en")


def validate(text: str, chosen: list[str] | None = None, **zone: Any) -> Any:
    doc = pendant(**zone)
    given = ZoneInput(text=text, font="kaushan", features=chosen)
    return doc, validate_inputs(doc, {"name": given}, BrandFonts())


def glyph_names(result: Any) -> list[str]:
    return [g.glyph for g in result.layouts["name"].glyphs]


def test_a_chosen_option_reaches_harfbuzz_the_spec_and_its_hash() -> None:
    doc, plain = validate("Liz", feature_choices=[ALT_Z])
    _, chosen = validate("Liz", ["alt-z"], feature_choices=[ALT_Z])
    assert plain.valid and chosen.valid
    assert glyph_names(plain) != glyph_names(chosen)
    expected = hb_shape(KAUSHAN, "Liz", *LATIN, "--features=salt")
    assert glyph_names(chosen) == [debian_font("kaushan").glyph_name(g) for g, _, _ in expected]
    spec = build_spec("prd_f", 1, doc, chosen)
    assert spec["zones"]["name"]["shaping"]["features"] == {"salt": True}
    assert spec_hash(spec) != spec_hash(build_spec("prd_f", 1, doc, plain))
    assert chosen.normalized_inputs["name"]["features"] == ["alt-z"]
    build_scene(spec, doc, BrandFonts(), mockup=False)  # production shapes it the same way


def test_brand_fixed_switch_turns_the_ligature_off() -> None:
    _, result = validate("Office", features={"liga": False})
    assert glyph_names(result) == ["O", "f", "f", "i", "c", "e"]
    expected = hb_shape(KAUSHAN, "Office", *LATIN, "--features=-liga")
    assert glyph_names(result) == [debian_font("kaushan").glyph_name(g) for g, _, _ in expected]


def test_an_option_the_zone_does_not_offer_is_refused_naming_it() -> None:
    _, result = validate("Liz", ["alt-z", "swash"], feature_choices=[ALT_Z])
    errors = [e for e in result.errors if e["code"] == "zone.feature_not_allowed"]
    assert errors and errors[0]["params"]["features"] == ["swash"]
    assert errors[0]["params"]["allowed"] == ["alt-z"]
    assert "name" not in result.normalized_inputs


def test_click_order_does_not_change_the_switches() -> None:
    a = FeatureChoice.model_validate({"id": "a", "name": "A", "features": {"ss01": True}})
    b = FeatureChoice.model_validate({"id": "b", "name": "B", "features": {"ss01": False}})
    assert resolve_features({}, [a, b], ["b", "a"]) == resolve_features({}, [a, b], ["a", "b"])
    assert resolve_features({"liga": False}, [a, b], ["a"]) == (("liga", False), ("ss01", True))


def test_script_required_features_are_never_switches() -> None:
    choice = {"id": "plain", "name": "Unjoined", "features": {"init": False, "ss02": True}}
    doc = pendant(features={"rlig": False, "liga": False}, feature_choices=[choice])
    issues = product_issues(doc, set(DEBIAN_FONTS))
    assert [(i["code"], i["params"]["features"]) for i in issues] == [
        ("zone.feature_not_switchable", ["init", "rlig"])
    ]


@pytest.mark.parametrize("bad", [{"Swash": True}, {"ss1": True}, {"ss01": "yes"}])
def test_a_malformed_feature_is_refused_by_the_product_schema(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        TextZone.model_validate(name_zone(features=bad))
    assert caught.value.errors()[0]["loc"][0] == "features"
