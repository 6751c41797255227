"""Rate limits on the HTTP edge: which bucket a call spends from, and the answer's headers."""

from __future__ import annotations

from functools import lru_cache

from chalicelib.auth import Principal
from chalicelib.ratelimit import RateLimited, limit_for, take
from chalicelib.store.ratelimits import DynamoBuckets


@lru_cache(maxsize=1)
def _store() -> DynamoBuckets:
    return DynamoBuckets()


def enforce(principal: Principal, route_class: str) -> dict[str, str]:
    """Spend a token of this key's bucket; the RateLimit-* headers, or 429 with Retry-After."""
    limit = limit_for(principal.kind, route_class, principal.rate_limits)
    decision = take(_store(), f"{principal.key_id}#{route_class}", limit)
    if not decision.allowed:
        raise RateLimited(
            f"Too many {route_class} requests for this key; retry in {decision.retry_after_s} s.",
            details={
                "route_class": route_class,
                "limit": limit.capacity,
                "per_seconds": limit.per_s,
            },
            headers=decision.headers(),
        )
    return decision.headers()
