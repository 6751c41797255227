"""Products over HTTP: CRUD, versions, pagination, rules as 422, tenant isolation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import ZONE, create, product_doc


def test_create_read_replace_archive(client: Client, brand: dict[str, Any]) -> None:
    sk = brand["secret_key"]
    created = create(client, sk)
    assert created.status_code == 201, created.body
    p = body(created)
    assert p["version"] == 1 and p["status"] == "active" and p["product_id"].startswith("prd_")
    assert p["zones"][0]["default_font"] is None and p["zones"][0]["fit"] == "shrink"

    got = client.http.get(f"/v1/products/{p['product_id']}", headers=bearer(sk))
    assert body(got) == p

    changed = client.http.put(
        f"/v1/products/{p['product_id']}",
        headers=bearer(sk),
        body=json.dumps(product_doc(name="Pendant XL")),
    )
    assert changed.status_code == 200
    assert body(changed)["version"] == 2 and body(changed)["name"] == "Pendant XL"

    archived = client.http.post(f"/v1/products/{p['product_id']}/archive", headers=bearer(sk))
    assert body(archived)["status"] == "archived" and body(archived)["version"] == 3
    again = client.http.put(
        f"/v1/products/{p['product_id']}", headers=bearer(sk), body=json.dumps(product_doc())
    )
    assert again.status_code == 409
    assert body(again)["error"]["code"] == "product.archived"


def test_invalid_zones_are_422_listing_each_problem(client: Client, brand: dict[str, Any]) -> None:
    bad_zone = {
        **ZONE,
        "x_mm": 70,
        "fonts": ["comic-sans"],
        "default_font": "lato-regular",
        "min_chars": 20,
    }
    r = create(client, brand["secret_key"], zones=[bad_zone])
    assert r.status_code == 422
    found = {d["code"] for d in body(r)["error"]["details"]}
    assert found == {
        "zone.outside_artboard",
        "zone.unknown_font",
        "zone.default_font_not_allowed",
        "zone.min_greater_than_max",
    }


def test_shape_errors_are_422_with_fields(client: Client, brand: dict[str, Any]) -> None:
    r = create(client, brand["secret_key"], width_mm="80", zones=[{**ZONE, "kind": "laser"}])
    assert r.status_code == 422
    fields = {d["field"] for d in body(r)["error"]["details"]}
    assert "width_mm" in fields and any(f.startswith("zones.0") for f in fields)


def test_pagination_walks_every_product_once(client: Client) -> None:
    owner = new_brand("Paginated")
    made = {
        body(create(client, owner["secret_key"], sku=f"SKU-{i}"))["product_id"] for i in range(7)
    }
    seen: list[str] = []
    cursor = None
    while True:
        url = "/v1/products?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = body(client.http.get(url, headers=bearer(owner["secret_key"])))
        assert len(page["data"]) <= 3
        seen += [p["product_id"] for p in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made)


def test_forged_cursor_is_400(client: Client, brand: dict[str, Any]) -> None:
    r = client.http.get("/v1/products?cursor=%%%", headers=bearer(brand["secret_key"]))
    assert r.status_code == 400
    assert body(r)["error"]["code"] == "request.invalid_cursor"
    r = client.http.get("/v1/products?limit=1000", headers=bearer(brand["secret_key"]))
    assert r.status_code == 422


def test_other_brand_cannot_see_or_change_products(client: Client) -> None:
    a, b = new_brand("A"), new_brand("B")
    pid = body(create(client, a["secret_key"]))["product_id"]
    missing = client.http.get("/v1/products/prd_0000000000000000", headers=bearer(b["secret_key"]))
    for method, url, payload in (
        ("GET", f"/v1/products/{pid}", None),
        ("PUT", f"/v1/products/{pid}", json.dumps(product_doc())),
        ("POST", f"/v1/products/{pid}/archive", None),
    ):
        r = client.http.request(method, url, headers=bearer(b["secret_key"]), body=payload or b"")
        assert r.status_code == 404, (method, url)
        assert body(r)["error"] == body(missing)["error"]
    listed = body(client.http.get("/v1/products", headers=bearer(b["secret_key"])))
    assert pid not in {p["product_id"] for p in listed["data"]}
    assert (
        body(client.http.get(f"/v1/products/{pid}", headers=bearer(a["secret_key"])))["version"]
        == 1
    )


def test_products_need_a_secret_key(client: Client, brand: dict[str, Any]) -> None:
    r = client.http.get("/v1/products", headers=bearer(brand["publishable_key"]))
    assert r.status_code == 403


def test_concurrent_edit_loses_with_409(
    client: Client, brand: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.domain.zone import ProductDoc
    from chalicelib.store import products
    from chalicelib.store.models import ProductModel

    pid = body(create(client, brand["secret_key"]))["product_id"]
    stale = ProductModel.get(brand["brand_id"], pid)
    products.replace_product(brand["brand_id"], pid, ProductDoc.model_validate(product_doc()))
    monkeypatch.setattr(products, "_load", lambda brand_id, product_id: stale)
    r = client.http.put(
        f"/v1/products/{pid}",
        headers=bearer(brand["secret_key"]),
        body=json.dumps(product_doc(name="Mine")),
    )
    assert r.status_code == 409
    assert body(r)["error"]["code"] == "product.version_conflict"
    monkeypatch.undo()
    current = client.http.get(f"/v1/products/{pid}", headers=bearer(brand["secret_key"]))
    assert body(current)["version"] == 2 and body(current)["name"] == "Pendant"


def test_every_field_of_the_product_document_is_answered() -> None:
    """A field ProductOut does not declare is dropped from every product answer without a word
    (pydantic ignores it): the die line and the material once were."""
    from chalicelib.api.products import ProductOut
    from chalicelib.domain.zone import ProductDoc

    assert set(ProductDoc.model_fields) - {"status"} <= set(ProductOut.model_fields)


def test_die_line_and_material_read_back(client: Client, brand: dict[str, Any]) -> None:
    from tests.support.sides import HEART

    sk = brand["secret_key"]
    zone = {**ZONE, "x_mm": 9, "y_mm": 10, "width_mm": 12, "height_mm": 6}
    created = create(client, sk, die_line=HEART, material="wood_light", zones=[zone])
    assert created.status_code == 201, created.body
    got = body(client.http.get(f"/v1/products/{body(created)['product_id']}", headers=bearer(sk)))
    assert got["material"] == "wood_light"
    assert got["die_line"]["shape"] == HEART["shape"]
