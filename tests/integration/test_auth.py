"""The auth matrix: every way a key can be wrong answers as the contract says."""

from __future__ import annotations

from typing import Any

import pytest
from chalice.test import Client

from chalicelib.errors import Conflict
from tests.integration.conftest import bearer, body, new_brand


def _error_code(response: Any) -> str:
    return str(body(response)["error"]["code"])


def test_no_key_is_401(client: Client) -> None:
    r = client.http.get("/v1/brand")
    assert r.status_code == 401
    assert _error_code(r) == "auth.missing_key"


def test_malformed_key_is_401(client: Client, brand: dict[str, Any]) -> None:
    for header in ("Bearer nope", "Basic abc", brand["secret_key"], "Bearer " + "sk_" + "a" * 60):
        r = client.http.get("/v1/brand", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert _error_code(r) == "auth.invalid_key"


def test_unknown_key_with_valid_shape_is_401(client: Client, brand: dict[str, Any]) -> None:
    kind, key_id, secret = brand["secret_key"].split("_")
    forged = f"{kind}_{key_id}_{'a' * len(secret)}"
    r = client.http.get("/v1/brand", headers=bearer(forged))
    assert r.status_code == 401
    other_id = "abcdefghijkl"
    r = client.http.get("/v1/brand", headers=bearer(f"sk_{other_id}_{secret}"))
    assert r.status_code == 401


def test_publishable_key_cannot_pose_as_secret(client: Client, brand: dict[str, Any]) -> None:
    _, key_id, secret = brand["publishable_key"].split("_")
    r = client.http.get("/v1/keys", headers=bearer(f"sk_{key_id}_{secret}"))
    assert r.status_code == 401


def test_revoked_key_is_401(client: Client, brand: dict[str, Any]) -> None:
    sk = brand["secret_key"]
    created = client.http.post(
        "/v1/keys", headers=bearer(sk), body='{"kind":"publishable","label":"tmp"}'
    )
    assert created.status_code == 201
    new_key = body(created)
    assert client.http.get("/v1/brand", headers=bearer(new_key["plaintext"])).status_code == 200
    revoked = client.http.post(f"/v1/keys/{new_key['key']['key_id']}/revoke", headers=bearer(sk))
    assert revoked.status_code == 200 and body(revoked)["revoked"] is True
    r = client.http.get("/v1/brand", headers=bearer(new_key["plaintext"]))
    assert r.status_code == 401
    assert _error_code(r) == "auth.revoked_key"


def test_publishable_key_on_secret_route_is_403(client: Client, brand: dict[str, Any]) -> None:
    r = client.http.get("/v1/keys", headers=bearer(brand["publishable_key"]))
    assert r.status_code == 403
    assert _error_code(r) == "auth.secret_key_required"


def test_publishable_key_from_foreign_origin_is_403(client: Client, brand: dict[str, Any]) -> None:
    headers = bearer(brand["publishable_key"], Origin="https://evil.example")
    r = client.http.get("/v1/brand", headers=headers)
    assert r.status_code == 403
    assert _error_code(r) == "auth.origin_not_allowed"


def test_publishable_key_from_allowed_origin_gets_cors(
    client: Client, brand: dict[str, Any]
) -> None:
    r = client.http.get(
        "/v1/brand", headers=bearer(brand["publishable_key"], Origin="https://A.example/")
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "https://A.example/"
    assert "Origin" in r.headers["Vary"]
    assert body(r)["brand_id"] == brand["brand_id"]


def test_success_for_unlisted_origin_carries_no_cors(client: Client, brand: dict[str, Any]) -> None:
    r = client.http.get("/v1/keys", headers=bearer(brand["secret_key"], Origin="https://b.example"))
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers


def test_other_brands_key_answers_404_like_a_missing_one(client: Client) -> None:
    a, b = new_brand("A"), new_brand("B")
    b_keys = client.http.get("/v1/keys", headers=bearer(b["secret_key"]))
    b_key_id = body(b_keys)["data"][0]["key_id"]

    foreign = client.http.get(f"/v1/keys/{b_key_id}", headers=bearer(a["secret_key"]))
    missing = client.http.get("/v1/keys/zzzzzzzzzzzz", headers=bearer(a["secret_key"]))
    assert foreign.status_code == missing.status_code == 404
    assert body(foreign)["error"] == body(missing)["error"]

    revoke = client.http.post(f"/v1/keys/{b_key_id}/revoke", headers=bearer(a["secret_key"]))
    assert revoke.status_code == 404
    still = client.http.get(f"/v1/keys/{b_key_id}", headers=bearer(b["secret_key"]))
    assert body(still)["revoked"] is False


def test_keys_list_is_scoped_to_the_brand(client: Client) -> None:
    a, b = new_brand("A"), new_brand("B")
    a_ids = {
        k["key_id"]
        for k in body(client.http.get("/v1/keys", headers=bearer(a["secret_key"])))["data"]
    }
    b_ids = {
        k["key_id"]
        for k in body(client.http.get("/v1/keys", headers=bearer(b["secret_key"])))["data"]
    }
    assert len(a_ids) == 2 and len(b_ids) == 2
    assert not a_ids & b_ids


def test_last_secret_key_cannot_be_revoked(client: Client, brand: dict[str, Any]) -> None:
    keys = body(client.http.get("/v1/keys", headers=bearer(brand["secret_key"])))["data"]
    secret_id = next(k["key_id"] for k in keys if k["kind"] == "secret")
    r = client.http.post(f"/v1/keys/{secret_id}/revoke", headers=bearer(brand["secret_key"]))
    assert r.status_code == 409
    assert _error_code(r) == "key.last_secret_key"


def test_listed_keys_never_show_secrets(client: Client, brand: dict[str, Any]) -> None:
    r = client.http.get("/v1/keys", headers=bearer(brand["secret_key"]))
    text = r.body.decode()
    assert brand["secret_key"] not in text and brand["publishable_key"] not in text
    assert brand["secret_key"].rsplit("_", 1)[0] in text  # the visible prefix is shown


def test_only_a_failed_condition_is_an_id_collision(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import brands

    monkeypatch.setattr(brands.secrets, "token_hex", lambda n: "0" * (2 * n))
    brands.create_brand("First", [])
    with pytest.raises(Conflict) as collided:
        brands.create_brand("Second", [])
    assert collided.value.code == "brand.id_collision"
