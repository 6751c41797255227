"""Renders from the producer's side: the queue message, the content address, enqueue and fail.

The API (a shopper's preview) and production (an order's final) both queue renders through
here; the worker (:mod:`chalicelib.jobs.renders`) consumes the same message model.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib import aws, queue
from chalicelib.domain.canonical import sha256_hex
from chalicelib.domain.photo_engraving import PhotoEngraving
from chalicelib.domain.render_options import PreviewOptions
from chalicelib.domain.zone import ImageZone, ProductDoc
from chalicelib.errors import NotFound
from chalicelib.flows import delivery
from chalicelib.flows.events import render_finished
from chalicelib.store import profiles, renders
from chalicelib.store.models import RenderModel

# Model renders (texture bake + GLB + USDZ) weigh like finals: they share the final queue.
QUEUE_OF_KIND = {"preview": "render-preview", "final": "render-final", "model": "render-final"}
MODEL_FILES = [("model", "model.glb"), ("ar", "model.usdz")]


class RenderMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    render_id: str
    brand_id: str
    correlation_id: str = ""


def cache_key(
    spec_hash: str,
    kind: str,
    options: dict[str, Any],
    renderer_version: str,
    engraving: dict[str, Any] | None = None,
) -> str:
    """The content address of a render's outputs.

    ``engraving`` (:func:`engraving_in_key`) is what the profile's photo engraving makes of the
    design's engraved photos; it joins the key only when there is such a photo, so a render of
    anything else keeps the key it always had, and editing a profile's photo engraving gives
    the next preview a new address instead of the stale burn.
    """
    keyed: dict[str, Any] = {
        "spec_hash": spec_hash,
        "kind": kind,
        "options": options,
        "renderer": renderer_version,
    }
    if engraving is not None:
        keyed["photo_engraving"] = engraving
    return sha256_hex(keyed)


def profile_in_use(
    brand_id: str, product: ProductDoc, spec: dict[str, Any], profile_id: str | None = None
) -> dict[str, Any]:
    """What a render records of the profile it draws engraved photos with (stored on the job
    so the worker burns with the very settings the cache key names, not a later edit).

    ``profile_id`` is the one the caller uses (a final for a pack made with another profile);
    else the product's default. A default the brand has since deleted burns nothing (the pack
    would refuse it); an explicit unknown id is a 404. ``photo_engraving`` is None unless the
    design has an engraved photo and the profile engraves photos.
    """
    chosen = profile_id or product.manufacturing_profile_id or "laser-default"
    try:
        profile = profiles.get_profile(brand_id, chosen)
    except NotFound:
        if profile_id is not None:
            raise
        return {"profile_id": chosen, "photo_engraving": None}
    settings = profile.doc.photo_engraving
    given = spec.get("zones") or {}
    engraved = any(
        isinstance(z, ImageZone) and z.process == "engrave" and z.id in given for z in product.zones
    )
    return {
        "profile_id": profile.profile_id,
        "photo_engraving": settings.model_dump(mode="json") if settings and engraved else None,
    }


def engraving_of(used: dict[str, Any] | None) -> PhotoEngraving | None:
    """The photo engraving settings a render recorded (None: it burns no photo)."""
    raw = (used or {}).get("photo_engraving")
    return None if raw is None else PhotoEngraving.model_validate(raw)


def engraving_in_key(used: dict[str, Any], product: ProductDoc) -> dict[str, Any] | None:
    """The cache key's part for :func:`profile_in_use`'s record: the effective settings for
    the product's material (None when no photo is burnt)."""
    settings = engraving_of(used)
    return None if settings is None else settings.effective(product.material)


def output_prefix(brand_id: str, key: str) -> str:
    return f"{brand_id}/renders/{key}"


def expected_files(kind: str, options: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, file name) of every output a render of this kind and options produces."""
    if kind == "preview":
        fmt = PreviewOptions.model_validate(options).format
        return [("image", f"preview.{'jpg' if fmt == 'jpeg' else fmt}")]
    if kind == "model":
        return list(MODEL_FILES)
    return [("image", "final.png"), ("pdf", "final.pdf")]


def existing_outputs(
    brand_id: str, key: str, kind: str, options: dict[str, Any]
) -> list[dict[str, Any]] | None:
    """The outputs already stored under this content address, or None if any is missing."""
    from botocore.exceptions import ClientError

    prefix = output_prefix(brand_id, key)
    found = []
    for role, name in expected_files(kind, options):
        try:
            head = aws.s3().head_object(Bucket=aws.assets_bucket(), Key=f"{prefix}/{name}")
        except ClientError:
            return None
        meta = head.get("Metadata", {})
        found.append(
            {
                "role": role,
                "key": f"{prefix}/{name}",
                "content_type": head["ContentType"],
                "bytes": int(head["ContentLength"]),
                "sha256": meta.get("sha256", ""),
                "width_px": int(meta.get("width-px", 0)),
                "height_px": int(meta.get("height-px", 0)),
            }
        )
    return found


def enqueue(render: renders.Render) -> None:
    message = RenderMessage(
        render_id=render.render_id, brand_id=render.brand_id, correlation_id=render.correlation_id
    )
    queue.send(QUEUE_OF_KIND[render.kind], message)


def fail(model: RenderModel, code: str, message: str, *, retryable: bool = False) -> None:
    """Fail the render and tell webhooks (render.failed); ``retryable``: the cause was passing."""
    written = renders.fail(model, code, message, describe=render_finished, retryable=retryable)
    delivery.dispatch(written)
