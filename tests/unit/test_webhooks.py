"""Outbound webhooks, pure parts: signatures (the README snippet itself), backoff, URL rules."""

from __future__ import annotations

import socket
import time

import pytest

from chalicelib import webhook_signature
from chalicelib.domain.webhooks import (
    RetryPolicy,
    check_url,
    default_schedule,
    destination,
    event_id,
    parse_schedule,
    resolve,
    signature_header,
)
from chalicelib.errors import ValidationFailed
from tests.conftest import ROOT

SECRET = "whsec_test-secret"
BODY = b'{"id":"evt_1","type":"order.paid","data":{"object":{"order_id":"ord_1"}}}'


def header(
    body: bytes = BODY, secrets: tuple[str, ...] = (SECRET,), at: float | None = None
) -> str:
    return signature_header(list(secrets), int(time.time() if at is None else at), body)


# --- the documented verification snippet ---------------------------------------------------------


def test_the_webhooks_page_carries_the_verification_snippet_verbatim() -> None:
    source = (ROOT / "chalicelib" / "webhook_signature.py").read_text()
    snippet = source.split('"""\n', 1)[1].strip()  # everything after the module docstring
    assert snippet.startswith("import hashlib") and "def verify(" in snippet
    assert snippet in (ROOT / "docs" / "webhooks.md").read_text()


def test_a_signed_body_verifies() -> None:
    assert webhook_signature.verify(BODY, header(), SECRET)


def test_an_altered_body_fails() -> None:
    assert not webhook_signature.verify(BODY.replace(b"ord_1", b"ord_2"), header(), SECRET)


def test_a_timestamp_outside_the_tolerance_fails() -> None:
    stale = header(at=time.time() - 301)
    future = header(at=time.time() + 301)
    assert not webhook_signature.verify(BODY, stale, SECRET)
    assert not webhook_signature.verify(BODY, future, SECRET)
    assert webhook_signature.verify(BODY, header(at=time.time() - 290), SECRET)


def test_a_changed_timestamp_breaks_the_signature() -> None:
    signed = header(at=time.time() - 10)
    moved = "t=" + str(int(time.time())) + "," + signed.split(",", 1)[1]
    assert not webhook_signature.verify(BODY, moved, SECRET)


def test_the_wrong_secret_fails() -> None:
    assert not webhook_signature.verify(BODY, header(), "whsec_other")


@pytest.mark.parametrize("bad", ["", "garbage", "t=abc,v1=00", "v1=00", "t=,v1=", ",,,"])
def test_malformed_headers_fail_without_raising(bad: str) -> None:
    assert not webhook_signature.verify(BODY, bad, SECRET)


def test_during_a_rotation_both_secrets_verify() -> None:
    both = header(secrets=("whsec_new", "whsec_old"))
    assert both.count("v1=") == 2
    assert webhook_signature.verify(BODY, both, "whsec_new")
    assert webhook_signature.verify(BODY, both, "whsec_old")
    assert not webhook_signature.verify(BODY, both, SECRET)


# --- backoff -------------------------------------------------------------------------------------


def test_default_schedule_doubles_caps_and_spans_about_a_day() -> None:
    waits = default_schedule()
    assert waits[:4] == (30, 60, 120, 240)
    assert max(waits) == 4 * 3600 and waits[-1] == 4 * 3600
    assert 24 * 3600 <= sum(waits) < 26 * 3600
    assert RetryPolicy().max_attempts == len(waits) + 1 == 15


def test_next_wait_applies_bounded_jitter_and_ends_when_spent() -> None:
    policy = RetryPolicy(schedule=(10.0, 20.0), jitter=0.2)
    assert policy.next_wait(1, rand=lambda: 0.0) == pytest.approx(8.0)
    assert policy.next_wait(1, rand=lambda: 1.0) == pytest.approx(12.0)
    assert policy.next_wait(2, rand=lambda: 0.5) == pytest.approx(20.0)
    assert policy.next_wait(3) == -1  # 3 failed attempts: the budget is spent
    assert policy.max_attempts == 3


def test_parse_schedule() -> None:
    assert parse_schedule("1, 2,5") == (1.0, 2.0, 5.0)
    assert parse_schedule("") == ()
    for bad in ("a,b", "-1", "nan"):
        with pytest.raises(ValueError):
            parse_schedule(bad)


def test_event_ids_are_derived_from_the_change() -> None:
    first = event_id("brd_1", "order", "ord_1", "2:paid")
    assert first == event_id("brd_1", "order", "ord_1", "2:paid") and first.startswith("evt_")
    assert first != event_id("brd_2", "order", "ord_1", "2:paid")
    assert first != event_id("brd_1", "order", "ord_1", "3:shipped")


# --- URL rules -----------------------------------------------------------------------------------


def code_of(url: str, *, strict: bool = True, resolver: object = None) -> str:
    kwargs = {"resolver": resolver} if resolver else {}
    with pytest.raises(ValidationFailed) as info:
        check_url(url, strict=strict, **kwargs)  # type: ignore[arg-type]
    return info.value.code


def test_strict_urls_must_be_https() -> None:
    assert code_of("http://93.184.216.34/hook") == "webhook.url_not_https"
    assert check_url("https://93.184.216.34/hook", strict=True) == "https://93.184.216.34/hook"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[fd00::1]",
        "224.0.0.1",
        # IPv6 forms that embed an IPv4 address (issue 22, finding 4)
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[64:ff9b::5db8:d822]",  # NAT64 of a public address: refused all the same
        "[64:ff9b:1::a00:1]",  # local-use NAT64
        "[2002:7f00:1::1]",  # 6to4 of 127.0.0.1
        "[::127.0.0.1]",  # IPv4-compatible
        "[::a00:5]",  # IPv4-compatible 10.0.0.5
        "[::ffff:0:a00:5]",  # IPv4-translated
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    ],
)
def test_private_and_reserved_addresses_are_refused(host: str) -> None:
    assert code_of(f"https://{host}/hook") == "webhook.url_private"


def test_a_name_is_resolved_and_every_address_checked() -> None:
    def resolver(host: str) -> list[str]:
        return {"good.example": ["93.184.216.34"], "mixed.example": ["93.184.216.34", "10.0.0.5"]}[
            host
        ]

    assert check_url("https://good.example/x", strict=True, resolver=resolver)
    assert code_of("https://mixed.example/x", resolver=resolver) == "webhook.url_private"

    def unresolvable(host: str) -> list[str]:
        raise OSError("no such host")

    assert code_of("https://gone.example/x", resolver=unresolvable) == "webhook.url_unresolvable"


def test_a_name_resolving_to_an_embedded_ipv4_form_is_refused() -> None:
    def resolver(host: str) -> list[str]:
        return ["93.184.216.34", "64:ff9b::a9fe:a9fe"]  # NAT64 of 169.254.169.254

    assert code_of("https://sneaky.example/x", resolver=resolver) == "webhook.url_private"


def test_strict_urls_use_allowed_ports_only() -> None:
    assert code_of("https://93.184.216.34:8080/hook") == "webhook.url_port"
    assert code_of("https://93.184.216.34:22/hook") == "webhook.url_port"
    assert check_url("https://93.184.216.34:443/hook", strict=True)
    assert check_url("https://93.184.216.34:80/hook", strict=True)
    assert check_url("https://93.184.216.34:8443/h", strict=True, ports=(443, 8443))
    assert check_url("http://127.0.0.1:9000/hooks", strict=False)  # the local stack: any port


def test_the_destination_is_the_checked_addresses_and_the_name() -> None:
    calls: list[str] = []

    def resolver(host: str) -> list[str]:
        calls.append(host)
        return ["2606:2800:220:1::1", "93.184.216.34"]

    where = destination("https://good.example/in?x=1", strict=True, resolver=resolver)
    assert (where.host, where.port, where.target) == ("good.example", 443, "/in?x=1")
    assert where.addresses == ("2606:2800:220:1::1", "93.184.216.34") and calls == ["good.example"]
    assert destination("http://127.0.0.1:9000", strict=False).addresses == ()


def test_the_real_resolver_lists_ipv4_first(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(host: str, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        return [(0, 0, 0, "", (a, 0)) for a in ("2606:2800:220:1::1", "93.184.216.34")]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    assert resolve("x.example") == ["93.184.216.34", "2606:2800:220:1::1"]


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.216.34/", "https://", "https://user:pw@93.184.216.34/", "https://h:99999/", "x"],
)
def test_malformed_urls_are_refused(url: str) -> None:
    assert code_of(url) == "webhook.url_invalid"


def test_local_stages_allow_http_and_loopback() -> None:
    assert check_url("http://127.0.0.1:9000/hooks", strict=False)
    assert code_of("ftp://127.0.0.1/", strict=False) == "webhook.url_invalid"
