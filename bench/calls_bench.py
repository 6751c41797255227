"""DynamoDB calls per request of the widget's four endpoints (issue 23: per-request AWS calls).

Run: ``.venv/bin/python -m bench.calls_bench`` (prints the rows; ``--json`` for bench/__main__).

Counted, not timed: each endpoint is called through Chalice's test client against moto's
in-process AWS, twice with fresh inputs; the second call is counted, as on a warm container (the
key's verdict and the rate bucket's TAT already seen). Every DynamoDB call passes through
botocore's ``BaseClient._make_api_call``, whichever client (boto3 or pynamodb's) makes it, so the
count cannot miss one. Runs in a child process so moto's patches never touch the rest of the
bench.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from typing import Any

from bench.flow import inputs
from bench.report import Row, table

ENDPOINTS = ("validate", "create spec", "create snapshot", "preview")
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "ATELIER_STAGE": "dev",
}


def count() -> dict[str, list[str]]:
    """endpoint -> the DynamoDB operations its warm request made, in order."""
    from botocore.client import BaseClient
    from chalice.test import Client
    from moto import mock_aws

    os.environ.update(FAKE_AWS)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    ops: list[str] = []
    real = BaseClient._make_api_call

    def counting(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            ops.append(operation)
        return real(client, operation, params)

    with mock_aws():
        from app import app
        from chalicelib import aws, resources
        from chalicelib.cli import create_brand_with_keys
        from local.stack import ROOT, seed_demo_product

        aws.reset_clients()
        resources.provision()
        brand = create_brand_with_keys("Calls", ["https://shop.example"])
        product = seed_demo_product(brand["brand_id"])
        headers = {
            "Authorization": f"Bearer {brand['publishable_key']}",
            "Origin": "https://shop.example",
            "Content-Type": "application/json",
        }
        BaseClient._make_api_call = counting  # type: ignore[method-assign]
        out: dict[str, list[str]] = {}
        with Client(app, stage_name="dev", project_dir=str(ROOT)) as client:

            def post(path: str, payload: dict[str, Any]) -> dict[str, Any]:
                sent = {**headers, "Idempotency-Key": uuid.uuid4().hex}
                answer = client.http.post(path, headers=sent, body=json.dumps(payload))
                if answer.status_code >= 300:
                    raise RuntimeError(f"{path}: HTTP {answer.status_code} {answer.body[:300]!r}")
                return dict(json.loads(answer.body))

            def flow(text: str) -> dict[str, list[str]]:
                body = {"product_id": product, "inputs": inputs(text)}
                seen: dict[str, list[str]] = {}
                steps: list[tuple[str, str, Any]] = [
                    ("validate", "/v1/personalization/validate", lambda _: body),
                    ("create spec", "/v1/specs", lambda _: body),
                    ("create snapshot", "/v1/snapshots", lambda a: {"spec_hash": a["spec_hash"]}),
                    ("preview", "/v1/renders/preview", lambda a: {"snapshot_id": a["snapshot_id"]}),
                ]
                answer: dict[str, Any] = {}
                for name, path, payload in steps:
                    before = len(ops)
                    answer = post(path, payload(answer))
                    seen[name] = ops[before:]
                return seen

            flow("Warm up")
            out = flow("Counted")
        BaseClient._make_api_call = real  # type: ignore[method-assign]
    return out


def rows() -> list[Row]:
    """The counts, measured in a child process."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.calls_bench", "--json"],
        capture_output=True, text=True, check=True, timeout=600,
    )  # fmt: skip
    counted: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return [
        Row(
            f"DynamoDB calls per {name} request (warm)",
            float(len(ops)),
            None,
            "calls",
            "by operation: " + ", ".join(f"{op} x{n}" for op, n in sorted(Counter(ops).items())),
        )
        for name, ops in counted.items()
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the raw counts as one JSON line")
    args = parser.parse_args(argv)
    if args.json:
        print(json.dumps(count()))
        return
    print(table(rows()))


if __name__ == "__main__":
    main()
