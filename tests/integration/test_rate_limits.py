"""Rate limits through the route pipeline: 429 with headers, scoped to one key and class."""

from __future__ import annotations

from typing import Any

from chalice.test import Client

from chalicelib.store import brands
from tests.integration.conftest import bearer, body, new_brand


def test_publishable_key_over_its_limit_gets_429_with_headers(client: Client) -> None:
    shop = new_brand("Limited", ["https://shop.example"])
    brands.set_rate_limit(shop["brand_id"], "publishable", "read", 3, 60)
    pk = bearer(shop["publishable_key"])
    answers = [client.http.get("/v1/brand", headers=pk) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    ok, refused = answers[0], answers[3]
    assert ok.headers["RateLimit-Limit"] == "3" and ok.headers["RateLimit-Remaining"] == "2"
    assert refused.headers["Retry-After"] == "20" and refused.headers["RateLimit-Remaining"] == "0"
    assert body(refused)["error"]["code"] == "rate_limit.exceeded"
    assert client.http.get("/v1/keys", headers=bearer(shop["secret_key"])).status_code == 200
    other: dict[str, Any] = new_brand("Neighbour")
    assert client.http.get("/v1/brand", headers=bearer(other["publishable_key"])).status_code == 200


def test_route_classes_have_separate_buckets(client: Client) -> None:
    shop = new_brand("Classes")
    brands.set_rate_limit(shop["brand_id"], "publishable", "validate", 1, 60)
    pk = bearer(shop["publishable_key"])
    payload = '{"text": "Zoe"}'
    first = client.http.post("/v1/personalization/normalize", headers=pk, body=payload)
    second = client.http.post("/v1/personalization/normalize", headers=pk, body=payload)
    assert (first.status_code, second.status_code) == (200, 429)
    assert client.http.get("/v1/brand", headers=pk).status_code == 200  # "read" is untouched


def test_invalid_overrides_are_refused(client: Client) -> None:
    import pytest

    from chalicelib.errors import ValidationFailed

    shop = new_brand("Bad override")
    with pytest.raises(ValidationFailed):
        brands.set_rate_limit(shop["brand_id"], "publishable", "everything", 1, 60)
