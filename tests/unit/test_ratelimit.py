"""Token buckets: refill, limits, headers, and never overspending under lost races."""

from __future__ import annotations

import pytest

from chalicelib.ratelimit import Limit, limit_for, take


class MemoryBuckets:
    """A store whose writes can be made to lose races, like a concurrent Lambda would."""

    def __init__(self) -> None:
        self.state: dict[str, tuple[float, float]] = {}
        self.steal_next = 0

    def read(self, bucket: str) -> tuple[float, float] | None:
        return self.state.get(bucket)

    def write(
        self, bucket: str, tokens: float, now: float, expected: float | None, ttl_s: float
    ) -> bool:
        current = self.state.get(bucket)
        if self.steal_next:  # another client spends a token between our read and write
            self.steal_next -= 1
            base = current[0] if current else 3.0
            self.state[bucket] = (base - 1.0, now + 1e-6)
            return False
        if (current[1] if current else None) != expected:
            return False
        self.state[bucket] = (tokens, now)
        return True


def test_bucket_spends_then_refuses_then_refills() -> None:
    store, limit = MemoryBuckets(), Limit(3, 30.0)  # one token per 10 s
    results = [take(store, "k#read", limit, now=100.0) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results[:3]] == [2, 1, 0]
    refused = results[3]
    assert refused.retry_after_s == 10 and refused.headers()["Retry-After"] == "10"
    assert refused.headers()["RateLimit-Limit"] == "3"
    assert take(store, "k#read", limit, now=105.0).allowed is False
    assert take(store, "k#read", limit, now=110.5).allowed is True


def test_lost_races_never_overspend() -> None:
    store, limit = MemoryBuckets(), Limit(3, 30.0)
    store.steal_next = 2  # two other clients win the first two races
    first = take(store, "k#create", limit, now=0.0)
    assert first.allowed and first.remaining == 0  # 3 tokens: 2 stolen, 1 ours
    assert take(store, "k#create", limit, now=0.0).allowed is False


def test_overrides_replace_defaults_per_kind_and_class() -> None:
    overrides = {"publishable": {"render": [5, 10]}}
    assert limit_for("publishable", "render", overrides) == Limit(5, 10.0)
    assert limit_for("publishable", "read", overrides) == limit_for("publishable", "read", None)
    assert (
        limit_for("secret", "render", None).capacity
        > limit_for("publishable", "render", None).capacity
    )


class AlwaysRacing(MemoryBuckets):
    """Every write loses for ``losses`` tries, the tokens staying plentiful (a crowd on one key)."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses
        self.writes = 0

    def write(
        self, bucket: str, tokens: float, now: float, expected: float | None, ttl_s: float
    ) -> bool:
        self.writes += 1
        if self.writes <= self.losses:
            return False
        return super().write(bucket, tokens, now, expected, ttl_s)


def test_a_crowd_on_one_key_is_not_refused_while_the_bucket_has_room(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib import ratelimit

    pauses: list[float] = []
    monkeypatch.setattr(ratelimit.time, "sleep", pauses.append)
    store = AlwaysRacing(losses=12)
    decision = take(store, "k#create", Limit(1000, 60.0), now=0.0)
    assert decision.allowed and store.writes == 13
    assert len(pauses) == 12 and all(0 <= p <= 16 * ratelimit.CONFLICT_PAUSE_S for p in pauses)


def test_endless_races_end_in_a_refusal_not_an_overspend(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import ratelimit

    monkeypatch.setattr(ratelimit.time, "sleep", lambda s: None)
    store = AlwaysRacing(losses=10_000)
    decision = take(store, "k#create", Limit(1000, 60.0), now=0.0)
    assert not decision.allowed and decision.retry_after_s == 1
    assert store.writes == ratelimit.MAX_CONFLICTS and store.state == {}
