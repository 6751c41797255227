"""Least-privilege IAM policies, one per Lambda function and stage, from one table of grants.

``ACCESS`` says which actions each function needs on which named resource of the definition
(:mod:`chalicelib.resources`); :func:`policy` turns that into the document Chalice attaches to the
function's own role (``iam_policy_file`` in ``.chalice/config.json``, ``autogen_policy`` off).
``python -m deploy iam`` writes ``.chalice/policy-<stage>-<function>.json``; a test fails when a
file differs from what this module generates, and ``tests/integration/test_iam_coverage.py``
proves every grant is used by a recorded call and every recorded call is granted.

Adding a function: one ``FunctionSpec``/``QueueSpec`` entry in ``chalicelib/resources.py``, one
entry here, then ``python -m local.write_config`` (config.json and these policies).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib import resources
from chalicelib.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Table:
    logical: str
    index: str | None = None


@dataclass(frozen=True)
class Queue:
    logical: str


@dataclass(frozen=True)
class Objects:
    """Keys of a bucket matching ``pattern`` (every key starts with the brand id)."""

    bucket: str
    pattern: str
    label: str  # names the statement: ObjectsUploads


@dataclass(frozen=True)
class Bucket:
    logical: str


Resource = Table | Queue | Objects | Bucket

GET = "dynamodb:GetItem"
PUT = "dynamodb:PutItem"
UPDATE = "dynamodb:UpdateItem"
DELETE = "dynamodb:DeleteItem"
QUERY = "dynamodb:Query"
# GET /v1/health describes every table, looks up every queue (DLQs too) and heads the bucket.
DESCRIBE = "dynamodb:DescribeTable"
QUEUE_URL = "sqs:GetQueueUrl"

UPLOADS = Objects("assets", "*/uploads/*", "Uploads")  # presigned PUT, read and removed on complete
ASSETS = Objects("assets", "*/assets/*", "Assets")  # verified images
FONTS = Objects("assets", "*/fonts/*", "Fonts")  # verified brand fonts
RENDERS = Objects("assets", "*/renders/*", "Renders")
PACKS = Objects("assets", "*/packs/*", "Packs")


def _api() -> dict[Resource, tuple[str, ...]]:
    """The API: its own reads and writes, plus the health probe's look-ups of everything."""
    grants: dict[Resource, tuple[str, ...]] = {
        Table("api-keys"): (GET, PUT, UPDATE),
        Table("api-keys", "by_brand"): (QUERY,),
        Table("assets"): (GET, PUT, UPDATE, QUERY),
        Table("brand-secrets"): (GET, UPDATE),  # a first signed Shopify delivery pins its shop
        Table("brands"): (GET, UPDATE),
        Table("events"): (GET, PUT),  # written with the state change (TransactWriteItems)
        Table("events", "by_created"): (QUERY,),
        Table("idempotency"): (GET, PUT, UPDATE, DELETE),
        Table("order-items"): (PUT, UPDATE, QUERY),
        Table("orders"): (GET, PUT, UPDATE, QUERY),
        Table("packs"): (GET, PUT),
        Table("product-versions"): (GET, PUT),
        Table("products"): (GET, PUT, UPDATE, QUERY),
        Table("profiles"): (GET, PUT, UPDATE, QUERY),
        Table("rate-limits"): (UPDATE,),  # GCRA: one conditional UpdateItem
        Table("renders"): (GET, PUT),
        Table("snapshots"): (GET, PUT, UPDATE, DELETE),
        Table("specs"): (GET, PUT),
        Table("usage"): (UPDATE, QUERY),
        Table("webhook-deliveries"): (GET, PUT, UPDATE, QUERY),  # event detail, redelivery
        Table("webhook-endpoints"): (GET, PUT, UPDATE, DELETE, QUERY),
        Table("webhook-receipts"): (GET, PUT),
        Bucket("assets"): ("s3:ListBucket",),
        UPLOADS: ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
        ASSETS: ("s3:PutObject",),
        FONTS: ("s3:PutObject", "s3:GetObject"),
        RENDERS: ("s3:GetObject",),
        PACKS: ("s3:GetObject",),
    }
    for model in resources.TABLES:
        table = Table(resources.table_logical_name(model))
        grants[table] = (*grants.get(table, ()), DESCRIBE)
    for queue in resources.QUEUES:
        grants[Queue(queue.logical_name)] = ("sqs:SendMessage", QUEUE_URL)
        grants[Queue(queue.dlq_logical_name)] = (QUEUE_URL,)
    return grants


# A worker that finishes a job writes its event (render.succeeded, pack.ready, ...) in the same
# transaction as the job's final state, then queues a fan-out if some endpoint wants it.
EMITS_EVENTS: dict[Resource, tuple[str, ...]] = {
    Table("events"): (PUT,),
    Table("webhook-endpoints"): (QUERY,),
    Queue("webhook-delivery"): ("sqs:SendMessage", QUEUE_URL),
}


def _render_worker(*, preview: bool) -> dict[Resource, tuple[str, ...]]:
    """Renders read the design and its images, write the outputs (previews tagged to expire)."""
    return {
        Table("assets"): (GET,),
        Table("product-versions"): (GET,),
        Table("renders"): (GET, UPDATE),
        Table("snapshots"): (GET, UPDATE),
        Table("specs"): (GET,),
        ASSETS: ("s3:GetObject",),
        FONTS: ("s3:GetObject",),
        RENDERS: ("s3:GetObject", "s3:PutObject", *(("s3:PutObjectTagging",) if preview else ())),
        **EMITS_EVENTS,
    }


ACCESS: dict[str, dict[Resource, tuple[str, ...]]] = {
    "api_handler": _api(),
    "render_preview_worker": _render_worker(preview=True),
    "render_final_worker": _render_worker(preview=False),
    "export_manufacturing_worker": {
        Table("assets"): (GET,),
        Table("packs"): (GET, UPDATE),
        Table("product-versions"): (GET,),
        Table("snapshots"): (GET,),  # the shopper's proof, printed on the job sheet
        Table("specs"): (GET,),
        ASSETS: ("s3:GetObject",),
        FONTS: ("s3:GetObject",),
        # GetObject: the pack.ready event carries a presigned download URL of the zip.
        PACKS: ("s3:PutObject", "s3:GetObject"),
        **EMITS_EVENTS,
    },
    # Reads the event and the endpoint, POSTs, records the attempt and queues the next one.
    "webhook_delivery_worker": {
        Table("events"): (GET,),
        Table("webhook-deliveries"): (GET, PUT, UPDATE),
        Table("webhook-endpoints"): (GET, QUERY, UPDATE),
        Queue("webhook-delivery"): ("sqs:SendMessage", QUEUE_URL),
    },
    # Scans the enabled endpoints, reads each such brand's recent events and their deliveries,
    # and queues the fan-out of an event some endpoint is owed (chalicelib/jobs/outbox.py).
    "webhook_outbox": {
        Table("events", "by_created"): (QUERY,),
        Table("webhook-deliveries"): (QUERY,),
        Table("webhook-endpoints"): ("dynamodb:Scan",),
        Queue("webhook-delivery"): ("sqs:SendMessage", QUEUE_URL),
    },
    # Reads each brand's partitions (what references what), then deletes expired drafts
    # (GetItem: one that changed meanwhile is re-read and kept), their renders in batches,
    # the renders' objects under a listed prefix, and unlinked uploads; checkpoints the scan.
    "retention": {
        Table("assets"): (QUERY, DELETE),
        Table("brands"): ("dynamodb:Scan",),
        Table("migrations"): (GET, PUT),
        Table("order-items"): (QUERY,),
        Table("orders"): (QUERY,),
        Table("product-versions"): (QUERY,),
        Table("products"): (QUERY,),
        Table("renders"): (QUERY, "dynamodb:BatchWriteItem"),
        Table("snapshots"): (GET, QUERY, DELETE),
        Table("specs"): (QUERY,),
        Bucket("assets"): ("s3:ListBucket",),
        UPLOADS: ("s3:DeleteObject",),
        ASSETS: ("s3:DeleteObject",),
        RENDERS: ("s3:DeleteObject",),
    },
}

PLATFORM_SID_PREFIX = "Platform"


def is_platform_statement(sid: str) -> bool:
    """Statements Lambda itself uses (logs, the SQS event source), not the code."""
    return sid.startswith(PLATFORM_SID_PREFIX)


def _words(name: str) -> str:
    return "".join(word.capitalize() for word in name.replace("_", "-").split("-"))


def _sid_and_arn(settings: Settings, resource: Resource) -> tuple[str, str]:
    if isinstance(resource, Table):
        name = settings.physical_name("table", resource.logical)
        arn = f"arn:aws:dynamodb:*:*:table/{name}"
        if resource.index:
            return (
                f"Table{_words(resource.logical)}Index{_words(resource.index)}",
                f"{arn}/index/{resource.index}",
            )
        return f"Table{_words(resource.logical)}", arn
    if isinstance(resource, Queue):
        name = settings.physical_name("queue", resource.logical)
        return f"Queue{_words(resource.logical)}", f"arn:aws:sqs:*:*:{name}"
    if isinstance(resource, Objects):
        name = settings.physical_name("bucket", resource.bucket)
        return f"Objects{resource.label}", f"arn:aws:s3:::{name}/{resource.pattern}"
    name = settings.physical_name("bucket", resource.logical)
    return f"Bucket{_words(resource.logical)}", f"arn:aws:s3:::{name}"


def _platform(settings: Settings, function: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": f"{PLATFORM_SID_PREFIX}Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:*:*:log-group:/aws/lambda/atelier-{settings.stage}*",
        }
    ]
    for queue in resources.QUEUES:
        if queue.consumer == function:
            name = settings.physical_name("queue", queue.logical_name)
            statements.append(
                {
                    "Sid": f"{PLATFORM_SID_PREFIX}EventSource",
                    "Effect": "Allow",
                    # The mapping's own calls, plus the worker's: after a passing failure it
                    # postpones the delivery (GetQueueUrl + ChangeMessageVisibility, see
                    # chalicelib/jobs/runner.py) so the retry comes after a backoff.
                    "Action": [
                        "sqs:ReceiveMessage",
                        "sqs:DeleteMessage",
                        "sqs:GetQueueAttributes",
                        "sqs:ChangeMessageVisibility",
                        "sqs:GetQueueUrl",
                    ],
                    "Resource": f"arn:aws:sqs:*:*:{name}",
                }
            )
    return statements


def policy(stage: str, function: str) -> dict[str, Any]:
    """The policy document of one function's role in one stage."""
    if function not in ACCESS:
        raise KeyError(f"no IAM grants for {function}: add an entry to deploy/iam.py ACCESS")
    settings = Settings(stage=stage)
    statements = _platform(settings, function)
    for resource, actions in ACCESS[function].items():
        sid, arn = _sid_and_arn(settings, resource)
        statements.append(
            {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": arn}
        )
    return {"Version": "2012-10-17", "Statement": statements}


def policy_files() -> dict[Path, str]:
    """Every ``.chalice/policy-*.json`` file and its content, for each stage and function."""
    files = {}
    for stage in resources.LOG_LEVELS:
        for function in resources.functions():
            path = ROOT / ".chalice" / resources.policy_file(stage, function.name)
            files[path] = json.dumps(policy(stage, function.name), indent=2) + "\n"
    return files


def write() -> list[Path]:
    """Write the policy files (``python -m deploy iam``)."""
    written = []
    for path, text in policy_files().items():
        path.write_text(text)
        written.append(path)
    return written
