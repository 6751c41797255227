"""DynamoDB store for token buckets: one conditional put per spent token."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.store.base import save_once
from chalicelib.store.models import RateBucketModel as Bucket


class DynamoBuckets:
    def read(self, bucket: str) -> tuple[float, float] | None:
        try:
            item = Bucket.get(bucket, consistent_read=True)
        except DoesNotExist:
            return None
        return float(item.tokens), float(item.updated_at)

    def write(
        self, bucket: str, tokens: float, now: float, expected: float | None, ttl_s: float
    ) -> bool:
        item = Bucket(
            bucket=bucket,
            tokens=round(tokens, 6),
            updated_at=now,
            expires_at=datetime.fromtimestamp(now + ttl_s, UTC),
        )
        unchanged = (
            Bucket.bucket.does_not_exist() if expected is None else Bucket.updated_at == expected
        )
        return save_once(item, unchanged)
