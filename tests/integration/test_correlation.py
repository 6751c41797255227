"""One correlation id from the HTTP request to the worker's logs and metrics, over moto's SQS."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import aws, logs
from chalicelib.settings import get_settings
from tests.integration.conftest import bearer, body
from tests.support.orders import place
from tests.support.renders import drain, idem, snapshot
from tests.support.retention import new_shop


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    return new_shop(client, "Traced shop")


def emf_records(text: str) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]
    return [d for d in docs if d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Atelier"]


def preview(client: Client, shop: dict[str, Any], snapshot_id: str, request_id: str) -> str:
    r = client.http.post(
        "/v1/renders/preview",
        headers={**idem(shop["publishable_key"]), "X-Request-Id": request_id},
        body=json.dumps({"snapshot_id": snapshot_id}),
    )
    assert r.status_code == 202 and r.headers["X-Request-Id"] == request_id
    return str(body(r)["render_id"])


def test_worker_logs_and_metrics_carry_the_request_id(
    client: Client, shop: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    sid = snapshot(client, shop, "Traced")
    capsys.readouterr()
    render_id = preview(client, shop, sid, "corr-123")
    lines: list[dict[str, Any]] = []
    assert capture_logs(drain, lines) == 1
    worker = [line for line in lines if line.get("queue") == "render-preview"]
    assert worker, lines
    assert {line["correlation_id"] for line in worker} == {"corr-123"}
    assert {line.get("job_id") for line in worker} == {render_id}
    assert any(line["message"] == "render succeeded" for line in worker)
    [emf] = emf_records(capsys.readouterr().out)
    assert emf["Kind"] == "render" and emf["Queue"] == "render-preview"
    assert emf["Stage"] == get_settings().stage
    assert emf["Duration"] > 0 and emf["Failures"] == 0 and emf["Retries"] == 0
    assert emf["QueueAge"] >= 0 and emf["correlation_id"] == "corr-123"
    names = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert names == {"Duration", "Failures", "Retries", "QueueAge"}


def capture_logs(action: Any, into: list[dict[str, Any]]) -> Any:
    """Run ``action``, collecting every JSON line the ``atelier`` loggers write meanwhile."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logs.get_logger()
    root.addHandler(handler)
    try:
        return action()
    finally:
        root.removeHandler(handler)
        into += [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_redelivery_counts_as_a_retry(
    client: Client,
    shop: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.jobs import render_worker, runner

    sid = snapshot(client, shop, "Flaky")
    real, calls = render_worker.produce, []

    def flaky(model: Any) -> Any:
        calls.append(model.render_id)
        if len(calls) == 1:
            raise ConnectionError("S3 went away")  # transient: back to the queue
        return real(model)

    monkeypatch.setattr(render_worker, "produce", flaky)
    monkeypatch.setattr(runner, "backoff_s", lambda receive_count: 0)  # postponed by 0 s
    preview(client, shop, sid, "corr-retry")
    capsys.readouterr()
    assert drain() == 2  # failed once, redelivered at once, then succeeded
    first, second = emf_records(capsys.readouterr().out)
    assert (first["Failures"], first["Retries"], first["receive_count"]) == (1, 0, 1)
    assert (second["Failures"], second["Retries"], second["receive_count"]) == (0, 1, 2)
    assert first["correlation_id"] == second["correlation_id"] == "corr-retry"


def test_paid_order_jobs_carry_the_status_request_id(client: Client, shop: dict[str, Any]) -> None:
    order = place(client, shop, snapshot(client, shop, "Order"))
    paid = client.http.post(
        f"/v1/orders/{order['order_id']}/status",
        headers={**bearer(shop["secret_key"]), "X-Request-Id": "order-req-7"},
        body=json.dumps({"status": "paid"}),
    )
    assert paid.status_code == 200, paid.body
    sqs = aws.sqs()
    for logical in ("render-final", "export-manufacturing"):
        name = get_settings().physical_name("queue", logical)
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        attributes = [{k: v["StringValue"] for k, v in m["MessageAttributes"].items()} for m in got]
        assert [a["correlation_id"] for a in attributes] == ["order-req-7"], logical
        assert attributes[0]["brand_id"] == shop["brand_id"]
        assert attributes[0]["job_id"].startswith(("rnd_", "pck_"))
