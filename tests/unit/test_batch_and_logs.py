"""Partial batch failures and structured logs."""

from __future__ import annotations

import json
import logging
from typing import Any

from chalicelib import logs
from chalicelib.jobs.batch import Delivery, process_batch


class FakeRecord:
    def __init__(self, message_id: str, body: str) -> None:
        self.body = body
        self._id = message_id

    def to_dict(self) -> dict[str, Any]:
        return {"messageId": self._id, "attributes": {"ApproximateReceiveCount": "1"}}


def test_only_failed_records_are_reported() -> None:
    seen: list[str] = []

    def handle(body: dict[str, Any], delivery: Delivery) -> None:
        if body.get("fail"):
            raise ValueError("boom")
        seen.append(body["id"])

    records = [
        FakeRecord("m1", '{"id": "a"}'),
        FakeRecord("m2", '{"id": "b", "fail": true}'),
        FakeRecord("m3", "not json"),
        FakeRecord("m4", "[1, 2]"),
        FakeRecord("m5", '{"id": "c"}'),
    ]
    result = process_batch(records, handle, queue="q")
    assert seen == ["a", "c"]
    assert result == {"batchItemFailures": [{"itemIdentifier": m} for m in ("m2", "m3", "m4")]}


def test_log_lines_are_json_with_context_fields() -> None:
    record = logging.makeLogRecord(
        {
            "name": "atelier.t",
            "levelname": "INFO",
            "msg": "hi %s",
            "args": ("there",),
            "status": 201,
        }
    )
    with logs.scope(request_id="r-1"):
        logs.bind(brand_id="br_1")
        line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "hi there"
    assert line["request_id"] == "r-1" and line["brand_id"] == "br_1" and line["status"] == 201
    assert logs.current() == {}
