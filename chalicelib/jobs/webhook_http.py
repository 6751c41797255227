"""One signed POST of an event to an endpoint (stdlib http.client), and the knobs that govern it.

Redirects are not followed (a 3xx is a failed attempt): following one would let an endpoint
send our signed request, or our worker, somewhere the URL check never saw. Except on the local
stack, the host is resolved and checked again right before each attempt, and the connection goes
to exactly the addresses that were checked: resolving the name a second time would let a DNS
answer that changed in between (rebinding) send us to 127.0.0.1. The Host header, TLS SNI and
certificate verification still use the name.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import time
from dataclasses import dataclass
from functools import partial

from chalicelib.domain.webhooks import (
    SIGNATURE_HEADER,
    Destination,
    RetryPolicy,
    destination,
    parse_schedule,
    signature_header,
)
from chalicelib.errors import ValidationFailed
from chalicelib.settings import get_settings

USER_AGENT = "Atelier-Webhooks/1"
MAX_ERROR_CHARS = 300


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

    settings = get_settings()
    try:
        where = destination(url, strict=settings.webhook_strict_urls, ports=settings.webhook_ports)
        status = _send(where, body, headers, timeout_s)
    except ValidationFailed as exc:
        return done(None, exc.message)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return done(None, f"{type(exc).__name__}: {exc}")
    return done(status, None if 200 <= status < 300 else f"HTTP {status}")


def _send(where: Destination, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    """The response status of one POST to ``where`` (only the first 4 KiB of the body is read)."""
    connection: http.client.HTTPConnection
    if where.scheme == "https":
        context = ssl.create_default_context()  # verifies the certificate against the name
        connection = http.client.HTTPSConnection(
            where.host, where.port, timeout=timeout_s, context=context
        )
    else:
        connection = http.client.HTTPConnection(where.host, where.port, timeout=timeout_s)
    if where.addresses:
        # http.client opens its socket through this attribute; the name stays in Host and SNI.
        connection._create_connection = partial(_connect_pinned, where.addresses)  # type: ignore[attr-defined]
    try:
        connection.request("POST", where.target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
        return int(response.status)
    finally:
        connection.close()


def _connect_pinned(
    addresses: tuple[str, ...],
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """A TCP connection to the first of the checked ``addresses`` that answers, on the URL's
    port; ``address[0]`` (the name) is deliberately not resolved again."""
    last: OSError | None = None
    for ip in addresses:
        try:
            return socket.create_connection((ip, address[1]), timeout, source_address)
        except OSError as exc:
            last = exc
    raise last or OSError("no address to connect to")
