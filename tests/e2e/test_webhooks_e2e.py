"""Webhooks over the local stack: a paid order pushes order.paid, then pack.ready per item, to a
receiver on 127.0.0.1 — signed, verified with the README's snippet, the pack URL downloadable."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.harness import free_port
from local.receiver import Receiver
from tests.e2e.conftest import Stack
from tests.support.order_flow import _post, designed_snapshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def endpoint(stack: Stack) -> Iterator[tuple[Receiver, str]]:
    """A receiver, registered for the demo brand; unregistered afterwards (the stack is shared)."""
    sk = stack.demo["secret_key"]
    receiver = Receiver(free_port(), secret="")
    made = _post(
        stack,
        "/v1/webhook-endpoints",
        sk,
        {"url": receiver.url, "event_types": ["order.paid", "pack.ready", "pack.failed"]},
    )
    receiver.secret = made["secret"]
    receiver.start()
    yield receiver, made["endpoint_id"]
    requests.delete(
        f"{stack.api_url}/v1/webhook-endpoints/{made['endpoint_id']}",
        headers={"Authorization": f"Bearer {sk}"},
        timeout=10,
    )
    receiver.stop()


def wait_for(receiver: Receiver, order_id: str, snapshots: set[str]) -> list[dict[str, Any]]:
    """This order's order.paid and one pack event per item, in arrival order (60 s at most)."""

    def mine(event: dict[str, Any]) -> bool:
        obj = event["data"]["object"]
        return obj.get("order_id") == order_id or obj.get("snapshot_id") in snapshots

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [e for e in receiver.delivered() if mine(e)]
        if sum(e["type"] != "order.paid" for e in found) >= len(snapshots):
            return found
        time.sleep(0.2)
    raise AssertionError(f"events did not arrive: {receiver.delivered()}")


def test_paid_order_pushes_order_paid_then_a_ready_pack_per_item(
    stack: Stack, endpoint: tuple[Receiver, str]
) -> None:
    from chalicelib.webhook_signature import verify

    receiver, endpoint_id = endpoint
    sk = stack.demo["secret_key"]
    items = [
        {
            "product_id": stack.demo["product_id"],
            "snapshot_id": designed_snapshot(stack, text),
            "quantity": 1,
            "unit_price_minor": 3900,
        }
        for text in ("Inès", "Marc")
    ]
    order = _post(
        stack,
        "/v1/orders",
        sk,
        {
            "currency": "EUR",
            "customer": {"email": "ines@example.com"},
            "items": items,
        },
    )
    paid = requests.post(
        f"{stack.api_url}/v1/orders/{order['order_id']}/status",
        headers={"Authorization": f"Bearer {sk}"},
        json={"status": "paid"},
        timeout=30,
    )
    assert paid.status_code == 200, paid.text
    events = wait_for(receiver, order["order_id"], {i["snapshot_id"] for i in items})
    assert [e["type"] for e in events] == ["order.paid", "pack.ready", "pack.ready"]
    assert events[0]["data"]["object"]["order_id"] == order["order_id"]
    packs = [e["data"]["object"] for e in events[1:]]
    bundle = requests.get(
        f"{stack.api_url}/v1/manufacturing/bundles/{order['order_id']}",
        headers={"Authorization": f"Bearer {sk}"},
        timeout=30,
    ).json()
    assert sorted(p["pack_id"] for p in packs) == sorted(i["pack_id"] for i in bundle["items"])
    for raw in receiver.received:
        assert verify(raw.body, raw.headers["Atelier-Signature"], receiver.secret)
        assert raw.headers["Atelier-Event-Id"] == raw.event["id"]
    for pack in packs:
        data = requests.get(pack["url"], timeout=30).content
        archive = zipfile.ZipFile(io.BytesIO(data))
        assert archive.testzip() is None
        assert any(n.endswith(".dxf") for n in archive.namelist())
        assert len(data) == pack["size"]
    detail = requests.get(
        f"{stack.api_url}/v1/events/{events[0]['id']}",
        headers={"Authorization": f"Bearer {sk}"},
        timeout=10,
    ).json()
    assert detail["deliveries"][0]["endpoint_id"] == endpoint_id
    assert detail["deliveries"][0]["status"] == "succeeded"
    swept = sweep_later(stack)
    assert (swept["events"], swept["fanouts"], swept["failed_brands"]) == (3, 0, []), swept


def sweep_later(stack: Stack) -> dict[str, Any]:
    """The outbox sweeper's CLI, 5 minutes on: every owed event has its delivery, so it
    checks them and queues nothing."""
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    done = stack.cli("webhooks", "sweep", "--brand", stack.demo["brand_id"], "--now", later)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result
