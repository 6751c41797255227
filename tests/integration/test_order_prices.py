"""Order items of priced products: the list price is the server's, a discount is explicit, a
tampered price is refused, and the Shopify path records the shop's price and flags a mismatch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.options import create_pendant, design, snapshot_of
from tests.support.orders import idem
from tests.support.shopify import SECRET, deliver, line, payload

GOLD_WITH_BACK = 2900 + 1500 + 500


@pytest.fixture(scope="module")
def shop(client: Client) -> dict[str, Any]:
    from chalicelib.store.webhooks import set_shopify_secret

    owner = new_brand("Priced shop")
    owner["product_id"] = create_pendant(client, owner)
    set_shopify_secret(owner["brand_id"], SECRET)
    inputs = {"front": {"text": "Léa"}, "back-text": {"text": "2024"}}
    spec = body(design(client, owner, inputs, {"chain": "gold", "back": "yes"}))
    assert spec["price"]["total_minor"] == GOLD_WITH_BACK
    owner["snapshot_id"] = snapshot_of(client, owner, spec["spec_hash"])
    owner["spec_hash"] = spec["spec_hash"]
    return owner


def order(client: Client, shop: dict[str, Any], currency: str = "EUR", **item: Any) -> Any:
    payload = {
        "currency": currency,
        "customer": {"email": "ana@example.com"},
        "items": [
            {
                "product_id": shop["product_id"],
                "snapshot_id": shop["snapshot_id"],
                "quantity": 2,
                **item,
            }
        ],
    }
    return client.http.post(
        "/v1/orders", headers=idem(shop["secret_key"]), body=json.dumps(payload)
    )


def test_an_item_records_the_list_price_of_its_design(client: Client, shop: dict[str, Any]) -> None:
    for given in ({}, {"unit_price_minor": GOLD_WITH_BACK}):
        r = order(client, shop, **given)
        assert r.status_code == 201, r.body
        out = body(r)
        [item] = out["items"]
        assert item["unit_price_minor"] == item["list_price_minor"] == GOLD_WITH_BACK
        assert item["discount"] is None and item["price_mismatch"] is False
        assert out["total_minor"] == 2 * GOLD_WITH_BACK
        again = body(
            client.http.get(f"/v1/orders/{out['order_id']}", headers=bearer(shop["secret_key"]))
        )
        assert again["items"][0]["list_price_minor"] == GOLD_WITH_BACK


def test_a_tampered_unit_price_is_422(client: Client, shop: dict[str, Any]) -> None:
    r = order(client, shop, unit_price_minor=100)
    assert r.status_code == 422, r.body
    error = body(r)["error"]
    assert error["code"] == "order.invalid_items"
    [problem] = error["details"]
    assert (problem["field"], problem["code"]) == (
        "items.0.unit_price_minor",
        "order.price_mismatch",
    )
    assert problem["params"]["list_price_minor"] == GOLD_WITH_BACK


def test_an_explicit_discount_with_its_reason_is_accepted_and_recorded(
    client: Client, shop: dict[str, Any]
) -> None:
    discount = {"amount_minor": 900, "reason": "Loyalty -900"}
    r = order(client, shop, unit_price_minor=GOLD_WITH_BACK - 900, discount=discount)
    assert r.status_code == 201, r.body
    [item] = body(r)["items"]
    assert item["unit_price_minor"] == GOLD_WITH_BACK - 900
    assert item["list_price_minor"] == GOLD_WITH_BACK and item["discount"] == discount
    wrong = order(client, shop, unit_price_minor=GOLD_WITH_BACK - 500, discount=discount)
    assert wrong.status_code == 422
    too_much = order(client, shop, discount={"amount_minor": 10**6, "reason": "free"})
    assert body(too_much)["error"]["details"][0]["code"] == "order.discount_too_large"


def test_another_currency_than_the_products_is_422(client: Client, shop: dict[str, Any]) -> None:
    r = order(client, shop, currency="USD", unit_price_minor=GOLD_WITH_BACK)
    assert r.status_code == 422
    assert body(r)["error"]["details"][0]["code"] == "order.currency_mismatch"


def test_unpriced_products_still_need_and_take_the_callers_price(
    client: Client, shop: dict[str, Any]
) -> None:
    from tests.support.products import create
    from tests.support.renders import snapshot

    plain = {**shop, "product_id": body(create(client, shop["secret_key"]))["product_id"]}
    plain["snapshot_id"] = snapshot(client, plain, "Zoé")
    assert body(order(client, plain))["error"]["details"][0]["code"] == (
        "order.unit_price_required"
    )
    [item] = body(order(client, plain, unit_price_minor=1234))["items"]
    assert item["unit_price_minor"] == 1234 and item["list_price_minor"] is None


def test_shopify_records_the_shops_price_and_flags_a_mismatch(
    client: Client, shop: dict[str, Any]
) -> None:
    cheap = line(shop["snapshot_id"], shop["spec_hash"])  # "24.50" each
    right = {**line(shop["snapshot_id"], shop["spec_hash"]), "price": "49.00"}
    r = deliver(client, shop["brand_id"], payload(7001, cheap, right))
    assert r.status_code == 200, r.body
    out = body(r)
    assert out["created"] is True and out["rejected_items"] == []
    got = body(client.http.get(f"/v1/orders/{out['order_id']}", headers=bearer(shop["secret_key"])))
    flagged, fine = got["items"]
    assert (flagged["unit_price_minor"], flagged["list_price_minor"]) == (2450, GOLD_WITH_BACK)
    assert flagged["price_mismatch"] is True
    assert (fine["unit_price_minor"], fine["price_mismatch"]) == (GOLD_WITH_BACK, False)


def test_the_pack_of_a_paid_item_names_its_options_and_draws_only_filled_zones(
    client: Client, shop: dict[str, Any]
) -> None:
    from chalicelib.domain.pack import verify_zip
    from tests.support.packs import export, open_zip, pack_status
    from tests.support.renders import drain

    client.http.post(
        f"/v1/snapshots/{shop['snapshot_id']}/lock", headers=bearer(shop["secret_key"])
    )
    r = export(client, shop, shop["snapshot_id"])
    assert r.status_code == 202, r.body
    assert drain("export-manufacturing") == 1
    done = pack_status(client, shop, body(r)["pack_id"])
    assert done["status"] == "succeeded", done
    manifest = verify_zip(open_zip(done["url"])[0])
    assert [(c["option"], c["value"]) for c in manifest["options"]] == [
        ("Chain", "Gold"),
        ("Back engraving", "Yes"),
    ]
    assert [z["id"] for z in manifest["zones"]] == ["front", "back-text"]
