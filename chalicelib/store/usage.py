"""Render quotas: a per brand, day and kind counter, incremented only while under the quota.

The increment and the check are one conditional update, so concurrent requests cannot pass the
quota together. Renders whose outputs already exist (content-addressed) are not counted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.errors import AtelierError
from chalicelib.store.models import UsageModel

DEFAULT_QUOTAS = {"preview": 5000, "final": 1000}
RETENTION = timedelta(days=400)


class QuotaExceeded(AtelierError):
    status = 429
    code = "quota.exceeded"


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def quota_for(kind: str, overrides: dict[str, Any] | None) -> int:
    return int((overrides or {}).get(kind, DEFAULT_QUOTAS[kind]))


def count_render(brand_id: str, kind: str, quota: int) -> int:
    """Count one more render today, or raise 429 ``quota.exceeded``; returns today's count."""
    day = today()
    item = UsageModel(brand_id=brand_id, day_kind=f"{day}#{kind}")
    expires = datetime.now(UTC) + RETENTION
    try:
        item.update(
            actions=[UsageModel.used.add(1), UsageModel.expires_at.set(expires)],
            condition=UsageModel.used.does_not_exist() | (UsageModel.used < quota),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise QuotaExceeded(
            f"The brand's {kind} quota of {quota} per day is used up; cached previews of "
            "existing designs are still served.",
            details={"kind": kind, "quota": quota, "day": day},
            headers={"Retry-After": str(_seconds_to_midnight())},
        ) from exc
    return int(item.used)


def _seconds_to_midnight() -> int:
    now = datetime.now(UTC)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((tomorrow - now).total_seconds()) + 1


def usage(brand_id: str, days: int = 30) -> list[dict[str, Any]]:
    """Counts per day and kind, newest first, for the last ``days`` days."""
    since = (datetime.now(UTC) - timedelta(days=days - 1)).strftime("%Y-%m-%d")
    found: dict[str, dict[str, Any]] = {}
    for item in UsageModel.query(brand_id, UsageModel.day_kind >= since):
        day, kind = item.day_kind.split("#", 1)
        found.setdefault(day, {"day": day, "preview": 0, "final": 0})[kind] = int(item.used)
    return sorted(found.values(), key=lambda d: str(d["day"]), reverse=True)
