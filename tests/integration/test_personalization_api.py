"""Personalization and widget config over HTTP with a publishable key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import ZONE, create, product_doc


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Shop", ["https://shop.example"])
    owner["product_id"] = body(create(client, owner["secret_key"]))["product_id"]
    return owner


def pk(shop: dict[str, Any]) -> dict[str, str]:
    return bearer(shop["publishable_key"], Origin="https://shop.example")


def post(client: Client, path: str, headers: dict[str, str], payload: Any) -> Any:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return client.http.post(path, headers=headers, body=raw)


def test_validate_returns_layout_and_normalized_inputs(
    client: Client, shop: dict[str, Any]
) -> None:
    r = post(
        client,
        "/v1/personalization/validate",
        pk(shop),
        {"product_id": shop["product_id"], "inputs": {"name": {"text": " Ana\u202e "}}},
    )
    assert r.status_code == 200, r.body
    out = body(r)
    assert out["valid"] is True
    assert out["normalized_inputs"]["name"]["text"] == "Ana"
    assert out["layout"]["name"]["fits"] is True
    assert [w["code"] for w in out["warnings"]] == ["text.bidi_control_removed"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("\ud800\udc00\ud800", None),  # a valid pair plus a lone high surrogate: repaired
        ("x" * 10_000, "text.too_long"),
        ("漢字", "text.disallowed_characters"),
        ("fuck", "text.profanity"),
        ("e" + "\u0301" * 300, None),
        ("\x00\x00", None),
    ],
)
def test_hostile_text_gets_a_per_zone_answer(
    client: Client, shop: dict[str, Any], text: str, code: str | None
) -> None:
    raw = json.dumps(
        {"product_id": shop["product_id"], "inputs": {"name": {"text": text}}}, ensure_ascii=True
    )
    r = post(client, "/v1/personalization/validate", pk(shop), raw)
    assert r.status_code == 200, r.body
    out = body(r)
    if code:
        assert code in {e["code"] for e in out["errors"]}
    for entry in out["errors"] + out["warnings"]:
        assert entry["zone_id"] == "name"


def test_unknown_zone_and_missing_product(client: Client, shop: dict[str, Any]) -> None:
    r = post(
        client,
        "/v1/personalization/validate",
        pk(shop),
        {"product_id": shop["product_id"], "inputs": {"nope": {"text": "x"}}},
    )
    assert [e["code"] for e in body(r)["errors"]] == ["zone.unknown"]
    r = post(
        client,
        "/v1/personalization/validate",
        pk(shop),
        {"product_id": "prd_missing", "inputs": {}},
    )
    assert r.status_code == 404


def test_normalize_reports_removed_characters(client: Client, shop: dict[str, Any]) -> None:
    r = post(
        client,
        "/v1/personalization/normalize",
        pk(shop),
        {"text": "Zoe\u0308\u200b\u202e!", "product_id": shop["product_id"], "zone_id": "name"},
    )
    out = body(r)
    assert out["normalized"] == "Zoë!" and out["grapheme_count"] == 4 and out["has_non_ascii"]
    assert [(x["code_point"], x["reason"]) for x in out["removed"]] == [
        ("U+200B", "zero_width"),
        ("U+202E", "bidi_control"),
    ]
    lone = post(client, "/v1/personalization/normalize", pk(shop), '{"text": "a\\ud800b"}')
    assert lone.status_code == 200
    assert body(lone)["normalized"] == "ab"


def test_auto_fit_measures_in_mm(client: Client, shop: dict[str, Any]) -> None:
    r = post(
        client,
        "/v1/personalization/auto-fit",
        pk(shop),
        {"product_id": shop["product_id"], "zone_id": "name", "text": "Maximilian"},
    )
    out = body(r)
    assert r.status_code == 200 and out["fits"] is True
    assert 3 <= out["font_size_mm"] <= 12 and out["width_mm"] <= ZONE["width_mm"]
    serif = post(
        client,
        "/v1/personalization/auto-fit",
        pk(shop),
        {
            "product_id": shop["product_id"],
            "zone_id": "name",
            "text": "Maximilian",
            "font": "caladea-regular",
        },
    )
    assert body(serif)["font"] == "caladea-regular"
    cjk = post(
        client,
        "/v1/personalization/auto-fit",
        pk(shop),
        {"product_id": shop["product_id"], "zone_id": "name", "text": "漢"},
    )
    assert cjk.status_code == 422 and body(cjk)["error"]["code"] == "text.missing_glyphs"


def test_widget_config_etag_round_trip(client: Client, shop: dict[str, Any]) -> None:
    url = f"/v1/widget/config/{shop['product_id']}"
    first = client.http.get(url, headers=pk(shop))
    assert first.status_code == 200, first.body
    config = body(first)
    assert [f["font_id"] for f in config["fonts"]] == ["lato-regular", "caladea-regular"]
    assert (
        config["fonts"][0]["preview_svg"].startswith("<svg") and "<text" not in first.body.decode()
    )
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.http.get(url, headers={**pk(shop), "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag

    client.http.put(
        f"/v1/products/{shop['product_id']}",
        headers=bearer(shop["secret_key"]),
        body=json.dumps(product_doc(name="Renamed")),
    )
    changed = client.http.get(url, headers={**pk(shop), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_drafts_are_invisible_to_publishable_keys(client: Client, shop: dict[str, Any]) -> None:
    draft = body(create(client, shop["secret_key"], status="draft"))["product_id"]
    assert client.http.get(f"/v1/widget/config/{draft}", headers=pk(shop)).status_code == 404
    r = post(client, "/v1/personalization/validate", pk(shop), {"product_id": draft, "inputs": {}})
    assert r.status_code == 404
    r = post(
        client,
        "/v1/personalization/validate",
        bearer(shop["secret_key"]),
        {"product_id": draft, "inputs": {"name": {"text": "ok"}}},
    )
    assert r.status_code == 200


def test_other_brand_cannot_validate_against_a_product(
    client: Client, shop: dict[str, Any]
) -> None:
    other = new_brand("Other", ["https://other.example"])
    headers = bearer(other["publishable_key"], Origin="https://other.example")
    r = post(
        client,
        "/v1/personalization/validate",
        headers,
        {"product_id": shop["product_id"], "inputs": {}},
    )
    assert r.status_code == 404
    assert (
        client.http.get(f"/v1/widget/config/{shop['product_id']}", headers=headers).status_code
        == 404
    )


def test_brand_profanity_words_apply(client: Client, shop: dict[str, Any]) -> None:
    r = client.http.put(
        "/v1/brand/profanity",
        headers=bearer(shop["secret_key"]),
        body=json.dumps({"deny": ["Voldemort"], "allow": []}),
    )
    assert body(r)["profanity_deny"] == ["voldemort"]
    v = post(
        client,
        "/v1/personalization/validate",
        pk(shop),
        {"product_id": shop["product_id"], "inputs": {"name": {"text": "voldemort"}}},
    )
    assert "text.profanity" in {e["code"] for e in body(v)["errors"]}


def test_typography_bad_input_is_422_naming_it(client: Client, shop: dict[str, Any]) -> None:
    """A script-required feature, an unknown direction or charset in the product, and an
    option the zone does not offer from the shopper: each a 422 that names the culprit."""
    sk = shop["secret_key"]
    for zone_change, code, named in [
        ({"features": {"init": False}}, "zone.feature_not_switchable", "init"),
        ({"charset": ["latin", "klingon"]}, "zone.unknown_charset", "klingon"),
        ({"direction": "up"}, None, "direction"),
    ]:
        r = create(client, sk, zones=[{**ZONE, **zone_change}])
        assert r.status_code == 422, r.body
        assert named in r.body.decode()
        if code is not None:
            assert code in r.body.decode()
    swash = {"id": "swash", "name": "Swash capitals", "features": {"swsh": True}}
    product_id = body(create(client, sk, zones=[{**ZONE, "feature_choices": [swash]}]))[
        "product_id"
    ]
    fit = post(
        client,
        "/v1/personalization/auto-fit",
        pk(shop),
        {"product_id": product_id, "zone_id": "name", "text": "Ana", "features": ["ss07"]},
    )
    assert fit.status_code == 422 and body(fit)["error"]["code"] == "zone.feature_not_allowed"
    assert body(fit)["error"]["details"]["features"] == ["ss07"]
    spec = post(
        client,
        "/v1/specs",
        {**pk(shop), "Idempotency-Key": "typo-features-1"},
        {"product_id": product_id, "inputs": {"name": {"text": "Ana", "features": ["ss07"]}}},
    )
    assert spec.status_code == 422, spec.body
    errors = body(spec)["error"]["details"]["errors"]
    assert [(e["code"], e["params"]["features"]) for e in errors] == [
        ("zone.feature_not_allowed", ["ss07"])
    ]
    chosen = post(
        client,
        "/v1/specs",
        {**pk(shop), "Idempotency-Key": "typo-features-2"},
        {"product_id": product_id, "inputs": {"name": {"text": "Ana", "features": ["swash"]}}},
    )
    assert chosen.status_code == 201, chosen.body
    assert body(chosen)["spec"]["zones"]["name"]["shaping"]["features"] == {"swsh": True}


@pytest.mark.parametrize(
    ("fonts", "charset", "emoji", "text"),
    [
        (["amiri-regular"], ["latin", "arabic"], "deny", "محمد"),
        (["rubik-regular"], ["latin", "hebrew"], "deny", "שָׁלוֹם"),
        (["noto-sans-devanagari-regular"], ["devanagari"], "deny", "प्रिया"),
        (
            ["great-vibes-regular"],
            ["latin"],
            "allow",
            "Ana \U0001f468\u200d\U0001f469\u200d\U0001f467",
        ),
    ],
)
def test_names_in_the_bundled_script_fonts_validate_over_http(
    client: Client, fonts: list[str], charset: list[str], emoji: str, text: str
) -> None:

    owner = new_brand("Scripts", ["https://shop.example"])
    zone = {**ZONE, "fonts": fonts, "charset": charset, "emoji": emoji, "profanity": "off"}
    created = create(client, owner["secret_key"], zones=[zone])
    assert created.status_code == 201, created.body
    r = post(
        client,
        "/v1/personalization/validate",
        pk(owner),
        {"product_id": body(created)["product_id"], "inputs": {"name": {"text": text}}},
    )
    assert r.status_code == 200, r.body
    out = body(r)
    assert out["valid"] is True, out["errors"]
    assert out["layout"]["name"]["fits"] is True
