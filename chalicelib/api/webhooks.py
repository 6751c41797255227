"""Inbound webhooks: Shopify orders become Atelier orders, signed by the brand's Shopify secret.

The route is public because the signature is the authentication: an HMAC-SHA256 of the *raw*
body, so the body is verified before it is parsed (no ``body=`` model). An unknown brand answers
401 exactly like a bad signature, so the endpoint does not reveal which brands exist.

Shopify delivers at least once, possibly concurrently. Two layers make that harmless: the order
id is derived from (brand, shop domain, Shopify order id), so creating it again is a conditional
put that does nothing; and a receipt per ``X-Shopify-Webhook-Id`` answers a redelivery with the
first answer. "paid" goes through :func:`move_order`, whose production step is idempotent.

Only the body is signed; the topic, shop domain and webhook id headers are not. So nothing that
matters is decided by a header alone: payment comes from the body's ``financial_status`` (a
replayed ``orders/create`` relabelled ``orders/paid`` pays nothing), and the shop domain must be
one of the brand's shops (configured with the ops CLI, or pinned to the first domain a signed
delivery came from), so a replay under another domain cannot create a second order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pynamodb.exceptions import TransactWriteError

from chalicelib import logs
from chalicelib.api.http import Ctx, _check_size, parse_json, route, validate
from chalicelib.domain.order import shop_item_price, shopify_order_id
from chalicelib.errors import BadRequest, Forbidden, NotFound, Unauthorized, ValidationFailed
from chalicelib.flows.orders import move_order
from chalicelib.flows.pricing import list_price
from chalicelib.store import orders, snapshots
from chalicelib.store import webhooks as store
from chalicelib.store.base import transaction

bp = Blueprint(__name__)

SNAPSHOT_PROPERTY = "_atelier_snapshot_id"
SPEC_HASH_PROPERTY = "_atelier_spec_hash"
TOPICS = ("orders/create", "orders/paid")
# Shopify's financial_status values that mean the money is in: production may start.
PAID_STATUSES = frozenset({"paid"})
# Minor-unit exponents that are not 2 (ISO 4217); every other currency has cents.
_EXPONENTS = {
    **dict.fromkeys(("JPY", "KRW", "CLP", "ISK", "VND", "XAF", "XOF", "XPF", "UGX", "PYG"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
# Compared against when the brand has no secret, so an unknown brand costs the same time.
_NO_SECRET = b"atelier-no-shopify-secret"
_MAX_ID_CHARS = 255


class _Lenient(BaseModel):
    """Shopify's payloads carry many fields we do not use; unknown ones are ignored."""

    model_config = ConfigDict(extra="ignore")


class ShopifyProperty(_Lenient):
    name: str
    value: Any = None


class ShopifyLineItem(_Lenient):
    quantity: int
    price: str | int | float
    properties: list[ShopifyProperty] | dict[str, Any] | None = None


class ShopifyCustomer(_Lenient):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class ShopifyOrder(_Lenient):
    id: int | str
    name: str = Field(default="", max_length=128)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    email: str | None = None
    customer: ShopifyCustomer | None = None
    line_items: list[ShopifyLineItem] = Field(default_factory=list)
    financial_status: str | None = Field(default=None, max_length=64)

    @property
    def paid(self) -> bool:
        return (self.financial_status or "").lower() in PAID_STATUSES


class RejectedItem(BaseModel):
    index: int
    reason: str
    message: str


class WebhookOut(BaseModel):
    received: bool = True
    order_id: str | None = None
    created: bool = False
    status: str | None = None
    ignored_items: list[int] = Field(default_factory=list)
    rejected_items: list[RejectedItem] = Field(default_factory=list)
    ignored: str | None = None  # "topic" when the topic is not one we act on
    duplicate: bool = False  # a redelivery answered with the first delivery's answer


@dataclass
class Lines:
    """Line items sorted into what is ordered, what is not ours, and what we refuse."""

    items: list[orders.NewItem] = field(default_factory=list)
    ignored: list[int] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)


@route(
    bp,
    "/v1/webhooks/shopify/{brand_id}",
    "POST",
    access="public",
    response=WebhookOut,
    other_statuses=(401,),
    summary="Shopify orders/create and orders/paid, signed with X-Shopify-Hmac-Sha256",
)
def shopify_webhook(ctx: Ctx, brand_id: str) -> WebhookOut:
    _check_size(ctx.request)
    raw = _raw(ctx.request.raw_body)
    settings = verify_signature(brand_id, raw, ctx.request.headers.get("x-shopify-hmac-sha256"))
    logs.bind(brand_id=brand_id)
    topic = ctx.request.headers.get("x-shopify-topic", "")
    if topic not in TOPICS:
        return WebhookOut(ignored="topic")
    payload = validate(ShopifyOrder, parse_json(raw, allow_surrogates=False))
    assert isinstance(payload, ShopifyOrder)
    webhook_id = _header_id(ctx, "x-shopify-webhook-id")
    if webhook_id and (first := store.find_receipt(brand_id, webhook_id)) is not None:
        return WebhookOut.model_validate({**first, "duplicate": True})
    shop = admit_shop(brand_id, settings, _header_id(ctx, "x-shopify-shop-domain"), payload)
    out = apply_order(brand_id, shop, payload, ctx.request_id)
    if webhook_id:
        store.record_receipt(brand_id, webhook_id, topic, out.model_dump(mode="json"))
    return out


def _raw(body: str | bytes | None) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else (body or b"")


def _header_id(ctx: Ctx, name: str) -> str:
    value = (ctx.request.headers.get(name) or "").strip()
    if len(value) > _MAX_ID_CHARS:
        raise BadRequest(
            f"{name} is longer than {_MAX_ID_CHARS} characters.", code="webhook.bad_header"
        )
    return value


def verify_signature(brand_id: str, raw: bytes, given: str | None) -> store.ShopifySettings:
    """Base64 HMAC-SHA256 of the raw body with the brand's secret, compared in constant time."""
    settings = store.get_shopify_settings(brand_id) if 0 < len(brand_id) <= 64 else None
    secret = settings.secret if settings else None
    key = secret.encode("utf-8") if secret else _NO_SECRET
    expected = base64.b64encode(hmac.new(key, raw, hashlib.sha256).digest())
    matches = hmac.compare_digest(expected, (given or "").strip().encode("utf-8", "replace"))
    if secret is None or not given or not matches:
        raise Unauthorized(
            "The webhook signature is missing or does not match.",
            code="webhook.invalid_signature",
        )
    assert settings is not None  # a secret was found
    return settings


def admit_shop(
    brand_id: str, settings: store.ShopifySettings, header: str, payload: ShopifyOrder
) -> str:
    """The delivery's shop domain if the brand accepts it; 403 otherwise.

    A brand with no shop yet is pinned to the first domain a signed delivery names, except
    when it has Shopify orders from before shops were recorded (the migration marks those):
    then the first domain must prove itself by naming one of those orders, since its id is
    derived from the domain; a new domain can be added with the ops CLI.
    """
    shop = header.lower()
    if not shop:
        raise BadRequest("X-Shopify-Shop-Domain is missing.", code="webhook.missing_shop")
    shops = settings.shops
    if not shops and settings.legacy_orders:
        known = orders.find_order(brand_id, shopify_order_id(brand_id, shop, payload.id))
        shops = store.pin_shop(brand_id, shop) if known is not None else ()
    elif not shops:
        shops = store.pin_shop(brand_id, shop)
    if shop not in shops:
        raise Forbidden(
            "Webhooks from this shop are not accepted for this brand; add the shop with "
            "`python -m chalicelib.cli brands shopify-secret --brand ... --secret ... --shop ...`.",
            code="webhook.shop_not_allowed",
            details={"shop": shop},
        )
    return shop


def apply_order(brand_id: str, shop: str, payload: ShopifyOrder, correlation_id: str) -> WebhookOut:
    """Create the order if it is new; mark it paid (starting production) when the signed body
    says it is paid, whatever the topic header says."""
    order_id = shopify_order_id(brand_id, shop, payload.id)
    lines = order_lines(brand_id, payload)
    out = WebhookOut(ignored_items=lines.ignored, rejected_items=lines.rejected)
    existing = orders.find_order(brand_id, order_id)
    if existing is None:
        if not lines.items:
            _refuse_if_rejected(lines)
            return out  # nothing personalized: not an order for the workshop
        out.created = _create(brand_id, order_id, shop, payload, lines.items)
    out.order_id = order_id
    if payload.paid:
        out.status = move_order(brand_id, order_id, "paid", "shopify", correlation_id).status
    else:
        out.status = existing.status if existing else "created"
    return out


def _refuse_if_rejected(lines: Lines) -> None:
    if lines.rejected:
        raise ValidationFailed(
            "No personalized item of this order can be made.",
            code="shopify.no_valid_items",
            details=[r.model_dump() for r in lines.rejected],
        )


def _create(
    brand_id: str, order_id: str, shop: str, payload: ShopifyOrder, items: list[orders.NewItem]
) -> bool:
    """Write the order; False when a concurrent delivery wrote it first (the put is conditional)."""
    if len(items) > orders.MAX_ITEMS:
        raise ValidationFailed(
            f"An order holds at most {orders.MAX_ITEMS} personalized items.",
            code="shopify.too_many_items",
        )
    customer = payload.customer or ShopifyCustomer()
    name = " ".join(p for p in (customer.first_name, customer.last_name) if p) or None
    order, records = orders.new_order(
        brand_id,
        currency=payload.currency,
        customer={"email": payload.email or customer.email or "", "name": name},
        external_ref=payload.name,
        source="shopify",
        items=items,
        order_id=order_id,
        external_id=str(payload.id),
        shop_domain=shop,
    )
    try:
        with transaction() as tx:
            orders.put_new(tx, order, records)
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        return False
    return True


def order_lines(brand_id: str, payload: ShopifyOrder) -> Lines:
    """Items carrying our hidden properties are ordered; others ignored; bad ones rejected."""
    lines = Lines()
    for index, line in enumerate(payload.line_items):
        props = _properties(line.properties)
        snapshot_id, spec_hash = props.get(SNAPSHOT_PROPERTY), props.get(SPEC_HASH_PROPERTY)
        if not snapshot_id and not spec_hash:
            lines.ignored.append(index)
            continue
        try:
            lines.items.append(_item(brand_id, line, payload.currency, snapshot_id, spec_hash))
        except _Rejected as exc:
            lines.rejected.append(RejectedItem(index=index, reason=exc.reason, message=str(exc)))
    return lines


class _Rejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _item(
    brand_id: str,
    line: ShopifyLineItem,
    currency: str,
    snapshot_id: str | None,
    spec_hash: str | None,
) -> orders.NewItem:
    if not snapshot_id or not spec_hash:
        raise _Rejected(
            "shopify.incomplete_properties",
            f"Both {SNAPSHOT_PROPERTY} and {SPEC_HASH_PROPERTY} are needed.",
        )
    if not 1 <= line.quantity <= 10_000:
        raise _Rejected("shopify.invalid_quantity", "The quantity must be 1 to 10000.")
    try:
        snap = snapshots.get_snapshot(brand_id, snapshot_id[:64])
    except NotFound as exc:
        raise _Rejected("shopify.unknown_snapshot", "No such snapshot for this brand.") from exc
    if not hmac.compare_digest(snap.spec_hash, spec_hash):
        raise _Rejected(
            "shopify.spec_hash_mismatch", "The spec hash does not match the snapshot's design."
        )
    price = shop_item_price(
        list_price(brand_id, snap.spec), currency, minor_units(line.price, currency)
    )
    return orders.NewItem(
        snap.product_id,
        snap.snapshot_id,
        snap.spec_hash,
        line.quantity,
        price.unit_price_minor,
        price.list_price_minor,
        None,
        price.price_mismatch,
    )


def _properties(raw: list[ShopifyProperty] | dict[str, Any] | None) -> dict[str, str]:
    """Shopify sends line properties as ``[{name, value}]`` (orders) or a mapping (carts)."""
    pairs = raw.items() if isinstance(raw, dict) else ((p.name, p.value) for p in raw or [])
    return {str(k): str(v) for k, v in pairs if v is not None}


def minor_units(price: str | int | float, currency: str) -> int:
    """A decimal price ("24.50") in the currency's minor units (2450), via Decimal, never float."""
    try:
        amount = Decimal(str(price))
    except InvalidOperation as exc:
        raise _Rejected("shopify.invalid_price", f"{price!r} is not a price.") from exc
    if not amount.is_finite() or amount < 0:
        raise _Rejected("shopify.invalid_price", f"{price!r} is not a price.")
    minor = int((amount.scaleb(_EXPONENTS.get(currency, 2))).quantize(Decimal(1), ROUND_HALF_UP))
    if minor > 10**12:
        raise _Rejected("shopify.invalid_price", "The price is too large.")
    return minor
