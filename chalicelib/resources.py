"""The one definition of Atelier's AWS resources: tables, queues (+ DLQs) and the bucket.

Three consumers read it: the local stack's bootstrap, the test fixtures (both through
:func:`provision`) and the deploy template. A new table, queue or bucket is added here and only
here; tables are described by their pynamodb model, so key schemas are never written twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pynamodb.models import Model

from chalicelib import aws
from chalicelib.settings import Settings, get_settings
from chalicelib.store.events import DeliveryModel, EventModel
from chalicelib.store.migration import MigrationCheckpointModel
from chalicelib.store.models import (
    ApiKeyModel,
    AssetModel,
    BrandModel,
    IdempotencyRecord,
    OrderItemModel,
    OrderModel,
    PackModel,
    ProductModel,
    ProductVersionModel,
    ProfileModel,
    RateBucketModel,
    RenderModel,
    SnapshotModel,
    SpecModel,
    UsageModel,
)
from chalicelib.store.webhook_endpoints import WebhookEndpointModel
from chalicelib.store.webhooks import BrandSecretModel, WebhookReceiptModel

MAX_RECEIVE_COUNT = 5
# AWS asks for a visibility timeout of at least 6x the consumer's timeout, so a message whose
# Lambda is retried by the poller is not delivered twice in parallel.
VISIBILITY_FACTOR = 6


@dataclass(frozen=True)
class QueueSpec:
    """A work queue, its dead-letter queue and the settings of the Lambda that consumes it."""

    logical_name: str
    consumer_timeout_s: int
    consumer_memory_mb: int
    batch_size: int = 1
    consumer: str = ""  # the app.py function registered with @app.on_sqs_message

    @property
    def dlq_logical_name(self) -> str:
        return f"{self.logical_name}-dlq"

    @property
    def visibility_timeout_s(self) -> int:
        return self.consumer_timeout_s * VISIBILITY_FACTOR


@dataclass(frozen=True)
class BucketSpec:
    logical_name: str


TABLES: tuple[type[Model], ...] = (
    BrandModel,
    ApiKeyModel,
    IdempotencyRecord,
    ProductModel,
    ProductVersionModel,
    AssetModel,
    SpecModel,
    SnapshotModel,
    RenderModel,
    ProfileModel,
    PackModel,
    OrderModel,
    OrderItemModel,
    MigrationCheckpointModel,
    WebhookReceiptModel,
    BrandSecretModel,
    RateBucketModel,
    UsageModel,
    WebhookEndpointModel,
    EventModel,
    DeliveryModel,
)

QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "render-preview",
        consumer_timeout_s=30,
        consumer_memory_mb=1536,
        batch_size=10,
        consumer="render_preview_worker",
    ),
    QueueSpec(
        "render-final",
        consumer_timeout_s=120,
        consumer_memory_mb=3008,
        batch_size=1,
        consumer="render_final_worker",
    ),
    QueueSpec(
        "export-manufacturing",
        consumer_timeout_s=300,
        consumer_memory_mb=3008,
        consumer="export_manufacturing_worker",
    ),
    # One POST per message (10 s timeout each): a batch of 5 stays well inside 60 s.
    QueueSpec(
        "webhook-delivery",
        consumer_timeout_s=60,
        consumer_memory_mb=256,
        batch_size=5,
        consumer="webhook_delivery_worker",
    ),
)

ASSETS_BUCKET = BucketSpec("assets")
BUCKETS: tuple[BucketSpec, ...] = (ASSETS_BUCKET,)


def queue_spec(logical_name: str) -> QueueSpec:
    for spec in QUEUES:
        if spec.logical_name == logical_name:
            return spec
    raise KeyError(logical_name)


def queue_name_at_deploy(logical_name: str) -> str:
    """The physical queue a worker binds to, read when ``app.py`` is imported.

    The one setting read at import time, and on purpose: Chalice binds event sources when it
    packages the app (``ATELIER_STAGE`` is set by ``make deploy``/``make run``), long before any
    request runs.
    """
    queue_spec(logical_name)
    return get_settings().physical_name("queue", logical_name)


def table_logical_name(model: type[Model]) -> str:
    return str(model.Meta.logical_name)  # type: ignore[attr-defined]  # set by LazyTableMeta


def environment_variables(stage: str) -> dict[str, str]:
    """The ``ATELIER_*`` name variables a stage's config.json declares, derived from this file."""
    settings = Settings(stage=stage)
    env: dict[str, str] = {"ATELIER_STAGE": stage}
    for model in TABLES:
        logical = table_logical_name(model)
        env[_env_var("table", logical)] = settings.physical_name("table", logical)
    for queue in QUEUES:
        for logical in (queue.logical_name, queue.dlq_logical_name):
            env[_env_var("queue", logical)] = settings.physical_name("queue", logical)
    for bucket in BUCKETS:
        env[_env_var("bucket", bucket.logical_name)] = settings.physical_name(
            "bucket", bucket.logical_name
        )
    return env


API_FUNCTION = {"lambda_memory_size": 1024, "lambda_timeout": 29}
LOG_LEVELS = {"dev": "DEBUG", "prod": "INFO"}
# Retention (chalicelib/jobs/retention.py), days per stage: untouched drafts, unlinked uploads.
RETENTION_DAYS = {"dev": (30, 7), "prod": (30, 7)}
RETENTION_FUNCTION = {"lambda_memory_size": 512, "lambda_timeout": 900}


def chalice_config() -> dict[str, Any]:
    """``.chalice/config.json`` derived from this file (``python -m local.write_config``)."""

    def stage(name: str) -> dict[str, Any]:
        functions: dict[str, Any] = {"api_handler": dict(API_FUNCTION)}
        for queue in QUEUES:
            if queue.consumer:
                functions[queue.consumer] = {
                    "lambda_memory_size": queue.consumer_memory_mb,
                    "lambda_timeout": queue.consumer_timeout_s,
                }
        functions["retention"] = dict(RETENTION_FUNCTION)
        drafts, uploads = RETENTION_DAYS[name]
        return {
            "api_gateway_stage": "api",
            "environment_variables": {
                **environment_variables(name),
                "ATELIER_LOG_LEVEL": LOG_LEVELS[name],
                "ATELIER_RETENTION_DRAFT_DAYS": str(drafts),
                "ATELIER_RETENTION_UPLOAD_DAYS": str(uploads),
            },
            "lambda_functions": functions,
        }

    return {
        "version": "2.0",
        "app_name": "atelier",
        "lambda_memory_size": 1024,
        "lambda_timeout": 60,
        "stages": {name: stage(name) for name in LOG_LEVELS},
    }


def _env_var(kind: str, logical: str) -> str:
    return f"ATELIER_{kind.upper()}_{logical.upper().replace('-', '_')}"


def provision(*, visibility_timeout_s: int | None = None) -> dict[str, Any]:
    """Create every resource that does not exist yet (local stack and tests; idempotent).

    ``visibility_timeout_s`` overrides the queues' timeout, for tests that watch redelivery.
    Returns what exists now: table names, queue URLs, bucket names.
    """
    settings = get_settings()
    return {
        "tables": [_ensure_table(model) for model in TABLES],
        "queues": {q.logical_name: ensure_queue(settings, q, visibility_timeout_s) for q in QUEUES},
        "buckets": [_ensure_bucket(settings, b) for b in BUCKETS],
    }


def _ensure_table(model: type[Model]) -> str:
    if not model.exists():
        model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    return str(model.Meta.table_name)


def ensure_queue(settings: Settings, spec: QueueSpec, visibility_timeout_s: int | None) -> str:
    sqs = aws.sqs()
    dlq_url = sqs.create_queue(
        QueueName=settings.physical_name("queue", spec.dlq_logical_name),
        Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)},
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    timeout = (
        visibility_timeout_s if visibility_timeout_s is not None else spec.visibility_timeout_s
    )
    url: str = sqs.create_queue(
        QueueName=settings.physical_name("queue", spec.logical_name),
        Attributes={
            "VisibilityTimeout": str(timeout),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVE_COUNT)}
            ),
        },
    )["QueueUrl"]
    return url


def _ensure_bucket(settings: Settings, spec: BucketSpec) -> str:
    s3 = aws.s3()
    name = settings.physical_name("bucket", spec.logical_name)
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        if settings.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": settings.region}
            )
    # Browsers POST uploads straight to S3 (presigned POST policy), so the bucket must answer CORS.
    s3.put_bucket_cors(
        Bucket=name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": ["*"],
                    "AllowedMethods": ["POST", "GET"],
                    "AllowedHeaders": ["Content-Type"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    return name
