"""Options, conditions and prices as pure rules (chalicelib/domain/options.py)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.domain.options import (
    Condition,
    choice_summary,
    chosen_mockup,
    price_of,
    resolve_choices,
    shop_variant,
    visible,
)
from chalicelib.domain.zone import ProductDoc, product_issues

FONTS = {"lato-regular"}


def pendant(**over: Any) -> ProductDoc:
    doc: dict[str, Any] = {
        "name": "Heart pendant",
        "sku": "HEART",
        "width_mm": 30,
        "height_mm": 30,
        "currency": "EUR",
        "base_price_minor": 2900,
        "options": [
            {
                "id": "chain",
                "name": "Chain",
                "kind": "swatch",
                "values": [
                    {"id": "silver", "name": "Silver", "swatch_color": "#c0c0c0"},
                    {
                        "id": "gold",
                        "name": "Gold",
                        "swatch_color": "#D4AF37",
                        "price_minor": 1500,
                        "shop_variant_id": "4711",
                    },
                ],
                "default": "silver",
            },
            {
                "id": "back",
                "name": "Back engraving",
                "kind": "toggle",
                "values": [{"id": "no", "name": "No"}, {"id": "yes", "name": "Yes"}],
            },
            {
                "id": "back-font",
                "name": "Back style",
                "values": [{"id": "plain", "name": "Plain"}, {"id": "script", "name": "Script"}],
                "visible_when": {"all": [{"option": "back", "equals": "yes"}]},
            },
        ],
        "zones": [
            {"id": "front", "name": "Front", "kind": "text", "x_mm": 5, "y_mm": 5,
             "width_mm": 20, "height_mm": 10, "fonts": ["lato-regular"]},
            {"id": "back-text", "name": "Back text", "kind": "text", "x_mm": 5, "y_mm": 15,
             "width_mm": 20, "height_mm": 10, "fonts": ["lato-regular"], "required": True,
             "price_minor": 500,
             "visible_when": {"any": [{"option": "back", "in": ["yes"]}]}},
        ],
    }  # fmt: skip
    doc.update(over)
    return ProductDoc.model_validate(doc)


def codes(doc: ProductDoc) -> list[str]:
    return [i["code"] for i in product_issues(doc, FONTS)]


def test_a_sound_pendant_has_no_issues_and_round_trips_through_storage() -> None:
    doc = pendant()
    assert codes(doc) == []
    stored = doc.model_dump(mode="json")
    assert stored["zones"][1]["visible_when"] == {"any": [{"option": "back", "in": ["yes"]}]}
    assert ProductDoc.model_validate(stored, strict=False) == doc


def test_defaults_fill_and_hidden_options_are_left_out() -> None:
    doc = pendant()
    assert resolve_choices(doc.options, {}) == ({"chain": "silver", "back": "no"}, [])
    chosen, errors = resolve_choices(doc.options, {"back": "yes", "chain": "silver"})
    assert errors == [] and chosen == {"chain": "silver", "back": "yes", "back-font": "plain"}


def test_unknown_option_value_and_hidden_choice_name_the_option() -> None:
    doc = pendant()
    _, errors = resolve_choices(doc.options, {"chain": "bronze", "size": "xl", "back-font": "x"})
    found = {(e["option_id"], e["code"]) for e in errors}
    assert found == {
        ("chain", "option.value_unknown"),
        ("size", "option.unknown"),
        ("back-font", "option.hidden"),
    }
    bronze = next(e for e in errors if e["code"] == "option.value_unknown")
    assert bronze["params"]["allowed"] == ["silver", "gold"] and "'Chain'" in bronze["message"]


@pytest.mark.parametrize(
    ("condition", "choices", "expected"),
    [
        (None, {}, True),
        ({"all": [{"option": "a", "equals": "1"}, {"option": "b", "equals": "2"}]},
         {"a": "1", "b": "2"}, True),
        ({"all": [{"option": "a", "equals": "1"}, {"option": "b", "equals": "2"}]},
         {"a": "1", "b": "3"}, False),
        ({"any": [{"option": "a", "equals": "1"}, {"option": "b", "equals": "2"}]},
         {"a": "0", "b": "2"}, True),
        ({"any": [{"option": "a", "in": ["1", "2"]}]}, {"a": "2"}, True),
        ({"any": [{"option": "a", "in": ["1", "2"]}]}, {}, False),  # hidden option: false
    ],
)  # fmt: skip
def test_visible(condition: dict[str, Any] | None, choices: dict[str, str], expected: bool) -> None:
    parsed = Condition.model_validate(condition) if condition else None
    assert visible(parsed, choices) is expected


@pytest.mark.parametrize(
    "bad",
    [
        {"all": [{"option": "a", "equals": "1"}], "any": [{"option": "a", "equals": "1"}]},
        {},
        {"all": [{"option": "a"}]},
        {"all": [{"option": "a", "equals": "1", "in": ["1"]}]},
        {"all": []},
    ],
)
def test_malformed_conditions_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Condition.model_validate(bad)


def test_price_is_base_plus_chosen_add_ons_and_filled_paid_zones() -> None:
    doc = pendant()
    plain = price_of(doc, {"chain": "silver", "back": "no"}, ["front"])
    assert plain is not None and plain.total_minor == 2900 and plain.lines == []
    full = price_of(doc, {"chain": "gold", "back": "yes"}, ["front", "back-text"])
    assert full is not None
    assert [(line.kind, line.id, line.amount_minor) for line in full.lines] == [
        ("option", "chain", 1500),
        ("zone", "back-text", 500),
    ]
    assert full.total_minor == 2900 + 1500 + 500
    assert full.currency == "EUR" and full.includes_tax is True and full.base_minor == 2900
    assert price_of(pendant(base_price_minor=None, zones=[], options=[]), {}, []) is None


def test_shop_variant_prefers_combinations_then_values() -> None:
    doc = pendant(variants=[{"when": {"chain": "gold", "back": "yes"}, "shop_variant_id": "99"}])
    assert shop_variant(doc, {"chain": "gold", "back": "yes"}) == "99"
    assert shop_variant(doc, {"chain": "gold", "back": "no"}) == "4711"
    assert shop_variant(doc, {"chain": "silver", "back": "no"}) is None
    assert choice_summary(doc, {"chain": "gold", "back": "no"}) == [
        {"option_id": "chain", "option": "Chain", "value_id": "gold", "value": "Gold"},
        {"option_id": "back", "option": "Back engraving", "value_id": "no", "value": "No"},
    ]


def test_product_rules_for_options() -> None:
    base = pendant().model_dump(mode="json")
    options = base["options"]
    options[0]["default"] = "bronze"  # default not a value
    options[1]["values"].append({"id": "maybe", "name": "Maybe"})  # toggle with three values
    options[0]["values"][0]["swatch_color"] = None  # swatch without colour or image
    options[2]["visible_when"] = {"all": [{"option": "back", "equals": "perhaps"}]}
    options.append({"id": "front", "name": "Clash", "values": [{"id": "a", "name": "A"}]})
    base["zones"][0]["visible_when"] = {"all": [{"option": "engraving", "equals": "yes"}]}
    base["variants"] = [{"when": {"chain": "platinum"}, "shop_variant_id": "1"}]
    found = codes(ProductDoc.model_validate(base, strict=False))
    assert sorted(found) == sorted(
        [
            "option.default_unknown",
            "option.toggle_needs_two_values",
            "option.swatch_missing",
            "condition.unknown_value",
            "option.duplicate_id",
            "condition.unknown_option",
            "condition.unknown_value",
        ]
    )


def test_an_option_condition_may_only_name_earlier_options() -> None:
    base = pendant().model_dump(mode="json")
    base["options"][0]["visible_when"] = {"all": [{"option": "back", "equals": "yes"}]}
    assert codes(ProductDoc.model_validate(base, strict=False)) == ["condition.unknown_option"]


def test_prices_need_a_base_price_and_a_currency() -> None:
    assert codes(pendant(base_price_minor=None)) == ["product.base_price_required"]
    assert codes(pendant(currency=None)) == ["product.currency_required"]
    with pytest.raises(ValidationError):
        pendant(currency="eur")


def test_the_pack_manifest_and_job_sheet_name_the_chosen_options() -> None:
    import io
    from dataclasses import replace

    import pypdf

    from chalicelib.scene.jobsheet import job_sheet_pdf
    from tests.unit.test_jobsheet import SHEET
    from tests.unit.test_pack import DOC, SPEC, _files, _manifest

    assert "options" not in _manifest(_files())  # a product without options: as before
    product = DOC.model_copy(update={"options": pendant().options})
    chosen = _manifest(
        _files(), spec={**SPEC, "options": {"back": "no", "chain": "gold"}}, product=product
    )
    assert [(c["option"], c["value"]) for c in chosen["options"]] == [
        ("Chain", "Gold"),
        ("Back engraving", "No"),
    ]

    def ops(pdf: bytes) -> int:
        contents = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
        assert contents is not None
        return len(contents.get_data())

    plain = job_sheet_pdf(SHEET)
    assert job_sheet_pdf(replace(SHEET, options=())) == plain  # no options: the same bytes
    with_options = job_sheet_pdf(replace(SHEET, options=("Chain: Gold", "Back engraving: No")))
    assert ops(with_options) > ops(plain) + 2000  # the row's words, drawn as outlines


def test_an_option_value_can_switch_the_mockup_photo() -> None:
    doc = pendant().model_dump(mode="json")
    doc["options"][0]["values"][1]["mockup_asset_id"] = "ast_gold_photo"
    product = ProductDoc.model_validate(doc, strict=False)
    assert chosen_mockup(product, {"chain": "gold", "back": "no"}) == "ast_gold_photo"
    assert chosen_mockup(product, {"chain": "silver", "back": "no"}) is None


def test_list_price_rules_for_api_and_shop_order_items() -> None:
    from chalicelib.domain.order import PriceRefused, api_item_price, shop_item_price

    price = price_of(pendant(), {"chain": "gold", "back": "no"}, ["front"])
    assert price is not None and price.total_minor == 4400
    assert api_item_price(price, "EUR", None, None).unit_price_minor == 4400
    off = {"amount_minor": 400, "reason": "Staff"}
    assert api_item_price(price, "EUR", 4000, off).discount == off
    for args, code in (
        (("EUR", 4000, None), "order.price_mismatch"),
        (("EUR", 4400, off), "order.price_mismatch"),
        (("USD", 4400, None), "order.currency_mismatch"),
        (("EUR", None, {"amount_minor": 5000, "reason": "x"}), "order.discount_too_large"),
    ):
        with pytest.raises(PriceRefused) as refused:
            api_item_price(price, *args)
        assert refused.value.code == code and refused.value.status == 422
    with pytest.raises(PriceRefused, match="unit_price_minor"):
        api_item_price(None, "EUR", None, None)
    assert api_item_price(None, "EUR", 123, None).list_price_minor is None
    assert shop_item_price(price, "EUR", 4400).price_mismatch is False
    assert shop_item_price(price, "EUR", 2450).price_mismatch is True
    assert shop_item_price(price, "USD", 4400).price_mismatch is True
    unpriced = shop_item_price(None, "EUR", 2450)
    assert (unpriced.unit_price_minor, unpriced.list_price_minor, unpriced.price_mismatch) == (
        2450,
        None,
        False,
    )


def test_options_need_spec_version_2() -> None:
    from chalicelib.domain.spec import check_spec

    spec = {"spec_version": 1, "product_id": "p", "product_version": 1, "zones": {}}
    assert check_spec(spec)[0] == []
    errors, _ = check_spec({**spec, "options": {"chain": "gold"}})
    assert errors and "options need spec version 2" in errors[0]["message"]
    assert check_spec({**spec, "spec_version": 2, "options": {"chain": "gold"}})[0] == []


def test_documents_that_use_no_options_or_prices_are_stored_as_before() -> None:
    plain = pendant(options=[], base_price_minor=None, currency=None).model_dump(mode="json")
    for zone in plain["zones"]:
        zone.pop("visible_when", None)
        zone.pop("price_minor", None)
    stored = ProductDoc.model_validate(plain, strict=False).model_dump(mode="json")
    assert not {"options", "variants", "currency", "prices_include_tax", "base_price_minor"} & set(
        stored
    )
    assert all(not {"visible_when", "price_minor"} & set(z) for z in stored["zones"])
