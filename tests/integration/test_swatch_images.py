"""Swatch images over HTTP (issue 19 item 1): an option value's uploaded swatch image reaches the
widget through ``GET /v1/widget/swatch/...`` (a 302 to a fresh signed URL), and nothing else of
the brand's private assets does."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from chalice.test import Client
from PIL import Image

from tests.integration.conftest import bearer, body, new_brand
from tests.support.assets import complete, png_bytes, upload
from tests.support.options import BACK, CHAIN, create_pendant

GOLD_RGB = (212, 175, 55)


def _ready_image(client: Client, key: str, data: bytes) -> str:
    asset_id = upload(client, key, data)
    assert complete(client, key, asset_id).status_code == 200
    return asset_id


def _chain(swatch: str, mockup: str) -> dict[str, Any]:
    return {
        **CHAIN,
        "values": [
            # a brand image that is not a swatch: the mockup photo of a colour-swatch value
            {
                "id": "silver",
                "name": "Silver",
                "swatch_color": "#C0C0C0",
                "mockup_asset_id": mockup,
            },
            {"id": "gold", "name": "Gold", "swatch_asset_id": swatch, "price_minor": 1500},
        ],
    }


@pytest.fixture(scope="module")
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Swatch shop", ["https://shop.example"])
    owner["swatch_png"] = png_bytes((40, 40), GOLD_RGB)
    owner["swatch_id"] = _ready_image(client, owner["secret_key"], owner["swatch_png"])
    owner["mockup_id"] = _ready_image(
        client, owner["secret_key"], png_bytes((50, 30), (10, 200, 10))
    )
    options = [_chain(owner["swatch_id"], owner["mockup_id"]), BACK]
    owner["product_id"] = create_pendant(client, owner, options=options)
    owner["draft_id"] = create_pendant(client, owner, options=options, status="draft")
    return owner


def _get(client: Client, path: str, key: str) -> Any:
    return client.http.get(f"{path}?key={key}")


def test_widget_config_names_the_swatch_image_path_of_image_values(
    client: Client, shop: dict[str, Any]
) -> None:
    pid = shop["product_id"]
    r = client.http.get(f"/v1/widget/config/{pid}", headers=bearer(shop["publishable_key"]))
    assert r.status_code == 200, r.body
    assert body(r)["swatch_images"] == {"chain": {"gold": f"/v1/widget/swatch/{pid}/chain/gold"}}


def test_swatch_route_redirects_to_the_uploaded_image(client: Client, shop: dict[str, Any]) -> None:
    path = f"/v1/widget/swatch/{shop['product_id']}/chain/gold"
    r = _get(client, path, shop["publishable_key"])
    assert r.status_code == 302, r.body
    assert r.headers["Cache-Control"] == "no-store"
    fetched = requests.get(r.headers["Location"], timeout=10)
    assert fetched.status_code == 200
    image = Image.open(io.BytesIO(fetched.content))  # Pillow reads what the URL serves
    assert image.size == (40, 40)
    original = Image.open(io.BytesIO(shop["swatch_png"]))
    assert image.convert("RGB").tobytes() == original.convert("RGB").tobytes()
    # Signed at each call: a second ask works too (the widget reloads long after the first).
    assert _get(client, path, shop["publishable_key"]).status_code == 302


@pytest.mark.parametrize(
    "tail",
    [
        "chain/silver",  # a value with a colour swatch (and a mockup image): no swatch image
        "chain/platinum",  # unknown value
        "strap/gold",  # unknown option
        "back/yes",  # an option without swatch images
    ],
)
def test_swatch_route_is_404_without_a_swatch_image(
    client: Client, shop: dict[str, Any], tail: str
) -> None:
    r = _get(client, f"/v1/widget/swatch/{shop['product_id']}/{tail}", shop["publishable_key"])
    assert r.status_code == 404 and body(r)["error"]["code"] == "swatch.not_found"


def test_swatch_route_is_404_for_other_brands_drafts_and_missing_products(
    client: Client, shop: dict[str, Any]
) -> None:
    stranger = new_brand("Swatch stranger")
    for product_id, key in [
        (shop["product_id"], stranger["publishable_key"]),  # another brand's key
        (shop["draft_id"], shop["publishable_key"]),  # a draft is not the widget's
        ("prod_missing", shop["publishable_key"]),
    ]:
        r = _get(client, f"/v1/widget/swatch/{product_id}/chain/gold", key)
        assert r.status_code == 404, (product_id, r.body)
        assert body(r)["error"]["code"] == "product.not_found"
    r = _get(client, f"/v1/widget/swatch/{shop['product_id']}/chain/gold", "pk_nope")
    assert r.status_code == 401


def test_swatch_route_without_key_is_refused(client: Client, shop: dict[str, Any]) -> None:
    r = client.http.get(f"/v1/widget/swatch/{shop['product_id']}/chain/gold")
    assert r.status_code == 422
