"""Idempotency-Key policy (shared/reference/idempotency.md), separate from its storage.

The policy decides: parse the key, scope it to (brand, method, route, key), fingerprint the
request, claim the scope, and on a lost claim either replay the stored answer, refuse a reused
key (422) or report the first request still running (409 + Retry-After). The :class:`Store`
only translates those decisions into conditional writes.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.errors import AtelierError, BadRequest, Conflict, ValidationFailed

LOCK_SECONDS = 30  # API Gateway gives a request 29 s
RETENTION_SECONDS = 24 * 3600
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body, "headers": self.headers}

    @classmethod
    def of(cls, data: dict[str, Any]) -> StoredResponse:
        return cls(int(data["status"]), str(data["body"]), dict(data.get("headers") or {}))


@dataclass(frozen=True)
class Record:
    scope: str
    status: str  # "IN_PROGRESS" | "COMPLETED"
    fingerprint: str
    claim_id: str
    lock_expires_at: float
    expires_at: float
    response: StoredResponse | None


@dataclass
class Claim:
    """A claim this request holds; completed at most once, or released."""

    scope: str
    fingerprint: str
    claim_id: str
    completed: bool = False


class Store(Protocol):
    def try_claim(self, claim: Claim, now: float) -> bool:
        """Write IN_PROGRESS unless a live record exists (missing, expired or stale lock: ok)."""

    def get(self, scope: str) -> Record | None: ...

    def complete(self, claim: Claim, response: StoredResponse, now: float) -> None:
        """Store the answer; fails if the claim is no longer this request's."""

    def release(self, claim: Claim) -> None:
        """Delete the claim so a retry runs again (transient failures are never stored)."""


def parse_key(header: str | None) -> str:
    """A bare token or a structured-field string (``"abc"``): 1–255 printable ASCII characters."""
    if header is None or not header.strip():
        raise BadRequest(
            "This route needs an Idempotency-Key header (a fresh random value per logical action).",
            code="idempotency.key_missing",
        )
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not _KEY_RE.match(key):
        raise BadRequest(
            "Idempotency-Key must be 1-255 printable ASCII characters.",
            code="idempotency.key_invalid",
        )
    return key


def scope_of(brand_id: str, method: str, route: str, key: str) -> str:
    """Brand first, so one brand's key can never reach another brand's record."""
    digest = hashlib.sha256(key.encode("ascii")).hexdigest()
    return f"{brand_id}#{method.upper()}#{route}#{digest}"


def fingerprint(method: str, path_params: dict[str, str], body: Any) -> str:
    """SHA-256 of the request with key order and whitespace normalized.

    ``ensure_ascii`` keeps even unpaired surrogates hashable, so a hostile body still gets a
    stable fingerprint (and its per-zone answer) instead of an encoding error.
    """
    canonical = json.dumps(
        {"method": method.upper(), "params": path_params, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def begin(store: Store, scope: str, request_fingerprint: str) -> Claim | StoredResponse:
    """Claim the scope, or answer from the record that holds it."""
    claim = Claim(scope, request_fingerprint, secrets.token_hex(16))
    now = time.time()
    if store.try_claim(claim, now):
        return claim
    record = store.get(scope)
    if record is None:  # released between our write and our read: claim again once
        if store.try_claim(claim, time.time()):
            return claim
        record = store.get(scope)
        if record is None:
            raise _in_progress()
    if record.claim_id == claim.claim_id and record.status == "IN_PROGRESS":
        return claim  # our own write, retried by the SDK after a lost response
    if record.fingerprint != request_fingerprint:
        raise ValidationFailed(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency.key_reused",
        )
    if record.status == "COMPLETED" and record.response is not None:
        return record.response
    raise _in_progress()


def _in_progress() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        code="idempotency.in_progress",
        headers={"Retry-After": "1"},
    )


def should_store(status: int) -> bool:
    """Deterministic outcomes are stored (2xx, business 4xx); transient ones are not."""
    return status < 500 and status not in (408, 429)


def finish(store: Store, claim: Claim, response: StoredResponse) -> None:
    if claim.completed:
        return
    if should_store(response.status):
        store.complete(claim, response, time.time())
        claim.completed = True
    else:
        store.release(claim)


class ClaimLost(AtelierError):
    """Our lock expired and another request took the key; the caller must not answer success."""

    status = 409
    code = "idempotency.in_progress"
