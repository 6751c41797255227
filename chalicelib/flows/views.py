"""Resources as the API shows them, shared by HTTP answers and webhook event payloads.

An event's ``data.object`` and a ``GET`` of the same resource are built by the same model, so
they never disagree; both ``api/`` and the workers (through :mod:`chalicelib.flows.events`) use
these, which is why they live below both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chalicelib import aws
from chalicelib.domain import spec as design
from chalicelib.domain.order import OrderStatus
from chalicelib.store import orders, packs, renders, snapshots

# How long the download URL in a pack answer lasts (GET mints a fresh one each time).
PACK_URL_SECONDS = 900


class Discount(BaseModel):
    amount_minor: int = Field(ge=0, le=10**12)
    reason: str = Field(min_length=1, max_length=200)


class ItemOut(BaseModel):
    item_id: str
    line: int
    product_id: str
    snapshot_id: str
    spec_hash: str
    quantity: int
    unit_price_minor: int
    render_id: str | None
    pack_id: str | None
    list_price_minor: int | None = Field(
        default=None, description="the product's list price for this design (priced products)"
    )
    discount: Discount | None = Field(default=None, description="an explicit discount per unit")
    price_mismatch: bool = Field(
        default=False,
        description="the shop's price (Shopify orders) differs from the list price or currency",
    )


class OrderOut(BaseModel):
    order_id: str
    external_ref: str
    external_id: str | None = Field(
        default=None, description="Shopify's numeric order id (orders from Shopify webhooks)"
    )
    source: str
    currency: str
    customer: dict[str, Any]
    status: OrderStatus
    total_minor: int
    history: list[dict[str, Any]]
    items: list[ItemOut]
    created_at: datetime
    updated_at: datetime
    legacy: dict[str, Any] | None = Field(
        default=None, description="single product/snapshot/quantity of orders made before items"
    )

    @classmethod
    def of(cls, o: orders.Order) -> OrderOut:
        return cls(
            order_id=o.order_id,
            external_ref=o.external_ref,
            external_id=o.external_id,
            source=o.source,
            currency=o.currency,
            customer=o.customer,
            status=o.status,  # type: ignore[arg-type]  # stored values come from OrderStatus
            total_minor=o.total_minor,
            history=o.history,
            items=[ItemOut(**i.__dict__) for i in o.items],
            created_at=o.created_at,
            updated_at=o.updated_at,
            legacy=o.legacy,
        )


class SnapshotOut(BaseModel):
    snapshot_id: str
    spec_hash: str
    spec: design.DesignSpec
    product_id: str
    status: Literal["draft", "locked"]
    locked: bool
    locked_at: datetime | None
    assets: dict[str, Any]
    proof: dict[str, Any] | None = Field(
        default=None,
        description="The shopper's proof confirmation: confirmed_at, preview_sha256, render_id",
    )
    created_at: datetime

    @classmethod
    def of(cls, s: snapshots.Snapshot) -> SnapshotOut:
        return cls(
            snapshot_id=s.snapshot_id,
            spec_hash=s.spec_hash,
            spec=design.DesignSpec.model_validate(s.spec),
            product_id=s.product_id,
            status="locked" if s.locked else "draft",
            locked=s.locked,
            locked_at=s.locked_at,
            assets=s.assets,
            proof=s.proof,
            created_at=s.created_at,
        )


class RenderOut(BaseModel):
    render_id: str
    snapshot_id: str
    spec_hash: str
    kind: Literal["preview", "final", "model"]
    options: dict[str, Any]
    status: Literal["queued", "running", "succeeded", "failed"]
    attempts: int
    progress: int
    reused: bool
    error: dict[str, Any] | None
    timings: dict[str, Any]
    outputs: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: renders.Render) -> RenderOut:
        return cls(
            render_id=r.render_id,
            snapshot_id=r.snapshot_id,
            spec_hash=r.spec_hash,
            kind=r.kind,  # type: ignore[arg-type]  # stored values are only these two
            options=r.options,
            status=r.status,  # type: ignore[arg-type]
            attempts=r.attempts,
            progress=r.progress,
            reused=r.reused,
            error=r.error,
            timings=r.timings,
            outputs=r.outputs,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class PackOut(BaseModel):
    pack_id: str
    snapshot_id: str
    spec_hash: str
    profile_id: str
    formats: list[str]
    status: Literal["queued", "running", "succeeded", "failed"]
    attempts: int
    progress: int
    sha256: str | None
    size: int | None
    files: list[dict[str, Any]]
    warnings: list[Any]
    error: dict[str, Any] | None
    timings: dict[str, Any]
    url: str | None = None
    expires_in: int | None = None
    created_at: datetime

    @classmethod
    def of(cls, pack: packs.Pack, url_seconds: int = PACK_URL_SECONDS) -> PackOut:
        """The pack as the API shows it; a succeeded one with a presigned download URL."""
        out = cls(**{k: getattr(pack, k) for k in cls.model_fields if hasattr(pack, k)})
        if pack.status == "succeeded" and pack.zip_key:
            out.url, out.expires_in = aws.presigned_get(pack.zip_key, url_seconds), url_seconds
        return out
