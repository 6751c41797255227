"""DynamoDB store for GCRA buckets: one conditional ``UpdateItem`` per admitted request.

pynamodb's ``update_item`` does not pass ``ReturnValuesOnConditionCheckFailure``, and that is what
makes a failed branch cost no read (the failure carries the stored TAT), so this module talks to
the table through the shared boto3 client. Numbers go out as fixed-point strings: DynamoDB adds
them in decimal, exactly.
"""

from __future__ import annotations

from typing import Any

from chalicelib import aws
from chalicelib.store.models import RateBucketModel as Bucket


def _n(value: float) -> dict[str, str]:
    return {"N": f"{value:.6f}"}


class DynamoBuckets:
    def start(
        self, bucket: str, now: float, tat: float, expires: float
    ) -> tuple[bool, float | None]:
        ok, stored = self._update(
            bucket,
            "SET tat = :tat, expires_at = :exp",
            "attribute_not_exists(tat) OR tat < :now",
            {":tat": _n(tat), ":now": _n(now), ":exp": {"N": str(int(expires))}},
        )
        return ok, stored

    def push(
        self, bucket: str, now: float, interval: float, ceiling: float, expires: float
    ) -> tuple[bool, float | None]:
        return self._update(
            bucket,
            "SET tat = tat + :t, expires_at = :exp",
            "tat BETWEEN :now AND :ceiling",
            {
                ":t": _n(interval),
                ":now": _n(now),
                ":ceiling": _n(ceiling),
                ":exp": {"N": str(int(expires))},
            },
        )

    def _update(
        self, bucket: str, update: str, condition: str, values: dict[str, Any]
    ) -> tuple[bool, float | None]:
        client = aws.dynamodb()
        try:
            answer = client.update_item(
                TableName=Bucket.Meta.table_name,
                Key={"bucket": {"S": bucket}},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except client.exceptions.ConditionalCheckFailedException as exc:
            return False, _tat(exc.response.get("Item"))
        return True, _tat(answer.get("Attributes"))


def _tat(item: dict[str, Any] | None) -> float | None:
    value = (item or {}).get("tat")
    return float(value["N"]) if value else None
