"""Two secret keys revoking each other at the same moment, over real HTTP against the local
stack's worker processes (issue 22, finding 5): never both revoked, one always stays active."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.e2e.conftest import Stack

ROUNDS = 5


def revoke(stack: Stack, key_id: str, with_key: str) -> int:
    r = requests.post(
        f"{stack.api_url}/v1/keys/{key_id}/revoke",
        headers={"Authorization": f"Bearer {with_key}"},
        timeout=30,
    )
    return r.status_code


def test_concurrent_mutual_revocations_always_leave_one_secret_key(stack: Stack) -> None:
    made = stack.cli("brands", "create", "--name", "Race Shop")
    assert made.returncode == 0, made.stderr
    survivor = json.loads(made.stdout)["secret_key"]
    for _ in range(ROUNDS):
        created = requests.post(
            f"{stack.api_url}/v1/keys",
            headers={"Authorization": f"Bearer {survivor}", "Content-Type": "application/json"},
            json={"kind": "secret", "label": "race"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        other = created.json()["plaintext"]
        pair = {survivor: other, other: survivor}
        with ThreadPoolExecutor(max_workers=2) as pool:
            # revoke each key of the pair with the other one, both at once
            futures = {k: pool.submit(revoke, stack, k.split("_")[1], pair[k]) for k in pair}
            statuses = {k: future.result() for k, future in futures.items()}
        assert sorted(statuses.values()) in ([200, 401], [200, 409]), statuses
        survivor = next(k for k, status in statuses.items() if status != 200)
        active = [
            k
            for k in stack.get("/v1/keys", survivor).json()["data"]
            if k["kind"] == "secret" and not k["revoked"]
        ]
        assert [k["key_id"] for k in active] == [survivor.split("_")[1]]
