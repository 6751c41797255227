"""GCRA buckets: refill, limits, headers, and never overspending whatever other clients do."""

from __future__ import annotations

from chalicelib import ratelimit
from chalicelib.ratelimit import Limit, limit_for, take


class MemoryBuckets:
    """The two conditional updates of the DynamoDB store, evaluated the way DynamoDB does.

    ``others`` lets other clients (other Lambda instances) spend from the bucket just before each
    of our calls, so a process's hint is stale exactly as it would be under real concurrency.
    """

    def __init__(self, others_per_call: int = 0, others_limit: Limit | None = None) -> None:
        self.tat: dict[str, float] = {}
        self.calls = 0
        self.others_per_call = others_per_call
        self.interval = others_limit.per_s / others_limit.capacity if others_limit else 0.0
        self.span = others_limit.per_s - self.interval if others_limit else 0.0
        self.admitted_others = 0

    def _others(self, bucket: str, now: float) -> None:
        ceiling = now + self.span
        for _ in range(self.others_per_call):
            current = self.tat.get(bucket)
            if current is None or current < now:
                self.tat[bucket] = now + self.interval
            elif current <= ceiling:
                self.tat[bucket] = current + self.interval
            else:
                return
            self.admitted_others += 1

    def start(
        self, bucket: str, now: float, tat: float, expires: float
    ) -> tuple[bool, float | None]:
        self.calls += 1
        self._others(bucket, now)
        current = self.tat.get(bucket)
        if current is None or current < now:
            self.tat[bucket] = tat
            return True, tat
        return False, current

    def push(
        self, bucket: str, now: float, interval: float, ceiling: float, expires: float
    ) -> tuple[bool, float | None]:
        self.calls += 1
        self._others(bucket, now)
        current = self.tat.get(bucket)
        if current is not None and now <= current <= ceiling:
            self.tat[bucket] = current + interval
            return True, current + interval
        return False, current


def test_bucket_spends_then_refuses_then_refills() -> None:
    store, limit, hints = MemoryBuckets(), Limit(3, 30.0), {}  # one request per 10 s
    results = [take(store, "k#read", limit, now=100.0, hints=hints) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results[:3]] == [2, 1, 0]
    assert [r.reset_s for r in results[:3]] == [10, 20, 30]
    refused = results[3]
    assert refused.retry_after_s == 10 and refused.headers()["Retry-After"] == "10"
    assert refused.headers()["RateLimit-Limit"] == "3"
    assert refused.headers()["RateLimit-Remaining"] == "0"
    assert take(store, "k#read", limit, now=105.0, hints=hints).allowed is False
    assert take(store, "k#read", limit, now=110.5, hints=hints).allowed is True
    assert take(store, "k#read", limit, now=200.0, hints=hints).remaining == 2  # full again


def test_one_store_call_per_admitted_request_and_none_for_a_known_refusal() -> None:
    store, limit, hints = MemoryBuckets(), Limit(5, 50.0), {}
    for i in range(5):
        assert take(store, "k#create", limit, now=1000.0 + i, hints=hints).allowed
    assert store.calls == 5
    assert not take(store, "k#create", limit, now=1005.0, hints=hints).allowed
    assert store.calls == 5  # the TAT this process saw is past the ceiling: no call needed


def test_other_instances_spending_never_make_us_overspend() -> None:
    limit = Limit(10, 100.0)
    store = MemoryBuckets(others_per_call=3, others_limit=limit)
    hints: dict[str, float] = {}
    ours = [take(store, "k#render", limit, now=50.0, hints=hints) for _ in range(10)]
    admitted = sum(d.allowed for d in ours) + store.admitted_others
    assert admitted == 10  # exactly the capacity: ours and theirs together
    assert store.tat["k#render"] == 150.0
    assert store.calls <= 3 * sum(1 for d in ours if d.allowed) + len(ours)


def test_a_stale_hint_costs_one_more_call_not_a_wrong_answer() -> None:
    limit, hints = Limit(3, 30.0), {"k#read": 0.0}  # we last saw it idle long ago
    store = MemoryBuckets()
    store.tat["k#read"] = 115.0  # others spent since: busy, with room for one more at now=100
    decision = take(store, "k#read", limit, now=100.0, hints=hints)
    assert decision.allowed and decision.remaining == 0 and store.calls == 2
    assert store.tat["k#read"] == 125.0
    refused = take(store, "k#read", limit, now=100.0, hints=hints)
    assert not refused.allowed and refused.retry_after_s == 5 and store.calls == 2


def test_overrides_replace_defaults_per_kind_and_class() -> None:
    overrides = {"publishable": {"render": [5, 10]}}
    assert limit_for("publishable", "render", overrides) == Limit(5, 10.0)
    assert limit_for("publishable", "read", overrides) == limit_for("publishable", "read", None)
    assert (
        limit_for("secret", "render", None).capacity
        > limit_for("publishable", "render", None).capacity
    )


class Broken(MemoryBuckets):
    """A store whose every condition fails without saying why (never seen; guarded anyway)."""

    def start(
        self, bucket: str, now: float, tat: float, expires: float
    ) -> tuple[bool, float | None]:
        self.calls += 1
        return False, None

    def push(
        self, bucket: str, now: float, interval: float, ceiling: float, expires: float
    ) -> tuple[bool, float | None]:
        self.calls += 1
        return False, None


def test_a_misbehaving_store_ends_in_a_refusal_not_an_overspend() -> None:
    store = Broken()
    decision = take(store, "k#create", Limit(1000, 60.0), now=0.0, hints={})
    assert not decision.allowed and decision.retry_after_s == 1
    assert store.calls == ratelimit.MAX_CALLS
