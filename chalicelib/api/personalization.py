"""Personalization (publishable or secret key): validate, normalize, auto-fit; and widget config.

A publishable key only sees active products: drafts and archived products answer 404, exactly
like another brand's product.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Annotated, Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel, Field, StringConstraints

from chalicelib.api.http import Ctx, RequestModel, json_response, route
from chalicelib.domain import personalization as p13n
from chalicelib.domain import zone_layout
from chalicelib.domain.dieline import DieLine, DieLineInvalid, die_path_d
from chalicelib.domain.features import ChoiceId, unknown_choices
from chalicelib.domain.options import (
    MAX_OPTIONS,
    Option,
    Price,
    Variant,
    price_of,
    swatch_asset_ids,
)
from chalicelib.domain.side import Side
from chalicelib.domain.zone import ImageZone, MonogramZone, ProductDoc, TextZone, Zone
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.fonts import FontUnknown, LoadedFont
from chalicelib.store import assets, products, profiles
from chalicelib.store.catalog import BrandCatalog

bp = Blueprint(__name__)
ProductId = Field(min_length=1, max_length=64)


def visible_product(ctx: Ctx, product_id: str) -> products.Product:
    product = products.get_product(ctx.brand_id, product_id)
    if ctx.principal.kind == "publishable" and product.status != "active":
        raise NotFound("No such product.", code="product.not_found")
    return product


ShortId = Annotated[str, StringConstraints(max_length=64)]
OptionChoices = dict[ShortId, ShortId]


def options_field() -> Any:
    return Field(
        default=None,
        max_length=MAX_OPTIONS,
        description="option id → value id; omitted options take their default",
    )


class ValidateIn(RequestModel):
    product_id: str = ProductId
    inputs: dict[str, p13n.ZoneInput] = Field(max_length=p13n.MAX_INPUTS)
    options: OptionChoices | None = options_field()


class ValidateOut(BaseModel):
    valid: bool
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    normalized_inputs: dict[str, dict[str, Any]]
    layout: dict[str, dict[str, Any]]
    # per cut zone: connector, how many pieces it yields, the checks run and what they found
    cut: dict[str, dict[str, Any]] = Field(default_factory=dict)
    options: dict[str, str] | None = Field(
        default=None, description="the resolved choices (defaults filled, hidden left out)"
    )
    price: Price | None = Field(default=None, description="the list price (priced products)")


def check_inputs(
    ctx: Ctx,
    product: products.Product,
    inputs: dict[str, p13n.ZoneInput],
    options: dict[str, str] | None = None,
) -> tuple[p13n.Result, dict[str, dict[str, Any]]]:
    """Every rule of the product, plus the manufacturability checks of its cut zones
    (against the product's profile, the laser default otherwise). Returns the result and
    the cut reports by zone. Clipper is imported only when a zone is cut."""
    catalog = BrandCatalog(ctx.brand_id)
    result = p13n.validate_inputs(product.doc, inputs, catalog, options=options)
    cut: dict[str, dict[str, Any]] = {}
    if any(isinstance(z, TextZone) and z.process == "cut" for z in product.doc.zones):
        from chalicelib.scene.cut_checks import check_cut_zones

        profile_id = product.doc.manufacturing_profile_id or "laser-default"
        profile = profiles.get_profile(ctx.brand_id, profile_id).doc
        for report in check_cut_zones(product.doc, result, catalog.font, profile):
            cut[report.zone_id] = report.as_dict()
    return result, cut


@route(
    bp,
    "/v1/personalization/validate",
    "POST",
    access="publishable",
    body=ValidateIn,
    response=ValidateOut,
    allow_surrogates=True,
    summary="Check inputs against every zone rule; normalized inputs and layouts",
    rate="validate",
)
def validate(ctx: Ctx, body: ValidateIn) -> ValidateOut:
    product = visible_product(ctx, body.product_id)
    result, cut = check_inputs(ctx, product, body.inputs, body.options)
    price = price_of(product.doc, result.options or {}, result.normalized_inputs)
    return ValidateOut(**result.as_dict(), cut=cut, price=price)


class NormalizeIn(RequestModel):
    text: p13n.RawText
    product_id: str | None = Field(default=None, max_length=64)
    zone_id: str | None = Field(default=None, max_length=64)


class RemovedOut(BaseModel):
    index: int
    code_point: str
    name: str | None
    reason: str


class NormalizeOut(BaseModel):
    original: p13n.RawText
    normalized: str
    removed: list[RemovedOut]
    grapheme_count: int
    has_non_ascii: bool
    lines: list[str]
    warnings: list[dict[str, Any]]


def _text_zone(ctx: Ctx, product_id: str | None, zone_id: str | None) -> TextZone | None:
    if product_id is None and zone_id is None:
        return None
    if product_id is None or zone_id is None:
        raise ValidationFailed(
            "Give both product_id and zone_id, or neither.",
            code="personalization.zone_needs_product",
        )
    zone = visible_product(ctx, product_id).doc.zone(zone_id)
    if not isinstance(zone, TextZone):
        raise NotFound("This product has no text zone with this id.", code="zone.not_found")
    return zone


@route(
    bp,
    "/v1/personalization/normalize",
    "POST",
    access="publishable",
    body=NormalizeIn,
    response=NormalizeOut,
    allow_surrogates=True,
    summary="Show what normalization keeps, removes and counts",
    rate="validate",
)
def normalize(ctx: Ctx, body: NormalizeIn) -> NormalizeOut:
    zone = _text_zone(ctx, body.product_id, body.zone_id)
    norm = p13n.normalize_for_zone(zone, body.text)
    return NormalizeOut(
        original=norm.original,
        normalized=norm.normalized,
        removed=[RemovedOut(**r.__dict__) for r in norm.removed],
        grapheme_count=norm.grapheme_count,
        has_non_ascii=norm.has_non_ascii,
        lines=list(norm.lines),
        warnings=[{"code": i.code, "message": i.message, "params": i.params} for i in norm.issues],
    )


class AutoFitIn(RequestModel):
    product_id: str = ProductId
    zone_id: str = Field(min_length=1, max_length=64)
    text: p13n.RawText
    font: str | None = Field(default=None, max_length=64)
    features: list[ChoiceId] | None = Field(
        default=None, max_length=10, description="ids of the zone's feature_choices"
    )


class AutoFitOut(BaseModel):
    font: str
    font_size_mm: float
    lines: list[str]
    width_mm: float
    height_mm: float
    fits: bool
    problems: list[str]


@route(
    bp,
    "/v1/personalization/auto-fit",
    "POST",
    access="publishable",
    body=AutoFitIn,
    response=AutoFitOut,
    allow_surrogates=True,
    summary="The largest size at which the text fits the zone, with its measured lines",
    rate="validate",
)
def auto_fit(ctx: Ctx, body: AutoFitIn) -> AutoFitOut:
    zone = _text_zone(ctx, body.product_id, body.zone_id)
    assert zone is not None
    font_id = body.font or zone.font
    if font_id not in zone.fonts:
        raise ValidationFailed(
            "This font is not offered in this zone.",
            code="zone.font_not_allowed",
            details={"allowed": zone.fonts},
        )
    unknown = unknown_choices(zone.feature_choices, body.features or ())
    if unknown:
        raise ValidationFailed(
            "These typographic options are not offered in this zone.",
            code="zone.feature_not_allowed",
            details={"features": unknown, "allowed": [c.id for c in zone.feature_choices]},
        )
    font = assets.load_font(ctx.brand_id, font_id)
    text = p13n.normalize_for_zone(zone, body.text).normalized
    shaping = zone_layout.zone_shaping(zone, zone_layout.LATEST_SPEC_VERSION, body.features or ())
    if shaping is not None and zone.shaping_fallbacks:
        fallbacks = tuple(assets.load_font(ctx.brand_id, f) for f in zone.shaping_fallbacks)
        shaping = dataclasses.replace(shaping, fallbacks=fallbacks)
    layout = zone_layout.fit_zone(zone, text, font, None, shaping)
    if layout.missing:  # after shaping, per cluster: what the glyphs will really be
        raise ValidationFailed(
            f"The font {font_id} cannot draw: {' '.join(layout.missing)}",
            code="text.missing_glyphs",
            details={"characters": list(layout.missing)},
        )
    return AutoFitOut(font=font_id, **zone_layout.layout_summary(layout))


# --- widget config --------------------------------------------------------------------------


class WidgetFont(BaseModel):
    font_id: str
    family: str
    style: str
    preview_svg: str


class WidgetConfig(BaseModel):
    product_id: str
    version: int
    name: str
    width_mm: float
    height_mm: float
    base_image_asset_id: str | None
    die_line: DieLine | None = None  # the product's outline (previews draw and clip to it)
    # per side id: its die line as an SVG path in artboard mm, for the widget's overlay
    die_line_paths: dict[str, str] = Field(default_factory=dict)
    zones: list[Zone]  # each names its side, visible_when (shown for these choices), price_minor
    fonts: list[WidgetFont]
    options: list[Option] = Field(default_factory=list)  # names, kinds, values, prices, defaults
    variants: list[Variant] = Field(default_factory=list)  # shop variant per combination
    currency: str | None = None
    prices_include_tax: bool = True
    base_price_minor: int | None = None  # None: the product is not priced by Atelier
    labels: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="The brand's wording: {locale: {message key: text}}"
    )
    require_proof: bool = False  # "Add to cart" shows the proof and records the confirmation
    # Every side (a product without declared sides has one, "front"), in the order to show them.
    sides: list[Side] = Field(default_factory=list)
    # Engraved image zones whose previews show the laser's dots (the product's default profile
    # engraves photos), so the widget can say the preview is the burn, not the colour photo.
    burn_preview_zones: list[str] = Field(default_factory=list)
    # The product has a 3D model: the widget loads this viewer (path on this API) and asks for
    # model renders; None: the 2D preview only.
    model_viewer: str | None = None
    # option id → value id → path of that value's swatch image (GET it with ?key=pk_…; a 302 to
    # a short-lived signed URL), for values whose swatch is an uploaded image
    swatch_images: dict[str, dict[str, str]] = Field(default_factory=dict)


def _model_viewer(doc: ProductDoc) -> str | None:
    from chalicelib.widget import viewer

    found = viewer() if doc.model is not None else None
    return f"/widget/model-viewer.js?v={found.version}" if found is not None else None


def font_names(font: LoadedFont) -> tuple[str, str]:
    names = font.ttfont["name"]
    return str(names.getBestFamilyName() or font.font_id), str(names.getBestSubFamilyName() or "")


def _font_entries(brand_id: str, font_ids: dict[str, list[str]]) -> list[WidgetFont]:
    """Each offered font with its specimen, in the script its zones allow (``font_ids`` maps a
    font to the charsets of the zones offering it)."""
    from chalicelib.scene.specimen import specimen_svg, specimen_text

    entries = []
    for font_id, charsets in font_ids.items():
        try:
            font = assets.load_font(brand_id, font_id)
        except FontUnknown:
            continue  # a brand font removed after the product was saved: not offered
        family, style = font_names(font)
        entries.append(
            WidgetFont(
                font_id=font_id,
                family=family,
                style=style,
                preview_svg=specimen_svg(font, specimen_text(font, family, charsets)),
            )
        )
    return entries


def widget_config(brand_id: str, product: products.Product) -> WidgetConfig:
    doc = product.doc
    font_ids: dict[str, list[str]] = {}
    for zone in (z for z in doc.zones if isinstance(z, TextZone | MonogramZone)):
        for font_id in zone.fonts:
            font_ids.setdefault(font_id, [])
            font_ids[font_id] += [c for c in zone.charset if c not in font_ids[font_id]]
    return WidgetConfig(
        product_id=product.product_id,
        version=product.version,
        name=doc.name,
        width_mm=doc.width_mm,
        height_mm=doc.height_mm,
        base_image_asset_id=doc.base_image_asset_id,
        die_line=doc.die_line,
        zones=[z.model_copy(update={"side": doc.side_of(z).id}) for z in doc.zones],
        fonts=_font_entries(brand_id, font_ids),
        options=list(doc.options),
        variants=list(doc.variants),
        currency=doc.currency,
        prices_include_tax=doc.prices_include_tax,
        base_price_minor=doc.base_price_minor,
        labels=doc.labels,
        require_proof=doc.require_proof,
        sides=list(doc.all_sides),
        burn_preview_zones=_burn_preview_zones(brand_id, doc),
        model_viewer=_model_viewer(doc),
        die_line_paths=_die_line_paths(doc),
        swatch_images=_swatch_images(product.product_id, doc),
    )


def _swatch_images(product_id: str, doc: ProductDoc) -> dict[str, dict[str, str]]:
    from chalicelib.api.widget import swatch_path

    return {
        option_id: {value_id: swatch_path(product_id, option_id, value_id) for value_id in values}
        for option_id, values in swatch_asset_ids(doc.options).items()
    }


def _die_line_paths(doc: ProductDoc) -> dict[str, str]:
    """Each side's die line as the SVG path the pack cuts (a product without sides: ``front``)."""
    paths: dict[str, str] = {}
    for side in doc.all_sides:
        if side.die_line is None:
            continue
        try:
            paths[side.id] = die_path_d(side.die_line)
        except DieLineInvalid:  # refused when the product was written; never a 500 here
            continue
    return paths


def _burn_preview_zones(brand_id: str, doc: ProductDoc) -> list[str]:
    """Engraved image zones, when the product's default profile engraves photos (the render
    worker then previews them from the 1-bit raster)."""
    engraved = [z.id for z in doc.zones if isinstance(z, ImageZone) and z.process == "engrave"]
    if not engraved:
        return []
    try:
        profile = profiles.get_profile(brand_id, doc.manufacturing_profile_id or "laser-default")
    except NotFound:
        return []
    return engraved if profile.doc.photo_engraving is not None else []


def _etag(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@route(
    bp,
    "/v1/widget/config/{product_id}",
    "GET",
    access="publishable",
    response=WidgetConfig,
    summary="What the widget draws for an active product; ETag + If-None-Match → 304",
)
def get_widget_config(ctx: Ctx, product_id: str) -> Response:
    product = products.get_product(ctx.brand_id, product_id)
    if product.status != "active":
        raise NotFound("No such product.", code="product.not_found")
    payload = widget_config(ctx.brand_id, product).model_dump(mode="json")
    etag = _etag(payload)
    headers: dict[str, Any] = {
        "ETag": etag,
        "Cache-Control": "private, max-age=60, must-revalidate",
        "Vary": "Origin, Authorization",
    }
    if _matches(ctx.request.headers.get("if-none-match"), etag):
        return Response(body="", status_code=304, headers=headers)
    return json_response(payload, 200, headers)
