"""Opaque pagination cursors: DynamoDB's LastEvaluatedKey, base64url-encoded.

The cursor only carries the range key; the query is always scoped by the caller's brand, so a
cursor copied from another brand cannot reach that brand's records.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.errors import BadRequest


def encode_cursor(last_key: dict[str, Any] | None, range_attr: str) -> str | None:
    if not last_key:
        return None
    value = last_key[range_attr]
    value = value.get("S", value) if isinstance(value, dict) else value
    raw = json.dumps({"k": value}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The range key to resume after, or 400 ``request.invalid_cursor`` for anything forged."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))["k"]
    except (ValueError, KeyError, TypeError, UnicodeError) as exc:
        raise BadRequest("The cursor is not valid.", code="request.invalid_cursor") from exc
    if not isinstance(value, str) or not value:
        raise BadRequest("The cursor is not valid.", code="request.invalid_cursor")
    return value
