"""Idempotency-Key semantics (shared/reference/idempotency.md §8) through the real routes."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import idempotency
from chalicelib.store.models import IdempotencyRecord, SnapshotModel
from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import ZONE, create
from tests.support.specs import COLOR_ZONE, post_spec, spec_body


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Idem shop")
    owner["product_id"] = body(create(client, owner["secret_key"], zones=[ZONE, COLOR_ZONE]))[
        "product_id"
    ]
    owner["spec_hash"] = body(post_spec(client, owner, spec_body(owner)))["spec_hash"]
    return owner


def snap(
    client: Client,
    shop: dict[str, Any],
    key: str | None,
    spec_hash: str | None = None,
    api_key: str | None = None,
) -> Any:
    h = bearer(api_key or shop["secret_key"])
    if key is not None:
        h["Idempotency-Key"] = key
    return client.http.post(
        "/v1/snapshots", headers=h, body=json.dumps({"spec_hash": spec_hash or shop["spec_hash"]})
    )


def snapshot_count(brand_id: str) -> int:
    return sum(1 for _ in SnapshotModel.query(brand_id))


def test_replay_returns_the_stored_answer_once_created(
    client: Client, shop: dict[str, Any]
) -> None:
    first = snap(client, shop, "order-42")
    second = snap(client, shop, "order-42")
    assert first.status_code == second.status_code == 201
    assert second.body == first.body
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert snapshot_count(shop["brand_id"]) == 1


def test_quoted_structured_field_key_is_the_same_key(client: Client, shop: dict[str, Any]) -> None:
    first = snap(client, shop, "abc-1")
    assert snap(client, shop, '"abc-1"').body == first.body


def test_missing_or_bad_key_is_400(client: Client, shop: dict[str, Any]) -> None:
    assert body(snap(client, shop, None))["error"]["code"] == "idempotency.key_missing"
    for bad in ("", "a" * 256, "caf\u00e9", "two words"):
        r = snap(client, shop, bad)
        assert r.status_code == 400, bad
    assert snapshot_count(shop["brand_id"]) == 0


def test_same_key_different_body_is_422(client: Client, shop: dict[str, Any]) -> None:
    other = body(post_spec(client, shop, spec_body(shop, text="Another")))["spec_hash"]
    snap(client, shop, "k-1")
    r = snap(client, shop, "k-1", spec_hash=other)
    assert r.status_code == 422 and body(r)["error"]["code"] == "idempotency.key_reused"
    assert snapshot_count(shop["brand_id"]) == 1


def _preinsert(shop: dict[str, Any], key: str, *, lock_in: float, expires_in: float = 3600) -> None:
    scope = idempotency.scope_of(shop["brand_id"], "POST", "/v1/snapshots", key)
    fp = idempotency.fingerprint("POST", {}, {"spec_hash": shop["spec_hash"]})
    IdempotencyRecord(
        scope=scope,
        status="IN_PROGRESS",
        fingerprint=fp,
        claim_id="someone-else",
        lock_expires_at=time.time() + lock_in,
        expires_at=datetime.fromtimestamp(time.time() + expires_in, UTC),
    ).save()


def test_in_flight_duplicate_is_409_with_retry_after(client: Client, shop: dict[str, Any]) -> None:
    _preinsert(shop, "busy", lock_in=30)
    r = snap(client, shop, "busy")
    assert r.status_code == 409
    assert body(r)["error"]["code"] == "idempotency.in_progress"
    assert r.headers["Retry-After"] == "1"
    assert snapshot_count(shop["brand_id"]) == 0


def test_expired_lock_is_taken_over(client: Client, shop: dict[str, Any]) -> None:
    _preinsert(shop, "crashed", lock_in=-1)
    r = snap(client, shop, "crashed")
    assert r.status_code == 201
    assert snap(client, shop, "crashed").body == r.body


def test_expired_record_runs_again(client: Client, shop: dict[str, Any]) -> None:
    first = snap(client, shop, "old")
    scope = idempotency.scope_of(shop["brand_id"], "POST", "/v1/snapshots", "old")
    record = IdempotencyRecord.get(scope)
    record.update(actions=[IdempotencyRecord.expires_at.set(datetime.fromtimestamp(0, UTC))])
    second = snap(client, shop, "old")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    assert body(second)["snapshot_id"] != body(first)["snapshot_id"]


def test_server_error_leaves_no_claim_and_retry_succeeds(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import snapshots

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("dynamodb hiccup")

    monkeypatch.setattr(snapshots, "put_new", broken)
    failed = snap(client, shop, "retry-me")
    assert failed.status_code == 500
    scope = idempotency.scope_of(shop["brand_id"], "POST", "/v1/snapshots", "retry-me")
    assert IdempotencyRecord.count(scope) == 0
    monkeypatch.undo()
    ok = snap(client, shop, "retry-me")
    assert ok.status_code == 201 and "Idempotent-Replayed" not in ok.headers
    assert snapshot_count(shop["brand_id"]) == 1


def test_business_errors_are_stored_and_replayed(client: Client, shop: dict[str, Any]) -> None:
    missing = "f" * 64
    first = snap(client, shop, "nf", spec_hash=missing)
    second = snap(client, shop, "nf", spec_hash=missing)
    assert first.status_code == second.status_code == 404
    assert second.headers.get("Idempotent-Replayed") == "true"


def test_two_brands_with_the_same_key_do_not_interfere(
    client: Client, shop: dict[str, Any]
) -> None:
    other = new_brand("Other idem")
    other["product_id"] = body(create(client, other["secret_key"], zones=[ZONE, COLOR_ZONE]))[
        "product_id"
    ]
    other["spec_hash"] = body(post_spec(client, other, spec_body(other)))["spec_hash"]
    a = snap(client, shop, "shared-key")
    b = snap(client, other, "shared-key")
    assert a.status_code == b.status_code == 201
    assert "Idempotent-Replayed" not in b.headers
    assert body(a)["snapshot_id"] != body(b)["snapshot_id"]


def test_snapshot_and_stored_answer_commit_together(client: Client, shop: dict[str, Any]) -> None:
    created = body(snap(client, shop, "atomic"))
    scope = idempotency.scope_of(shop["brand_id"], "POST", "/v1/snapshots", "atomic")
    record = IdempotencyRecord.get(scope, consistent_read=True)
    assert record.status == "COMPLETED"
    assert json.loads(record.response["body"])["snapshot_id"] == created["snapshot_id"]


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/v1/products", {"name": "Mug", "sku": "MUG-9", "width_mm": 90, "height_mm": 90}),
        ("/v1/assets", {"kind": "image", "content_type": "image/png", "size_bytes": 1000}),
    ],
)
def test_every_create_route_requires_and_honours_the_key(
    client: Client, shop: dict[str, Any], path: str, payload: dict[str, Any]
) -> None:
    h = bearer(shop["secret_key"])
    missing = client.http.post(path, headers=h, body=json.dumps(payload))
    assert missing.status_code == 400
    assert body(missing)["error"]["code"] == "idempotency.key_missing"
    first = client.http.post(path, headers={**h, "Idempotency-Key": path}, body=json.dumps(payload))
    again = client.http.post(path, headers={**h, "Idempotency-Key": path}, body=json.dumps(payload))
    assert first.status_code == again.status_code == 201
    assert again.body == first.body and again.headers["Idempotent-Replayed"] == "true"


def test_openapi_documents_the_idempotency_header(client: Client) -> None:
    doc = body(client.http.get("/v1/openapi.json"))
    for path in ("/v1/specs", "/v1/snapshots", "/v1/products", "/v1/assets"):
        params = doc["paths"][path]["post"]["parameters"]
        key = next(p for p in params if p["name"] == "Idempotency-Key")
        assert key["required"] is True and key["in"] == "header"
