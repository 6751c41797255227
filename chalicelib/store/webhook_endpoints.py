"""Outbound webhook endpoints of a brand: where to POST, which events, and the signing secrets.

The secret must be readable to compute the HMAC, so (like the Shopify secret) it is stored as
is, on a record that only the endpoint API and the delivery worker read; the API shows it once.
A rotation keeps the previous secret until ``previous_expires_at`` so both sign meanwhile.

Health is tracked here too: ``failing_since`` is set by the first failed attempt after a
success and cleared by the next success; the delivery worker disables an endpoint that failed
without a single success for a delivery's whole retry budget.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.webhooks import new_secret
from chalicelib.errors import Conflict, NotFound
from chalicelib.store.base import LazyTableMeta, utcnow

MAX_ENDPOINTS = 16


class WebhookEndpointModel(Model):
    class Meta(metaclass=LazyTableMeta):
        logical_name = "webhook-endpoints"

    brand_id = UnicodeAttribute(hash_key=True)
    endpoint_id = UnicodeAttribute(range_key=True)
    url = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    # pynamodb types `of` as the element's attribute class, not the element type.
    event_types: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    enabled = BooleanAttribute(default=True)
    disabled_reason = UnicodeAttribute(null=True)
    secret = UnicodeAttribute()
    previous_secret = UnicodeAttribute(null=True)
    previous_expires_at = UTCDateTimeAttribute(null=True)
    failing_since = UTCDateTimeAttribute(null=True)
    failed_attempts = NumberAttribute(default=0)  # consecutive, since the last success
    last_success_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    brand_id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    secret: str
    previous_secret: str | None
    previous_expires_at: datetime | None
    failing_since: datetime | None
    failed_attempts: int
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, plus the previous one while its overlap window lasts."""
        live = [self.secret]
        if self.previous_secret and self.previous_expires_at and self.previous_expires_at > now:
            live.append(self.previous_secret)
        return live

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in self.event_types


def _endpoint(m: WebhookEndpointModel) -> Endpoint:
    return Endpoint(
        endpoint_id=m.endpoint_id,
        brand_id=m.brand_id,
        url=m.url,
        description=m.description or "",
        event_types=[str(t) for t in m.event_types or []],
        enabled=bool(m.enabled),
        disabled_reason=m.disabled_reason,
        secret=m.secret,
        previous_secret=m.previous_secret,
        previous_expires_at=m.previous_expires_at,
        failing_since=m.failing_since,
        failed_attempts=int(m.failed_attempts or 0),
        last_success_at=m.last_success_at,
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


def _load(brand_id: str, endpoint_id: str) -> WebhookEndpointModel:
    try:
        return WebhookEndpointModel.get(brand_id, endpoint_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound("No such webhook endpoint.", code="webhook_endpoint.not_found") from exc


def get(brand_id: str, endpoint_id: str) -> Endpoint:
    return _endpoint(_load(brand_id, endpoint_id))


def find(brand_id: str, endpoint_id: str) -> Endpoint | None:
    try:
        return get(brand_id, endpoint_id)
    except NotFound:
        return None


def list_for(brand_id: str) -> list[Endpoint]:
    """Every endpoint of the brand, oldest first (at most ``MAX_ENDPOINTS``)."""
    found = WebhookEndpointModel.query(brand_id, consistent_read=True)
    return sorted((_endpoint(m) for m in found), key=lambda e: (e.created_at, e.endpoint_id))


@dataclass(frozen=True)
class Subscription:
    """What an endpoint listens to, without its URL or secrets (the outbox sweeper's view)."""

    brand_id: str
    endpoint_id: str
    event_types: frozenset[str]
    created_at: datetime

    def wants(self, event_type: str, created_at: datetime) -> bool:
        """An event it would have been sent at commit time: of its types, and not older."""
        return event_type in self.event_types and created_at >= self.created_at


def enabled_subscriptions(page_size: int = 200) -> dict[str, list[Subscription]]:
    """Every enabled endpoint, by brand: one projected scan (a brand has at most 16)."""
    cls = WebhookEndpointModel
    found: dict[str, list[Subscription]] = {}
    for m in cls.scan(
        filter_condition=cls.enabled == True,  # noqa: E712  (a DynamoDB condition)
        attributes_to_get=["brand_id", "endpoint_id", "event_types", "created_at"],
        page_size=page_size,
    ):
        found.setdefault(m.brand_id, []).append(
            Subscription(
                m.brand_id,
                m.endpoint_id,
                frozenset(str(t) for t in m.event_types or []),
                m.created_at,
            )
        )
    return found


def new_endpoint(
    brand_id: str, *, url: str, event_types: list[str], enabled: bool, description: str
) -> WebhookEndpointModel:
    """A new endpoint record with a fresh secret (not yet written)."""
    if len(list_for(brand_id)) >= MAX_ENDPOINTS:
        raise Conflict(
            f"A brand has at most {MAX_ENDPOINTS} webhook endpoints.",
            code="webhook_endpoint.limit_reached",
        )
    now = utcnow()
    return WebhookEndpointModel(
        brand_id=brand_id,
        endpoint_id=f"we_{secrets.token_hex(10)}",
        url=url,
        description=description,
        event_types=event_types,
        enabled=enabled,
        secret=new_secret(),
        failed_attempts=0,
        created_at=now,
        updated_at=now,
    )


def put_new(tx: TransactWrite, model: WebhookEndpointModel) -> None:
    tx.save(model, condition=WebhookEndpointModel.endpoint_id.does_not_exist())


def as_endpoint(m: WebhookEndpointModel) -> Endpoint:
    return _endpoint(m)


def replace(
    brand_id: str,
    endpoint_id: str,
    *,
    url: str,
    event_types: list[str],
    enabled: bool,
    description: str,
) -> Endpoint:
    """Replace what the brand controls; enabling clears the reason and the failure streak."""
    model = _load(brand_id, endpoint_id)
    cls = WebhookEndpointModel
    actions = [
        cls.url.set(url),
        cls.event_types.set(event_types),
        cls.enabled.set(enabled),
        cls.description.set(description),
        cls.updated_at.set(utcnow()),
    ]
    if enabled:
        actions += [cls.disabled_reason.remove(), cls.failing_since.remove()]
        actions.append(cls.failed_attempts.set(0))
    _update(model, actions, cls.endpoint_id.exists(), _gone())
    return _endpoint(model)


def delete(brand_id: str, endpoint_id: str) -> None:
    _load(brand_id, endpoint_id).delete()


def rotate_secret(brand_id: str, endpoint_id: str, overlap: timedelta) -> Endpoint:
    """A fresh secret; the current one keeps signing for ``overlap`` (0: retired at once)."""
    model = _load(brand_id, endpoint_id)
    cls = WebhookEndpointModel
    now = utcnow()
    actions = [
        cls.previous_secret.set(model.secret),
        cls.previous_expires_at.set(now + overlap),
        cls.secret.set(new_secret()),
        cls.updated_at.set(now),
    ]
    busy = Conflict("The secret was rotated concurrently; retry.", code="webhook_endpoint.busy")
    # Two rotations at once: one wins, the other is told so (the loser's secret is never shown).
    _update(model, actions, cls.secret == model.secret, busy)
    return _endpoint(model)


def _gone() -> NotFound:
    return NotFound("No such webhook endpoint.", code="webhook_endpoint.not_found")


def _update(
    model: WebhookEndpointModel, actions: list[Any], condition: Any, error: Exception
) -> None:
    """A conditional update whose failed condition becomes ``error`` (a 404 or a 409)."""
    try:
        model.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise error from exc
        raise


def record_success(brand_id: str, endpoint_id: str) -> None:
    """A 2xx ends any failing streak. An endpoint deleted meanwhile raises NotFound."""
    cls = WebhookEndpointModel
    model = WebhookEndpointModel(brand_id=brand_id, endpoint_id=endpoint_id)
    actions = [
        cls.failing_since.remove(),
        cls.failed_attempts.set(0),
        cls.last_success_at.set(utcnow()),
    ]
    _update(model, actions, cls.endpoint_id.exists(), _gone())


def record_failure(brand_id: str, endpoint_id: str, at: datetime) -> Endpoint:
    """Count a failed attempt made at ``at``; the first after a success starts the streak."""
    cls = WebhookEndpointModel
    model = WebhookEndpointModel(brand_id=brand_id, endpoint_id=endpoint_id)
    actions = [cls.failed_attempts.add(1), cls.failing_since.set(cls.failing_since | at)]
    _update(model, actions, cls.endpoint_id.exists(), _gone())
    return _endpoint(_load(brand_id, endpoint_id))


def disable(brand_id: str, endpoint_id: str, reason: str) -> None:
    cls = WebhookEndpointModel
    model = WebhookEndpointModel(brand_id=brand_id, endpoint_id=endpoint_id)
    actions = [
        cls.enabled.set(False),
        cls.disabled_reason.set(reason[:500]),
        cls.updated_at.set(utcnow()),
    ]
    _update(model, actions, cls.endpoint_id.exists(), _gone())
