"""Per-key rate limits: GCRA buckets, policy here, storage behind a two-method interface.

Publishable keys sit in every shop page, so anyone can copy one; their buckets are sized for a
whole shop's shoppers but bound what a copied key can cost. Secret keys get far more.

A bucket holds ``capacity`` requests per ``per_s`` seconds and refills continuously. It is kept as
GCRA (the generic cell rate algorithm): one number per bucket, the theoretical arrival time
(TAT), the instant at which the bucket will be full again. Each request moves it to
``max(TAT, now) + T`` (``T = per_s / capacity``) and is allowed only if the result is at most
``now + per_s`` ahead. A DynamoDB ``UpdateItem`` cannot compute ``max()``, so the store offers
the two branches as two conditional updates, each evaluated atomically by DynamoDB:

- ``start``: the bucket is idle (no TAT, or TAT < now) -> ``SET tat = now + T``;
- ``push``: the bucket is busy with room (now <= TAT <= now + per_s - T) -> ``SET tat = tat + T``.

Every state is covered by exactly one branch or is a refusal, and TAT only ever grows, so any
number of Lambda instances together can never admit more than the bucket allows. Which branch
to try first comes from the TAT this process last saw for the bucket (a hint): right almost
always, so the common request costs ONE call (the token-bucket version before it read, then
wrote: two calls, plus retries on every lost race). A wrong guess fails its condition and that
failure returns the stored TAT (``ReturnValuesOnConditionCheckFailure``), so the second try is
informed: at most three calls, never a read. A hinted TAT already past the ceiling is refused
with no call at all (TAT never decreases, so the hint can only understate it).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from chalicelib.errors import AtelierError

RouteClass = Literal["read", "validate", "create", "render"]
ROUTE_CLASSES: tuple[RouteClass, ...] = ("read", "validate", "create", "render")
DEFAULTS: dict[str, dict[str, tuple[int, float]]] = {
    "publishable": {
        "read": (1200, 60),
        "validate": (600, 60),
        "create": (300, 60),
        "render": (120, 60),
    },
    "secret": {
        "read": (6000, 60),
        "validate": (3000, 60),
        "create": (1500, 60),
        "render": (600, 60),
    },
}
# Each branch's failure hands back the stored TAT, and TAT only grows: start fails -> push (or a
# refusal); push fails -> refusal, or start if the bucket went idle. Three calls cover every case;
# the bound is a guard against a store that misbehaves (a refusal then, never an overspend).
MAX_CALLS = 4
# Epoch seconds as floats resolve ~2.4e-7 s; the store keeps 6 decimals. A hinted TAT must pass the
# ceiling by more than that before we refuse without asking (the store decides exact ties).
FLOAT_SLACK_S = 1e-6
MAX_HINTS = 10_000  # buckets whose last seen TAT a process remembers (one per key and class)
_HINTS: dict[str, float] = {}


@dataclass(frozen=True)
class Limit:
    capacity: int
    per_s: float

    @property
    def rate(self) -> float:
        return self.capacity / self.per_s


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: Limit
    remaining: int
    reset_s: int  # seconds until the bucket is full again
    retry_after_s: int  # seconds until one token is available (0 when allowed)

    def headers(self) -> dict[str, str]:
        out = {
            "RateLimit-Limit": str(self.limit.capacity),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.retry_after_s)
        return out


class Store(Protocol):
    def start(
        self, bucket: str, now: float, tat: float, expires: float
    ) -> tuple[bool, float | None]:
        """Set TAT to ``tat`` if the bucket has none or its TAT is before ``now``.

        (True, tat) when written, else (False, the stored TAT)."""

    def push(
        self, bucket: str, now: float, interval: float, ceiling: float, expires: float
    ) -> tuple[bool, float | None]:
        """Add ``interval`` to TAT if ``now <= TAT <= ceiling``.

        (True, the new TAT) when written, else (False, the stored TAT or None if there is none)."""


class RateLimited(AtelierError):
    status = 429
    code = "rate_limit.exceeded"


def limit_for(kind: str, route_class: str, overrides: dict[str, Any] | None) -> Limit:
    """The brand's override for this key kind and route class, else the default."""
    custom = ((overrides or {}).get(kind) or {}).get(route_class)
    capacity, per_s = custom if custom else DEFAULTS[kind][route_class]
    return Limit(int(capacity), float(per_s))


def take(
    store: Store,
    bucket: str,
    limit: Limit,
    now: float | None = None,
    hints: dict[str, float] | None = None,
) -> Decision:
    """Spend one request of the bucket, or say how long to wait (see the module docstring)."""
    seen = _HINTS if hints is None else hints
    clock = time.time() if now is None else now
    interval = round(limit.per_s / limit.capacity, 6)
    ceiling = clock + limit.per_s - interval  # the latest TAT that still admits one more request
    expires = clock + 2 * limit.per_s  # by then the bucket is full again: the row can go
    known = seen.get(bucket)
    for _ in range(MAX_CALLS):
        if known is not None and known > ceiling + FLOAT_SLACK_S:
            return _decision(False, limit, _tokens(limit, interval, clock, known), known - ceiling)
        if known is None or known < clock:
            ok, tat = store.start(bucket, clock, clock + interval, expires)
        else:
            ok, tat = store.push(bucket, clock, interval, ceiling, expires)
        if tat is not None:
            _remember(seen, bucket, tat)
        if ok and tat is not None:
            return _decision(True, limit, _tokens(limit, interval, clock, tat), 0.0)
        known = tat
    return _decision(False, limit, 0.0, wait=1.0)  # a misbehaving store: refuse, never overspend


def _tokens(limit: Limit, interval: float, now: float, tat: float) -> float:
    """Requests the bucket still admits when its TAT is ``tat``.

    Rounded to 1/1000 of a request: epoch seconds as floats carry ~2.4e-7 s of noise and the store
    keeps 6 decimals, which over a 0.01 s interval would otherwise turn 5999 into 5998.99998."""
    return min(float(limit.capacity), max(0.0, round((now + limit.per_s - tat) / interval, 3)))


def _remember(seen: dict[str, float], bucket: str, tat: float) -> None:
    if len(seen) >= MAX_HINTS and bucket not in seen:
        seen.clear()  # a hint is only a first guess: forgetting costs one extra call, once
    seen[bucket] = tat


def _decision(allowed: bool, limit: Limit, tokens: float, wait: float) -> Decision:
    full_in = (limit.capacity - tokens) / limit.rate
    return Decision(
        allowed,
        limit,
        max(0, math.floor(tokens)),
        math.ceil(full_in),
        math.ceil(wait) if not allowed else 0,
    )
