"""Helpers shared by several test modules (from tests.integration.test_webhook_delivery)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from chalice.test import Client

from local.receiver import Receiver
from tests.integration.conftest import bearer, body


def idem(key: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": uuid.uuid4().hex}


def register(client: Client, shop: dict[str, Any], receiver: Receiver, *types: str) -> str:
    r = client.http.post(
        "/v1/webhook-endpoints",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"url": receiver.url, "event_types": list(types)}),
    )
    assert r.status_code == 201, r.body
    receiver.secret = body(r)["secret"]
    return str(body(r)["endpoint_id"])


def pump(until: Callable[[], bool], timeout_s: float = 20) -> None:
    """Run the webhook worker on whatever the queue holds (delayed retries too) until ``until``."""
    from app import app
    from local.poller import Poller

    poller = Poller(app, wait_s=1)
    binding = next(b for b in poller.bindings if b.queue_name.endswith("webhook-delivery"))
    deadline = time.monotonic() + timeout_s
    while not until():
        assert time.monotonic() < deadline, "webhook deliveries did not settle in time"
        poller.poll_once(binding)


def events_of(client: Client, key: str, query: str = "") -> list[dict[str, Any]]:
    r = client.http.get(f"/v1/events{query}", headers=bearer(key))
    assert r.status_code == 200, r.body
    return list(body(r)["data"])


def event(client: Client, key: str, event_id: str) -> dict[str, Any]:
    r = client.http.get(f"/v1/events/{event_id}", headers=bearer(key))
    assert r.status_code == 200, r.body
    return dict(body(r))


def settle() -> None:
    """Run the webhook worker until the queue has nothing visible left."""
    from app import app
    from local.poller import Poller

    poller = Poller(app, wait_s=1)
    binding = next(b for b in poller.bindings if b.queue_name.endswith("webhook-delivery"))
    while poller.poll_once(binding):
        pass
