"""Request and response examples for the OpenAPI document, recorded from real calls.

It runs the README's walkthrough (and the calls around it: brand, keys, widget, orders, errors)
against a running local stack and writes what was sent and answered to
``chalicelib/api/openapi_examples.json``, which ``/v1/openapi.json`` (and Redoc at ``/docs``)
shows per operation. ``tests/e2e/test_openapi_examples.py`` records again on a fresh stack and
fails when the committed file differs once ids, keys, hashes, times and durations are
normalized (:func:`normalize`), so the examples cannot drift from what the API answers.

    make run                                  # in one terminal
    python -m local.openapi_examples          # in another: rewrites the examples file
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import requests

from local.stack import ROOT

OUTPUT = ROOT / "chalicelib" / "api" / "openapi_examples.json"


def _walkthrough() -> ModuleType:
    """``examples/personalize.py`` (a script, not a package): its product is the one recorded."""
    spec = importlib.util.spec_from_file_location("personalize", ROOT / "examples/personalize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PRODUCT: dict[str, Any] = _walkthrough().PRODUCT
NAME = {"text": "Chloé", "font": "amatic-sc-regular"}


class Recorder:
    """Calls the API and keeps, per operation (``"POST /v1/products"``), the request body and
    one answer per status."""

    def __init__(self, api_url: str, secret_key: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.secret_key = secret_key
        self.examples: dict[str, dict[str, Any]] = {}

    def call(
        self,
        method: str,
        template: str,
        body: Any = None,
        *,
        key: str | None = None,
        idempotent: bool = False,
        record: bool = True,
        **params: str,
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {key or self.secret_key}"}
        if idempotent:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if key and key.startswith("pk_"):
            headers["Origin"] = self.api_url  # the demo page's origin, allowed for the demo key
        response = requests.request(
            method,
            self.api_url + template.format(**params),
            json=body,
            headers=headers,
            timeout=60,
        )
        if record:
            entry = self.examples.setdefault(f"{method} {template}", {"responses": {}})
            if body is not None and response.status_code < 400:
                entry["request"] = body
            if response.headers.get("Content-Type", "").startswith("application/json"):
                entry["responses"].setdefault(str(response.status_code), response.json())
        return response


def new_brand(api_url: str, aws_environment: dict[str, str]) -> dict[str, Any]:
    """A brand of its own (through the ops CLI), so earlier calls on the stack change nothing."""
    created = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", "brands", "create", "--name", "Recorded Shop",
         "--origin", api_url],
        cwd=ROOT,
        env={**os.environ, **aws_environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    return dict(json.loads(created.stdout))


def record(api_url: str, aws_environment: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The walkthrough and its neighbours on a new brand, each answer checked as it goes."""
    brand = new_brand(api_url, aws_environment)
    publishable_key = brand["publishable_key"]
    r = Recorder(api_url, brand["secret_key"])
    ok = _expect(r)

    ok(r.call("GET", "/v1/health"), 200)
    ok(r.call("GET", "/v1/brand"), 200)
    ok(r.call("GET", "/v1/keys"), 200)

    product = ok(r.call("POST", "/v1/products", PRODUCT, idempotent=True), 201)["product_id"]
    ok(r.call("GET", "/v1/products/{product_id}", product_id=product), 200)
    ok(r.call("GET", "/v1/products/{product_id}", product_id="prd_0000000000000000"), 404)
    bad = {**PRODUCT, "width_mm": "60"}
    ok(r.call("POST", "/v1/products", bad, idempotent=True), 422)
    ok(r.call("POST", "/v1/products", PRODUCT), 400)  # no Idempotency-Key
    ok(
        r.call("GET", "/v1/widget/config/{product_id}", key=publishable_key, product_id=product),
        200,
    )

    design = {"product_id": product, "inputs": {"name": NAME}}
    too_long = {"product_id": product, "inputs": {"name": {"text": "Maximilianus Aurelius"}}}
    ok(r.call("GET", "/v1/products"), 200)
    ok(r.call("GET", "/v1/fonts"), 200)
    ok(r.call("GET", "/v1/manufacturing/profiles"), 200)
    typed = {"text": "  Chloé\u200b ", "product_id": product, "zone_id": "name"}
    ok(r.call("POST", "/v1/personalization/normalize", typed), 200)
    fit = {"product_id": product, "zone_id": "name", "text": "Chloé", "font": NAME["font"]}
    ok(r.call("POST", "/v1/personalization/auto-fit", fit), 200)
    ok(r.call("POST", "/v1/personalization/validate", design), 200)
    r.call("POST", "/v1/personalization/validate", too_long, record=False)

    spec = ok(r.call("POST", "/v1/specs", design, idempotent=True), 201)["spec_hash"]
    ok(r.call("GET", "/v1/specs/{spec_hash}", spec_hash=spec), 200)
    snapshot = ok(r.call("POST", "/v1/snapshots", {"spec_hash": spec}, idempotent=True), 201)
    snapshot_id = snapshot["snapshot_id"]
    unlocked_pack = {"snapshot_id": snapshot_id}
    ok(r.call("POST", "/v1/manufacturing/export-pack", unlocked_pack, idempotent=True), 409)
    ok(r.call("POST", "/v1/snapshots/{snapshot_id}/lock", snapshot_id=snapshot_id), 200)
    ok(r.call("GET", "/v1/snapshots/{snapshot_id}", snapshot_id=snapshot_id), 200)
    ok(r.call("DELETE", "/v1/snapshots/{snapshot_id}", snapshot_id=snapshot_id), 409)

    pack_id = ok(
        r.call("POST", "/v1/manufacturing/export-pack", unlocked_pack, idempotent=True), 202
    )["pack_id"]
    deadline = time.monotonic() + 300
    while True:
        pack = r.call(
            "GET", "/v1/manufacturing/packs/{pack_id}", record=False, pack_id=pack_id
        ).json()
        if pack["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            break
        time.sleep(1)
    ok(r.call("GET", "/v1/manufacturing/packs/{pack_id}", pack_id=pack_id), 200)

    order = {
        "external_ref": "#1001",
        "currency": "EUR",
        "customer": {"email": "chloe@example.com", "name": "Chloé Martin"},
        "items": [
            {"product_id": product, "snapshot_id": snapshot_id, "quantity": 1,
             "unit_price_minor": 2400},
        ],
    }  # fmt: skip
    order_id = ok(r.call("POST", "/v1/orders", order, idempotent=True), 201)["order_id"]
    ok(r.call("GET", "/v1/orders/{order_id}", order_id=order_id), 200)
    ok(r.call("GET", "/v1/orders"), 200)
    return r.examples


def _expect(r: Recorder) -> Any:
    def ok(response: requests.Response, status: int) -> Any:
        if response.status_code != status:
            raise AssertionError(
                f"{response.request.method} {response.request.path_url}: wanted {status}, "
                f"got {response.status_code}: {response.text[:500]}"
            )
        return response.json() if response.content else None

    return ok


def render(examples: dict[str, dict[str, Any]]) -> str:
    return json.dumps(examples, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# -- normalization (what may differ between two recordings of the same calls) ------------------

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_URL = re.compile(r"https?://[^/\s\"]+(/[^?\s\"]*)?(\?[^\s\"]*)?")
# Our ids (``prd_`` + random hex, keys ``sk_<id>_<secret>``...) and hex digests, request ids.
_ID = re.compile(
    r"\b(?:ast|br|evt|ord|pck|prd|prf|rnd|snp|we|pk|sk)_[0-9a-z]+(?:_[0-9a-z]+)*\b"
    r"|\b[0-9a-f]{32,}\b"
)
# Values measured rather than derived: durations, and byte counts of files whose content
# carries ids and times (a job sheet prints the snapshot id and the date).
_VOLATILE_KEYS = {"timings", "size", "bytes", "size_bytes"}  # and every "..._ms"


def _masked(value: Any, key: str = "") -> Any:
    """``value`` with every id, time and measured value blanked: what orders a list."""
    if key in _VOLATILE_KEYS or key.endswith("_ms") or key == "key_id":
        return ""
    if isinstance(value, dict):
        return {k: _masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, str):
        return _ID.sub("", _TIME.sub("", value))
    return value


def normalize(examples: Any) -> Any:
    """The recording with each id, key and hash replaced by its order of first appearance
    (``<id 3>``: the same id in two places stays the same), times by ``<time>``, URLs by their
    path, and durations and sizes by ``<measured>``. Lists of objects are compared in an order
    that ignores ids (the API lists keys in id order, which is random)."""
    seen: dict[str, str] = {}

    def text(value: str) -> str:
        value = _TIME.sub("<time>", value)
        value = _URL.sub(lambda m: "<url>" + (m.group(1) or ""), value)
        return _ID.sub(lambda m: seen.setdefault(m.group(0), f"<id {len(seen) + 1}>"), value)

    def walk(value: Any, key: str = "") -> Any:
        if key in _VOLATILE_KEYS or key.endswith("_ms"):
            return "<measured>"
        if key == "key_id":  # the one id without a prefix
            value = seen.setdefault(str(value), f"<id {len(seen) + 1}>")
        if isinstance(value, dict):
            return {k: walk(value[k], k) for k in sorted(value)}
        if isinstance(value, list):
            if all(isinstance(v, dict) for v in value):  # e.g. keys listed in id order
                value = sorted(value, key=lambda v: json.dumps(_masked(v), sort_keys=True))
            return [walk(v) for v in value]
        if isinstance(value, str):
            return text(value)
        return value

    return walk(examples)


def main() -> int:
    """Record against the running ``make run`` stack, or with ``--own-stack`` against a fresh one
    started (and stopped) here, as the test does: no terminal to keep open."""
    if "--own-stack" in sys.argv[1:]:
        import tempfile

        from local.harness import start_stack, stop_stack

        with tempfile.TemporaryDirectory() as state:
            running = start_stack(Path(state))
            try:
                examples = record(running.api_url, running.demo["aws_environment"])
            finally:
                stop_stack(running.process)
    else:
        demo = json.loads((Path(".local") / "demo.json").read_text())
        examples = record(demo["api_url"], demo["aws_environment"])
    OUTPUT.write_text(render(examples))
    print(f"wrote {OUTPUT} ({len(examples)} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
