"""Base pieces shared by every pynamodb model.

pynamodb reads ``Meta.table_name`` and ``Meta.region`` whenever it needs a connection and rebuilds
the connection when the name changes. Making those two attributes properties of the Meta *class*
lets one model serve every stage, and keeps settings out of import time (Chalice's test client sets
the environment only during a call).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import pynamodb.connection.base
from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PutError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib import aws
from chalicelib.settings import get_settings

# pynamodb asks botocore for a new session per connection (one per model): give it the thread's
# shared session instead, so the endpoint rules and DynamoDB's model load once (see aws.py).
pynamodb.connection.base.get_session = aws.botocore_session  # type: ignore[attr-defined]  # its module global, replaced on purpose


class LazyTableMeta(type):
    """Metaclass for a model's ``Meta``: the physical table name comes from the settings."""

    logical_name: str

    @property
    def table_name(cls) -> str:
        return get_settings().physical_name("table", cls.logical_name)

    @property
    def region(cls) -> str:
        return get_settings().region

    def __setattr__(cls, name: str, value: Any) -> None:
        # pynamodb's metaclass writes defaults for region/host onto Meta; ours are computed.
        if name in ("table_name", "region"):
            return
        super().__setattr__(name, value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_attribute() -> UTCDateTimeAttribute:
    return UTCDateTimeAttribute(default_for_new=utcnow)


@lru_cache(maxsize=4)
def _connection(region: str) -> Connection:
    return Connection(region=region)


def transaction(client_request_token: str | None = None) -> TransactWrite:
    """A TransactWrite on one shared connection (one botocore client per region, not per call).

    ``client_request_token`` makes an SDK retry of a committed transaction a no-op on AWS.
    """
    return TransactWrite(
        connection=_connection(get_settings().region), client_request_token=client_request_token
    )


def condition_failed(exc: Exception) -> bool:
    """Whether a single-item write failed its condition (and not for any other reason)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def save_once(model: Model, condition: Condition) -> bool:
    """Write a record that must exist at most once; False when an earlier write made it."""
    try:
        model.save(condition=condition)
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True
