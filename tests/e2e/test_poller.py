"""The local poller delivers, redelivers reported failures, and lets moto redrive to the DLQ."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws, resources
from local.poller import Poller
from tests.e2e import poller_app

pytestmark = pytest.mark.e2e
SPEC = resources.QueueSpec("poller-test", consumer_timeout_s=1, consumer_memory_mb=128)


@pytest.fixture
def queues(moto_server: str) -> Iterator[dict[str, str]]:
    from chalicelib.settings import get_settings

    settings = get_settings()
    url = resources.ensure_queue(settings, SPEC, visibility_timeout_s=1)
    dlq = aws.sqs().get_queue_url(QueueName=settings.physical_name("queue", SPEC.dlq_logical_name))[
        "QueueUrl"
    ]
    poller_app.attempts.clear()
    poller_app.delivered.clear()
    yield {"queue": url, "dlq": dlq}
    for queue_url in (url, dlq):
        _drain(queue_url)


def _drain(url: str) -> None:
    """Delete what is visible (PurgeQueue is limited to once a minute)."""
    while True:
        got = aws.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return
        for m in got:
            aws.sqs().delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _send(url: str, body: dict[str, Any]) -> None:
    aws.sqs().send_message(QueueUrl=url, MessageBody=json.dumps(body))


def _poll_until(poller: Poller, done: Any, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "condition not reached in time"
        poller.poll_once(poller.bindings[0])


def test_poller_binds_the_registered_handler(queues: dict[str, str]) -> None:
    poller = Poller(poller_app.app, wait_s=1)
    assert [(b.queue_name, b.handler_name) for b in poller.bindings] == [
        (poller_app.QUEUE, "handle_test_message")
    ]


def test_message_is_delivered_once_and_deleted(queues: dict[str, str]) -> None:
    poller = Poller(poller_app.app, wait_s=1)
    _send(queues["queue"], {"id": "ok-1"})
    _poll_until(poller, lambda: poller_app.delivered)
    assert [d["id"] for d in poller_app.delivered] == ["ok-1"]
    time.sleep(1.2)  # past the visibility timeout: a deleted message never comes back
    assert poller.poll_once(poller.bindings[0]) == 0
    assert poller_app.attempts["ok-1"] == 1


def test_reported_failure_is_redelivered_and_others_are_not(queues: dict[str, str]) -> None:
    poller = Poller(poller_app.app, wait_s=1)
    _send(queues["queue"], {"id": "ok-2"})
    _send(queues["queue"], {"id": "flaky", "fail_times": 1})
    _poll_until(poller, lambda: {"ok-2", "flaky"} <= {d["id"] for d in poller_app.delivered})
    assert poller_app.attempts["flaky"] == 2
    assert poller_app.attempts["ok-2"] == 1


def test_message_failing_five_times_moves_to_dlq(queues: dict[str, str]) -> None:
    poller = Poller(poller_app.app, wait_s=1)
    _send(queues["queue"], {"id": "poison", "always_fail": True})

    def in_dlq() -> bool:
        attrs = aws.sqs().get_queue_attributes(
            QueueUrl=queues["dlq"], AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) == 1

    _poll_until(poller, in_dlq, timeout_s=40)
    assert poller_app.attempts["poison"] == resources.MAX_RECEIVE_COUNT
    dead = aws.sqs().receive_message(QueueUrl=queues["dlq"])["Messages"][0]
    assert json.loads(dead["Body"])["id"] == "poison"


def test_handler_crash_leaves_whole_batch_for_redelivery(
    queues: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    poller = Poller(poller_app.app, wait_s=1)
    binding = poller.bindings[0]
    calls = {"n": 0}

    def crashing(event: dict[str, Any], context: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise MemoryError("lambda died")
        return poller_app.handle_test_message(event, context)

    monkeypatch.setattr(
        poller, "bindings", [binding.__class__(**{**binding.__dict__, "handler": crashing})]
    )
    _send(queues["queue"], {"id": "crash-1"})
    _poll_until(poller, lambda: poller_app.delivered)
    assert calls["n"] >= 2
    assert [d["id"] for d in poller_app.delivered] == ["crash-1"]


def test_start_and_stop_run_background_threads(queues: dict[str, str]) -> None:
    poller = Poller(poller_app.app, wait_s=1)
    poller.start()
    try:
        _send(queues["queue"], {"id": "bg-1"})
        deadline = time.monotonic() + 15
        while not poller_app.delivered and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        started = time.monotonic()
        poller.stop()
    assert time.monotonic() - started < 5
    assert [d["id"] for d in poller_app.delivered] == ["bg-1"]
