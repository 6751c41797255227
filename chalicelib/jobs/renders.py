"""Render jobs: the worker that turns a snapshot into files (producers: flows.renders).

The worker is idempotent on ``render_id`` (a finished render is never redone; a running one is
left to its lease holder) and outputs are content-addressed: every render of the same spec, kind,
options and renderer version shares one set of S3 objects, so a second request costs a HEAD, not
a rasterization. A deterministic failure (bad font, corrupt image) fails the render at once with
its code; a transient one goes back to the queue, and the last delivery records why it gave up.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib import logs
from chalicelib.flows import delivery as event_delivery
from chalicelib.flows.events import render_finished
from chalicelib.flows.renders import RenderMessage, fail
from chalicelib.jobs import runner
from chalicelib.jobs.batch import Delivery
from chalicelib.store import renders
from chalicelib.store.models import RenderModel

log = logs.get_logger("atelier.jobs.renders")


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
        finished=lambda model: event_delivery.dispatch(render_finished(model)),
    )


def _run(model: RenderModel) -> None:
    from chalicelib.jobs.render_worker import produce

    started = time.perf_counter()
    outputs, reused = produce(model)
    written = renders.succeed(model, outputs, reused=reused, describe=render_finished)
    event_delivery.dispatch(written, model.correlation_id or "")
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
