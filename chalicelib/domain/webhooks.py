"""Outbound webhooks, the pure part: event types and ids, signatures, retry schedule, URL rules.

Nothing here touches AWS or the network (name resolution is injected), so the policy can be
tested exactly: which URL a brand may register, when the next attempt happens, what is signed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import random
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import urlsplit

from chalicelib.errors import ValidationFailed

EventType = Literal[
    "render.succeeded",
    "render.failed",
    "pack.ready",
    "pack.failed",
    "order.paid",
    "order.status_changed",
    "snapshot.locked",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
SIGNATURE_HEADER = "Atelier-Signature"
SECRET_PREFIX = "whsec_"
MAX_URL_CHARS = 2048


def event_id(brand_id: str, resource: str, resource_id: str, change: str) -> str:
    """Derived from the state change, so writing the same change again names the same event."""
    digest = hashlib.sha256(f"{brand_id}|{resource}|{resource_id}|{change}".encode()).hexdigest()
    return f"evt_{digest[:24]}"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


# --- signatures ---------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with the whole ``whsec_…`` string."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets_: Sequence[str], timestamp: int, body: bytes) -> str:
    """``t=…,v1=…[,v1=…]``: one v1 per live secret, so a rotation never breaks a receiver."""
    parts = [f"t={timestamp}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets_]
    return ",".join(parts)


# --- retry schedule -----------------------------------------------------------------------------

DAY_S = 24 * 3600.0


def default_schedule(
    base_s: float = 30.0, cap_s: float = 4 * 3600.0, budget_s: float = DAY_S
) -> tuple[float, ...]:
    """Waits before each retry: doubling from ``base_s``, capped, until ``budget_s`` is spent.

    30 s, 1 min, 2 min … 4 h, 4 h …: 14 retries over about 24 hours (15 attempts in all).
    """
    waits: list[float] = []
    while sum(waits) < budget_s:
        waits.append(min(base_s * 2 ** len(waits), cap_s))
    return tuple(waits)


@dataclass(frozen=True)
class RetryPolicy:
    """``schedule[n]`` is the wait after the (n+1)-th failed attempt; then the delivery fails."""

    schedule: tuple[float, ...] = default_schedule()
    jitter: float = 0.2  # each wait is scaled by a random factor in [1 - jitter, 1 + jitter]
    timeout_s: float = 10.0

    @property
    def max_attempts(self) -> int:
        return len(self.schedule) + 1

    def next_wait(self, failed_attempts: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds until the next attempt after ``failed_attempts`` failures, or -1 when spent."""
        if failed_attempts < 1 or failed_attempts > len(self.schedule):
            return -1.0
        base = self.schedule[failed_attempts - 1]
        return max(0.0, base * (1 + self.jitter * (2 * rand() - 1)))


def parse_schedule(text: str) -> tuple[float, ...]:
    """``"1,2,5"`` → (1.0, 2.0, 5.0): a shortened schedule for tests and local runs."""
    try:
        waits = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"not a retry schedule: {text!r}") from exc
    if any(not math.isfinite(w) or w < 0 for w in waits):
        raise ValueError(f"retry waits must be finite and >= 0: {text!r}")
    return waits


# --- endpoint URLs ------------------------------------------------------------------------------

Resolver = Callable[[str], list[str]]
DEFAULT_PORTS = (443, 80)

# IPv6 forms that carry an IPv4 address a gateway or the host's own stack will reach: a public
# looking name could point through them at 127.0.0.1 or 10.x. Receivers have no reason to use
# them, so strict checking refuses them outright (IPv4-mapped addresses are unwrapped instead).
_EMBEDDING_V4 = tuple(
    ipaddress.ip_network(n)
    for n in (
        "::/96",  # IPv4-compatible ::a.b.c.d (deprecated)
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64 well-known prefix
        "64:ff9b:1::/48",  # NAT64 local-use prefix
        "2002::/16",  # 6to4
        "2001::/32",  # Teredo
    )
)


@dataclass(frozen=True)
class Destination:
    """Where one delivery goes: the URL's parts, and, when checked, the addresses to connect to.

    The sender connects to ``addresses`` (the ones that were checked) instead of resolving the
    name again, so a name that turns private after the check (DNS rebinding) is never reached.
    Empty ``addresses`` (local stack only) means: resolve as usual.
    """

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent on the request line
    addresses: tuple[str, ...] = ()


def resolve(host: str) -> list[str]:
    """Every address of ``host``, IPv4 first (the real resolver; tests inject their own)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    found = {str(info[4][0]) for info in infos}
    return sorted(found, key=lambda a: (":" in a, a))


def _invalid(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, details=[{"field": "url", "code": code}])


def is_public(address: str) -> bool:
    """False for loopback, private, link-local, CGNAT, multicast, reserved and unspecified, and
    for IPv6 forms that embed an IPv4 address (NAT64, 6to4, Teredo, IPv4-compatible)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif any(ip in net for net in _EMBEDDING_V4):
            return False
    return bool(ip.is_global) and not ip.is_multicast


def check_url(
    url: str,
    *,
    strict: bool,
    ports: Sequence[int] = DEFAULT_PORTS,
    resolver: Resolver = resolve,
) -> str:
    """The URL if a brand may register it; 422 otherwise (see :func:`destination`)."""
    destination(url, strict=strict, ports=ports, resolver=resolver)
    return url


def destination(
    url: str,
    *,
    strict: bool,
    ports: Sequence[int] = DEFAULT_PORTS,
    resolver: Resolver = resolve,
) -> Destination:
    """Where ``url`` may be delivered; 422 when it may not.

    ``strict`` (every deployed stage; only the local stack turns it off) demands https, a port
    from ``ports`` and a host whose every address is public: a webhook must not become a way to
    reach our own network (SSRF). The host is resolved once, here.
    """
    if len(url) > MAX_URL_CHARS:
        raise _invalid(f"The URL is longer than {MAX_URL_CHARS} characters.", "webhook.url_invalid")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _invalid("The URL is not valid.", "webhook.url_invalid") from exc
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise _invalid("The URL must be http(s)://host/path.", "webhook.url_invalid")
    if strict and parts.scheme != "https":
        raise _invalid("Webhook URLs must use https.", "webhook.url_not_https")
    if port == 0:
        raise _invalid("The URL's port is not valid.", "webhook.url_invalid")
    port = port or (443 if parts.scheme == "https" else 80)
    if strict and port not in ports:
        allowed = ", ".join(str(p) for p in ports)
        raise _invalid(f"Webhook URLs may use port {allowed} only.", "webhook.url_port")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    addresses = tuple(check_host(host, resolver)) if strict else ()
    return Destination(parts.scheme, host, port, target, addresses)


def check_host(host: str, resolver: Resolver = resolve) -> list[str]:
    """The host's addresses when all are public; 422 ``webhook.url_private`` otherwise."""
    try:
        addresses = [host] if _is_ip(host) else resolver(host)
    except (OSError, UnicodeError) as exc:
        raise _invalid(f"{host} does not resolve.", "webhook.url_unresolvable") from exc
    if not addresses:
        raise _invalid(f"{host} does not resolve.", "webhook.url_unresolvable")
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise _invalid(
            f"{host} points to a private, loopback or reserved address ({private[0]}).",
            "webhook.url_private",
        )
    return addresses


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
