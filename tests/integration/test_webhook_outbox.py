"""The outbox sweeper: an event whose dispatch was lost after its commit is still delivered.

``deliveries.dispatch`` is made a no-op to stand for a process that died between the commit and
the SQS send; the sweep then runs "later" (``now`` injected) and the webhook worker drains the
queue to a real HTTP receiver on loopback.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.jobs import outbox
from local.harness import free_port
from local.receiver import Receiver
from tests.integration.conftest import body, new_brand
from tests.support.orders import move, place
from tests.support.products import create
from tests.support.renders import ZONE, snapshot
from tests.support.webhook_delivery import event, events_of, pump, register, settle

LATER = timedelta(minutes=5)


@pytest.fixture(autouse=True)
def short_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_WEBHOOK_RETRY_SCHEDULE", "1,1")


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started = [Receiver(free_port(), secret="").start() for _ in range(2)]
    yield started
    for running in started:
        running.stop()


def new_shop(client: Client, name: str) -> dict[str, Any]:
    owner = new_brand(name)
    owner["product_id"] = body(
        create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[ZONE])
    )["product_id"]
    return owner


def pay_without_dispatch(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch, text: str = "Lost"
) -> None:
    """An order paid by a process that died after the commit: the event exists, no fan-out."""
    from chalicelib.flows import delivery as deliveries

    order = place(client, shop, snapshot(client, shop, text))
    with monkeypatch.context() as mp:
        mp.setattr(deliveries, "dispatch", lambda *a, **k: None)
        assert move(client, shop, order["order_id"], "paid").status_code == 200


def paid_without_dispatch(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """The brand's one ``order.paid`` event, lost that way (checked: nothing was delivered)."""
    pay_without_dispatch(client, shop, monkeypatch)
    settle()
    (paid,) = events_of(client, shop["secret_key"], "?type=order.paid")
    detail = event(client, shop["secret_key"], paid["id"])
    assert detail["deliveries"] == []
    return detail


def created(evt: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(evt["created_at"])


def test_a_lost_fan_out_is_swept_and_delivered_exactly_once(
    client: Client, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, receiver = new_shop(client, "Outbox shop"), receivers[0]
    endpoint = register(client, shop, receiver, "order.paid")
    lost = paid_without_dispatch(client, shop, monkeypatch)
    assert receiver.received == []
    first = outbox.sweep(created(lost) + LATER, brand_id=shop["brand_id"])
    assert (first.brands, first.events, first.fanouts, first.complete) == (1, 1, 1, True)
    pump(lambda: len(receiver.received) == 1)
    settle()
    assert [r.event["id"] for r in receiver.received] == [lost["id"]]
    assert receiver.received[0].verified and receiver.received[0].event["type"] == "order.paid"
    again = outbox.sweep(created(lost) + LATER + timedelta(minutes=5), brand_id=shop["brand_id"])
    assert (again.events, again.fanouts) == (1, 0)  # its delivery record exists now
    settle()
    assert len(receiver.received) == 1
    deliveries = event(client, shop["secret_key"], lost["id"])["deliveries"]
    assert [(d["endpoint_id"], d["status"]) for d in deliveries] == [(endpoint, "succeeded")]


def test_events_inside_the_grace_period_or_past_the_lookback_are_left_alone(
    client: Client, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = new_shop(client, "Outbox window")
    register(client, shop, receivers[0], "order.paid")
    lost = created(paid_without_dispatch(client, shop, monkeypatch))
    one_second = timedelta(seconds=1)
    for now in (lost, lost + outbox.GRACE - one_second, lost + outbox.LOOKBACK + one_second):
        swept = outbox.sweep(now, brand_id=shop["brand_id"])
        assert (swept.events, swept.fanouts) == (0, 0), now
    assert outbox.sweep(lost + outbox.GRACE + one_second, brand_id=shop["brand_id"]).fanouts == 1
    pump(lambda: len(receivers[0].received) == 1)


def test_an_event_no_endpoint_is_owed_is_ignored(
    client: Client, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = new_shop(client, "Outbox unwanted")
    register(client, shop, receivers[0], "pack.ready")
    disabled = register(client, shop, receivers[0], "order.paid")
    r = client.http.put(
        f"/v1/webhook-endpoints/{disabled}",
        headers={"Authorization": f"Bearer {shop['secret_key']}"},
        body=json.dumps({"url": receivers[0].url, "event_types": ["order.paid"], "enabled": False}),
    )
    assert r.status_code == 200, r.body
    lost = created(paid_without_dispatch(client, shop, monkeypatch))
    register(client, shop, receivers[1], "order.paid")  # created after the event: not owed it
    swept = outbox.sweep(lost + LATER, brand_id=shop["brand_id"])
    assert (swept.brands, swept.events, swept.fanouts) == (1, 0, 0)
    settle()
    assert receivers[0].received == [] and receivers[1].received == []


def test_a_brand_sweep_touches_only_that_brand_and_a_failing_brand_does_not_stop_others(
    client: Client, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import events

    a, b = new_shop(client, "Outbox A"), new_shop(client, "Outbox B")
    register(client, a, receivers[0], "order.paid")
    register(client, b, receivers[1], "order.paid")
    lost_a = paid_without_dispatch(client, a, monkeypatch)
    lost_b = paid_without_dispatch(client, b, monkeypatch)
    now = max(created(lost_a), created(lost_b)) + LATER
    only_b = outbox.sweep(now, brand_id=b["brand_id"])
    assert (only_b.brands, only_b.fanouts) == (1, 1)
    pump(lambda: len(receivers[1].received) == 1)
    settle()
    assert (
        receivers[0].received == []
        and event(client, a["secret_key"], lost_a["id"])["deliveries"] == []
    )
    assert [r.event["brand_id"] for r in receivers[1].received] == [b["brand_id"]]
    real = events.created_between

    def broken_for_b(brand_id: str, *args: Any, **kwargs: Any) -> Any:
        if brand_id == b["brand_id"]:
            raise RuntimeError("injected: DynamoDB unavailable for this brand")
        return real(brand_id, *args, **kwargs)

    with monkeypatch.context() as mp:
        mp.setattr(events, "created_between", broken_for_b)
        every = outbox.sweep(now)
    assert every.failed_brands == [b["brand_id"]] and every.fanouts >= 1, every
    pump(lambda: len(receivers[0].received) == 1)
    settle()
    assert [r.event["id"] for r in receivers[0].received] == [lost_a["id"]]
    assert len(receivers[1].received) == 1


def test_the_event_budget_bounds_one_run(
    client: Client, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = new_shop(client, "Outbox budget")
    register(client, shop, receivers[0], "order.paid")
    first = created(paid_without_dispatch(client, shop, monkeypatch))
    pay_without_dispatch(client, shop, monkeypatch, "Lost again")
    swept = outbox.sweep(first + LATER, brand_id=shop["brand_id"], max_events=1)
    assert (swept.events, swept.fanouts, swept.complete) == (1, 1, False)
    rest = outbox.sweep(first + LATER, brand_id=shop["brand_id"])
    assert (rest.events, rest.fanouts, rest.complete) == (2, 2, True)  # neither delivered yet
    pump(lambda: len(receivers[0].received) == 2)
    settle()
    assert len({r.event["id"] for r in receivers[0].received}) == 2
    assert len(receivers[0].received) == 2  # the first event was fanned out twice, sent once


def test_the_cli_sweeps_and_prints_the_counts(
    client: Client, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.cli import main

    shop = new_shop(client, "Outbox CLI")
    register(client, shop, receivers[0], "order.paid")
    lost = paid_without_dispatch(client, shop, monkeypatch)
    at = (created(lost) + LATER).isoformat()
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["webhooks", "sweep", "--now", at, "--brand", shop["brand_id"]]) == 0
    summary = json.loads(out.getvalue())
    assert summary["fanouts"] == 1 and summary["now"] == at and summary["failed_brands"] == []
    pump(lambda: len(receivers[0].received) == 1)
    assert receivers[0].received[0].event["id"] == lost["id"]


def test_a_repeated_fan_out_does_not_cut_a_retry_wait_short(
    client: Client, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep may race a late original fan-out: the repeat must not attempt again early."""
    from chalicelib.flows.delivery import FanOut
    from chalicelib.jobs import deliveries

    monkeypatch.setenv("ATELIER_WEBHOOK_RETRY_SCHEDULE", "600")  # the retry is 10 minutes off
    shop, receiver = new_shop(client, "Outbox retry wait"), receivers[0]
    register(client, shop, receiver, "order.paid")
    receiver.script = [500]
    lost = paid_without_dispatch(client, shop, monkeypatch)
    assert outbox.sweep(created(lost) + LATER, brand_id=shop["brand_id"]).fanouts == 1
    pump(lambda: len(receiver.received) == 1)
    (waiting,) = event(client, shop["secret_key"], lost["id"])["deliveries"]
    assert waiting["status"] == "pending" and len(waiting["attempts"]) == 1
    deliveries.fan_out(FanOut(brand_id=shop["brand_id"], event_id=lost["id"]))
    settle()
    assert [r.answered for r in receiver.received] == [500]  # still waiting for its retry
