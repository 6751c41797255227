"""50 concurrent spec creations over real HTTP: one record, one answer."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e
CLIENTS = 50


def _post_until_answered(stack: Stack, payload: dict[str, Any], key: str) -> tuple[int, str]:
    """A well-behaved client: retries 409 in-progress after Retry-After."""
    headers = {
        "Authorization": f"Bearer {stack.demo['publishable_key']}",
        "Idempotency-Key": key,
        "Origin": stack.api_url,
    }
    for _ in range(60):
        r = requests.post(stack.api_url + "/v1/specs", json=payload, headers=headers, timeout=30)
        if r.status_code != 409:
            return r.status_code, r.text
        time.sleep(float(r.headers.get("Retry-After", "1")) / 4)
    raise AssertionError("still in progress after 60 tries")


def _count(stack: Stack, table: str, key: str, value: str) -> int:
    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.aws_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    pages = client.get_paginator("scan").paginate(TableName=table)
    return sum(1 for page in pages for item in page["Items"] if item[key]["S"].startswith(value))


def _payload(stack: Stack, text: str) -> dict[str, Any]:
    return {"product_id": stack.demo["product_id"], "inputs": {"name": {"text": text}}}


def test_same_key_fifty_times_gives_one_record_and_one_body(stack: Stack) -> None:
    key = uuid.uuid4().hex
    payload = _payload(stack, "Concurrent")
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(
            pool.map(lambda _: _post_until_answered(stack, payload, key), range(CLIENTS))
        )
    assert {status for status, _ in answers} == {201}
    assert len({text for _, text in answers}) == 1
    brand = stack.demo["brand_id"]
    assert _count(stack, "atelier-dev-specs", "brand_id", brand) >= 1
    assert _count(stack, "atelier-dev-idempotency", "scope", f"{brand}#POST#/v1/specs#") >= 1
    spec_hash = answers[0][1].split('"spec_hash":"')[1][:64]
    assert _count(stack, "atelier-dev-specs", "spec_hash", spec_hash) == 1


def test_fifty_keys_for_one_design_still_store_one_spec(stack: Stack) -> None:
    payload = _payload(stack, "Many keys")
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(
            pool.map(
                lambda _: _post_until_answered(stack, payload, uuid.uuid4().hex), range(CLIENTS)
            )
        )
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 1 and statuses.count(200) == CLIENTS - 1
    assert len({text for _, text in answers}) == 1
    spec_hash = answers[0][1].split('"spec_hash":"')[1][:64]
    assert _count(stack, "atelier-dev-specs", "spec_hash", spec_hash) == 1


def test_concurrent_requests_of_two_brands_never_mix(stack: Stack) -> None:
    """Each worker serves one request at a time, as a Lambda container does."""
    import json as _json

    made = stack.cli("brands", "create", "--name", "Second")
    assert made.returncode == 0, made.stderr
    second = _json.loads(made.stdout)
    keys = [
        (stack.demo["secret_key"], stack.demo["brand_id"]),
        (second["secret_key"], second["brand_id"]),
    ]

    def call(i: int) -> tuple[str, str, str]:
        key, brand = keys[i % 2]
        r = requests.get(
            stack.api_url + "/v1/brand",
            headers={"Authorization": f"Bearer {key}", "X-Request-Id": f"mix-{i}"},
            timeout=30,
        )
        return brand, r.json()["brand_id"], r.headers["X-Request-Id"]

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(call, range(200)))
    assert all(expected == got for expected, got, _ in results)
    assert [rid for _, _, rid in results] == [f"mix-{i}" for i in range(200)]
