"""How a receiver verifies an Atelier webhook: this file is copied verbatim into the README.

Standard library only, so a brand can paste it into any Python service; a test checks that the
README still carries exactly this text, and the receiver in ``local/`` uses it.
"""

import hashlib
import hmac
import time


def verify(body: bytes, header: str, secret: str, tolerance_s: int = 300) -> bool:
    """True if one v1 signature of ``Atelier-Signature`` matches and its timestamp is fresh.

    ``body`` must be the raw request body, before any JSON parsing.
    """
    try:
        pairs = [part.strip().split("=", 1) for part in header.split(",") if "=" in part]
        timestamp = int(next(value for key, value in pairs if key == "t"))
    except (ValueError, StopIteration):
        return False
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    signed = str(timestamp).encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(key == "v1" and hmac.compare_digest(value, expected) for key, value in pairs)
