"""Counting the DynamoDB calls a piece of code makes (issue 23: calls per request)."""

from __future__ import annotations

from typing import Any


class DynamoCalls:
    """Counts every DynamoDB API call made in this process, whichever client (boto3 or pynamodb's)
    makes it: botocore's ``BaseClient._make_api_call`` is where all of them pass."""

    def __init__(self, monkeypatch: Any) -> None:
        from botocore.client import BaseClient

        self.ops: list[str] = []
        real = BaseClient._make_api_call
        calls = self

        def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name == "dynamodb":
                calls.ops.append(operation)
            return real(client, operation, params)

        monkeypatch.setattr(BaseClient, "_make_api_call", counting)
