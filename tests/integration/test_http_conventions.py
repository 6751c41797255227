"""Errors, request ids, body limits and CORS behave the same on every route."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body


def test_malformed_json_is_400(client: Client, brand: dict[str, Any]) -> None:
    for raw in ('{"kind": ', "not json", '{"kind": NaN}', "[" * 100_000):
        r = client.http.post("/v1/keys", headers=bearer(brand["secret_key"]), body=raw)
        assert r.status_code == 400, raw[:20]
        assert body(r)["error"]["code"] == "request.malformed_json"


def test_body_over_one_mebibyte_is_413(client: Client, brand: dict[str, Any]) -> None:
    raw = json.dumps({"kind": "secret", "label": "x" * (1024 * 1024)})
    r = client.http.post("/v1/keys", headers=bearer(brand["secret_key"]), body=raw)
    assert r.status_code == 413
    assert body(r)["error"]["code"] == "request.too_large"


def test_wrong_types_are_422_listing_every_field(client: Client, brand: dict[str, Any]) -> None:
    raw = json.dumps({"kind": "master", "label": 7, "extra": True})
    r = client.http.post("/v1/keys", headers=bearer(brand["secret_key"]), body=raw)
    assert r.status_code == 422
    err = body(r)["error"]
    assert err["code"] == "validation.failed"
    assert {d["field"] for d in err["details"]} == {"kind", "label", "extra"}


def test_numbers_as_strings_are_not_coerced(client: Client, brand: dict[str, Any]) -> None:
    r = client.http.put(
        "/v1/brand/origins",
        headers=bearer(brand["secret_key"]),
        body='{"origins": "https://x.example"}',
    )
    assert r.status_code == 422


def test_lone_surrogate_is_a_clear_400(client: Client, brand: dict[str, Any]) -> None:
    r = client.http.post(
        "/v1/keys",
        headers=bearer(brand["secret_key"]),
        body='{"kind": "secret", "label": "a\\ud800"}',
    )
    assert r.status_code == 400
    assert body(r)["error"]["code"] == "request.invalid_unicode"
    assert body(r)["error"]["details"]["fields"] == ["label"]


def test_lone_surrogates_are_repaired_in_shopper_text_and_refused_anywhere_else(
    client: Client, brand: dict[str, Any]
) -> None:
    """What the README promises: repaired (200 + warning) in a text input, 400 elsewhere."""
    from tests.support.products import create
    from tests.support.renders import ZONE

    auth = bearer(brand["publishable_key"], Origin="https://a.example")
    made = create(client, brand["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    product_id = body(made)["product_id"]
    text = '{"product_id": "%s", "inputs": {"%s": {"text": "Ana\\ud800"}}%s}'
    ok = client.http.post(
        "/v1/personalization/validate", headers=auth, body=text % (product_id, ZONE["id"], "")
    )
    assert ok.status_code == 200, ok.body
    assert body(ok)["normalized_inputs"][ZONE["id"]]["text"] == "Ana"
    assert "text.lone_surrogate_removed" in {w["code"] for w in body(ok)["warnings"]}
    auth = {**auth, "Idempotency-Key": "surrogates-1"}
    spec = client.http.post("/v1/specs", headers=auth, body=text % (product_id, ZONE["id"], ""))
    assert spec.status_code == 201, spec.body
    metadata = ', "metadata": {"source": "x\\udc00"}'
    auth = {**auth, "Idempotency-Key": "surrogates-2"}
    bad = client.http.post(
        "/v1/specs", headers=auth, body=text % (product_id, ZONE["id"], metadata)
    )
    assert bad.status_code == 400, bad.body
    assert body(bad)["error"]["details"]["fields"] == ["metadata.source"]


def test_invalid_origin_is_422(client: Client, brand: dict[str, Any]) -> None:
    r = client.http.put(
        "/v1/brand/origins",
        headers=bearer(brand["secret_key"]),
        body='{"origins": ["javascript:alert(1)", "https://ok.example"]}',
    )
    assert r.status_code == 422
    assert body(r)["error"]["details"] == {"origins": ["javascript:alert(1)"]}


def test_request_id_is_echoed_or_generated(client: Client) -> None:
    given = client.http.get("/v1/brand", headers={"X-Request-Id": "req-123"})
    assert given.headers["X-Request-Id"] == "req-123"
    assert body(given)["request_id"] == "req-123"
    generated = client.http.get("/v1/brand")
    assert len(generated.headers["X-Request-Id"]) == 32
    assert body(generated)["request_id"] == generated.headers["X-Request-Id"]
    hostile = client.http.get("/v1/brand", headers={"X-Request-Id": "<script>" * 40})
    assert hostile.headers["X-Request-Id"] != "<script>" * 40


def test_wrong_content_type_is_415_in_our_error_shape(
    client: Client, brand: dict[str, Any]
) -> None:
    headers = {**bearer(brand["secret_key"]), "Content-Type": "text/plain"}
    r = client.http.post("/v1/keys", headers=headers, body='{"kind":"secret"}')
    assert r.status_code == 415
    assert body(r)["error"]["code"] == "request.unsupported_media_type"
    assert body(r)["request_id"] == r.headers["X-Request-Id"]


def test_preflight_answers_with_methods_and_headers(client: Client) -> None:
    r = client.http.request(
        "OPTIONS",
        "/v1/keys",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Idempotency-Key" in r.headers["Access-Control-Allow-Headers"]


def test_unexpected_failure_is_a_logged_500_without_internals(
    client: Client, brand: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import brands

    def broken(brand_id: str) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(brands, "list_keys", broken)
    r = client.http.get("/v1/keys", headers=bearer(brand["secret_key"]))
    assert r.status_code == 500
    assert body(r)["error"]["code"] == "internal"
    assert "secret internals" not in r.body.decode()
