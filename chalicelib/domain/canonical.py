"""Canonical JSON per RFC 8785 (JCS), the bytes every spec hash is taken over.

JCS fixes what ``json.dumps(sort_keys=True)`` leaves open: keys sort by UTF-16 code units, strings
escape only what JSON requires, and numbers use ECMAScript's shortest round-trip form (``1e+21``,
``0.000001``, ``4.5``, never ``4.50`` or ``1.0``), so any JCS implementation in any language
reproduces the same hash.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
_REPR = re.compile(r"^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$")
_MAX_SAFE_INT = 2**53


class NotCanonicalizable(ValueError):
    """The value has no JSON form under JCS (NaN, infinities, huge integers, lone surrogates)."""


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 serialization of a JSON-compatible value, as UTF-8 bytes."""
    return "".join(_serialize(value)).encode("utf-8")


def sha256_hex(value: Any) -> str:
    return hashlib.sha256(canonicalize(value)).hexdigest()


def _serialize(value: Any) -> list[str]:
    if value is None:
        return ["null"]
    if value is True:
        return ["true"]
    if value is False:
        return ["false"]
    if isinstance(value, str):
        return [_string(value)]
    if isinstance(value, int | float):
        return [number(value)]
    if isinstance(value, dict):
        keys = sorted(value, key=_utf16_key)
        parts = ["{"]
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                raise NotCanonicalizable(f"object keys must be strings, not {type(key).__name__}")
            parts += [("," if i else ""), _string(key), ":", *_serialize(value[key])]
        return [*parts, "}"]
    if isinstance(value, list | tuple):
        parts = ["["]
        for i, item in enumerate(value):
            parts += [("," if i else ""), *_serialize(item)]
        return [*parts, "]"]
    raise NotCanonicalizable(f"{type(value).__name__} is not a JSON value")


def _utf16_key(key: Any) -> bytes:
    return str(key).encode("utf-16-be", "surrogatepass")


def _string(text: str) -> str:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise NotCanonicalizable("strings must not contain unpaired surrogates")
    escaped = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), text)
    return f'"{escaped}"'


def number(value: int | float) -> str:
    """ECMAScript ``Number.prototype.toString`` of an IEEE double (RFC 8785 §3.2.2.3)."""
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INT:
            raise NotCanonicalizable("integers beyond 2**53 lose precision in JSON")
        value = float(value)
    if not math.isfinite(value):
        raise NotCanonicalizable("NaN and infinities have no JSON form")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    match = _REPR.match(repr(abs(value)))
    assert match is not None, repr(value)
    whole, frac, exp = match.group(1), match.group(2) or "", int(match.group(3) or 0)
    digits = whole + frac
    point = len(whole) + exp  # value = 0.<digits> × 10**point
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    return sign + _es_format(digits, point)


def _es_format(digits: str, n: int) -> str:
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
