"""API keys and the brand principal.

A key is ``<pk|sk>_<key id>_<secret>``: the key id is the visible prefix used to find the record,
the secret carries 260 bits of randomness and is stored only as a SHA-256 hash (a fast hash is
right for high-entropy secrets), compared in constant time. Publishable keys sit in shop pages, so
they are bound to the brand's allowed origins and reach only the widget's routes.

Verifying a key costs two DynamoDB reads (the key, then its brand). A warm container remembers
each verdict for at most ``KEY_CACHE_S`` seconds (:class:`KeyCache`): a revoked key, or a changed
origin list or rate limit, reaches every other container within that bound; the container that
made the change forgets at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.errors import Forbidden, Unauthorized

KeyKind = Literal["publishable", "secret"]
Access = Literal["public", "publishable", "secret"]

_PREFIX_OF: dict[KeyKind, str] = {"publishable": "pk", "secret": "sk"}
_KIND_OF: dict[str, KeyKind] = {v: k for k, v in _PREFIX_OF.items()}
_KEY_RE = re.compile(r"^(pk|sk)_([a-z2-7]{12})_([a-z2-7]{52})$")
_DUMMY_HASH = hashlib.sha256(b"atelier-no-such-key").hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the brand of the authenticated key, and which key."""

    brand_id: str
    key_id: str
    kind: KeyKind
    origins: tuple[str, ...]
    rate_limits: dict[str, Any] | None = None  # the brand's overrides (see ratelimit.py)


@dataclass(frozen=True)
class NewKey:
    key_id: str
    kind: KeyKind
    plaintext: str
    secret_hash: str


def _b32(nbytes: int) -> str:
    return base64.b32encode(secrets.token_bytes(nbytes)).decode("ascii").rstrip("=").lower()


def generate_key(kind: KeyKind) -> NewKey:
    key_id = _b32(8)[:12]
    plaintext = f"{_PREFIX_OF[kind]}_{key_id}_{_b32(33)[:52]}"
    return NewKey(key_id=key_id, kind=kind, plaintext=plaintext, secret_hash=hash_key(plaintext))


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def visible_prefix(kind: KeyKind, key_id: str) -> str:
    return f"{_PREFIX_OF[kind]}_{key_id}"


def parse_bearer(authorization: str | None) -> tuple[KeyKind, str, str]:
    """Split ``Authorization: Bearer <key>`` into (kind, key id, full key) or refuse with 401."""
    if not authorization:
        raise Unauthorized(
            "Missing API key: send 'Authorization: Bearer <key>'.", code="auth.missing_key"
        )
    scheme, _, token = authorization.strip().partition(" ")
    match = _KEY_RE.match(token.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise Unauthorized("The API key is not valid.", code="auth.invalid_key")
    return _KIND_OF[match.group(1)], match.group(2), token.strip()


def check_secret(presented: str, stored_hash: str | None) -> bool:
    """Constant-time comparison; a missing record still costs one comparison."""
    return hmac.compare_digest(hash_key(presented), stored_hash or _DUMMY_HASH) and bool(
        stored_hash
    )


def require_access(principal: Principal, access: Access, origin: str | None) -> None:
    """Refuse a key that may not call this route, or a browser origin the brand did not allow."""
    if access == "secret" and principal.kind != "secret":
        raise Forbidden(
            "This route needs a secret key (sk_...); publishable keys may only use widget routes.",
            code="auth.secret_key_required",
        )
    if (
        principal.kind == "publishable"
        and origin is not None
        and normalize_origin(origin) not in principal.origins
    ):
        raise Forbidden(
            f"Origin {origin!r} is not allowed for this publishable key.",
            code="auth.origin_not_allowed",
            details={"origin": origin},
        )


_ORIGIN_RE = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def normalize_origin(origin: str) -> str:
    """Origins compare as scheme://host[:port], lower-case, without a trailing slash."""
    return origin.strip().rstrip("/").lower()


def valid_origin(origin: str) -> bool:
    return bool(_ORIGIN_RE.match(normalize_origin(origin)))


# How long a warm container trusts a verdict on a key without asking DynamoDB again. The cost of a
# longer bound is how long a revoked key (or a removed origin) keeps working in other containers;
# 10 s keeps that shorter than a shopper's page view, while a busy container still saves two reads
# per request. Documented in docs/api-conventions.md and docs/operations.md: change them together.
KEY_CACHE_S = 10.0
KEY_CACHE_ENTRIES = 4096  # least recently used verdicts go first (random bad keys cannot grow it)


@dataclass(frozen=True)
class Refusal:
    """A remembered 401: its code and message, raised anew each time."""

    code: str
    message: str


class KeyCache:
    """Verdicts on presented keys (a principal, or a refusal) for ``ttl_s`` seconds.

    Entries are found by the key's SHA-256 (the plaintext is never kept), so only the exact key
    presented before gets its verdict: a wrong secret for a known key id is a different entry. Only
    401 verdicts are remembered as refusals; failures of the store itself are never cached.
    """

    def __init__(
        self,
        ttl_s: float = KEY_CACHE_S,
        max_entries: int = KEY_CACHE_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s, self.max_entries, self.clock = ttl_s, max_entries, clock
        self._entries: OrderedDict[str, tuple[float, Principal | Refusal, str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, plaintext: str) -> Principal | Refusal | None:
        digest = hash_key(plaintext)
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if self.clock() >= entry[0]:
                del self._entries[digest]
                return None
            self._entries.move_to_end(digest)
            return entry[1]

    def put(
        self, plaintext: str, verdict: Principal | Refusal, key_id: str, brand_id: str = ""
    ) -> None:
        if self.ttl_s <= 0:
            return
        digest = hash_key(plaintext)
        with self._lock:
            self._entries[digest] = (self.clock() + self.ttl_s, verdict, key_id, brand_id)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, *, key_id: str | None = None, brand_id: str | None = None) -> None:
        """Drop this container's verdicts on a key, or on every key of a brand (it changed)."""
        with self._lock:
            for digest, (_, _, entry_key, entry_brand) in list(self._entries.items()):
                if (key_id is not None and entry_key == key_id) or (
                    brand_id is not None and entry_brand == brand_id
                ):
                    del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
