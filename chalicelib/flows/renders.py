"""Renders from the producer's side: the queue message, the content address, enqueue and fail.

The API (a shopper's preview) and production (an order's final) both queue renders through
here; the worker (:mod:`chalicelib.jobs.renders`) consumes the same message model.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib import aws, queue
from chalicelib.domain.canonical import sha256_hex
from chalicelib.domain.render_options import PreviewOptions
from chalicelib.flows import delivery
from chalicelib.flows.events import render_finished
from chalicelib.store import renders
from chalicelib.store.models import RenderModel

# Model renders (texture bake + GLB + USDZ) weigh like finals: they share the final queue.
QUEUE_OF_KIND = {"preview": "render-preview", "final": "render-final", "model": "render-final"}
MODEL_FILES = [("model", "model.glb"), ("ar", "model.usdz")]


class RenderMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    render_id: str
    brand_id: str
    correlation_id: str = ""


def cache_key(spec_hash: str, kind: str, options: dict[str, Any], renderer_version: str) -> str:
    """The content address of a render's outputs."""
    return sha256_hex(
        {"spec_hash": spec_hash, "kind": kind, "options": options, "renderer": renderer_version}
    )


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
