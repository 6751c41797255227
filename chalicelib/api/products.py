"""Products and their zones (secret key): create, list, read, replace, archive."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chalice.app import Blueprint
from pydantic import BaseModel, Field, SerializerFunctionWrapHandler

from chalicelib.api.http import Ctx, QueryModel, Reply, route
from chalicelib.domain.base import wrap_serializer
from chalicelib.domain.dieline import DieLine
from chalicelib.domain.labels import label_issues, product_label_keys
from chalicelib.domain.material import Material
from chalicelib.domain.model3d import ModelRef, model_issues
from chalicelib.domain.options import Option, Variant, option_asset_ids
from chalicelib.domain.side import Side
from chalicelib.domain.zone import ProductDoc, Zone, omit_when_none, product_issues
from chalicelib.errors import AtelierError, ValidationFailed
from chalicelib.store import assets, products, profiles
from chalicelib.store.catalog import known_font_ids
from chalicelib.widget import message_keys

bp = Blueprint(__name__)


class ProductOut(BaseModel):
    product_id: str
    version: int
    status: Literal["draft", "active", "archived"]
    name: str
    sku: str
    width_mm: float
    height_mm: float
    base_image_asset_id: str | None
    manufacturing_profile_id: str | None
    die_line: DieLine | None = None
    material: Material | None = None
    zones: list[Zone]
    options: list[Option]
    variants: list[Variant]
    currency: str | None = None
    prices_include_tax: bool = True
    base_price_minor: int | None = None
    sides: list[Side] | None = None
    model: ModelRef | None = None
    labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    require_proof: bool = False
    created_at: datetime
    updated_at: datetime

    @wrap_serializer
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return omit_when_none(self, handler, ("sides", "model", "die_line", "material"))

    @classmethod
    def of(cls, p: products.Product) -> ProductOut:
        fields = p.doc.model_dump(exclude={"status", "zones", "sides", "options", "variants"})
        return cls(
            product_id=p.product_id,
            version=p.version,
            status=p.status,  # type: ignore[arg-type]  # stored values are only these three
            zones=list(p.doc.zones),
            options=list(p.doc.options),
            variants=list(p.doc.variants),
            sides=list(p.doc.sides) if p.doc.sides else None,
            created_at=p.created_at,
            updated_at=p.updated_at,
            **fields,
        )


class ProductList(BaseModel):
    data: list[ProductOut]
    next_cursor: str | None


class ProductQuery(QueryModel):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=512)
    status: Literal["draft", "active", "archived"] | None = None


def check_product(brand_id: str, doc: ProductDoc) -> None:
    """422 listing every rule the product breaks (zones, sides, options, fonts, the images)."""
    issues = product_issues(doc, known_font_ids(brand_id))
    named = product_label_keys(
        (z.id for z in doc.zones), doc.options, (s.id for s in doc.all_sides)
    )
    issues += label_issues(doc.labels, message_keys(), named)
    images = [("base_image_asset_id", doc.base_image_asset_id)] + [
        (f"sides[{i}].mockup_asset_id", side.mockup_asset_id)
        for i, side in enumerate(doc.sides or ())
    ]
    for field, asset_id in images + option_asset_ids(doc):
        if not asset_id:
            continue
        try:
            assets.get_ready_image(brand_id, asset_id)
        except AtelierError:
            issues.append(
                {
                    "field": field,
                    "code": "product.unknown_asset",
                    "message": "No verified image with this id.",
                    "params": {"asset_id": asset_id},
                }
            )
    if doc.model is not None:
        try:
            model = assets.get_ready_model(brand_id, doc.model.asset_id)
            facts: dict[str, Any] | None = model.facts
        except AtelierError:
            facts = None
        issues += model_issues(doc.model, facts, [side.id for side in doc.all_sides])
    if doc.manufacturing_profile_id:
        try:
            profiles.get_profile(brand_id, doc.manufacturing_profile_id)
        except AtelierError:
            issues.append(
                {
                    "field": "manufacturing_profile_id",
                    "code": "product.unknown_profile",
                    "message": "No built-in or brand profile with this id.",
                    "params": {"profile_id": doc.manufacturing_profile_id},
                }
            )
    if issues:
        raise ValidationFailed("The product breaks some rules.", details=issues)


@route(
    bp,
    "/v1/products",
    "POST",
    access="secret",
    status=201,
    body=ProductDoc,
    response=ProductOut,
    idempotent=True,
    summary="Create a product with its zones",
)
def create_product(ctx: Ctx, body: ProductDoc) -> Reply:
    check_product(ctx.brand_id, body)
    model = products.new_product(ctx.brand_id, body)
    out = ProductOut.of(products.as_product(model))
    with ctx.atomic(out, 201) as transaction:
        products.put_new(transaction, model)
    return Reply(out, 201)


@route(
    bp,
    "/v1/products",
    "GET",
    access="secret",
    query=ProductQuery,
    response=ProductList,
    summary="List products, newest id order, with an opaque cursor",
)
def list_products(ctx: Ctx, query: ProductQuery) -> ProductList:
    items, cursor = products.list_products(
        ctx.brand_id, limit=query.limit, cursor=query.cursor, status=query.status
    )
    return ProductList(data=[ProductOut.of(p) for p in items], next_cursor=cursor)


@route(
    bp,
    "/v1/products/{product_id}",
    "GET",
    access="secret",
    response=ProductOut,
    summary="One product",
)
def get_product(ctx: Ctx, product_id: str) -> ProductOut:
    return ProductOut.of(products.get_product(ctx.brand_id, product_id))


@route(
    bp,
    "/v1/products/{product_id}",
    "PUT",
    access="secret",
    body=ProductDoc,
    response=ProductOut,
    summary="Replace a product; its version increments",
)
def put_product(ctx: Ctx, product_id: str, body: ProductDoc) -> ProductOut:
    products.get_product(ctx.brand_id, product_id)  # 404 before 422 for a foreign id
    check_product(ctx.brand_id, body)
    return ProductOut.of(products.replace_product(ctx.brand_id, product_id, body))


@route(
    bp,
    "/v1/products/{product_id}/archive",
    "POST",
    access="secret",
    response=ProductOut,
    summary="Archive a product (widgets stop offering it)",
)
def archive_product(ctx: Ctx, product_id: str) -> Reply:
    return Reply(ProductOut.of(products.archive_product(ctx.brand_id, product_id)))
