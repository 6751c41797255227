"""API keys and the brand principal.

A key is ``<pk|sk>_<key id>_<secret>``: the key id is the visible prefix used to find the record,
the secret carries 260 bits of randomness and is stored only as a SHA-256 hash (a fast hash is
right for high-entropy secrets), compared in constant time. Publishable keys sit in shop pages, so
they are bound to the brand's allowed origins and reach only the widget's routes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
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
