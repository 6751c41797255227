"""pynamodb models: one table per aggregate, named per stage through :class:`LazyTableMeta`.

The resource definition (``chalicelib.resources``) derives key schemas, GSIs and TTL from these
classes, so a table is described exactly once.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.store.base import LazyTableMeta, utcnow


class BrandModel(Model):
    """A tenant. Every other record carries its ``brand_id``."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "brands"

    brand_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    # pynamodb types `of` as the element's attribute class, not the element type.
    origins: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    # Brand words that override the built-in profanity lists (allow) or extend them (deny).
    profanity_allow: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    profanity_deny: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    # Per-brand rate limit overrides: {"publishable": {"read": [capacity, per_seconds]}, ...}
    rate_limits = JSONAttribute(null=True)
    quotas = JSONAttribute(null=True)  # {"preview": renders per day, "final": renders per day}
    # How many unrevoked secret keys the brand has. Written in the same transaction as every
    # secret key creation and revocation, so "never revoke the last one" is one condition
    # (``> 1``) that two concurrent revokes cannot both pass. None on brands from before the
    # count: ``migrate secret-key-counts`` (or the first key change) writes it.
    active_secret_keys = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)


class ApiKeysByBrand(GlobalSecondaryIndex["ApiKeyModel"]):
    class Meta:
        index_name = "by_brand"
        projection = AllProjection()

    brand_id = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute(range_key=True)


class ApiKeyModel(Model):
    """An API key: looked up by its visible id, checked against the stored hash only."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "api-keys"

    key_id = UnicodeAttribute(hash_key=True)
    brand_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # "publishable" | "secret"
    secret_hash = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    revoked = BooleanAttribute(default=False)
    revoked_at = UTCDateTimeAttribute(null=True)

    by_brand = ApiKeysByBrand()


class IdempotencyRecord(Model):
    """One claimed ``Idempotency-Key`` per (brand, method, route, key).

    Semantics: shared/reference/idempotency.md.

    ``expires_at`` is the DynamoDB TTL attribute: it only cleans up, lazily, so readers still
    compare it with the clock.
    """

    class Meta(metaclass=LazyTableMeta):
        logical_name = "idempotency"

    scope = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # "IN_PROGRESS" | "COMPLETED"
    fingerprint = UnicodeAttribute()
    claim_id = UnicodeAttribute()  # who holds the claim: only its holder completes or releases it
    lock_expires_at = NumberAttribute()  # epoch seconds
    expires_at = TTLAttribute()
    response = JSONAttribute(null=True)  # {"status", "body", "headers"} once COMPLETED


class ProductModel(Model):
    """A personalizable product; ``zones`` holds the validated zone documents as JSON.

    ``version`` increments on every change with a conditional update, so a spec can name the exact
    product version it was made against and concurrent edits cannot silently overwrite each other.
    """

    class Meta(metaclass=LazyTableMeta):
        logical_name = "products"

    brand_id = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    document = JSONAttribute()  # the product as the API accepts it (name, sku, zones, ...)
    status = UnicodeAttribute()  # "draft" | "active" | "archived"
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


class AssetModel(Model):
    """An uploaded image or font: pending until ``complete`` has decoded and re-encoded it."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "assets"

    brand_id = UnicodeAttribute(hash_key=True)
    asset_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # "image" | "font"
    status = UnicodeAttribute()  # "pending" | "ready" | "failed"
    content_type = UnicodeAttribute()
    filename = UnicodeAttribute(default="")
    declared_bytes = NumberAttribute()
    upload_key = UnicodeAttribute()  # where the client PUTs the raw bytes
    stored_key = UnicodeAttribute(null=True)  # the verified, re-encoded object
    facts = JSONAttribute(null=True)  # width/height/format/sha256, or font family/glyphs
    error = JSONAttribute(null=True)  # {"code", "message"} when verification failed
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    completed_at = UTCDateTimeAttribute(null=True)


class SpecModel(Model):
    """One design spec per (brand, spec_hash); ``canonical`` is the RFC 8785 text that was hashed.

    Storing the canonical text (not a re-serialized map) keeps the bytes behind the hash exact.
    ``metadata`` (source, session, user agent) sits beside the spec and is never hashed.
    """

    class Meta(metaclass=LazyTableMeta):
        logical_name = "specs"

    brand_id = UnicodeAttribute(hash_key=True)
    spec_hash = UnicodeAttribute(range_key=True)
    canonical = UnicodeAttribute()
    product_id = UnicodeAttribute()
    product_version = NumberAttribute()
    metadata = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)


class SnapshotModel(Model):
    """A frozen copy of a spec, later attached to an order item; locking is one-way.

    ``assets`` are written only by the render/pack workers (previews, finals, packs), also after
    locking; the spec and inputs never change once ``locked`` is true.
    """

    class Meta(metaclass=LazyTableMeta):
        logical_name = "snapshots"

    brand_id = UnicodeAttribute(hash_key=True)
    snapshot_id = UnicodeAttribute(range_key=True)
    spec_hash = UnicodeAttribute()
    canonical = UnicodeAttribute()
    product_id = UnicodeAttribute()
    status = UnicodeAttribute()  # "draft" | "locked"
    locked = BooleanAttribute(default=False)
    locked_at = UTCDateTimeAttribute(null=True)
    assets = JSONAttribute(default=dict)
    # the shopper's proof confirmation: {confirmed_at, preview_sha256, render_id, locale}
    proof = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


class ProductVersionModel(Model):
    """Every version of a product's document, immutable: specs name a version, and renders must
    draw the zones exactly as they were when the shopper designed, not as they are today."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "product-versions"

    brand_id = UnicodeAttribute(hash_key=True)
    version_key = UnicodeAttribute(range_key=True)  # "<product_id>#<version, 8 digits>"
    document = JSONAttribute()
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)


class RenderModel(Model):
    """A render job: queued → running → succeeded | failed, with what it produced.

    ``lease_until`` lets a redelivered message take over a render whose worker died mid-way
    while a duplicate delivery of a live one backs off. ``cache_key`` names the content-addressed
    outputs, shared by every render of the same spec, kind, options and renderer version.
    """

    class Meta(metaclass=LazyTableMeta):
        logical_name = "renders"

    brand_id = UnicodeAttribute(hash_key=True)
    render_id = UnicodeAttribute(range_key=True)
    snapshot_id = UnicodeAttribute()
    spec_hash = UnicodeAttribute()
    kind = UnicodeAttribute()  # "preview" | "final"
    options = JSONAttribute()
    status = UnicodeAttribute()  # "queued" | "running" | "succeeded" | "failed"
    attempts = NumberAttribute(default=0)
    progress = NumberAttribute(default=0)
    lease_until = NumberAttribute(default=0)
    cache_key = UnicodeAttribute()
    # {"profile_id", "photo_engraving"}: the profile the render draws engraved photos with, as
    # it was when the render was asked for (its cache key names it); None on older records.
    profile = JSONAttribute(null=True)
    reused = BooleanAttribute(default=False)
    outputs = JSONAttribute(default=list)  # [{role, key, content_type, width_px, height_px, ...}]
    error = JSONAttribute(null=True)  # {"code", "message"}
    timings = JSONAttribute(default=dict)  # queued_at, started_at, finished_at, duration_ms
    correlation_id = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


class ProfileModel(Model):
    """A brand's own manufacturing profile (the built-ins live in code, not in this table)."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "profiles"

    brand_id = UnicodeAttribute(hash_key=True)
    profile_id = UnicodeAttribute(range_key=True)
    document = JSONAttribute()
    version = NumberAttribute(default=1)
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


class PackModel(Model):
    """A manufacturing pack job; same life cycle as a render (see ``store.jobstate``).

    ``profile`` is a copy of the profile document used, so a pack can be rebuilt identically
    even after the brand edits its profile.
    """

    class Meta(metaclass=LazyTableMeta):
        logical_name = "packs"

    brand_id = UnicodeAttribute(hash_key=True)
    pack_id = UnicodeAttribute(range_key=True)
    snapshot_id = UnicodeAttribute()
    spec_hash = UnicodeAttribute()
    order_ref = UnicodeAttribute(default="")
    item_ref = UnicodeAttribute(default="")
    quantity = NumberAttribute(default=1)
    profile_id = UnicodeAttribute()
    profile = JSONAttribute()
    formats = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    progress = NumberAttribute(default=0)
    lease_until = NumberAttribute(default=0)
    zip_key = UnicodeAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    files = JSONAttribute(default=list)  # the manifest's file list
    warnings = JSONAttribute(default=list)
    error = JSONAttribute(null=True)
    timings = JSONAttribute(default=dict)
    correlation_id = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


class OrderModel(Model):
    """An order of a brand. Orders written before items existed carry one product, snapshot
    and quantity on the order itself (``legacy_*``); the migration turns those into items."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "orders"

    brand_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute(range_key=True)
    external_ref = UnicodeAttribute(default="")
    source = UnicodeAttribute(default="api")  # "api" | "shopify"
    # Shopify's numeric order id and the shop it came from (null on API orders and on Shopify
    # orders written before they were recorded; their ids still derive from both).
    external_id = UnicodeAttribute(null=True)
    shop_domain = UnicodeAttribute(null=True)
    currency = UnicodeAttribute()
    customer = JSONAttribute()
    status = UnicodeAttribute()
    item_count = NumberAttribute(default=0)
    total_minor = NumberAttribute(default=0)
    history = JSONAttribute(default=list)  # [{"status", "at", "source"}]
    legacy_product_id = UnicodeAttribute(null=True)
    legacy_snapshot_id = UnicodeAttribute(null=True)
    legacy_quantity = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)
    updated_at = UTCDateTimeAttribute(default_for_new=utcnow)


class OrderItemModel(Model):
    """One line of an order, tied to a snapshot; production job ids are derived from it."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "order-items"

    brand_id = UnicodeAttribute(hash_key=True)
    item_key = UnicodeAttribute(range_key=True)  # "<order_id>#<line, 4 digits>"
    item_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    snapshot_id = UnicodeAttribute()
    spec_hash = UnicodeAttribute()
    quantity = NumberAttribute()
    unit_price_minor = NumberAttribute()
    # The product's list price when it has one (absent on items of unpriced products and on
    # items made before prices), an explicit discount, and a shop price that differed from it.
    list_price_minor = NumberAttribute(null=True)
    discount_minor = NumberAttribute(null=True)
    discount_reason = UnicodeAttribute(null=True)
    price_mismatch = BooleanAttribute(null=True)
    render_id = UnicodeAttribute(null=True)
    pack_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default_for_new=utcnow)


class RateBucketModel(Model):
    """One GCRA bucket per (API key, route class); updated only with conditional UpdateItem calls
    (``chalicelib/store/ratelimits.py``). Rows written by the earlier token-bucket version carry
    ``tokens``/``updated_at`` and no ``tat``: they count as an idle bucket once, then gain a TAT."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "rate-limits"

    bucket = UnicodeAttribute(hash_key=True)  # "<key_id>#<route class>"
    tat = NumberAttribute(null=True)  # theoretical arrival time, epoch seconds (float)
    expires_at = TTLAttribute(null=True)


class UsageModel(Model):
    """Renders started per brand, day and kind: the counter quotas are checked against."""

    class Meta(metaclass=LazyTableMeta):
        logical_name = "usage"

    brand_id = UnicodeAttribute(hash_key=True)
    day_kind = UnicodeAttribute(range_key=True)  # "2026-11-25#preview"
    used = NumberAttribute(default=0)
    expires_at = TTLAttribute()
