"""Health and the API description: the two routes that need no key."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib import aws, resources
from chalicelib.api import openapi
from chalicelib.api.http import Ctx, Reply, route
from chalicelib.settings import get_settings

bp = Blueprint(__name__)


class ComponentHealth(BaseModel):
    ok: bool
    latency_ms: float
    error: str | None = None


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    stage: str
    components: dict[str, ComponentHealth]


def _probe(check: Callable[[], Any]) -> ComponentHealth:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure means "not reachable"; the reason is reported
        return ComponentHealth(
            ok=False, latency_ms=_ms(started), error=f"{type(exc).__name__}: {exc}"[:300]
        )
    return ComponentHealth(ok=True, latency_ms=_ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _dynamodb() -> None:
    client = aws.client("dynamodb", probe=True)
    for model in resources.TABLES:
        client.describe_table(TableName=model.Meta.table_name)


def _s3() -> None:
    client = aws.client("s3", probe=True)
    for bucket in resources.BUCKETS:
        client.head_bucket(Bucket=get_settings().physical_name("bucket", bucket.logical_name))


def _sqs() -> None:
    client = aws.client("sqs", probe=True)
    for queue in resources.QUEUES:
        for logical in (queue.logical_name, queue.dlq_logical_name):
            client.get_queue_url(QueueName=get_settings().physical_name("queue", logical))


@route(
    bp,
    "/v1/health",
    "GET",
    access="public",
    summary="Reachability of DynamoDB, S3, SQS",
    response=HealthOut,
)
def health(ctx: Ctx) -> Reply:
    components = {"dynamodb": _probe(_dynamodb), "s3": _probe(_s3), "sqs": _probe(_sqs)}
    healthy = all(c.ok for c in components.values())
    out = HealthOut(
        status="ok" if healthy else "degraded", stage=get_settings().stage, components=components
    )
    return Reply(out, status=200 if healthy else 503, headers={"Cache-Control": "no-store"})


@route(bp, "/v1/openapi.json", "GET", access="public", summary="This API's OpenAPI 3.1 document")
def openapi_document(ctx: Ctx) -> Reply:
    return Reply(openapi.document(), headers={"Cache-Control": "public, max-age=300"})
