"""Inbound webhook bookkeeping: brands' signing secrets and the receipts that dedupe deliveries.

Shopify retries a delivery until it gets a 2xx and may send the same event twice; the receipt per
(brand, ``X-Shopify-Webhook-Id``) lets a redelivery be answered with the first answer instead of
being processed again. Receipts are written only after the event was applied, so a delivery that
failed half-way is retried in full (every step it takes is idempotent on its own).

The Shopify secret must be readable to compute the HMAC, so unlike API keys it cannot be stored
as a hash; it sits in its own table (not on the brand record) so reading a brand never reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.errors import ValidationFailed
from chalicelib.store import brands
from chalicelib.store.base import LazyTableMeta, save_once, utcnow

RECEIPT_RETENTION = timedelta(days=7)  # Shopify stops retrying after 48 hours
MAX_SECRET_CHARS = 512
MAX_SHOPS = 10
# A shop's permanent domain as Shopify sends it in X-Shopify-Shop-Domain ("name.myshopify.com").
_SHOP_DOMAIN = re.compile(r"^(?=.{4,255}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CONDITION_FAILED = "ConditionalCheckFailedException"


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
    # The shop domains whose webhooks this brand accepts: set by ops, or pinned to the first
    # domain a signed webhook came from. Only the body is signed, so the domain header alone
    # must never decide which order (or which brand's order) a delivery touches.
    # pynamodb types `of` as the element's attribute class, not the element type.
    shopify_shops: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    # Set by the shopify-shops migration when the brand has Shopify orders from before shops
    # were recorded: the first domain is then pinned only with proof (an existing order).
    shopify_legacy_orders = BooleanAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


@dataclass(frozen=True)
class ShopifySettings:
    """What verifying and admitting a Shopify delivery needs, read in one consistent get."""

    secret: str | None
    shops: tuple[str, ...]
    legacy_orders: bool


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


def clean_shops(shops: list[str]) -> tuple[str, ...]:
    """Lower-cased, deduplicated, sorted shop domains; 422 naming the bad ones."""
    clean = sorted({shop.strip().lower() for shop in shops if shop.strip()})
    bad = [shop for shop in clean if not _SHOP_DOMAIN.match(shop)]
    if bad or len(clean) > MAX_SHOPS:
        raise ValidationFailed(
            f"Give 1 to {MAX_SHOPS} shop domains like name.myshopify.com.",
            code="brand.invalid_shopify_shop",
            details={"shops": bad},
        )
    return tuple(clean)


def set_shopify_secret(brand_id: str, secret: str, shops: list[str] | None = None) -> None:
    """Set (or rotate) the secret Shopify signs this brand's webhooks with (ops CLI).

    ``shops``, when given, replaces the shop domains the brand accepts webhooks from.
    """
    secret = secret.strip()
    if not secret or len(secret) > MAX_SECRET_CHARS:
        raise ValidationFailed(
            f"A Shopify secret is 1 to {MAX_SECRET_CHARS} characters.",
            code="brand.invalid_shopify_secret",
        )
    domains = clean_shops(shops) if shops else ()
    brands.get_brand(brand_id)  # 404 brand.not_found rather than a secret for no one
    actions: list[Action] = [
        BrandSecretModel.shopify_secret.set(secret),
        BrandSecretModel.updated_at.set(utcnow()),
    ]
    if domains:
        actions.append(BrandSecretModel.shopify_shops.set(list(domains)))
    BrandSecretModel(brand_id=brand_id).update(actions=actions)


def get_shopify_settings(brand_id: str) -> ShopifySettings:
    try:
        item = BrandSecretModel.get(brand_id, consistent_read=True)
    except DoesNotExist:
        return ShopifySettings(None, (), False)
    return ShopifySettings(
        item.shopify_secret or None,
        tuple(str(s) for s in item.shopify_shops or ()),
        bool(item.shopify_legacy_orders),
    )


def get_shopify_secret(brand_id: str) -> str | None:
    return get_shopify_settings(brand_id).secret


def pin_shop(brand_id: str, shop: str) -> tuple[str, ...]:
    """Pin the brand to ``shop`` if it has no shop yet; the brand's shops after the attempt.

    Conditional, so two first deliveries from different domains at once pin exactly one.
    """
    unset = BrandSecretModel.shopify_shops.does_not_exist()  # never written empty
    try:
        BrandSecretModel(brand_id=brand_id).update(
            actions=[
                BrandSecretModel.shopify_shops.set([shop]),
                BrandSecretModel.updated_at.set(utcnow()),
            ],
            condition=BrandSecretModel.brand_id.exists() & unset,
        )
    except UpdateError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise
    return get_shopify_settings(brand_id).shops


def mark_legacy_orders(brand_id: str, shops: tuple[str, ...]) -> bool:
    """Migration step: pin ``shops`` when known, else require proof for the first pin.

    Never overwrites a pin already taken; True when the record changed.
    """
    unset = BrandSecretModel.shopify_shops.does_not_exist()  # never written empty
    if shops:
        action = BrandSecretModel.shopify_shops.set(list(shops))
    else:
        action = BrandSecretModel.shopify_legacy_orders.set(True)
        unset = unset & BrandSecretModel.shopify_legacy_orders.does_not_exist()
    try:
        BrandSecretModel(brand_id=brand_id).update(
            actions=[action, BrandSecretModel.updated_at.set(utcnow())],
            condition=BrandSecretModel.brand_id.exists() & unset,
        )
    except UpdateError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise
        return False
    return True


def record_shop_pins(brand_id: str | None = None) -> dict[str, Any]:
    """Migration ``shopify-shops``: give brands with Shopify orders but no shop their pin.

    Orders written since shops are recorded carry ``shop_domain``: those domains are pinned.
    Older ones carry only a hash of it (in their id), which cannot be reversed, so such a brand
    is marked instead: its first shop is then pinned only by a delivery that names one of those
    orders (see ``api.webhooks.admit_shop``). Idempotent; never touches a pin already taken.
    """
    from chalicelib.store.models import OrderModel

    report: dict[str, Any] = {"pinned": [], "proof_required": [], "unchanged": 0}
    records = (
        [BrandSecretModel.get(brand_id, consistent_read=True)]
        if brand_id
        else BrandSecretModel.scan(consistent_read=True)
    )
    for record in records:
        if record.shopify_shops:
            report["unchanged"] += 1
            continue
        shopify = OrderModel.query(
            record.brand_id, filter_condition=OrderModel.source == "shopify", consistent_read=True
        )
        seen = [o.shop_domain for o in shopify]
        if not seen:
            report["unchanged"] += 1
            continue
        shops = tuple(sorted({s for s in seen if s}))
        if mark_legacy_orders(record.brand_id, shops):
            key = "pinned" if shops else "proof_required"
            report[key].append({"brand_id": record.brand_id, "shops": list(shops)})
        else:
            report["unchanged"] += 1
    return report
