"""Outbound webhook endpoints (secret key): where Atelier POSTs a brand's events.

The signing secret is shown once, in the answer that creates it (creation and rotation); every
other answer shows only its last four characters. That includes an idempotent replay of the
creating request: the stored answer never holds the secret (it would sit in the idempotency table
for 24 hours), so a replay says it is withheld and how to get a new one.

Except on the local stack, an endpoint must be https on an allowed port and resolve to public
addresses only (checked here and again before every delivery, which then connects to the very
addresses it checked).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalice.app import Blueprint
from pydantic import BaseModel, Field, field_validator

from chalicelib.api.http import Ctx, Reply, RequestModel, route
from chalicelib.domain.webhooks import EventType, check_url
from chalicelib.settings import get_settings
from chalicelib.store import webhook_endpoints as store
from chalicelib.store.base import utcnow

bp = Blueprint(__name__)
DEFAULT_OVERLAP_S = 24 * 3600
MAX_OVERLAP_S = 7 * 24 * 3600


class EndpointIn(RequestModel):
    url: str = Field(min_length=1, max_length=2048)
    event_types: list[EventType] = Field(min_length=1, max_length=16)
    enabled: bool = True
    description: str = Field(default="", max_length=200)

    @field_validator("event_types")
    @classmethod
    def _distinct(cls, value: list[EventType]) -> list[EventType]:
        if len(set(value)) != len(value):
            raise ValueError("event types must not repeat")
        return value


class EndpointOut(BaseModel):
    endpoint_id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    secret_hint: str = Field(description="the last 4 characters of the current secret")
    previous_secret_expires_at: datetime | None
    failing_since: datetime | None
    failed_attempts: int
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, e: store.Endpoint) -> EndpointOut:
        overlap = e.previous_expires_at
        return cls(
            endpoint_id=e.endpoint_id,
            url=e.url,
            description=e.description,
            event_types=e.event_types,
            enabled=e.enabled,
            disabled_reason=e.disabled_reason,
            secret_hint=e.secret[-4:],
            previous_secret_expires_at=overlap if overlap and overlap > utcnow() else None,
            failing_since=e.failing_since,
            failed_attempts=e.failed_attempts,
            last_success_at=e.last_success_at,
            created_at=e.created_at,
            updated_at=e.updated_at,
        )


class EndpointWithSecret(EndpointOut):
    secret: str | None = Field(
        description="whsec_…: shown only in this answer; store it now. null in a replayed "
        "answer (Idempotent-Replayed: true), which says why in secret_withheld"
    )
    secret_withheld: str | None = Field(
        default=None, description="set when the secret is not shown: how to get a new one"
    )


class EndpointList(BaseModel):
    data: list[EndpointOut]


class RotateIn(RequestModel):
    overlap_seconds: int = Field(default=DEFAULT_OVERLAP_S, ge=0, le=MAX_OVERLAP_S)


def _checked(body: EndpointIn) -> str:
    settings = get_settings()
    return check_url(
        body.url.strip(), strict=settings.webhook_strict_urls, ports=settings.webhook_ports
    )


def _revealed(ctx: Ctx, e: store.Endpoint) -> EndpointWithSecret:
    """The answer with the secret; ``ctx.replay`` gets the same answer without it."""
    out = EndpointOut.of(e).model_dump()
    ctx.replay = EndpointWithSecret(
        **out,
        secret=None,
        secret_withheld=(
            "This is a replay of an earlier request; its secret was shown only in the first "
            "answer and is not kept. If you did not store it, POST "
            f"/v1/webhook-endpoints/{e.endpoint_id}/rotate-secret for a new one."
        ),
    )
    return EndpointWithSecret(**out, secret=e.secret)


@route(
    bp,
    "/v1/webhook-endpoints",
    "POST",
    access="secret",
    status=201,
    body=EndpointIn,
    response=EndpointWithSecret,
    idempotent=True,
    summary="Register a webhook endpoint; the answer shows its signing secret once",
)
def create_endpoint(ctx: Ctx, body: EndpointIn) -> Reply:
    model = store.new_endpoint(
        ctx.brand_id,
        url=_checked(body),
        event_types=list(body.event_types),
        enabled=body.enabled,
        description=body.description,
    )
    out = _revealed(ctx, store.as_endpoint(model))
    with ctx.atomic(out, 201) as transaction:
        store.put_new(transaction, model)
    return Reply(out, 201)


@route(
    bp,
    "/v1/webhook-endpoints",
    "GET",
    access="secret",
    response=EndpointList,
    summary="The brand's webhook endpoints (without secrets)",
)
def list_endpoints(ctx: Ctx) -> EndpointList:
    return EndpointList(data=[EndpointOut.of(e) for e in store.list_for(ctx.brand_id)])


@route(
    bp,
    "/v1/webhook-endpoints/{endpoint_id}",
    "GET",
    access="secret",
    response=EndpointOut,
    summary="One webhook endpoint and its health",
)
def get_endpoint(ctx: Ctx, endpoint_id: str) -> EndpointOut:
    return EndpointOut.of(store.get(ctx.brand_id, endpoint_id))


@route(
    bp,
    "/v1/webhook-endpoints/{endpoint_id}",
    "PUT",
    access="secret",
    body=EndpointIn,
    response=EndpointOut,
    summary="Replace an endpoint's URL, events and flag (enabling clears a disable)",
)
def put_endpoint(ctx: Ctx, endpoint_id: str, body: EndpointIn) -> EndpointOut:
    store.get(ctx.brand_id, endpoint_id)  # 404 before 422: another brand's id is just unknown
    updated = store.replace(
        ctx.brand_id,
        endpoint_id,
        url=_checked(body),
        event_types=list(body.event_types),
        enabled=body.enabled,
        description=body.description,
    )
    return EndpointOut.of(updated)


@route(
    bp,
    "/v1/webhook-endpoints/{endpoint_id}",
    "DELETE",
    access="secret",
    status=204,
    summary="Delete an endpoint; its pending deliveries fail on their next attempt",
)
def delete_endpoint(ctx: Ctx, endpoint_id: str) -> None:
    store.delete(ctx.brand_id, endpoint_id)


@route(
    bp,
    "/v1/webhook-endpoints/{endpoint_id}/rotate-secret",
    "POST",
    access="secret",
    body=RotateIn,
    response=EndpointWithSecret,
    idempotent=True,
    summary="New signing secret (shown once); the old one also signs during the overlap",
)
def rotate_secret(ctx: Ctx, endpoint_id: str, body: RotateIn) -> EndpointWithSecret:
    overlap = timedelta(seconds=body.overlap_seconds)
    return _revealed(ctx, store.rotate_secret(ctx.brand_id, endpoint_id, overlap))
