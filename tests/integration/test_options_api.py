"""Options over HTTP: widget config, choices in the spec and its hash, conditions, list prices."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.options import create_pendant, design, pendant_doc
from tests.support.products import create


@pytest.fixture(scope="module")
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Options shop", ["https://shop.example"])
    owner["product_id"] = create_pendant(client, owner)
    return owner


def test_widget_config_lists_options_with_names_prices_and_conditions(
    client: Client, shop: dict[str, Any]
) -> None:
    r = client.http.get(
        f"/v1/widget/config/{shop['product_id']}", headers=bearer(shop["publishable_key"])
    )
    assert r.status_code == 200, r.body
    config = body(r)
    assert (config["currency"], config["prices_include_tax"], config["base_price_minor"]) == (
        "EUR",
        True,
        2900,
    )
    chain, back = config["options"]
    assert (chain["id"], chain["name"], chain["kind"], chain["default"]) == (
        "chain",
        "Chain",
        "swatch",
        "silver",
    )
    assert [(v["name"], v["swatch_color"], v["price_minor"]) for v in chain["values"]] == [
        ("Silver", "#C0C0C0", 0),
        ("Gold", "#D4AF37", 1500),
    ]
    assert back["kind"] == "toggle" and [v["name"] for v in back["values"]] == ["No", "Yes"]
    zones = {z["id"]: z for z in config["zones"]}
    assert zones["back-text"]["visible_when"] == {"all": [{"option": "back", "equals": "yes"}]}
    assert zones["back-text"]["price_minor"] == 500 and zones["front"].get("visible_when") is None


def test_gold_and_silver_hash_differently_and_an_explicit_default_hashes_as_omitted(
    client: Client, shop: dict[str, Any]
) -> None:
    front = {"front": {"text": "Léa"}}
    omitted = body(design(client, shop, front))
    silver = body(design(client, shop, front, {"chain": "silver", "back": "no"}))
    gold = body(design(client, shop, front, {"chain": "gold"}))
    assert omitted["spec"]["options"] == {"back": "no", "chain": "silver"}
    assert silver["spec_hash"] == omitted["spec_hash"]
    assert gold["spec"]["options"] == {"back": "no", "chain": "gold"}
    assert gold["spec_hash"] != silver["spec_hash"]
    assert [c["value"] for c in gold["choices"]] == ["Gold", "No"]


@pytest.mark.parametrize(
    ("options", "code", "option_id"),
    [
        ({"chain": "bronze"}, "option.value_unknown", "chain"),
        ({"size": "xl"}, "option.unknown", "size"),
    ],
)
def test_unknown_option_or_value_is_422_naming_the_option(
    client: Client, shop: dict[str, Any], options: dict[str, str], code: str, option_id: str
) -> None:
    r = design(client, shop, {"front": {"text": "Léa"}}, options)
    assert r.status_code == 422, r.body
    error = body(r)["error"]
    assert error["code"] == "spec.invalid_inputs"
    assert [(e["code"], e["option_id"]) for e in error["details"]["errors"]] == [(code, option_id)]


def test_back_text_while_back_engraving_is_off_is_422_and_valid_once_on(
    client: Client, shop: dict[str, Any]
) -> None:
    inputs = {"front": {"text": "Léa"}, "back-text": {"text": "2024"}}
    off = design(client, shop, inputs, {"back": "no"})
    assert off.status_code == 422, off.body
    errors = body(off)["error"]["details"]["errors"]
    assert [(e["zone_id"], e["code"]) for e in errors] == [("back-text", "zone.hidden")]
    on = design(client, shop, inputs, {"back": "yes"})
    assert on.status_code == 201, on.body
    assert body(on)["spec"]["zones"]["back-text"]["kind"] == "text"


def test_a_required_zone_is_required_only_while_visible(
    client: Client, shop: dict[str, Any]
) -> None:
    assert design(client, shop, {"front": {"text": "A"}}, {"back": "no"}).status_code == 201
    missing = design(client, shop, {"front": {"text": "A"}}, {"back": "yes"})
    assert missing.status_code == 422
    errors = body(missing)["error"]["details"]["errors"]
    assert [(e["zone_id"], e["code"]) for e in errors] == [("back-text", "zone.required")]


def test_spec_price_is_base_plus_option_and_zone_add_ons(
    client: Client, shop: dict[str, Any]
) -> None:
    inputs = {"front": {"text": "Léa"}, "back-text": {"text": "2024"}}
    out = body(design(client, shop, inputs, {"chain": "gold", "back": "yes"}))
    price = out["price"]
    assert price["currency"] == "EUR" and price["includes_tax"] is True
    assert price["base_minor"] == 2900
    assert [(line["kind"], line["id"], line["amount_minor"]) for line in price["lines"]] == [
        ("option", "chain", 1500),
        ("zone", "back-text", 500),
    ]
    assert price["total_minor"] == 2900 + 1500 + 500
    again = client.http.get(
        f"/v1/specs/{out['spec_hash']}", headers=bearer(shop["publishable_key"])
    )
    assert body(again)["price"] == price
    validate = client.http.post(
        "/v1/personalization/validate",
        headers=bearer(shop["publishable_key"]),
        body=json.dumps(
            {
                "product_id": shop["product_id"],
                "inputs": inputs,
                "options": {"chain": "gold", "back": "yes"},
            }
        ),
    )
    assert body(validate)["valid"] is True and body(validate)["price"] == price


def test_products_without_options_keep_their_spec_shape(
    client: Client, shop: dict[str, Any]
) -> None:
    plain = body(create(client, shop["secret_key"]))
    r = client.http.post(
        "/v1/specs",
        headers={**bearer(shop["publishable_key"]), "Idempotency-Key": "plain-1"},
        body=json.dumps({"product_id": plain["product_id"], "inputs": {"name": {"text": "Zoé"}}}),
    )
    out = body(r)
    assert "options" not in out["spec"] and out["price"] is None and out["choices"] == []
    assert plain["options"] == [] and plain["base_price_minor"] is None


def test_product_rules_for_options_are_422_with_field_paths(
    client: Client, shop: dict[str, Any]
) -> None:
    doc = pendant_doc(currency=None)
    doc["zones"] = [doc["zones"][0], {**doc["zones"][1], "visible_when": {
        "all": [{"option": "back", "equals": "maybe"}]}}]  # fmt: skip
    r = client.http.post(
        "/v1/products",
        headers={**bearer(shop["secret_key"]), "Idempotency-Key": "bad-options"},
        body=json.dumps(doc),
    )
    assert r.status_code == 422, r.body
    found = {(d["field"], d["code"]) for d in body(r)["error"]["details"]}
    assert found == {
        ("currency", "product.currency_required"),
        ("zones[1].visible_when", "condition.unknown_value"),
    }
    missing = pendant_doc()
    missing["options"] = [
        {**missing["options"][0], "values": [
            {"id": "silver", "name": "Silver", "swatch_color": "#C0C0C0",
             "mockup_asset_id": "ast_missing"}]},
        missing["options"][1],
    ]  # fmt: skip
    r = client.http.post(
        "/v1/products",
        headers={**bearer(shop["secret_key"]), "Idempotency-Key": "bad-asset"},
        body=json.dumps(missing),
    )
    assert r.status_code == 422
    assert [(d["field"], d["code"]) for d in body(r)["error"]["details"]] == [
        ("options[0].values[0].mockup_asset_id", "product.unknown_asset")
    ]


def test_openapi_documents_options_conditions_and_prices(client: Client) -> None:
    doc = body(client.http.get("/v1/openapi.json"))
    schemas = doc["components"]["schemas"]

    def props(name: str) -> set[str]:
        found = [s for k, s in schemas.items() if k == name or k.startswith(f"{name}-")]
        assert found, name
        return set().union(*(s.get("properties", {}) for s in found))

    assert {"options", "inputs"} <= props("SpecIn") and "options" in props("ValidateIn")
    assert {"price", "choices", "shop_variant_id"} <= props("SpecOut")
    assert {"options", "price"} <= props("ValidateOut")
    assert {"options", "variants", "currency", "prices_include_tax", "base_price_minor"} <= props(
        "WidgetConfig"
    )
    assert {"options", "variants", "currency", "base_price_minor"} <= props("ProductDoc")
    assert {"id", "name", "kind", "values", "default", "visible_when"} <= props("Option")
    assert {"swatch_color", "swatch_asset_id", "price_minor", "mockup_asset_id"} <= props(
        "OptionValue"
    )
    assert {"all", "any"} == props("Condition") and {"option", "equals", "in"} == props("Rule")
    assert {"currency", "includes_tax", "base_minor", "lines", "total_minor"} == props("Price")
    assert "options" in props("DesignSpec")
    assert {"list_price_minor", "discount", "price_mismatch"} <= props("ItemOut")
    assert {"unit_price_minor", "discount"} <= props("ItemIn")
