"""CloudWatch embedded metric format: the documented ``_aws`` envelope, one line per set."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pytest

from chalicelib import metrics
from chalicelib.jobs.batch import Delivery, delivery_of, message_attributes


def test_emitted_line_is_one_json_document_with_the_documented_envelope() -> None:
    out = io.StringIO()
    metrics.emit(
        {"Duration": (123.4, "Milliseconds"), "Failures": (0, "Count")},
        {"Stage": "dev", "Queue": "render-preview", "Kind": "render"},
        properties={"correlation_id": "corr-1"},
        out=out,
    )
    text = out.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1
    doc = json.loads(text)
    aws = doc["_aws"]
    assert isinstance(aws["Timestamp"], int) and aws["Timestamp"] > 1_700_000_000_000
    assert aws["CloudWatchMetrics"] == [
        {
            "Namespace": "Atelier",
            "Dimensions": [["Stage", "Queue", "Kind"]],
            "Metrics": [
                {"Name": "Duration", "Unit": "Milliseconds"},
                {"Name": "Failures", "Unit": "Count"},
            ],
        }
    ]
    # Every metric and dimension named in the envelope has its value at the top level.
    assert (doc["Duration"], doc["Failures"]) == (123.4, 0)
    assert (doc["Stage"], doc["Queue"], doc["Kind"]) == ("dev", "render-preview", "render")
    assert doc["correlation_id"] == "corr-1"


def test_timestamp_can_be_pinned() -> None:
    doc = metrics.metric_set({"Retries": (1, "Count")}, {"Stage": "p"}, timestamp_ms=42)
    assert doc["_aws"]["Timestamp"] == 42


@pytest.mark.parametrize(
    ("values", "dimensions"),
    [
        ({}, {"Stage": "dev"}),  # no metric
        ({"Duration": (math.nan, "Milliseconds")}, {"Stage": "dev"}),
        ({"Duration": ("12", "Milliseconds")}, {"Stage": "dev"}),
        ({"Duration": (True, "Count")}, {"Stage": "dev"}),
        ({"Stage": (1, "Count")}, {"Stage": "dev"}),  # a name used twice
        ({"Duration": (1, "Milliseconds")}, {"Stage": ""}),
        ({"Duration": (1, "Milliseconds")}, {f"D{i}": "x" for i in range(31)}),
    ],
)
def test_invalid_metric_sets_are_refused(
    values: dict[str, Any], dimensions: dict[str, str]
) -> None:
    with pytest.raises(ValueError):
        metrics.metric_set(values, dimensions)


def test_delivery_reads_receive_count_sent_timestamp_and_correlation_attribute() -> None:
    raw = {
        "messageId": "m-1",
        "attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1700000000123"},
        "messageAttributes": {
            "correlation_id": {"stringValue": "corr-9", "dataType": "String"},
            "brand_id": {"stringValue": "brd_1", "dataType": "String"},
        },
    }
    delivery = delivery_of(raw, "render-final")
    assert delivery == Delivery("m-1", 3, "render-final", 1700000000123, "corr-9")
    assert delivery.is_retry and not Delivery("m-2", 1).is_retry
    assert message_attributes(raw) == {"correlation_id": "corr-9", "brand_id": "brd_1"}


def test_delivery_keeps_the_receipt_handle_a_retry_with_backoff_needs() -> None:
    raw = {"messageId": "m-1", "receiptHandle": "AQEB-handle", "attributes": {}}
    assert delivery_of(raw, "export-manufacturing").receipt_handle == "AQEB-handle"


class AttributedRecord:
    body = '{"id": "x"}'

    def to_dict(self) -> dict[str, Any]:
        return {
            "messageId": "m-7",
            "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": {
                "correlation_id": {"stringValue": "corr-attr", "dataType": "String"},
                "job_id": {"stringValue": "rnd_1", "dataType": "String"},
            },
        }


def test_message_attributes_are_bound_before_the_handler_runs() -> None:
    from chalicelib import logs
    from chalicelib.jobs.batch import process_batch

    seen: list[dict[str, Any]] = []
    process_batch([AttributedRecord()], lambda body, d: seen.append(logs.current()), queue="q")
    assert seen[0]["correlation_id"] == "corr-attr" and seen[0]["job_id"] == "rnd_1"
    assert seen[0]["request_id"] == "corr-attr" and logs.current() == {}
