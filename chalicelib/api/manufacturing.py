"""Manufacturing (secret key): shop profiles, export-pack jobs and their downloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, Field, model_validator

from chalicelib import aws
from chalicelib.api.http import Ctx, QueryModel, Reply, RequestModel, route
from chalicelib.domain.pack import PackFormat
from chalicelib.domain.profile import ProfileDoc
from chalicelib.errors import Conflict, ServiceUnavailable
from chalicelib.flows import packs as pack_jobs
from chalicelib.flows.views import PACK_URL_SECONDS, PackOut
from chalicelib.store import orders, packs, products, profiles, snapshots
from chalicelib.store.models import PackModel

bp = Blueprint(__name__)
Format = PackFormat


class ProfileOut(BaseModel):
    profile_id: str
    builtin: bool
    version: int
    profile: ProfileDoc
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: profiles.Profile) -> ProfileOut:
        return cls(
            profile_id=p.profile_id,
            builtin=p.builtin,
            version=p.version,
            profile=p.doc,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class ProfileList(BaseModel):
    data: list[ProfileOut]


@route(
    bp,
    "/v1/manufacturing/profiles",
    "POST",
    access="secret",
    status=201,
    body=ProfileDoc,
    response=ProfileOut,
    idempotent=True,
    summary="Create a manufacturing profile",
)
def create_profile(ctx: Ctx, body: ProfileDoc) -> Reply:
    model = profiles.new_profile(ctx.brand_id, body)
    out = ProfileOut.of(profiles.as_profile(model))
    with ctx.atomic(out, 201) as transaction:
        profiles.put_new(transaction, model)
    return Reply(out, 201)


@route(
    bp,
    "/v1/manufacturing/profiles",
    "GET",
    access="secret",
    response=ProfileList,
    summary="Built-in profiles and the brand's own",
)
def list_profiles(ctx: Ctx) -> ProfileList:
    return ProfileList(data=[ProfileOut.of(p) for p in profiles.list_profiles(ctx.brand_id)])


@route(
    bp,
    "/v1/manufacturing/profiles/{profile_id}",
    "GET",
    access="secret",
    response=ProfileOut,
    summary="One profile",
)
def get_profile(ctx: Ctx, profile_id: str) -> ProfileOut:
    return ProfileOut.of(profiles.get_profile(ctx.brand_id, profile_id))


@route(
    bp,
    "/v1/manufacturing/profiles/{profile_id}",
    "PUT",
    access="secret",
    body=ProfileDoc,
    response=ProfileOut,
    summary="Replace a profile (built-ins are read-only)",
)
def put_profile(ctx: Ctx, profile_id: str, body: ProfileDoc) -> ProfileOut:
    return ProfileOut.of(profiles.replace_profile(ctx.brand_id, profile_id, body))


class ExportIn(RequestModel):
    """One locked snapshot, or every item of an order (its snapshots must be locked)."""

    snapshot_id: str | None = Field(default=None, min_length=1, max_length=64)
    order_id: str | None = Field(default=None, min_length=1, max_length=64)
    profile_id: str | None = Field(default=None, max_length=64)
    formats: list[Format] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> ExportIn:
        if (self.snapshot_id is None) == (self.order_id is None):
            raise ValueError("give exactly one of snapshot_id or order_id")
        return self


class ItemPack(BaseModel):
    item_id: str | None
    snapshot_id: str
    pack_id: str


class Accepted(BaseModel):
    pack_id: str | None
    status: str
    packs: list[ItemPack]


def profile_for(
    brand_id: str, profile_id: str | None, product_profile: str | None
) -> profiles.Profile:
    """The request's profile, else the product's default, else the laser default."""
    return profiles.get_profile(brand_id, profile_id or product_profile or "laser-default")


@route(
    bp,
    "/v1/manufacturing/export-pack",
    "POST",
    access="secret",
    status=202,
    body=ExportIn,
    response=Accepted,
    idempotent=True,
    summary="Queue manufacturing packs for a locked snapshot or every item of an order",
)
def export_pack(ctx: Ctx, body: ExportIn) -> Reply:
    targets: list[tuple[str, str | None, str, int]]
    if body.order_id is not None:
        order = orders.get_order(ctx.brand_id, body.order_id)
        targets = [(i.snapshot_id, i.item_id, str(i.line), i.quantity) for i in order.items]
        order_ref = order.external_ref or order.order_id
    else:
        targets = [(str(body.snapshot_id), None, "1", 1)]
        order_ref = ""
    models, listed = [], []
    for snapshot_id, item_id, line, quantity in targets:
        model = _pack_model(ctx, body, snapshot_id, order_ref, line, quantity)
        models.append(model)
        listed.append(ItemPack(item_id=item_id, snapshot_id=snapshot_id, pack_id=model.pack_id))
    single = models[0].pack_id if body.snapshot_id else None
    out = Accepted(pack_id=single, status="queued", packs=listed)
    with ctx.atomic(out, 202) as transaction:
        for model in models:
            packs.put_new(transaction, model)
    for model in models:
        try:
            pack_jobs.enqueue(packs.as_pack(model), ctx.request_id)
        except Exception as exc:
            reason = f"could not enqueue: {type(exc).__name__}"
            pack_jobs.fail(model, "pack.enqueue_failed", reason, retryable=True)
            raise ServiceUnavailable(
                "The pack queue is unavailable; the pack was marked failed.",
                code="pack.enqueue_failed",
            ) from exc
    return Reply(out, 202)


def _pack_model(
    ctx: Ctx, body: ExportIn, snapshot_id: str, order_ref: str, line: str, quantity: int
) -> PackModel:
    snapshot = snapshots.get_snapshot(ctx.brand_id, snapshot_id)
    if not snapshot.locked:
        raise Conflict(
            "Only locked snapshots are manufactured; lock it first.",
            code="snapshot.not_locked",
            details={"snapshot_id": snapshot_id},
        )
    spec = snapshot.spec
    product = products.get_version(ctx.brand_id, spec["product_id"], int(spec["product_version"]))
    profile = profile_for(ctx.brand_id, body.profile_id, product.manufacturing_profile_id)
    return packs.new_pack(
        ctx.brand_id,
        snapshot_id=snapshot.snapshot_id,
        spec_hash=snapshot.spec_hash,
        profile_id=profile.profile_id,
        profile=profile.doc.model_dump(mode="json"),
        formats=list(body.formats or packs.FORMATS),
        correlation_id=ctx.request_id,
        order_ref=order_ref,
        item_ref=line,
        quantity=quantity,
    )


@route(
    bp,
    "/v1/manufacturing/packs/{pack_id}",
    "GET",
    access="secret",
    response=PackOut,
    summary="A pack's status; when ready, a presigned download URL (15 minutes)",
)
def get_pack(ctx: Ctx, pack_id: str) -> PackOut:
    return PackOut.of(packs.get_pack(ctx.brand_id, pack_id))


class BundleQuery(QueryModel):
    expires_in: int = Field(default=PACK_URL_SECONDS, ge=60, le=7 * 24 * 3600)


class BundleItem(BaseModel):
    item_id: str
    snapshot_id: str
    spec_hash: str
    quantity: int
    pack_id: str | None
    pack_status: str
    url: str | None
    files: list[dict[str, Any]]


class Bundle(BaseModel):
    order_id: str
    expires_in: int
    items: list[BundleItem]


@route(
    bp,
    "/v1/manufacturing/bundles/{order_id}",
    "GET",
    access="secret",
    query=BundleQuery,
    response=Bundle,
    summary="Every item of an order with its pack's download URL and files",
)
def get_bundle(ctx: Ctx, order_id: str, query: BundleQuery) -> Bundle:
    order = orders.get_order(ctx.brand_id, order_id)
    items = []
    for item in order.items:
        pack = packs.find(ctx.brand_id, item.pack_id) if item.pack_id else None
        url = None
        if pack is not None and pack.status == "succeeded" and pack.zip_key:
            url = aws.presigned_get(str(pack.zip_key), query.expires_in)
        items.append(
            BundleItem(
                item_id=item.item_id,
                snapshot_id=item.snapshot_id,
                spec_hash=item.spec_hash,
                quantity=item.quantity,
                pack_id=item.pack_id,
                pack_status=str(pack.status) if pack is not None else "not_started",
                url=url,
                files=list(pack.files or []) if pack is not None else [],
            )
        )
    return Bundle(order_id=order.order_id, expires_in=query.expires_in, items=items)
