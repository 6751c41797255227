"""Render endpoints: ask for a preview or a final, follow its status, fetch its files.

Creating a render writes the job record (with the stored idempotent answer) and then enqueues
it; the answer is 202 at once. If the enqueue itself fails, the job is marked failed with
``render.enqueue_failed`` rather than left queued forever.
"""

from __future__ import annotations

from typing import Any, Literal

from chalice.app import Blueprint, Response
from pydantic import BaseModel, Field

from chalicelib import aws
from chalicelib.api.http import Ctx, QueryModel, Reply, RequestModel, route
from chalicelib.domain.render_options import (
    ALL_SIDES,
    RENDERER_VERSION,
    FinalOptions,
    ModelOptions,
    PreviewOptions,
)
from chalicelib.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from chalicelib.flows import renders as jobs
from chalicelib.flows.views import RenderOut
from chalicelib.store import brands, products, renders, snapshots, specs, usage

bp = Blueprint(__name__)
RESULT_URL_SECONDS = 300


class PreviewIn(RequestModel):
    snapshot_id: str = Field(min_length=1, max_length=64)
    options: PreviewOptions | None = None


class FinalIn(RequestModel):
    snapshot_id: str = Field(min_length=1, max_length=64)
    options: FinalOptions | None = None
    # The manufacturing profile the final is for (its photo engraving burns engraved photos);
    # default: the product's. Not an option: it is part of the cache key only when it matters.
    profile_id: str | None = Field(default=None, min_length=1, max_length=64)


class ModelIn(RequestModel):
    snapshot_id: str = Field(min_length=1, max_length=64)
    options: ModelOptions | None = None


class RenderIn(RequestModel):
    kind: Literal["preview", "final", "model"]
    snapshot_id: str = Field(min_length=1, max_length=64)
    options: dict[str, Any] | None = None


class Accepted(BaseModel):
    render_id: str
    status: str


class FileOut(BaseModel):
    role: str
    url: str
    content_type: str
    width_px: int
    height_px: int
    bytes: int
    sha256: str


class ResultOut(FileOut):
    expires_in: int
    files: list[FileOut]


# A shopper's 3D model counts against the same daily quota as the previews the widget asks for.
QUOTA_OF_KIND = {"preview": "preview", "final": "final", "model": "preview"}


def _require_model(brand_id: str, spec_hash: str) -> None:
    """422 ``render.no_model`` unless the product version of the design has a 3D model."""
    spec = specs.get_spec(brand_id, spec_hash).spec
    product = products.get_version(brand_id, str(spec["product_id"]), int(spec["product_version"]))
    if product.model is None:
        raise ValidationFailed(
            "This product has no 3D model; set the product's model first.",
            code="render.no_model",
            details={"product_id": spec["product_id"]},
        )


def _require_side(brand_id: str, snapshot: snapshots.Snapshot, side: str) -> None:
    """422 ``render.unknown_side`` unless the design's product version has this side."""
    spec = snapshot.spec
    product = products.get_version(brand_id, str(spec["product_id"]), int(spec["product_version"]))
    known = [s.id for s in product.all_sides]
    if side != ALL_SIDES and side not in known:
        raise ValidationFailed(
            "The product has no side with this id.",
            code="render.unknown_side",
            details={"side": side, "sides": known},
        )


def _start(
    ctx: Ctx, kind: str, snapshot_id: str, options: BaseModel, profile_id: str | None = None
) -> Reply:
    snapshot = snapshots.get_snapshot(ctx.brand_id, snapshot_id)
    if kind == "model":
        _require_model(ctx.brand_id, snapshot.spec_hash)
    side = getattr(options, "side", None)
    if side is not None:
        _require_side(ctx.brand_id, snapshot, side)
    opts = options.model_dump(mode="json")
    spec = snapshot.spec
    product = products.get_version(
        ctx.brand_id, str(spec["product_id"]), int(spec["product_version"])
    )
    used = jobs.profile_in_use(ctx.brand_id, product, spec, profile_id)
    engraving = jobs.engraving_in_key(used, product)
    key = jobs.cache_key(snapshot.spec_hash, kind, opts, RENDERER_VERSION, engraving)
    if jobs.existing_outputs(ctx.brand_id, key, kind, opts) is None:  # cached renders are free
        quotas = brands.get_brand(ctx.brand_id).quotas
        counted = QUOTA_OF_KIND[kind]
        usage.count_render(ctx.brand_id, counted, usage.quota_for(counted, quotas))
    model = renders.new_render(
        ctx.brand_id,
        snapshot_id=snapshot.snapshot_id,
        spec_hash=snapshot.spec_hash,
        kind=kind,
        options=opts,
        cache_key=key,
        correlation_id=ctx.request_id,
        profile=used,
    )
    out = Accepted(render_id=model.render_id, status="queued")
    with ctx.atomic(out, 202) as transaction:
        renders.put_new(transaction, model)
    try:
        jobs.enqueue(renders.as_render(model))
    except Exception as exc:
        reason = f"could not enqueue: {type(exc).__name__}"
        jobs.fail(model, "render.enqueue_failed", reason, retryable=True)  # a new request may work
        raise ServiceUnavailable(
            "The render queue is unavailable; the render was marked failed.",
            code="render.enqueue_failed",
        ) from exc
    return Reply(out, 202)


@route(
    bp,
    "/v1/renders/preview",
    "POST",
    access="publishable",
    status=202,
    body=PreviewIn,
    response=Accepted,
    idempotent=True,
    summary="Queue a preview render of a snapshot",
    rate="render",
)
def create_preview(ctx: Ctx, body: PreviewIn) -> Reply:
    return _start(ctx, "preview", body.snapshot_id, body.options or PreviewOptions())


@route(
    bp,
    "/v1/renders/final",
    "POST",
    access="secret",
    status=202,
    body=FinalIn,
    response=Accepted,
    idempotent=True,
    summary="Queue a final (print PNG + vector PDF)",
    rate="render",
)
def create_final(ctx: Ctx, body: FinalIn) -> Reply:
    return _start(ctx, "final", body.snapshot_id, body.options or FinalOptions(), body.profile_id)


@route(
    bp,
    "/v1/renders/model",
    "POST",
    access="publishable",
    status=202,
    body=ModelIn,
    response=Accepted,
    idempotent=True,
    summary="Queue a 3D model render: the design on the product's model as GLB and USDZ",
    rate="render",
)
def create_model(ctx: Ctx, body: ModelIn) -> Reply:
    return _start(ctx, "model", body.snapshot_id, body.options or ModelOptions())


@route(
    bp,
    "/v1/renders",
    "POST",
    access="secret",
    status=202,
    body=RenderIn,
    response=Accepted,
    idempotent=True,
    summary="Queue a render of either kind",
    rate="render",
)
def create_render(ctx: Ctx, body: RenderIn) -> Reply:
    kinds: dict[str, type[BaseModel]] = {
        "preview": PreviewOptions,
        "final": FinalOptions,
        "model": ModelOptions,
    }
    model = kinds[body.kind]
    from chalicelib.api.http import validate

    try:
        options = validate(model, body.options or {})
    except ValidationFailed as exc:
        for detail in exc.details:
            detail["field"] = f"options.{detail['field']}"
        raise
    return _start(ctx, body.kind, body.snapshot_id, options)


@route(
    bp,
    "/v1/renders/{render_id}",
    "GET",
    access="publishable",
    response=RenderOut,
    summary="A render's status, progress, timings and outputs",
)
def get_render(ctx: Ctx, render_id: str) -> RenderOut:
    return RenderOut.of(renders.get_render(ctx.brand_id, render_id))


def _file(output: dict[str, Any]) -> FileOut:
    url = aws.presigned_get(output["key"], RESULT_URL_SECONDS)
    return FileOut(url=url, **{k: output[k] for k in FileOut.model_fields if k != "url"})


@route(
    bp,
    "/v1/renders/{render_id}/result",
    "GET",
    access="publishable",
    response=ResultOut,
    summary="Short-lived download URLs of a succeeded render (409 while not ready)",
)
def get_result(ctx: Ctx, render_id: str) -> ResultOut:
    render = _succeeded(renders.get_render(ctx.brand_id, render_id))
    files = [_file(o) for o in render.outputs]
    return ResultOut(**files[0].model_dump(), expires_in=RESULT_URL_SECONDS, files=files)


def _succeeded(render: renders.Render) -> renders.Render:
    """The render if it succeeded; its own error (422) if it failed; 409 while it runs."""
    render_id = render.render_id
    if render.status == "failed":
        error = render.error or {}
        raise ValidationFailed(
            str(error.get("message", "The render failed.")),
            code=str(error.get("code", "render.failed")),
            details={"render_id": render_id},
        )
    if render.status != "succeeded":
        raise Conflict(
            "The render is not ready yet; poll GET /v1/renders/{render_id}.",
            code="render.not_ready",
            headers={"Retry-After": "1"},
            details={"status": render.status, "progress": render.progress},
        )
    return render


class ArQuery(QueryModel):
    key: str = Field(min_length=1, max_length=200, description="The brand's publishable key")


AR_FILES = {name: role for role, name in jobs.MODEL_FILES}


@route(
    bp,
    "/v1/renders/{render_id}/ar/{name}",
    "GET",
    access="public",
    query=ArQuery,
    status=302,
    other_statuses=(401, 404, 409, 422),
    summary="Redirect to a fresh signed URL of a model render's model.glb or model.usdz",
)
def ar_file(ctx: Ctx, render_id: str, name: str, query: ArQuery) -> Response:
    """The widget's "View in your room" link: AR Quick Look (iOS) and Scene Viewer (Android)
    open a plain URL long after the page loaded, when a signed result URL has expired, so the
    link names this route and the URL is signed at click time. The publishable key rides in the
    query (a link cannot send a header); it is public by design, like the render id it unlocks.
    """
    principal = brands.authenticate(f"Bearer {query.key}")
    render = renders.get_render(principal.brand_id, render_id)
    role = AR_FILES.get(name)
    if render.kind != "model" or role is None:
        raise NotFound("No such file.", code="render.file_not_found")
    output = next(o for o in _succeeded(render).outputs if o["role"] == role)
    url = aws.presigned_get(output["key"], RESULT_URL_SECONDS)
    return Response(
        body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"}
    )


class UsageDay(BaseModel):
    day: str
    preview: int
    final: int


class UsageOut(BaseModel):
    quotas: dict[str, int]
    days: list[UsageDay]


@route(
    bp,
    "/v1/usage",
    "GET",
    access="secret",
    response=UsageOut,
    summary="Renders started per day and kind (last 30 days) and the brand's daily quotas",
)
def get_usage(ctx: Ctx) -> UsageOut:
    quotas = brands.get_brand(ctx.brand_id).quotas
    return UsageOut(
        quotas={kind: usage.quota_for(kind, quotas) for kind in usage.DEFAULT_QUOTAS},
        days=[UsageDay(**d) for d in usage.usage(ctx.brand_id)],
    )
