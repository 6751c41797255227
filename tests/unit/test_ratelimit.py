"""Token buckets: refill, limits, headers, and never overspending under lost races."""

from __future__ import annotations

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
