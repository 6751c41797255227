"""The one definition of Atelier's AWS resources: tables, queues (+ DLQs) and the bucket.

Three consumers read it: the local stack's bootstrap, the test fixtures (both through
:func:`provision`) and the deploy template. A new table, queue or bucket is added here and only
here; tables are described by their pynamodb model, so key schemas are never written twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import TTLAttribute
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
    # Reserved concurrency of the consumer, also the event source's MaximumConcurrency (so the
    # poller never hands Lambda more batches than it may run, which would throttle and burn
    # receives towards the DLQ).
    consumer_concurrency: int = 5

    @property
    def dlq_logical_name(self) -> str:
        return f"{self.logical_name}-dlq"

    @property
    def visibility_timeout_s(self) -> int:
        return self.consumer_timeout_s * VISIBILITY_FACTOR


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function that is not a queue consumer (the API, scheduled jobs)."""

    name: str  # the app.py function (Chalice names the API's "api_handler")
    memory_mb: int
    timeout_s: int
    reserved_concurrency: int


@dataclass(frozen=True)
class ExpiryRule:
    """Objects tagged ``tag_key=tag_value`` are deleted by the bucket's lifecycle after ``days``.

    S3 lifecycle filters match key prefixes or tags; our keys start with the brand id, so
    expiring classes of objects (previews) is done by tag, set by the writer.
    """

    rule_id: str
    tag_key: str
    tag_value: str
    days: int

    @property
    def tagging(self) -> str:
        """The ``Tagging`` argument of ``put_object`` that puts an object under this rule."""
        return f"{self.tag_key}={self.tag_value}"


@dataclass(frozen=True)
class BucketSpec:
    logical_name: str
    expiry: tuple[ExpiryRule, ...] = ()


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
        consumer_concurrency=20,
    ),
    QueueSpec(
        "render-final",
        consumer_timeout_s=120,
        consumer_memory_mb=3008,
        batch_size=1,
        consumer="render_final_worker",
        consumer_concurrency=10,
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

# Content-addressed previews are a cache: a new request re-renders one that has expired.
PREVIEW_EXPIRY = ExpiryRule("expire-previews", "atelier-lifecycle", "preview", days=30)
# Browsers POST uploads straight to S3 (presigned POST policy), so the bucket must answer CORS.
UPLOAD_CORS_RULE: dict[str, Any] = {
    "AllowedOrigins": ["*"],
    "AllowedMethods": ["POST", "GET"],
    "AllowedHeaders": ["Content-Type"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3000,
}
ASSETS_BUCKET = BucketSpec("assets", expiry=(PREVIEW_EXPIRY,))
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


def ttl_attribute(model: type[Model]) -> str | None:
    """The model's DynamoDB TTL attribute (a pynamodb ``TTLAttribute``), if it has one."""
    for attribute in model.get_attributes().values():
        if isinstance(attribute, TTLAttribute):
            return str(attribute.attr_name)
    return None


def environment_variables(stage: str) -> dict[str, str]:
    """The ``ATELIER_*`` name variables a stage's config.json declares, derived from this file."""
    settings = Settings(stage=stage)
    env: dict[str, str] = {"ATELIER_STAGE": stage}
    for model in TABLES:
        logical = table_logical_name(model)
        env[env_var("table", logical)] = settings.physical_name("table", logical)
    for queue in QUEUES:
        for logical in (queue.logical_name, queue.dlq_logical_name):
            env[env_var("queue", logical)] = settings.physical_name("queue", logical)
    for bucket in BUCKETS:
        env[env_var("bucket", bucket.logical_name)] = settings.physical_name(
            "bucket", bucket.logical_name
        )
    return env


API_FUNCTION = FunctionSpec("api_handler", memory_mb=1024, timeout_s=29, reserved_concurrency=100)
# Functions that consume no queue (scheduled jobs): one entry each.
OTHER_FUNCTIONS: tuple[FunctionSpec, ...] = (
    # The daily retention job (chalicelib/jobs/retention.py); one run at a time is enough.
    FunctionSpec("retention", memory_mb=512, timeout_s=900, reserved_concurrency=1),
    # The webhook outbox sweeper (chalicelib/jobs/outbox.py), every 5 minutes: reads and sends.
    FunctionSpec("webhook_outbox", memory_mb=256, timeout_s=120, reserved_concurrency=1),
)
LOG_LEVELS = {"dev": "DEBUG", "prod": "INFO"}
# Retention (chalicelib/jobs/retention.py), days per stage: untouched drafts, unlinked uploads.
RETENTION_DAYS = {"dev": (30, 7), "prod": (30, 7)}
LOG_RETENTION_DAYS = {"dev": 14, "prod": 90}
# Graviton: every native dependency ships manylinux2014 aarch64 wheels, and it costs ~20% less.
LAMBDA_ARCHITECTURE = "arm64"


def functions() -> tuple[FunctionSpec, ...]:
    """Every Lambda function of the app: the API, each queue's consumer, the others."""
    consumers = tuple(
        FunctionSpec(q.consumer, q.consumer_memory_mb, q.consumer_timeout_s, q.consumer_concurrency)
        for q in QUEUES
        if q.consumer
    )
    return (API_FUNCTION, *consumers, *OTHER_FUNCTIONS)


def policy_file(stage: str, function: str) -> str:
    """The IAM policy of one function's role in one stage, relative to ``.chalice/``."""
    return f"policy-{stage}-{function.replace('_', '-')}.json"


def chalice_config() -> dict[str, Any]:
    """``.chalice/config.json`` derived from this file (``python -m local.write_config``).

    Policies are written by ``python -m deploy iam`` (``autogen_policy`` is off: Chalice's
    generated policies grant ``*`` resources).
    """

    def stage(name: str) -> dict[str, Any]:
        drafts, uploads = RETENTION_DAYS[name]
        return {
            "api_gateway_stage": "api",
            "lambda_architecture": LAMBDA_ARCHITECTURE,
            "autogen_policy": False,
            "environment_variables": {
                **environment_variables(name),
                "ATELIER_LOG_LEVEL": LOG_LEVELS[name],
                "ATELIER_RETENTION_DRAFT_DAYS": str(drafts),
                "ATELIER_RETENTION_UPLOAD_DAYS": str(uploads),
            },
            "lambda_functions": {
                fn.name: {
                    "lambda_memory_size": fn.memory_mb,
                    "lambda_timeout": fn.timeout_s,
                    "reserved_concurrency": fn.reserved_concurrency,
                    "log_retention_in_days": LOG_RETENTION_DAYS[name],
                    "iam_policy_file": policy_file(name, fn.name),
                }
                for fn in functions()
            },
        }

    return {
        "version": "2.0",
        "app_name": "atelier",
        "lambda_memory_size": 1024,
        "lambda_timeout": 60,
        "stages": {name: stage(name) for name in LOG_LEVELS},
    }


def env_var(kind: str, logical: str) -> str:
    """The variable that carries a resource's physical name (``ATELIER_TABLE_API_KEYS``)."""
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
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [UPLOAD_CORS_RULE]})
    return name
