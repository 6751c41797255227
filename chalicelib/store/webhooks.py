"""Inbound webhook bookkeeping: brands' signing secrets and the receipts that dedupe deliveries.

Shopify retries a delivery until it gets a 2xx and may send the same event twice; the receipt per
(brand, ``X-Shopify-Webhook-Id``) lets a redelivery be answered with the first answer instead of
being processed again. Receipts are written only after the event was applied, so a delivery that
failed half-way is retried in full (every step it takes is idempotent on its own).

The Shopify secret must be readable to compute the HMAC, so unlike API keys it cannot be stored
as a hash; it sits in its own table (not on the brand record) so reading a brand never reads it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pynamodb.attributes import (
    JSONAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from chalicelib.errors import ValidationFailed
from chalicelib.store import brands
from chalicelib.store.base import LazyTableMeta, save_once, utcnow

RECEIPT_RETENTION = timedelta(days=7)  # Shopify stops retrying after 48 hours
MAX_SECRET_CHARS = 512


class WebhookReceiptModel(Model):
    """One processed delivery per (brand, webhook id), with the answer it got.

    ``expires_at`` is the DynamoDB TTL attribute; deletion is lazy, so readers compare it too.
    """

    class Meta(metaclass=LazyTableMeta):
        logical_name = "webhook-receipts"

    brand_id = UnicodeAttribute(hash_key=True)
    webhook_id = UnicodeAttribute(range_key=True)
    topic = UnicodeAttribute()
    response = JSONAttribute(default=dict)  # the 200 body the first delivery got
    received_at = UTCDateTimeAttribute(default_for_new=utcnow)
    expires_at = TTLAttribute()


class BrandSecretModel(Model):
    """Secrets a brand shares with third parties to sign what they send us (plaintext: HMAC)."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "brand-secrets"

    brand_id = UnicodeAttribute(hash_key=True)
    shopify_secret = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


def find_receipt(brand_id: str, webhook_id: str) -> dict[str, Any] | None:
    """The answer a live earlier delivery of this webhook got, or None if it is new."""
    try:
        item = WebhookReceiptModel.get(brand_id, webhook_id, consistent_read=True)
    except DoesNotExist:
        return None
    if item.expires_at <= utcnow():
        return None
    return dict(item.response or {})


def record_receipt(brand_id: str, webhook_id: str, topic: str, response: dict[str, Any]) -> bool:
    """Remember a processed delivery; False when a concurrent delivery recorded it first."""
    now = utcnow()
    item = WebhookReceiptModel(
        brand_id=brand_id,
        webhook_id=webhook_id,
        topic=topic,
        response=response,
        received_at=now,
        expires_at=now + RECEIPT_RETENTION,
    )
    free = WebhookReceiptModel.webhook_id.does_not_exist() | (WebhookReceiptModel.expires_at < now)
    return save_once(item, free)


def set_shopify_secret(brand_id: str, secret: str) -> None:
    """Set (or rotate) the secret Shopify signs this brand's webhooks with (ops CLI)."""
    secret = secret.strip()
    if not secret or len(secret) > MAX_SECRET_CHARS:
        raise ValidationFailed(
            f"A Shopify secret is 1 to {MAX_SECRET_CHARS} characters.",
            code="brand.invalid_shopify_secret",
        )
    brands.get_brand(brand_id)  # 404 brand.not_found rather than a secret for no one
    BrandSecretModel(brand_id=brand_id).update(
        actions=[
            BrandSecretModel.shopify_secret.set(secret),
            BrandSecretModel.updated_at.set(utcnow()),
        ]
    )


def get_shopify_secret(brand_id: str) -> str | None:
    try:
        item = BrandSecretModel.get(brand_id, consistent_read=True)
    except DoesNotExist:
        return None
    return item.shopify_secret or None
