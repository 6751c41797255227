"""Design specs and snapshots (publishable or secret key; lock and edits need the secret key).

Creates are idempotent twice over: the ``Idempotency-Key`` replays an answer, and a spec is stored
once per (brand, spec_hash) whatever the key, so 50 clients sending one design make one record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, Field
from pynamodb.exceptions import TransactWriteError

from chalicelib.api.http import Ctx, Reply, RequestModel, route
from chalicelib.api.personalization import (
    OptionChoices,
    check_inputs,
    options_field,
    visible_product,
)
from chalicelib.domain import personalization as p13n
from chalicelib.domain import spec as design
from chalicelib.domain.options import Price, choice_summary, shop_variant, spec_price
from chalicelib.domain.zone import ProductDoc
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.flows import proofs
from chalicelib.flows.production import lock_and_announce
from chalicelib.flows.views import SnapshotOut
from chalicelib.store import products, snapshots, specs

bp = Blueprint(__name__)


class SpecMetadata(RequestModel):
    source: str | None = Field(default=None, max_length=200)
    session: str | None = Field(default=None, max_length=200)
    user_agent: str | None = Field(default=None, max_length=500)


class SpecIn(RequestModel):
    product_id: str = Field(min_length=1, max_length=64)
    inputs: dict[str, p13n.ZoneInput] = Field(max_length=p13n.MAX_INPUTS)
    options: OptionChoices | None = options_field()
    metadata: SpecMetadata | None = None


class ChoiceOut(BaseModel):
    option_id: str
    option: str  # the option's name
    value_id: str
    value: str  # the chosen value's name


class SpecOut(BaseModel):
    spec_hash: str
    spec: design.DesignSpec
    created_at: datetime
    price: Price | None = Field(default=None, description="the list price (priced products)")
    choices: list[ChoiceOut] = Field(
        default_factory=list, description="the chosen options by name, in product order"
    )
    shop_variant_id: str | None = Field(
        default=None, description="the shop's variant for these choices, when the product maps one"
    )

    @classmethod
    def of(cls, s: specs.Spec, product: ProductDoc | None = None) -> SpecOut:
        """The stored spec; with its product version, also its price, choices and variant."""
        spec = design.DesignSpec.model_validate(s.spec)
        if product is None:
            return cls(spec_hash=s.spec_hash, spec=spec, created_at=s.created_at)
        choices = spec.options or {}
        return cls(
            spec_hash=s.spec_hash,
            spec=spec,
            created_at=s.created_at,
            price=spec_price(product, s.spec),
            choices=[ChoiceOut(**c) for c in choice_summary(product, choices)],
            shop_variant_id=shop_variant(product, choices),
        )


@route(
    bp,
    "/v1/specs",
    "POST",
    access="publishable",
    status=201,
    body=SpecIn,
    response=SpecOut,
    other_statuses=(200,),
    idempotent=True,
    allow_surrogates=True,
    summary="Validate inputs and store the canonical spec (201 first time, 200 after)",
)
def create_spec(ctx: Ctx, body: SpecIn) -> Reply:
    product = visible_product(ctx, body.product_id)
    result, _ = check_inputs(ctx, product, body.inputs, body.options)
    if not result.valid:
        raise ValidationFailed(
            "The inputs break the product's rules.",
            code="spec.invalid_inputs",
            details={"errors": result.errors, "warnings": result.warnings},
        )
    document = design.build_spec(product.product_id, product.version, product.doc, result)
    digest = design.spec_hash(document)
    existing = specs.find_spec(ctx.brand_id, digest)
    if existing is None:
        metadata = body.metadata.model_dump(exclude_none=True) if body.metadata else {}
        candidate = specs.new_spec(ctx.brand_id, digest, document, metadata)
        out = SpecOut.of(candidate, product.doc)
        try:
            with ctx.atomic(out, 201) as transaction:
                specs.put_new(transaction, candidate)
            return Reply(out, 201)
        except TransactWriteError:
            existing = specs.find_spec(ctx.brand_id, digest)  # a concurrent first write won
            if existing is None:
                raise
    return Reply(SpecOut.of(existing, product.doc), 200)


@route(
    bp,
    "/v1/specs/{spec_hash}",
    "GET",
    access="publishable",
    response=SpecOut,
    summary="A spec by its hash",
)
def get_spec(ctx: Ctx, spec_hash: str) -> SpecOut:
    found = specs.get_spec(ctx.brand_id, spec_hash)
    try:
        product = products.get_version(
            ctx.brand_id, found.spec["product_id"], found.spec["product_version"]
        )
    except NotFound:  # a spec kept after its product's history: no price to tell
        return SpecOut.of(found)
    return SpecOut.of(found, product)


class SpecCheckIn(RequestModel):
    spec: Any


class SpecCheckOut(BaseModel):
    valid: bool
    errors: list[dict[str, Any]]
    spec_hash: str | None


@route(
    bp,
    "/v1/specs/validate",
    "POST",
    access="publishable",
    body=SpecCheckIn,
    response=SpecCheckOut,
    summary="Check a spec document against the schema; recompute its hash",
    rate="validate",
)
def validate_spec(ctx: Ctx, body: SpecCheckIn) -> SpecCheckOut:
    errors, digest = design.check_spec(body.spec)
    return SpecCheckOut(valid=not errors, errors=errors, spec_hash=digest)


@route(
    bp,
    "/v1/schemas/design-spec.json",
    "GET",
    access="public",
    summary="JSON Schema (2020-12) of the design spec",
)
def spec_schema(ctx: Ctx) -> Reply:
    return Reply(design.json_schema(), headers={"Cache-Control": "public, max-age=3600"})


# --- snapshots --------------------------------------------------------------------------------


class SnapshotIn(RequestModel):
    spec_hash: str = Field(min_length=1, max_length=64)


@route(
    bp,
    "/v1/snapshots",
    "POST",
    access="publishable",
    status=201,
    body=SnapshotIn,
    response=SnapshotOut,
    idempotent=True,
    summary="Freeze a spec into a draft snapshot",
)
def create_snapshot(ctx: Ctx, body: SnapshotIn) -> Reply:
    spec = specs.get_spec(ctx.brand_id, body.spec_hash)
    snap = snapshots.new_snapshot(spec)
    out = SnapshotOut.of(snap)
    with ctx.atomic(out, 201) as transaction:
        snapshots.put_new(transaction, snap)
    return Reply(out, 201)


@route(
    bp,
    "/v1/snapshots/{snapshot_id}",
    "GET",
    access="publishable",
    response=SnapshotOut,
    summary="A snapshot with its spec and generated assets",
)
def get_snapshot(ctx: Ctx, snapshot_id: str) -> SnapshotOut:
    return SnapshotOut.of(snapshots.get_snapshot(ctx.brand_id, snapshot_id))


@route(
    bp,
    "/v1/snapshots/{snapshot_id}",
    "PUT",
    access="secret",
    body=SnapshotIn,
    response=SnapshotOut,
    summary="Point a draft snapshot at another spec (409 once locked)",
)
def put_snapshot(ctx: Ctx, snapshot_id: str, body: SnapshotIn) -> SnapshotOut:
    snapshots.get_snapshot(ctx.brand_id, snapshot_id)
    spec = specs.get_spec(ctx.brand_id, body.spec_hash)
    return SnapshotOut.of(snapshots.replace_spec(ctx.brand_id, snapshot_id, spec))


@route(
    bp,
    "/v1/snapshots/{snapshot_id}",
    "DELETE",
    access="secret",
    status=204,
    summary="Delete a draft snapshot (409 once locked)",
)
def delete_snapshot(ctx: Ctx, snapshot_id: str) -> None:
    snapshots.delete_snapshot(ctx.brand_id, snapshot_id)


@route(
    bp,
    "/v1/snapshots/{snapshot_id}/lock",
    "POST",
    access="secret",
    response=SnapshotOut,
    summary="Lock a snapshot for production (one-way; locking again is harmless)",
)
def lock_snapshot(ctx: Ctx, snapshot_id: str) -> Reply:
    return Reply(SnapshotOut.of(lock_and_announce(ctx.brand_id, snapshot_id, ctx.request_id)))


class ProofIn(RequestModel):
    preview_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the preview image bytes shown"
    )
    render_id: str | None = Field(
        default=None, max_length=64, description="The preview render the image came from"
    )
    locale: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length=35
    )


@route(
    bp,
    "/v1/snapshots/{snapshot_id}/proof",
    "POST",
    access="publishable",
    body=ProofIn,
    response=SnapshotOut,
    summary="Record the shopper's proof confirmation on a draft snapshot (409 once locked)",
)
def confirm_proof(ctx: Ctx, snapshot_id: str, body: ProofIn) -> SnapshotOut:
    snap = proofs.confirm_proof(
        ctx.brand_id, snapshot_id, body.preview_sha256, body.render_id, body.locale
    )
    return SnapshotOut.of(snap)
