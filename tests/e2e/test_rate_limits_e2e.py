"""Rate limits on the local stack: concurrent clients share one bucket, and it refills."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e
CAPACITY, PERIOD = 10, 5.0


def test_concurrent_clients_cannot_exceed_the_limit_and_it_resets(stack: Stack) -> None:
    made = stack.cli("brands", "create", "--name", "Throttled", "--origin", stack.api_url)
    brand = json.loads(made.stdout)
    set_limit = stack.cli(
        "brands",
        "rate-limit",
        "--brand",
        brand["brand_id"],
        "--kind",
        "publishable",
        "--class",
        "read",
        "--capacity",
        str(CAPACITY),
        "--per",
        str(PERIOD),
    )
    assert set_limit.returncode == 0, set_limit.stderr
    pk = {"Authorization": f"Bearer {brand['publishable_key']}"}

    def call(_: int) -> requests.Response:
        return requests.get(stack.api_url + "/v1/brand", headers=pk, timeout=30)

    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:  # two clients on one key
        answers = list(pool.map(call, range(40)))
    elapsed = time.monotonic() - started
    passed = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(passed) + len(refused) == 40
    refill = elapsed * CAPACITY / PERIOD
    assert CAPACITY <= len(passed) <= CAPACITY + int(refill) + 1, (len(passed), elapsed)
    assert all("Retry-After" in r.headers and "RateLimit-Reset" in r.headers for r in refused)

    secret = requests.get(
        stack.api_url + "/v1/keys",
        timeout=30,
        headers={"Authorization": f"Bearer {brand['secret_key']}"},
    )
    assert secret.status_code == 200
    demo = stack.get("/v1/brand", stack.demo["publishable_key"])
    assert demo.status_code == 200

    time.sleep(int(refused[-1].headers["Retry-After"]) + 0.2)
    assert call(0).status_code == 200
