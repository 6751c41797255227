"""Per-key rate limits: token buckets, policy here, storage behind a two-method interface.

Publishable keys sit in every shop page, so anyone can copy one; their buckets are sized for a
whole shop's shoppers but bound what a copied key can cost. Secret keys get far more. A bucket
refills continuously (``capacity`` tokens per ``per_s`` seconds); each request takes one token
with a conditional write on the state it read, so any number of Lambda instances (or threads)
together can never spend more than the bucket holds.
"""

from __future__ import annotations

import math
import random
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
# Lost races (another instance spent from the same bucket between our read and write) are retried
# after a short random pause: without it, hundreds of concurrent callers on one key keep colliding
# and would be refused although the bucket has room (seen with 200 widget flows on one key).
MAX_CONFLICTS = 16
CONFLICT_PAUSE_S = 0.004  # the pause's upper bound doubles per lost race, up to 16x this


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
    def read(self, bucket: str) -> tuple[float, float] | None:
        """(tokens, updated_at) or None for a bucket never used."""

    def write(
        self, bucket: str, tokens: float, now: float, expected: float | None, ttl_s: float
    ) -> bool:
        """Store the new state only if ``updated_at`` is still ``expected``; False otherwise."""


class RateLimited(AtelierError):
    status = 429
    code = "rate_limit.exceeded"


def limit_for(kind: str, route_class: str, overrides: dict[str, Any] | None) -> Limit:
    """The brand's override for this key kind and route class, else the default."""
    custom = ((overrides or {}).get(kind) or {}).get(route_class)
    capacity, per_s = custom if custom else DEFAULTS[kind][route_class]
    return Limit(int(capacity), float(per_s))


def _state(stored: tuple[float, float] | None, limit: Limit, now: float) -> float:
    if stored is None:
        return float(limit.capacity)
    tokens, updated = stored
    return min(float(limit.capacity), tokens + max(0.0, now - updated) * limit.rate)


def take(store: Store, bucket: str, limit: Limit, now: float | None = None) -> Decision:
    """Spend one token, or say how long to wait. Lost races pause, re-read and try again."""
    for attempt in range(MAX_CONFLICTS):
        if attempt:
            time.sleep(random.uniform(0, CONFLICT_PAUSE_S * 2 ** min(attempt - 1, 4)))
        clock = time.time() if now is None else now
        stored = store.read(bucket)
        tokens = _state(stored, limit, clock)
        if tokens < 1.0:
            return _decision(False, limit, tokens, wait=(1.0 - tokens) / limit.rate)
        expected = stored[1] if stored is not None else None
        if store.write(bucket, tokens - 1.0, clock, expected, ttl_s=2 * limit.per_s):
            return _decision(True, limit, tokens - 1.0, wait=0.0)
    return _decision(False, limit, 0.0, wait=1.0)  # heavy contention: back off, never overspend


def _decision(allowed: bool, limit: Limit, tokens: float, wait: float) -> Decision:
    full_in = (limit.capacity - tokens) / limit.rate
    return Decision(
        allowed,
        limit,
        max(0, math.floor(tokens)),
        math.ceil(full_in),
        math.ceil(wait) if not allowed else 0,
    )
