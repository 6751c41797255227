"""The widget script and the demo page as the API serves them (Chalice test client + moto)."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from chalicelib.widget import script
from tests.conftest import ROOT
from tests.integration.conftest import new_brand


def _product(brand_id: str, status: str = "active") -> str:
    from chalicelib.domain.zone import ProductDoc
    from chalicelib.store import products

    doc = {
        "name": "Pendant <b>&",
        "sku": "PEND-1",
        "status": status,
        "width_mm": 40,
        "height_mm": 30,
        "zones": [
            {
                "id": "name",
                "name": "Name",
                "kind": "text",
                "x_mm": 5,
                "y_mm": 5,
                "width_mm": 30,
                "height_mm": 10,
                "max_chars": 12,
            }
        ],
    }
    return products.create_product(brand_id, ProductDoc.model_validate(doc)).product_id


def test_widget_js_is_javascript_with_etag_and_short_cache(client: Client) -> None:
    r = client.http.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/javascript; charset=utf-8"
    served = r.body.decode("utf-8")
    source = (ROOT / "chalicelib/widget/widget.js").read_text()
    before, _, after = source.partition("/*ATELIER_CATALOGS*/{}")
    assert served.startswith(before) and served.endswith(after)
    packed = served[len(before) : len(served) - len(after)]
    catalogs = json.loads(packed)  # every catalog, as JSON inside the script
    assert {"en", "fr", "de", "es", "ar", "he"} <= set(catalogs)
    assert catalogs["ar"]["dir"] == catalogs["he"]["dir"] == "rtl"
    assert catalogs["fr"]["messages"]["cart.add"] == "Ajouter au panier"
    assert r.headers["ETag"] == f'"{script().version}"'
    assert r.headers["Cache-Control"] == "public, max-age=300, must-revalidate"
    assert b"atelier:add-to-cart" in r.body


def test_widget_js_with_current_version_is_immutable(client: Client) -> None:
    r = client.http.get(f"/widget.js?v={script().version}")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_widget_js_with_an_old_version_is_not_cached_for_long(client: Client) -> None:
    r = client.http.get("/widget.js?v=0123456789abcdef")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "public, max-age=300, must-revalidate"


def test_widget_js_if_none_match_is_304_without_body(client: Client) -> None:
    etag = client.http.get("/widget.js").headers["ETag"]
    r = client.http.get("/widget.js", headers={"If-None-Match": f"W/{etag}"})
    assert r.status_code == 304
    assert r.body in (b"", "")
    assert r.headers["ETag"] == etag
    stale = client.http.get("/widget.js", headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200


def test_widget_js_can_be_loaded_from_any_shop_origin(client: Client) -> None:
    r = client.http.get("/widget.js", headers={"Origin": "https://any-shop.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://any-shop.example"


def test_demo_page_embeds_the_widget_in_dev(client: Client) -> None:
    brand = new_brand("Demo", ["https://shop.example"])
    product_id = _product(brand["brand_id"])
    r = client.http.get(f"/demo/{product_id}?key={brand['publishable_key']}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    page = r.body.decode("utf-8")
    assert f'data-atelier-product="{product_id}"' in page
    assert f'data-atelier-key="{brand["publishable_key"]}"' in page
    assert f'src="../widget.js?v={script().version}"' in page
    assert "Pendant &lt;b&gt;&amp;" in page and "<b>" not in page
    assert '<html lang="en">' in page and "data-atelier-locale" not in page


def test_demo_page_takes_the_page_language_and_the_widget_locale(client: Client) -> None:
    brand = new_brand("Demo", ["https://shop.example"])
    product_id = _product(brand["brand_id"])
    url = f"/demo/{product_id}?key={brand['publishable_key']}"
    page = client.http.get(url + "&lang=ar&locale=fr-CA").body.decode("utf-8")
    assert '<html lang="ar">' in page and 'data-atelier-locale="fr-CA"' in page
    bad = client.http.get(url + "&lang=%22%3E%3Cscript%3E")
    assert bad.status_code in (400, 422) and b"<script>" not in bad.body


def test_demo_page_refuses_a_secret_key(client: Client) -> None:
    brand = new_brand("Demo", ["https://shop.example"])
    product_id = _product(brand["brand_id"])
    r = client.http.get(f"/demo/{product_id}?key={brand['secret_key']}")
    assert r.status_code == 400
    assert _code(r) == "demo.publishable_key_required"


def test_demo_page_of_another_brands_or_draft_product_is_404(client: Client) -> None:
    owner, other = new_brand("Owner"), new_brand("Other")
    product_id = _product(owner["brand_id"])
    draft_id = _product(owner["brand_id"], status="draft")
    foreign = client.http.get(f"/demo/{product_id}?key={other['publishable_key']}")
    draft = client.http.get(f"/demo/{draft_id}?key={owner['publishable_key']}")
    assert foreign.status_code == draft.status_code == 404
    assert _code(foreign) == _code(draft) == "product.not_found"


def test_demo_page_without_key_is_400(client: Client) -> None:
    r = client.http.get("/demo/anything")
    assert r.status_code == 400
    assert _code(r) == "demo.key_missing"


def test_demo_page_with_an_unknown_key_is_401(client: Client) -> None:
    r = client.http.get("/demo/anything?key=pk_aaaaaaaaaaaa_" + "a" * 52)
    assert r.status_code == 401
    assert _code(r) == "auth.invalid_key"
    assert client.http.get("/demo/anything?key=<script>").status_code == 401


def test_demo_page_is_404_in_prod(aws_env: None) -> None:
    from app import app

    brand = new_brand("Prod", ["https://shop.example"])
    with Client(app, stage_name="prod", project_dir=str(ROOT)) as prod:
        r = prod.http.get(f"/demo/prod_x?key={brand['publishable_key']}")
        assert r.status_code == 404
        assert _code(r) == "not_found"
        assert prod.http.get("/widget.js").status_code == 200


def _code(response: Any) -> str:
    return str(json.loads(response.body)["error"]["code"])
