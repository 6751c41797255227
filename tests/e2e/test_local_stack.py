"""``make run``'s entry point, driven over HTTP: health, demo keys, CLI, auth, clean shutdown."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import pytest
import requests

from chalicelib.auth import KEY_CACHE_S
from tests.e2e.conftest import Stack, start_stack

pytestmark = pytest.mark.e2e


def test_stack_serves_health_within_60_seconds(stack: Stack) -> None:
    assert stack.startup_s < 60
    r = stack.get("/v1/health")
    assert r.status_code == 200
    assert {name: c["ok"] for name, c in r.json()["components"].items()} == {
        "dynamodb": True,
        "s3": True,
        "sqs": True,
    }


def test_demo_keys_are_written_and_work(stack: Stack) -> None:
    demo = stack.demo
    assert demo["api_url"] == stack.api_url
    assert demo["publishable_key"].startswith("pk_") and demo["secret_key"].startswith("sk_")
    r = stack.get("/v1/brand", demo["publishable_key"], Origin=stack.api_url)
    assert r.status_code == 200
    assert r.json()["brand_id"] == demo["brand_id"]
    assert r.headers["Access-Control-Allow-Origin"] == stack.api_url
    keys = stack.get("/v1/keys", demo["secret_key"])
    assert keys.status_code == 200 and len(keys.json()["data"]) == 2


def test_demo_product_is_seeded_and_served_to_the_widget(stack: Stack) -> None:
    demo = stack.demo
    config = stack.get(
        f"/v1/widget/config/{demo['product_id']}", demo["publishable_key"], Origin=stack.api_url
    )
    assert config.status_code == 200
    assert [z["id"] for z in config.json()["zones"]] == ["name", "back"]
    assert [o["id"] for o in config.json()["options"]] == ["chain", "back_engraving"]
    r = requests.post(
        stack.api_url + "/v1/personalization/validate",
        json={"product_id": demo["product_id"], "inputs": {"name": {"text": "Chloé"}}},
        headers={"Authorization": f"Bearer {demo['publishable_key']}", "Origin": stack.api_url},
        timeout=10,
    )
    assert r.status_code == 200 and r.json()["valid"] is True


def test_the_slate_coaster_is_seeded_beside_the_pendant(stack: Stack) -> None:
    demo = stack.demo
    config = stack.get(
        f"/v1/widget/config/{demo['coaster_product_id']}",
        demo["publishable_key"],
        Origin=stack.api_url,
    )
    assert config.status_code == 200
    body = config.json()
    assert body["die_line"]["shape"] == "circle" and body["width_mm"] == 100
    assert [z["id"] for z in body["zones"]] == ["family", "since"]
    assert demo["coaster_demo_url"].endswith(
        f"/demo/{demo['coaster_product_id']}?key=" + demo["publishable_key"]
    )


def test_auth_and_error_conventions_over_http(stack: Stack) -> None:
    pk, sk = stack.demo["publishable_key"], stack.demo["secret_key"]
    assert stack.get("/v1/brand").status_code == 401
    assert stack.get("/v1/keys", pk).status_code == 403
    foreign = stack.get("/v1/brand", pk, Origin="https://evil.example")
    assert foreign.status_code == 403
    assert foreign.json()["error"]["code"] == "auth.origin_not_allowed"
    headers = {"Authorization": f"Bearer {sk}", "Content-Type": "application/json"}
    bad = requests.post(stack.api_url + "/v1/keys", data="{oops", headers=headers, timeout=10)
    assert bad.status_code == 400
    assert bad.json()["request_id"] == bad.headers["X-Request-Id"]
    huge = requests.post(
        stack.api_url + "/v1/keys", data="x" * (1024 * 1024 + 1), headers=headers, timeout=10
    )
    assert huge.status_code == 413


def test_cli_creates_and_revokes_keys_against_the_local_stack(stack: Stack) -> None:
    cli = stack.cli

    created = cli("brands", "create", "--name", "CLI Shop", "--origin", "https://cli.example")
    assert created.returncode == 0, created.stderr
    brand = json.loads(created.stdout)
    assert brand["origins"] == ["https://cli.example"]
    assert stack.get("/v1/brand", brand["secret_key"]).json()["name"] == "CLI Shop"

    extra = json.loads(
        cli("keys", "create", "--brand", brand["brand_id"], "--kind", "publishable").stdout
    )
    assert stack.get("/v1/brand", extra["key"]).status_code == 200
    revoked = cli("keys", "revoke", "--brand", brand["brand_id"], "--key-id", extra["key_id"])
    assert revoked.returncode == 0 and json.loads(revoked.stdout)["revoked"] is True
    # The API process verified this key a moment ago and may reuse that verdict for up to
    # auth.KEY_CACHE_S seconds (the documented bound); it must answer 401 by then.
    deadline = time.monotonic() + KEY_CACHE_S + 1.0
    while (status := stack.get("/v1/brand", extra["key"]).status_code) == 200:
        assert time.monotonic() < deadline, "a revoked key still works past the documented bound"
        time.sleep(0.25)
    assert status == 401
    listed = json.loads(cli("keys", "list", "--brand", brand["brand_id"]).stdout)
    assert len(listed) == 3 and all("key" not in k for k in listed)

    unknown = cli("keys", "list", "--brand", "br_missing")
    assert unknown.returncode == 0 and json.loads(unknown.stdout) == []
    bad_origin = cli("brands", "create", "--name", "X", "--origin", "not-an-origin")
    assert bad_origin.returncode == 2
    assert json.loads(bad_origin.stderr)["error"]["code"] == "brand.invalid_origin"


def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    own = start_stack(tmp_path)
    own.process.send_signal(signal.SIGINT)
    assert own.process.wait(timeout=30) == 0
    for url in (own.api_url, own.aws_url):
        port = int(url.rsplit(":", 1)[1])
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"{url} still listening"
