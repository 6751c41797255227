"""S3 POST policy enforcement for the local AWS, as S3 itself does it.

moto stores whatever a browser-style POST upload sends and ignores its signed policy, so on moto
alone a too-large file would land in the bucket. Atelier promises that S3 refuses it; the local
stack keeps that promise by checking each POST upload here before moto sees it: the SigV4
signature over the policy, its expiry, every condition (exact match, ``starts-with``,
``content-length-range``) and that no unsigned field rides along. The answers are S3's own codes
(``AccessDenied``, ``EntityTooLarge``, ``EntityTooSmall``, ``SignatureDoesNotMatch``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Fields S3 never requires a condition for.
_EXEMPT = {"policy", "x-amz-signature", "file", "awsaccesskeyid", "signature"}


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str

    def xml(self) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{self.message}</Message></Error>"
        ).encode()


def check(
    fields: dict[str, str], file_size: int, bucket: str, secret_key: str, now: datetime
) -> Refusal | None:
    """Why S3 would refuse this POST upload, or None when it would accept it."""
    lowered = {k.lower(): v for k, v in fields.items()}
    lowered["bucket"] = bucket
    policy_b64 = lowered.get("policy")
    if not policy_b64:
        return Refusal(403, "AccessDenied", "Bucket POST must contain a policy.")
    refusal = _check_signature(lowered, policy_b64, secret_key)
    if refusal:
        return refusal
    try:
        policy: dict[str, Any] = json.loads(base64.b64decode(policy_b64, validate=True))
        expires = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
        conditions = list(policy["conditions"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        return Refusal(400, "InvalidPolicyDocument", "Invalid Policy: malformed policy document.")
    if expires <= now.astimezone(UTC):
        return Refusal(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    covered: set[str] = set()
    for condition in conditions:
        refusal = _check_condition(condition, lowered, file_size, covered)
        if refusal:
            return refusal
    extra = sorted(k for k in lowered if k not in covered | _EXEMPT | {"bucket"})
    extra = [k for k in extra if not k.startswith("x-ignore-")]
    if extra:
        return Refusal(
            403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}"
        )
    return None


def _check_signature(fields: dict[str, str], policy_b64: str, secret_key: str) -> Refusal | None:
    credential = fields.get("x-amz-credential", "")
    parts = credential.split("/")
    if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256" or len(parts) != 5:
        return Refusal(400, "InvalidArgument", "POST requires a SigV4 credential and algorithm.")
    _, date, region, service, terminal = parts
    key = ("AWS4" + secret_key).encode()
    for part in (date, region, service, terminal):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        return Refusal(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    return None


def _check_condition(
    condition: Any, fields: dict[str, str], file_size: int, covered: set[str]
) -> Refusal | None:
    if isinstance(condition, dict):
        ((name, value),) = condition.items()
        return _match("eq", name.lower(), str(value), fields, covered)
    op, *args = condition
    op = str(op).lower()
    if op == "content-length-range":
        low, high = int(args[0]), int(args[1])
        if file_size > high:
            return Refusal(400, "EntityTooLarge", "Your proposed upload exceeds the maximum size.")
        if file_size < low:
            return Refusal(400, "EntityTooSmall", "Your proposed upload is smaller than allowed.")
        return None
    name = str(args[0]).lstrip("$").lower()
    return _match(op, name, str(args[1]), fields, covered)


def _match(
    op: str, name: str, value: str, fields: dict[str, str], covered: set[str]
) -> Refusal | None:
    covered.add(name)
    actual = fields.get(name)
    ok = actual is not None and (actual == value if op == "eq" else actual.startswith(value))
    if not ok:
        return Refusal(
            403,
            "AccessDenied",
            f'Invalid according to Policy: Policy Condition failed: ["{op}", "${name}", "{value}"]',
        )
    return None
