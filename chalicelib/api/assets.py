"""Uploads (shopper photos, brand fonts) and the fonts a brand may use.

Images are widget routes (publishable keys): a shopper uploads a photo from the shop page.
Fonts change what every later order of the brand can look like, so creating or completing a font
upload needs a secret key even though the routes themselves are open to publishable keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from chalice.app import Blueprint
from pydantic import BaseModel, Field

from chalicelib import fonts
from chalicelib.api.http import Ctx, Reply, RequestModel, route
from chalicelib.domain.zone import ImageZone
from chalicelib.errors import Forbidden, ValidationFailed
from chalicelib.store import assets, products

bp = Blueprint(__name__)


class AssetOut(BaseModel):
    asset_id: str
    kind: Literal["image", "font", "model"]
    status: Literal["pending", "ready", "failed"]
    content_type: str
    filename: str
    declared_bytes: int
    facts: dict[str, Any] = Field(
        description="Image: format, width_px, height_px, has_alpha, sha256...; font: family...; "
        "model: triangles, meshes, images, materials, uv_materials, sha256..."
    )
    error: dict[str, Any] | None = Field(description="{code, message, details} when failed")
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, a: assets.Asset) -> AssetOut:
        return cls(
            asset_id=a.asset_id,
            kind=a.kind,
            status=a.status,
            content_type=a.content_type,
            filename=a.filename,
            declared_bytes=a.declared_bytes,
            facts=a.facts,
            error=a.error,
            created_at=a.created_at,
            completed_at=a.completed_at,
        )


class AssetCreateIn(RequestModel):
    kind: Literal["image", "font", "model"]
    content_type: str = Field(min_length=1, max_length=100)
    filename: str = Field(default="", max_length=255)
    size_bytes: int = Field(ge=1, description="Exact size of the file; the upload policy signs it.")
    product_id: str | None = Field(
        default=None,
        max_length=64,
        description="With zone_id: the image zone this photo is for; its max_bytes and formats "
        "bound the upload.",
    )
    zone_id: str | None = Field(default=None, max_length=64)


class UploadOut(BaseModel):
    method: Literal["POST"]
    url: str
    fields: dict[str, str] = Field(
        description="Send these form fields first, then the file as the last field named 'file' "
        "(multipart/form-data). S3 refuses any other size, type or key."
    )
    max_bytes: int = Field(description="The only file size S3 accepts for this upload.")
    expires_in: int


class AssetCreated(BaseModel):
    asset: AssetOut
    upload: UploadOut


class FontOut(BaseModel):
    font_id: str
    family: str
    style: str
    category: str | None = Field(
        description="sans | serif | display | script (cursive); null for brand fonts"
    )
    source: Literal["bundled", "brand"]
    license: str | None = Field(description="SPDX id of a bundled font; null for brand fonts")
    sha256: str
    scripts: list[str] | None = Field(
        default=None,
        description="ISO 15924 scripts a bundled font draws in full (Latn, Arab, Hebr, Deva)",
    )
    origin: str | None = Field(
        default=None,
        description="Where the build took a bundled font: npm:<pkg>@<version> or pypi:<dist>==<v>",
    )


class FontList(BaseModel):
    data: list[FontOut]


def _require_secret_for_fonts(ctx: Ctx, kind: str) -> None:
    """Fonts and 3D models belong to the brand's catalogue: only its server uploads them."""
    if kind in ("font", "model") and ctx.principal.kind != "secret":
        raise Forbidden(
            f"A {kind} is uploaded with a secret key (sk_...), from the brand's server.",
            code="auth.secret_key_required",
        )


def _zone_limit(ctx: Ctx, body: AssetCreateIn) -> int | None:
    """The image zone's own byte limit, after checking the zone takes this kind and format."""
    if body.product_id is None and body.zone_id is None:
        return None
    if body.product_id is None or body.zone_id is None or body.kind != "image":
        raise ValidationFailed(
            "product_id and zone_id go together, and only with kind 'image'.",
            code="asset.invalid_zone_reference",
        )
    product = products.get_product(ctx.brand_id, body.product_id)
    zone = next((z for z in product.doc.zones if z.id == body.zone_id), None)
    if not isinstance(zone, ImageZone):
        raise ValidationFailed(
            f"Product {body.product_id} has no image zone {body.zone_id!r}.",
            code="asset.unknown_zone",
            details={"zone_id": body.zone_id},
        )
    ctype = body.content_type.split(";", 1)[0].strip().lower()
    if ctype.removeprefix("image/") not in zone.formats:
        raise ValidationFailed(
            f"This zone accepts {', '.join(zone.formats)}, not {ctype}.",
            code="asset.unsupported_content_type",
            details={"content_type": body.content_type, "accepted": list(zone.formats)},
        )
    return zone.max_bytes


@route(
    bp,
    "/v1/assets",
    "POST",
    access="publishable",
    status=201,
    body=AssetCreateIn,
    response=AssetCreated,
    idempotent=True,
    summary="Start an upload: an asset id and a presigned S3 POST policy for exactly that file",
)
def create_asset(ctx: Ctx, body: AssetCreateIn) -> Reply:
    _require_secret_for_fonts(ctx, body.kind)
    model, upload = assets.prepare_upload(
        ctx.brand_id,
        body.kind,
        body.content_type,
        body.filename,
        body.size_bytes,
        max_bytes=_zone_limit(ctx, body),
    )
    out = AssetCreated(
        asset=AssetOut.of(assets.as_asset(model)),
        upload=UploadOut(
            method="POST",
            url=upload.url,
            fields=upload.fields,
            max_bytes=upload.max_bytes,
            expires_in=upload.expires_in,
        ),
    )
    with ctx.atomic(out, 201) as transaction:
        assets.put_new(transaction, model)
    return Reply(out, 201)


@route(
    bp,
    "/v1/assets/{asset_id}/complete",
    "POST",
    access="publishable",
    response=AssetOut,
    summary="Verify the uploaded file and make the asset ready (replays answer the same)",
)
def complete_asset(ctx: Ctx, asset_id: str) -> AssetOut:
    _require_secret_for_fonts(ctx, assets.get_asset(ctx.brand_id, asset_id).kind)
    return AssetOut.of(assets.complete(ctx.brand_id, asset_id))


@route(
    bp,
    "/v1/assets/{asset_id}",
    "GET",
    access="publishable",
    response=AssetOut,
    summary="One asset of the brand",
)
def get_asset(ctx: Ctx, asset_id: str) -> AssetOut:
    return AssetOut.of(assets.get_asset(ctx.brand_id, asset_id))


@route(
    bp,
    "/v1/fonts",
    "GET",
    access="publishable",
    response=FontList,
    summary="Fonts the brand may use: the bundled set, then its own verified fonts",
)
def list_fonts(ctx: Ctx) -> FontList:
    bundled = [
        FontOut(
            font_id=f.font_id,
            family=f.family,
            style=f.style,
            category=f.category,
            source="bundled",
            license=f.license,
            sha256=f.sha256,
            scripts=list(f.scripts),
            origin=f.origin,
        )
        for f in fonts.list_fonts()
    ]
    own = [
        FontOut(
            font_id=a.asset_id,
            family=str(a.facts.get("family", "")),
            style=str(a.facts.get("style", "")),
            category=None,
            source="brand",
            license=None,
            sha256=str(a.facts.get("sha256", "")),
        )
        for a in assets.brand_fonts(ctx.brand_id)
    ]
    return FontList(data=bundled + own)
