"""The webhook sender over real loopback HTTP: 3xx is not followed, slow receivers time out,
and except on the local stack the target is checked again right before the POST, which then
goes to the very address that was checked (TLS still verified against the name)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chalicelib.jobs.webhook_http import post
from local.harness import free_port


class Target:
    """A server whose answers are set per path: (status, delay_s, extra headers)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.hits: list[str] = []
        self.answers: dict[str, tuple[int, float, dict[str, str]]] = {}
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target.hits.append(self.path)
                status, delay, headers = target.answers.get(self.path, (200, 0.0, {}))
                time.sleep(delay)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": "0"}.items():
                    self.send_header(name, value)
                self.end_headers()

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(autouse=True)
def local_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the local stack sets; the strict tests set "strict" themselves."""
    monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", "local")


@pytest.fixture
def target() -> Iterator[Target]:
    running = Target()
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_a_2xx_is_success_with_its_latency(target: Target) -> None:
    target.answers["/ok"] = (204, 0.0, {})
    outcome = post(target.url("/ok"), b"{}", {"Content-Type": "application/json"}, 5)
    assert outcome.ok and outcome.status_code == 204 and outcome.error is None
    assert outcome.latency_ms > 0


def test_a_redirect_is_a_failure_and_is_not_followed(target: Target) -> None:
    target.answers["/moved"] = (307, 0.0, {"Location": target.url("/elsewhere")})
    outcome = post(target.url("/moved"), b"{}", {}, 5)
    assert not outcome.ok and outcome.status_code == 307
    assert target.hits == ["/moved"]


def test_a_slow_receiver_times_out(target: Target) -> None:
    target.answers["/slow"] = (200, 1.5, {})
    outcome = post(target.url("/slow"), b"{}", {}, 0.5)
    assert not outcome.ok and outcome.status_code is None
    assert outcome.error is not None and "timed out" in outcome.error


def test_strict_policy_refuses_a_private_target_without_connecting(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", "strict")
    outcome = post("https://localhost/inside", b"{}", {}, 5)
    assert outcome.status_code is None and outcome.error is not None
    assert "private" in outcome.error and target.hits == []
    assert "https" in (post(target.url("/inside"), b"{}", {}, 5).error or "")


# --- DNS rebinding (issue 22, finding 4) ----------------------------------------------------------

PUBLIC_IP = "93.184.216.34"  # what the name resolves to when checked
NAME = "hooks.rebind.test"


def certificate(tmp: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` (the client trusts it through SSL_CERT_FILE)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / f"{name}.pem", tmp / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class TlsReceiver:
    """The 'public' receiver: HTTPS with a certificate for ``NAME``; records SNI and Host."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.port = free_port()
        self.server_names: list[str | None] = []
        self.requests: list[tuple[str, str | None]] = []
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        context.sni_callback = lambda _sock, name, _ctx: self.server_names.append(name)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append((self.path, self.headers.get("Host")))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Rebinding:
    """DNS that answers the public address once, then 127.0.0.1 (the attack), and a network in
    which the public address is ``public_port`` on loopback and 127.0.0.1:443 is ``inside``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, public_port: int, inside_port: int):
        self.lookups = 0
        self.connected: list[str] = []  # the address each TCP connection really went to
        real_lookup, real_connect = socket.getaddrinfo, socket.create_connection

        def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
            if host != NAME:
                return real_lookup(host, *args, **kwargs)
            self.lookups += 1
            ip = PUBLIC_IP if self.lookups == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, 443))]

        def connect(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
            host, port = address
            ip = lookup(host, port)[0][4][0] if host == NAME else host
            self.connected.append(ip)
            if (ip, port) == (PUBLIC_IP, 443):
                return real_connect(("127.0.0.1", public_port), *args, **kwargs)
            if (ip, port) == ("127.0.0.1", 443):
                return real_connect(("127.0.0.1", inside_port), *args, **kwargs)
            raise ConnectionRefusedError(f"nothing at {ip}:{port} in this test")

        monkeypatch.setattr(socket, "getaddrinfo", lookup)
        monkeypatch.setattr(socket, "create_connection", connect)


def test_delivery_connects_to_the_checked_address_not_a_rebound_one(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name resolves public for the check, then to 127.0.0.1: the POST still goes to the
    checked address, with the name in Host and SNI and the certificate verified for it."""
    cert_file, key_file = certificate(tmp_path, NAME)
    receiver = TlsReceiver(cert_file, key_file)
    try:
        monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", "strict")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        network = Rebinding(monkeypatch, receiver.port, target.port)
        outcome = post(f"https://{NAME}/hook", b"{}", {"Content-Type": "application/json"}, 5)
    finally:
        receiver.close()
    assert network.connected == [PUBLIC_IP] and network.lookups == 1
    assert target.hits == []
    assert outcome.ok and outcome.status_code == 204, outcome.error
    assert receiver.requests == [("/hook", NAME)] and receiver.server_names == [NAME]


def test_the_certificate_is_verified_against_the_name(
    target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, key_file = certificate(tmp_path, "someone-else.test")
    receiver = TlsReceiver(cert_file, key_file)
    try:
        monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", "strict")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        Rebinding(monkeypatch, receiver.port, target.port)
        outcome = post(f"https://{NAME}/hook", b"{}", {}, 5)
    finally:
        receiver.close()
    assert not outcome.ok and outcome.status_code is None
    assert outcome.error is not None and "CERTIFICATE_VERIFY_FAILED" in outcome.error
    assert receiver.requests == []


def test_strict_policy_refuses_other_ports_without_connecting(
    target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", "strict")
    outcome = post(f"https://{PUBLIC_IP}:{target.port}/x", b"{}", {}, 5)
    assert outcome.status_code is None and outcome.error is not None
    assert "port" in outcome.error and target.hits == []


def test_a_deployed_dev_stage_is_strict(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the local stack's explicit switch relaxes the rules; the stage name does not."""
    monkeypatch.delenv("ATELIER_WEBHOOK_URL_POLICY")
    monkeypatch.setenv("ATELIER_STAGE", "dev")
    outcome = post(target.url("/inside"), b"{}", {}, 5)
    assert outcome.status_code is None and target.hits == []
