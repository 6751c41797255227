"""Webhook endpoints API: validation, URL rules, the secret shown once, rotation, tenants."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand

PUBLIC_URL = "https://93.184.216.34/hooks"  # an IP literal: no DNS needed in tests


def idem(key: str, idempotency_key: str | None = None) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": idempotency_key or uuid.uuid4().hex}


def endpoint_body(**overrides: Any) -> str:
    payload = {"url": PUBLIC_URL, "event_types": ["order.paid", "pack.ready"], **overrides}
    return json.dumps(payload)


def create(client: Client, key: str, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    return client.http.post(
        "/v1/webhook-endpoints", headers=headers or idem(key), body=endpoint_body(**fields)
    )


@pytest.fixture
def owner(client: Client) -> dict[str, Any]:
    return new_brand("Hook owner")


def test_create_shows_the_secret_once(client: Client, owner: dict[str, Any]) -> None:
    r = create(client, owner["secret_key"], description="ERP")
    assert r.status_code == 201, r.body
    made = body(r)
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 30
    assert made["enabled"] is True and made["event_types"] == ["order.paid", "pack.ready"]
    assert made["secret_hint"] == made["secret"][-4:]
    got = client.http.get(
        f"/v1/webhook-endpoints/{made['endpoint_id']}", headers=bearer(owner["secret_key"])
    )
    assert got.status_code == 200 and "secret" not in body(got)
    assert made["secret"] not in got.body.decode()
    listed = client.http.get("/v1/webhook-endpoints", headers=bearer(owner["secret_key"]))
    assert [e["endpoint_id"] for e in body(listed)["data"]] == [made["endpoint_id"]]
    assert made["secret"] not in listed.body.decode()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"event_types": []}, "event_types"),
        ({"event_types": ["order.exploded"]}, "event_types.0"),
        ({"event_types": ["order.paid", "order.paid"]}, "event_types"),
        ({"enabled": "yes"}, "enabled"),
        ({"secret": "whsec_mine"}, "secret"),
        ({"url": ""}, "url"),
    ],
)
def test_invalid_bodies_are_422(
    client: Client, owner: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    r = create(client, owner["secret_key"], **fields)
    assert r.status_code == 422, r.body
    assert field in [d["field"] for d in body(r)["error"]["details"]]


def test_local_stage_accepts_http_loopback(client: Client, owner: dict[str, Any]) -> None:
    r = create(client, owner["secret_key"], url="http://127.0.0.1:9000/hooks")
    assert r.status_code == 201, r.body


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://93.184.216.34/hooks", "webhook.url_not_https"),
        ("https://127.0.0.1/hooks", "webhook.url_private"),
        ("https://10.0.0.7/hooks", "webhook.url_private"),
        ("https://169.254.169.254/latest/meta-data", "webhook.url_private"),
        ("https://[::1]/", "webhook.url_private"),
        ("https://[64:ff9b::a9fe:a9fe]/", "webhook.url_private"),  # NAT64 of the metadata IP
        ("https://93.184.216.34:8443/", "webhook.url_port"),
        ("https://localhost/hooks", "webhook.url_private"),
        ("ftp://93.184.216.34/", "webhook.url_invalid"),
    ],
)
def test_outside_the_local_stack_only_public_https_urls(
    client: Client, owner: dict[str, Any], monkeypatch: pytest.MonkeyPatch, url: str, code: str
) -> None:
    monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", "strict")
    r = create(client, owner["secret_key"], url=url)
    assert r.status_code == 422, r.body
    assert body(r)["error"]["code"] == code
    assert create(client, owner["secret_key"]).status_code == 201  # public https is fine


def test_create_is_idempotent(client: Client, owner: dict[str, Any]) -> None:
    headers = idem(owner["secret_key"])
    first, again = create(client, "", headers), create(client, "", headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert body(again)["endpoint_id"] == body(first)["endpoint_id"]
    listed = client.http.get("/v1/webhook-endpoints", headers=bearer(owner["secret_key"]))
    assert len(body(listed)["data"]) == 1
    changed = client.http.post(
        "/v1/webhook-endpoints", headers=headers, body=endpoint_body(description="other")
    )
    assert changed.status_code == 422
    assert body(changed)["error"]["code"] == "idempotency.key_reused"


def test_put_replaces_and_delete_removes(client: Client, owner: dict[str, Any]) -> None:
    sk = owner["secret_key"]
    eid = body(create(client, sk))["endpoint_id"]
    put = client.http.put(
        f"/v1/webhook-endpoints/{eid}",
        headers=bearer(sk),
        body=json.dumps(
            {"url": PUBLIC_URL + "/v2", "event_types": ["render.failed"], "enabled": False}
        ),
    )
    assert put.status_code == 200, put.body
    assert body(put)["url"].endswith("/v2") and body(put)["enabled"] is False
    assert body(put)["event_types"] == ["render.failed"]
    bad = client.http.put(
        f"/v1/webhook-endpoints/{eid}", headers=bearer(sk), body=endpoint_body(event_types=[])
    )
    assert bad.status_code == 422
    assert client.http.delete(f"/v1/webhook-endpoints/{eid}", headers=bearer(sk)).status_code == 204
    gone = client.http.get(f"/v1/webhook-endpoints/{eid}", headers=bearer(sk))
    assert gone.status_code == 404 and body(gone)["error"]["code"] == "webhook_endpoint.not_found"


def test_rotation_shows_a_new_secret_and_keeps_the_old_one_signing(
    client: Client, owner: dict[str, Any]
) -> None:
    from chalicelib.store import webhook_endpoints
    from chalicelib.store.base import utcnow

    sk = owner["secret_key"]
    made = body(create(client, sk))
    r = client.http.post(
        f"/v1/webhook-endpoints/{made['endpoint_id']}/rotate-secret",
        headers=idem(sk),
        body=json.dumps({"overlap_seconds": 3600}),
    )
    assert r.status_code == 200, r.body
    rotated = body(r)
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert rotated["previous_secret_expires_at"] is not None
    stored = webhook_endpoints.get(owner["brand_id"], made["endpoint_id"])
    assert stored.signing_secrets(utcnow()) == [rotated["secret"], made["secret"]]
    too_long = client.http.post(
        f"/v1/webhook-endpoints/{made['endpoint_id']}/rotate-secret",
        headers=idem(sk),
        body=json.dumps({"overlap_seconds": 8 * 24 * 3600}),
    )
    assert too_long.status_code == 422


def idempotency_table_text() -> str:
    """Every stored Idempotency-Key record, raw as DynamoDB holds it."""
    from chalicelib import aws
    from chalicelib.settings import get_settings

    table = get_settings().physical_name("table", "idempotency")
    pages = aws.dynamodb().get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
    return json.dumps([item for page in pages for item in page["Items"]])


def test_replays_withhold_the_secret_which_is_never_stored(
    client: Client, owner: dict[str, Any]
) -> None:
    """Issue 22, finding 7: the idempotency table held whsec_ secrets in plaintext for 24 h."""
    sk = owner["secret_key"]
    create_headers = idem(sk)
    made = body(create(client, "", create_headers))
    path = f"/v1/webhook-endpoints/{made['endpoint_id']}/rotate-secret"
    rotate_headers = idem(sk)
    rotated = body(client.http.post(path, headers=rotate_headers, body="{}"))
    assert made["secret"].startswith("whsec_") and rotated["secret"].startswith("whsec_")

    stored = idempotency_table_text()
    assert made["endpoint_id"] in stored  # both answers are stored for replay ...
    for secret in (made["secret"], rotated["secret"]):  # ... without their secret
        assert secret.removeprefix("whsec_") not in stored

    for replay, first, status in (
        (create(client, "", create_headers), made, 201),
        (client.http.post(path, headers=rotate_headers, body="{}"), rotated, 200),
    ):
        assert replay.status_code == status and replay.headers["Idempotent-Replayed"] == "true"
        again = body(replay)
        assert again["secret"] is None and "rotate-secret" in again["secret_withheld"]
        assert again["endpoint_id"] == first["endpoint_id"]
        assert again["secret_hint"] == first["secret_hint"] == first["secret"][-4:]
    assert made["secret_withheld"] is None


def test_publishable_keys_cannot_manage_endpoints(client: Client, owner: dict[str, Any]) -> None:
    r = create(client, owner["publishable_key"])
    assert r.status_code in (401, 403)


def test_another_brand_gets_404_for_everything(client: Client, owner: dict[str, Any]) -> None:
    eid = body(create(client, owner["secret_key"]))["endpoint_id"]
    other = new_brand("Hook stranger")["secret_key"]
    path = f"/v1/webhook-endpoints/{eid}"
    answers = [
        client.http.get(path, headers=bearer(other)),
        client.http.put(path, headers=bearer(other), body=endpoint_body()),
        client.http.delete(path, headers=bearer(other)),
        client.http.post(f"{path}/rotate-secret", headers=idem(other), body="{}"),
    ]
    for answer in answers:
        assert answer.status_code == 404, answer.body
        assert body(answer)["error"]["code"] == "webhook_endpoint.not_found"
    listed = client.http.get("/v1/webhook-endpoints", headers=bearer(other))
    assert body(listed)["data"] == []
    still = client.http.get(path, headers=bearer(owner["secret_key"]))
    assert still.status_code == 200
