"""API key verdicts cached per container for a bounded time: no DynamoDB read on a warm
container, and a key revoked elsewhere stops working within ``auth.KEY_CACHE_S`` seconds."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import auth
from chalicelib.errors import Unauthorized
from chalicelib.store import brands
from chalicelib.store.models import ApiKeyModel
from tests.integration.conftest import new_brand
from tests.integration.dynamo_calls import DynamoCalls


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(brands, "KEYS", auth.KeyCache(clock=clock))
    return clock


def _code(key: str) -> str:
    with pytest.raises(Unauthorized) as refused:
        brands.authenticate(f"Bearer {key}")
    return refused.value.code


def test_a_warm_container_verifies_a_key_without_reading_dynamodb(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = new_brand("Cached")
    calls = DynamoCalls(monkeypatch)
    first = brands.authenticate(f"Bearer {shop['secret_key']}")
    assert calls.ops == ["GetItem", "GetItem"]  # the key, then its brand
    clock.now += auth.KEY_CACHE_S - 0.5
    assert brands.authenticate(f"Bearer {shop['secret_key']}") == first
    assert calls.ops == ["GetItem", "GetItem"]  # warm: no call at all
    clock.now += 1.0  # the bound passed: verified again
    assert brands.authenticate(f"Bearer {shop['secret_key']}") == first
    assert calls.ops == ["GetItem"] * 4


def test_a_key_revoked_by_another_container_stops_within_the_bound(clock: Clock) -> None:
    shop = new_brand("Revoked elsewhere")
    made, plaintext = brands.create_key(shop["brand_id"], "publishable", "tmp")
    key_id = made.key_id
    assert brands.authenticate(f"Bearer {plaintext}").key_id == key_id
    # Another container revokes it: the table changes, this container's cache does not hear it.
    record = ApiKeyModel.get(key_id)
    record.update(actions=[ApiKeyModel.revoked.set(True)])
    clock.now += auth.KEY_CACHE_S / 2
    assert brands.authenticate(f"Bearer {plaintext}").key_id == key_id  # the documented staleness
    clock.now += auth.KEY_CACHE_S / 2
    assert _code(plaintext) == "auth.revoked_key"  # at the bound, not later


def test_revoking_in_this_container_is_immediate(clock: Clock) -> None:
    shop = new_brand("Revoked here")
    made, plaintext = brands.create_key(shop["brand_id"], "publishable", "tmp")
    key_id = made.key_id
    brands.authenticate(f"Bearer {plaintext}")
    brands.revoke_key(shop["brand_id"], key_id)
    assert _code(plaintext) == "auth.revoked_key"


def test_refusals_are_cached_too_but_only_for_the_exact_key(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = new_brand("Refusals")
    kind, key_id, _secret = shop["secret_key"].split("_")
    wrong = f"{kind}_{key_id}_{'a' * 52}"
    calls = DynamoCalls(monkeypatch)
    assert _code(wrong) == "auth.invalid_key"
    reads = len(calls.ops)
    assert _code(wrong) == "auth.invalid_key" and len(calls.ops) == reads  # remembered
    assert brands.authenticate(f"Bearer {shop['secret_key']}").key_id == key_id  # not poisoned


def test_brand_changes_made_here_reach_the_next_request(clock: Clock) -> None:
    shop = new_brand("Origins", ["https://old.example"])
    assert brands.authenticate(f"Bearer {shop['publishable_key']}").origins == (
        "https://old.example",
    )
    brands.set_origins(shop["brand_id"], ["https://new.example"])
    assert brands.authenticate(f"Bearer {shop['publishable_key']}").origins == (
        "https://new.example",
    )


def test_the_cache_is_bounded(clock: Clock) -> None:
    cache = auth.KeyCache(max_entries=3, clock=clock)
    refusal: Any = auth.Refusal("auth.invalid_key", "no")
    for i in range(5):
        cache.put(f"sk_{i}", refusal, str(i))
    assert [cache.get(f"sk_{i}") for i in range(5)] == [None, None, refusal, refusal, refusal]
