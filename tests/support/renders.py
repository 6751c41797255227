"""Helpers shared by several test modules (from tests.integration.test_renders)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.test import Client

from tests.integration.conftest import bearer, body

ZONE = {
    "id": "name",
    "name": "Name",
    "kind": "text",
    "x_mm": 10,
    "y_mm": 10,
    "width_mm": 100,
    "height_mm": 20,
    "max_chars": 30,
    "min_size_mm": 3,
    "max_size_mm": 14,
    "fonts": ["lato-regular"],
    "colors": ["#000000"],
}


def idem(key: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": uuid.uuid4().hex}


def snapshot(client: Client, shop: dict[str, Any], text: str) -> str:
    spec = client.http.post(
        "/v1/specs",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"product_id": shop["product_id"], "inputs": {"name": {"text": text}}}),
    )
    assert spec.status_code in (200, 201), spec.body
    snap = client.http.post(
        "/v1/snapshots",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"spec_hash": body(spec)["spec_hash"]}),
    )
    return str(body(snap)["snapshot_id"])


def request_preview(client: Client, shop: dict[str, Any], snapshot_id: str, **options: Any) -> str:
    payload: dict[str, Any] = {"snapshot_id": snapshot_id}
    if options:
        payload["options"] = options
    r = client.http.post(
        "/v1/renders/preview", headers=idem(shop["publishable_key"]), body=json.dumps(payload)
    )
    assert r.status_code == 202, r.body
    assert body(r)["status"] == "queued"
    return str(body(r)["render_id"])


def drain(queue: str = "render-preview") -> int:
    """Deliver every queued message to the registered worker, as the local poller does."""
    from app import app
    from local.poller import Poller

    poller = Poller(app, wait_s=0)
    binding = next(b for b in poller.bindings if b.queue_name.endswith(queue))
    delivered = 0
    while got := poller.poll_once(binding):
        delivered += got
    return delivered


def status(client: Client, key: str, render_id: str) -> dict[str, Any]:
    r = client.http.get(f"/v1/renders/{render_id}", headers=bearer(key))
    assert r.status_code == 200
    return dict(body(r))
