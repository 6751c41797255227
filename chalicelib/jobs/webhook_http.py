"""One signed POST of an event to an endpoint (stdlib urllib), and the knobs that govern it.

Redirects are not followed (a 3xx is a failed attempt): following one would let an endpoint
send our signed request, or our worker, somewhere the URL check never saw. Outside local/dev
the host is resolved and checked again right before each attempt, so an endpoint whose DNS
later points inside our network is refused at delivery time too.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.webhooks import (
    SIGNATURE_HEADER,
    RetryPolicy,
    check_host,
    parse_schedule,
    signature_header,
)
from chalicelib.errors import ValidationFailed
from chalicelib.settings import get_settings

LOCAL_STAGES = ("local", "dev")
USER_AGENT = "Atelier-Webhooks/1"
MAX_ERROR_CHARS = 300


def strict_urls() -> bool:
    """https and public addresses only, except on local/dev (``ATELIER_WEBHOOK_URL_POLICY``)."""
    policy = os.environ.get("ATELIER_WEBHOOK_URL_POLICY", "")
    if policy in ("strict", "local"):
        return policy == "strict"
    return get_settings().stage not in LOCAL_STAGES


def retry_policy() -> RetryPolicy:
    """The default ~24 h schedule, or ``ATELIER_WEBHOOK_RETRY_SCHEDULE`` (e.g. ``"1,1"``)."""
    schedule = os.environ.get("ATELIER_WEBHOOK_RETRY_SCHEDULE")
    timeout = float(os.environ.get("ATELIER_WEBHOOK_TIMEOUT_S", "10"))
    if schedule is None:
        return RetryPolicy(timeout_s=timeout)
    return RetryPolicy(schedule=parse_schedule(schedule), timeout_s=timeout)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx


_OPENER = urllib.request.build_opener(_NoRedirects)


def headers_for(
    event_id: str, event_type: str, secrets_: list[str], body: bytes, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Atelier-Event-Id": event_id,
        "Atelier-Event-Type": event_type,
        "Atelier-Timestamp": str(timestamp),
        SIGNATURE_HEADER: signature_header(secrets_, timestamp, body),
    }


def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> Outcome:
    """POST once; every failure (refused, timeout, non-2xx) is an outcome, never an exception."""
    started = time.perf_counter()

    def done(code: int | None, error: str | None) -> Outcome:
        latency = round((time.perf_counter() - started) * 1000, 1)
        return Outcome(code, latency, error[:MAX_ERROR_CHARS] if error else None)

    try:
        if strict_urls():
            check_host(urlsplit(url).hostname or "")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with _OPENER.open(request, timeout=timeout_s) as response:
            response.read(4096)
            return done(int(response.status), None)
    except urllib.error.HTTPError as exc:
        exc.close()
        return done(int(exc.code), f"HTTP {exc.code}")
    except ValidationFailed as exc:
        return done(None, exc.message)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return done(None, f"{type(exc).__name__}: {reason}")
