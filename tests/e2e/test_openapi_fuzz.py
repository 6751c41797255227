"""Schemathesis against the published OpenAPI document, over real HTTP on the local stack.

Every generated request — valid, boundary and schema-breaking — must get an answer the document
describes (status, content type, headers, body schema), never a 5xx, and schema-breaking input
must be refused with a 4xx. The run is bounded (15 examples per operation, fixed seed) so it fits
in ``make test``. The exhaustive run adds schemathesis' coverage phase (every boundary and
negative case of every schema, ~3,300 requests, a few minutes):

    ATELIER_FUZZ_PHASES=examples,coverage,fuzzing make e2e

The fuzzed brand is a fresh one, so what the fuzzer changes (origins, profanity words, keys)
cannot disturb other tests. Revoking keys is left out: the fuzzer would revoke its own key
(covered by tests/integration/test_auth.py instead).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # minutes: `make test-slow` (CI)

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


def _fuzz_brand(stack: Stack) -> dict[str, str]:
    made = stack.cli("brands", "create", "--name", "Fuzz", "--origin", stack.api_url)
    assert made.returncode == 0, made.stderr
    return dict(json.loads(made.stdout))


def _seed(stack: Stack, sk: str) -> dict[str, str]:
    """Real ids for path parameters, so operations reach past 404 into their logic."""
    headers = {"Authorization": f"Bearer {sk}"}

    def post(path: str, payload: dict[str, object]) -> dict[str, str]:
        r = requests.post(
            stack.api_url + path,
            json=payload,
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            timeout=30,
        )
        assert r.status_code in (200, 201), r.text
        return dict(r.json())

    zones = [
        {
            "id": "name",
            "name": "Name",
            "kind": "text",
            "process": "engrave",
            "x_mm": 5,
            "y_mm": 5,
            "width_mm": 30,
            "height_mm": 10,
            "max_chars": 12,
            "fonts": ["lato-regular"],
            "min_size_mm": 2,
            "max_size_mm": 6,
            "colors": ["#000000"],
        }
    ]
    doc = {"name": "Tag", "sku": "TAG-1", "status": "active", "width_mm": 40, "height_mm": 20}
    created = post("/v1/products", {**doc, "zones": zones})
    spec = post(
        "/v1/specs", {"product_id": created["product_id"], "inputs": {"name": {"text": "Ada"}}}
    )
    snap = post("/v1/snapshots", {"spec_hash": spec["spec_hash"]})
    return {
        "product_id": created["product_id"],
        "spec_hash": spec["spec_hash"],
        "snapshot_id": snap["snapshot_id"],
    }


def test_every_answer_conforms_to_the_openapi_document(stack: Stack, tmp_path: Path) -> None:
    brand = _fuzz_brand(stack)
    ids = _seed(stack, brand["secret_key"])
    document = requests.get(stack.api_url + "/v1/openapi.json", timeout=60)
    assert document.status_code == 200
    schema = tmp_path / "openapi.json"
    schema.write_text(document.text)
    config = tmp_path / "schemathesis.toml"
    # A body over the 1 MiB limit is refused before it is read (413): a rejection of invalid
    # data like any 4xx, which schemathesis's default list for this check leaves out.
    statuses = (400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429)
    rejections = ", ".join(f'"{status}"' for status in statuses)
    config.write_text(
        f"[checks.negative_data_rejection]\nexpected-statuses = [{rejections}]\n\n"
        + "[parameters]\n"
        + "".join(f'"path.{k}" = "{v}"\n' for k, v in sorted(ids.items()))
    )
    examples = os.environ.get("ATELIER_FUZZ_EXAMPLES", "15")
    phases = os.environ.get("ATELIER_FUZZ_PHASES", "examples,fuzzing")
    cmd = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "run",
        str(schema),
        "--url",
        stack.api_url,
        "-H",
        f"Authorization: Bearer {brand['secret_key']}",
        "--checks",
        CHECKS,
        "--max-examples",
        examples,
        "--phases",
        phases,
        "--exclude-operation-id",
        "revoke_key",
        "--seed",
        "1",
        "--workers",
        "1",
        "--request-timeout",
        "30",
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert "API Operations:" in run.stdout and "Tested:" in run.stdout
