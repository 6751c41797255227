"""Render jobs: the message, the producer, and the worker that turns a snapshot into files.

The worker is idempotent on ``render_id`` (a finished render is never redone; a running one is
left to its lease holder) and outputs are content-addressed: every render of the same spec, kind,
options and renderer version shares one set of S3 objects, so a second request costs a HEAD, not
a rasterization. A deterministic failure (bad font, corrupt image) fails the render at once with
its code; a transient one goes back to the queue, and the last delivery records why it gave up.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from chalicelib import aws, logs
from chalicelib.api.event_payloads import render_finished
from chalicelib.domain.canonical import sha256_hex
from chalicelib.domain.render_options import PreviewOptions
from chalicelib.jobs import deliveries, queue, runner
from chalicelib.jobs.batch import Delivery
from chalicelib.store import renders
from chalicelib.store.models import RenderModel

log = logs.get_logger("atelier.jobs.renders")

QUEUE_OF_KIND = {"preview": "render-preview", "final": "render-final"}


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


def handle_message(body: dict[str, Any], delivery: Delivery) -> None:
    """One SQS record. Raises only for failures worth another delivery."""
    message = RenderMessage.model_validate(body)
    logs.bind(brand_id=message.brand_id, render_id=message.render_id)
    runner.run(
        lambda: renders.find(message.brand_id, message.render_id),
        status=lambda m: str(m.status),
        start=renders.start,
        work=_run,
        fail=fail,
        release=renders.release,
        delivery=delivery,
        kind="render",
        finished=lambda model: deliveries.dispatch(render_finished(model)),
    )


def fail(model: RenderModel, code: str, message: str, *, retryable: bool = False) -> None:
    """Fail the render and tell webhooks (render.failed)."""
    written = renders.fail(model, code, message, describe=render_finished, retryable=retryable)
    deliveries.dispatch(written)


def _run(model: RenderModel) -> None:
    from chalicelib.jobs.render_worker import produce

    started = time.perf_counter()
    outputs, reused = produce(model)
    written = renders.succeed(model, outputs, reused=reused, describe=render_finished)
    deliveries.dispatch(written, model.correlation_id or "")
    _record_on_snapshot(model, outputs)
    log.info(
        "render succeeded",
        extra={"reused": reused, "ms": round((time.perf_counter() - started) * 1000, 1)},
    )


def _record_on_snapshot(model: RenderModel, outputs: list[dict[str, Any]]) -> None:
    from chalicelib.store import snapshots

    entry = {
        "render_id": model.render_id,
        "options": model.options,
        "files": [{k: o[k] for k in ("role", "key", "content_type", "sha256")} for o in outputs],
    }
    snapshots.add_assets(model.brand_id, model.snapshot_id, {model.kind: entry})
