"""The widget script (``GET /widget.js``), a demo shop page (``GET /demo/{product_id}``) and the
swatch images of a product's option values (``GET /v1/widget/swatch/...``).

Both are public: a shop page loads the script before any key is in play. The script is cached by
version: ``?v=<content hash>`` is immutable for a year, the bare URL revalidates (ETag) every five
minutes so a brand that embeds it unversioned still picks up fixes. The demo page exists only in
development stages: in production it answers 404 exactly like an unknown path.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response
from pydantic import Field

from chalicelib import aws
from chalicelib.api.http import Ctx, QueryModel, route
from chalicelib.auth import parse_bearer
from chalicelib.domain.options import swatch_asset_ids
from chalicelib.errors import BadRequest, NotFound
from chalicelib.settings import get_settings
from chalicelib.store import assets, brands, products
from chalicelib.widget import demo_page, script, viewer

bp = Blueprint(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300, must-revalidate"
DEMO_STAGES = frozenset({"dev", "local", "e2e", "test"})


class ScriptQuery(QueryModel):
    v: str | None = Field(default=None, max_length=64, description="The script's version")


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in (if_none_match or "").split(",")]
    return "*" in tags or etag in tags


@route(
    bp,
    "/widget.js",
    "GET",
    access="public",
    query=ScriptQuery,
    summary="The embeddable shopper widget (JavaScript); ?v=<version> is cached immutably",
)
def widget_script(ctx: Ctx, query: ScriptQuery) -> Response:
    current = script()
    headers: dict[str, str | list[str]] = {
        "ETag": current.etag,
        "Cache-Control": IMMUTABLE if query.v == current.version else REVALIDATE,
        "X-Atelier-Widget-Version": current.version,
    }
    if etag_matches(ctx.request.headers.get("if-none-match"), current.etag):
        return Response(body="", status_code=304, headers=headers)
    headers["Content-Type"] = "application/javascript; charset=utf-8"
    return Response(body=current.body, status_code=200, headers=headers)


@route(
    bp,
    "/widget/model-viewer.js",
    "GET",
    access="public",
    query=ScriptQuery,
    other_statuses=(404,),
    summary="The widget's 3D viewer (Google's model-viewer, pinned from npm); ?v= is immutable",
)
def viewer_script(ctx: Ctx, query: ScriptQuery) -> Response:
    current = viewer()
    if current is None:
        raise NotFound(
            "The 3D viewer is not built here: run `make viewer` (model-viewer from npm).",
            code="viewer.not_built",
        )
    headers: dict[str, str | list[str]] = {
        "ETag": current.etag,
        "Cache-Control": IMMUTABLE if query.v == current.version else REVALIDATE,
        "X-Content-Type-Options": "nosniff",
    }
    if etag_matches(ctx.request.headers.get("if-none-match"), current.etag):
        return Response(body="", status_code=304, headers=headers)
    headers["Content-Type"] = "application/javascript; charset=utf-8"
    return Response(body=current.body, status_code=200, headers=headers)


LOCALE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"


class DemoQuery(QueryModel):
    key: str | None = Field(default=None, max_length=200, description="A publishable key")
    lang: str = Field(
        default="en", max_length=35, pattern=LOCALE_PATTERN, description="The page's language"
    )
    locale: str | None = Field(
        default=None, max_length=35, pattern=LOCALE_PATTERN, description="The widget's locale"
    )


@route(
    bp,
    "/demo/{product_id}",
    "GET",
    access="public",
    query=DemoQuery,
    other_statuses=(401,),  # the publishable key in ?key= is checked
    summary="Development only: a plain shop page embedding the widget (404 in production)",
)
def demo(ctx: Ctx, product_id: str, query: DemoQuery) -> Response:
    if get_settings().stage not in DEMO_STAGES:
        raise NotFound("No such page.", code="not_found")
    if query.key is None:
        raise BadRequest(
            "Give the brand's publishable key: /demo/{product_id}?key=pk_...",
            code="demo.key_missing",
        )
    kind, _, _ = parse_bearer(f"Bearer {query.key}")
    if kind != "publishable":
        raise BadRequest(
            "The demo page embeds a publishable key (pk_...); never put a secret key in a page.",
            code="demo.publishable_key_required",
        )
    principal = brands.authenticate(f"Bearer {query.key}")
    product = products.get_product(principal.brand_id, product_id)
    if product.status != "active":
        raise NotFound("No such product.", code="product.not_found")
    page = demo_page(
        product.product_id, product.doc.name, query.key, lang=query.lang, locale=query.locale
    )
    return Response(
        body=page,
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


SWATCH_URL_SECONDS = 300


class SwatchQuery(QueryModel):
    key: str = Field(min_length=1, max_length=200, description="The brand's publishable key")


def swatch_path(product_id: str, option_id: str, value_id: str) -> str:
    """The path the widget config names for a value's swatch image (the widget adds ``?key=``)."""
    return f"/v1/widget/swatch/{product_id}/{option_id}/{value_id}"


@route(
    bp,
    "/v1/widget/swatch/{product_id}/{option_id}/{value_id}",
    "GET",
    access="public",
    query=SwatchQuery,
    status=302,
    other_statuses=(401, 404, 422),
    summary="Redirect to a fresh signed URL of an option value's swatch image (active products)",
)
def swatch_image(
    ctx: Ctx, product_id: str, option_id: str, value_id: str, query: SwatchQuery
) -> Response:
    """An ``<img src>`` cannot send a header and a brand's assets are private, so, like the AR
    link, the publishable key rides in the query and the URL is signed when the image is asked
    for. Only an image the active product names as a value's swatch is reachable: any other
    asset of the brand, an unknown option or value, a value without a swatch image, a draft or
    another brand's product all answer 404.
    """
    principal = brands.authenticate(f"Bearer {query.key}")
    product = products.get_product(principal.brand_id, product_id)
    if product.status != "active":
        raise NotFound("No such product.", code="product.not_found")
    asset_id = swatch_asset_ids(product.doc.options).get(option_id, {}).get(value_id)
    if asset_id is None:
        raise NotFound("No such swatch image.", code="swatch.not_found")
    try:
        key = assets.ready_image_key(principal.brand_id, asset_id)
    except NotFound:  # deleted after the product was saved: the same answer as no swatch
        raise NotFound("No such swatch image.", code="swatch.not_found") from None
    url = aws.presigned_get(key, SWATCH_URL_SECONDS)
    return Response(
        body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"}
    )
