"""Events and deliveries in-process: state change → event → SQS (moto) → signed POST → records.

A real HTTP receiver (``local.receiver``) runs in a thread on a free port; the retry schedule is
shortened to 1 s waits through ``ATELIER_WEBHOOK_RETRY_SCHEDULE``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from chalice.test import Client

from local.harness import free_port
from local.receiver import Receiver
from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import create
from tests.support.renders import ZONE, drain, snapshot
from tests.support.webhook_delivery import event, events_of, idem, pump, register, settle


@pytest.fixture(autouse=True)
def short_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_WEBHOOK_RETRY_SCHEDULE", "1,1")


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Webhook shop")
    owner["product_id"] = body(
        create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    )["product_id"]
    return owner


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(free_port(), secret="").start()
    yield running
    running.stop()




def lock(client: Client, shop: dict[str, Any], text: str) -> str:
    sid = snapshot(client, shop, text)
    r = client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(shop["secret_key"]))
    assert r.status_code == 200, r.body
    return sid








def only_event(client: Client, shop: dict[str, Any], type_: str) -> dict[str, Any]:
    found = events_of(client, shop["secret_key"], f"?type={type_}")
    assert len(found) == 1, found
    return event(client, shop["secret_key"], found[0]["id"])


def delivery_settled(client: Client, shop: dict[str, Any], type_: str) -> Callable[[], bool]:
    def settled() -> bool:
        found = only_event(client, shop, type_)["deliveries"]
        return bool(found) and found[0]["status"] != "pending"

    return settled


def test_a_lock_is_delivered_signed_with_the_snapshot_as_the_api_shows_it(
    client: Client, shop: dict[str, Any], receiver: Receiver
) -> None:
    register(client, shop, receiver, "snapshot.locked")
    sid = lock(client, shop, "Signed")
    pump(lambda: len(receiver.delivered()) == 1)
    got = receiver.delivered()[0]
    assert got["type"] == "snapshot.locked" and got["brand_id"] == shop["brand_id"]
    api = body(client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"])))
    assert got["data"]["object"] == api
    raw = receiver.received[0]
    assert raw.verified and raw.headers["Atelier-Event-Id"] == got["id"]
    assert raw.headers["Atelier-Signature"].startswith("t=")
    again = client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(shop["secret_key"]))
    assert again.status_code == 200
    assert len(events_of(client, shop["secret_key"], "?type=snapshot.locked")) == 1
    settle()  # locking again re-dispatched the same event: its delivery already succeeded
    assert len(receiver.received) == 1


def test_500_twice_then_200_is_one_success_after_three_attempts(
    client: Client, shop: dict[str, Any], receiver: Receiver
) -> None:
    eid = register(client, shop, receiver, "snapshot.locked")
    receiver.script = [500, 500]
    lock(client, shop, "Flaky")
    pump(delivery_settled(client, shop, "snapshot.locked"))
    assert [r.answered for r in receiver.received] == [500, 500, 200]
    assert len(receiver.delivered()) == 1
    delivery = only_event(client, shop, "snapshot.locked")["deliveries"][0]
    assert delivery["endpoint_id"] == eid and delivery["status"] == "succeeded"
    attempts = delivery["attempts"]
    assert [a["status_code"] for a in attempts] == [500, 500, 200]
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert all(a["latency_ms"] >= 0 and a["at"] for a in attempts)
    assert attempts[0]["error"] == "HTTP 500" and attempts[2]["error"] is None
    endpoint = body(
        client.http.get(f"/v1/webhook-endpoints/{eid}", headers=bearer(shop["secret_key"]))
    )
    assert endpoint["enabled"] is True and endpoint["failing_since"] is None


def test_a_receiver_that_always_fails_ends_failed_and_is_disabled(
    client: Client, shop: dict[str, Any], receiver: Receiver
) -> None:
    eid = register(client, shop, receiver, "snapshot.locked")
    receiver.script = [503] * 10
    lock(client, shop, "Down")
    pump(delivery_settled(client, shop, "snapshot.locked"))
    detail = only_event(client, shop, "snapshot.locked")
    delivery = detail["deliveries"][0]
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 3
    assert "gave up after 3 attempts" in delivery["error"]
    assert len(receiver.received) == 3
    endpoint = body(
        client.http.get(f"/v1/webhook-endpoints/{eid}", headers=bearer(shop["secret_key"]))
    )
    assert endpoint["enabled"] is False and "failing continuously" in endpoint["disabled_reason"]
    redo = client.http.post(
        f"/v1/events/{detail['id']}/redeliver", headers=idem(shop["secret_key"])
    )
    assert redo.status_code == 202 and body(redo)["skipped"] == [eid] and body(redo)["queued"] == []


def test_a_receiver_that_refuses_connections_fails_with_an_error(
    client: Client, shop: dict[str, Any], receiver: Receiver
) -> None:
    register(client, shop, receiver, "snapshot.locked")
    receiver.stop()
    lock(client, shop, "Nobody home")
    pump(delivery_settled(client, shop, "snapshot.locked"))
    attempts = only_event(client, shop, "snapshot.locked")["deliveries"][0]["attempts"]
    assert len(attempts) == 3
    assert all(a["status_code"] is None and "Connection refused" in a["error"] for a in attempts)


def test_redeliver_sends_the_same_event_again(
    client: Client, shop: dict[str, Any], receiver: Receiver
) -> None:
    register(client, shop, receiver, "snapshot.locked")
    lock(client, shop, "Twice")
    pump(lambda: len(receiver.received) == 1)
    evt = only_event(client, shop, "snapshot.locked")
    redo = client.http.post(f"/v1/events/{evt['id']}/redeliver", headers=idem(shop["secret_key"]))
    assert redo.status_code == 202, redo.body
    pump(lambda: len(receiver.received) == 2)
    first, second = receiver.received
    assert first.body == second.body and second.verified  # same bytes, fresh signature
    attempts = only_event(client, shop, "snapshot.locked")["deliveries"][0]["attempts"]
    assert [a["status_code"] for a in attempts] == [200, 200]


def test_both_secrets_sign_during_a_rotation(
    client: Client, shop: dict[str, Any], receiver: Receiver
) -> None:
    from chalicelib.webhook_signature import verify

    eid = register(client, shop, receiver, "snapshot.locked")
    old = receiver.secret
    r = client.http.post(
        f"/v1/webhook-endpoints/{eid}/rotate-secret",
        headers=idem(shop["secret_key"]),
        body=json.dumps({"overlap_seconds": 600}),
    )
    receiver.secret = body(r)["secret"]
    lock(client, shop, "Rotated")
    pump(lambda: len(receiver.received) == 1)
    got = receiver.received[0]
    assert got.verified and got.headers["Atelier-Signature"].count("v1=") == 2
    assert verify(got.body, got.headers["Atelier-Signature"], old)


def test_order_status_events_commit_with_the_transition(
    client: Client, shop: dict[str, Any]
) -> None:
    from tests.support.orders import move, place

    order = place(client, shop, snapshot(client, shop, "Order events"))
    assert move(client, shop, order["order_id"], "paid").status_code == 200
    assert move(client, shop, order["order_id"], "paid").status_code == 200  # again: no new event
    paid = events_of(client, shop["secret_key"], "?type=order.paid")
    changed = events_of(client, shop["secret_key"], "?type=order.status_changed")
    assert len(paid) == 1 and len(changed) == 1
    assert paid[0]["data"]["object"]["order_id"] == order["order_id"]
    assert paid[0]["data"]["object"]["status"] == "paid"
    assert changed[0]["data"]["previous_status"] == "created"
    locked = events_of(client, shop["secret_key"], "?type=snapshot.locked")
    assert len(locked) == 1  # production locked the item's snapshot
    assert move(client, shop, order["order_id"], "in_production").status_code == 200
    changed = events_of(client, shop["secret_key"], "?type=order.status_changed")
    assert [e["data"]["object"]["status"] for e in changed] == ["in_production", "paid"]


def test_a_render_event_carries_the_render_as_the_api_shows_it(
    client: Client, shop: dict[str, Any]
) -> None:
    from tests.support.renders import request_preview

    rid = request_preview(client, shop, snapshot(client, shop, "Render event"))
    drain("render-preview")
    found = events_of(client, shop["secret_key"], "?type=render.succeeded")
    assert len(found) == 1
    api = body(client.http.get(f"/v1/renders/{rid}", headers=bearer(shop["secret_key"])))
    assert found[0]["data"]["object"] == api


def test_events_are_listed_newest_first_with_a_cursor(client: Client, shop: dict[str, Any]) -> None:
    sids = [lock(client, shop, f"Page {n}") for n in range(3)]
    sk = shop["secret_key"]
    seen: list[str] = []
    cursor = ""
    while True:
        r = client.http.get(f"/v1/events?limit=2{cursor}", headers=bearer(sk))
        page = body(r)
        seen += [e["data"]["object"]["snapshot_id"] for e in page["data"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == sids[::-1]
    bad = client.http.get("/v1/events?type=order.exploded", headers=bearer(sk))
    assert bad.status_code == 422
    forged = client.http.get("/v1/events?cursor=!!!", headers=bearer(sk))
    assert forged.status_code == 400


def test_another_brand_never_sees_the_events(client: Client, shop: dict[str, Any]) -> None:
    lock(client, shop, "Private event")
    evt = events_of(client, shop["secret_key"])[0]
    other = new_brand("Event stranger")["secret_key"]
    assert events_of(client, other) == []
    got = client.http.get(f"/v1/events/{evt['id']}", headers=bearer(other))
    assert got.status_code == 404 and body(got)["error"]["code"] == "event.not_found"
    redo = client.http.post(f"/v1/events/{evt['id']}/redeliver", headers=idem(other))
    assert redo.status_code == 404




def test_paid_again_repairs_a_lost_dispatch_without_a_second_delivery(
    client: Client, shop: dict[str, Any], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.flows import delivery as deliveries
    from tests.support.orders import move, place

    register(client, shop, receiver, "order.paid")
    order = place(client, shop, snapshot(client, shop, "Paid twice"))
    real = deliveries.dispatch
    monkeypatch.setattr(deliveries, "dispatch", lambda *a, **k: None)  # died after the commit
    assert move(client, shop, order["order_id"], "paid").status_code == 200
    settle()
    assert receiver.received == []
    monkeypatch.setattr(deliveries, "dispatch", real)
    assert move(client, shop, order["order_id"], "paid").status_code == 200  # a retry repairs it
    pump(lambda: len(receiver.received) == 1)
    assert move(client, shop, order["order_id"], "paid").status_code == 200
    settle()
    assert len(receiver.received) == 1 and receiver.received[0].event["type"] == "order.paid"
    assert len(events_of(client, shop["secret_key"], "?type=order.paid")) == 1


def test_failing_a_failed_job_again_writes_no_second_event(
    client: Client, shop: dict[str, Any]
) -> None:
    from chalicelib.flows import renders as render_jobs
    from chalicelib.store import renders

    sid = snapshot(client, shop, "Fail twice")
    model = renders.new_render(
        shop["brand_id"],
        snapshot_id=sid,
        spec_hash="0" * 64,
        kind="preview",
        options={},
        cache_key="k",
        correlation_id="c",
    )
    model.save()
    render_jobs.fail(model, "render.test", "first")
    render_jobs.fail(renders.find(shop["brand_id"], model.render_id), "render.test", "second")
    found = events_of(client, shop["secret_key"], "?type=render.failed")
    assert len(found) == 1 and found[0]["data"]["object"]["error"]["message"] == "first"
    stored = renders.get_render(shop["brand_id"], model.render_id)
    assert stored.status == "failed" and stored.error == {
        "code": "render.test",
        "message": "second",
        "retryable": False,  # a failure recorded as final (jobs/failures.py)
    }


def test_a_transition_that_loses_a_race_writes_no_event(
    client: Client, shop: dict[str, Any]
) -> None:
    from chalicelib.errors import Conflict
    from chalicelib.flows.events import order_events
    from chalicelib.store import orders
    from chalicelib.store.models import OrderModel
    from tests.support.orders import place

    order = place(client, shop, snapshot(client, shop, "Race"))
    oid = order["order_id"]

    def cancel_meanwhile(moved: orders.Order, previous: str) -> list[Any]:
        OrderModel.get(shop["brand_id"], oid).update(actions=[OrderModel.status.set("cancelled")])
        return order_events(moved, previous)

    with pytest.raises(Conflict):  # re-decided on the new status: cancelled → paid is refused
        orders.move(shop["brand_id"], oid, "paid", "api", describe=cancel_meanwhile)
    assert events_of(client, shop["secret_key"], "?type=order.status_changed") == []
    assert orders.get_order(shop["brand_id"], oid).status == "cancelled"


def test_a_redelivered_attempt_requeues_a_retry_its_worker_died_before_sending(
    client: Client, shop: dict[str, Any], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.jobs import deliveries

    eid = register(client, shop, receiver, "snapshot.locked")
    receiver.script = [500]
    real = deliveries.schedule

    def die_on_retry(*args: Any, **kwargs: Any) -> None:
        if args[3] >= 1:  # the retry after the first attempt: the worker dies here
            raise ConnectionError("SQS unreachable")
        real(*args, **kwargs)

    monkeypatch.setattr(deliveries, "schedule", die_on_retry)
    lock(client, shop, "Lost retry")
    pump(lambda: len(receiver.received) == 1)
    monkeypatch.setattr(deliveries, "schedule", real)
    evt = only_event(client, shop, "snapshot.locked")
    assert evt["deliveries"][0]["status"] == "pending"  # recorded, but nothing queued
    original = deliveries.Attempt(
        brand_id=shop["brand_id"], event_id=evt["id"], endpoint_id=eid, attempt=0
    )
    deliveries.attempt(original)  # a stray duplicate: stale, does nothing
    settle()
    assert len(receiver.received) == 1
    deliveries.attempt(original, redelivered=True)  # SQS gives the failed message back
    pump(delivery_settled(client, shop, "snapshot.locked"))
    statuses = [
        a["status_code"]
        for a in only_event(client, shop, "snapshot.locked")["deliveries"][0]["attempts"]
    ]
    assert statuses == [500, 200]


def test_a_wait_longer_than_sqs_can_delay_hops_until_due(
    client: Client, shop: dict[str, Any], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import queue
    from chalicelib.flows import delivery

    monkeypatch.setenv("ATELIER_WEBHOOK_RETRY_SCHEDULE", "3")
    monkeypatch.setattr(delivery, "MAX_DELAY_S", 1)  # as if SQS could delay 1 s, not 900
    sent: list[int] = []
    real_send = queue.send

    def counting(queue: str, message: Any, *, delay_s: int = 0) -> None:
        sent.append(delay_s)
        real_send(queue, message, delay_s=delay_s)

    monkeypatch.setattr(queue, "send", counting)
    register(client, shop, receiver, "snapshot.locked")
    receiver.script = [500]
    lock(client, shop, "Hop")
    pump(delivery_settled(client, shop, "snapshot.locked"))
    first, second = only_event(client, shop, "snapshot.locked")["deliveries"][0]["attempts"]
    waited = datetime.fromisoformat(second["at"]) - datetime.fromisoformat(first["at"])
    assert waited.total_seconds() >= 3 * 0.8  # the schedule's wait, less the jitter
    assert max(sent) == 1 and sent.count(1) >= 2  # the retry hopped at most 1 s at a time
