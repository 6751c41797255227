"""Export-pack jobs: the worker's decision logic (producers: flows.packs).

Idempotent on ``pack_id``: a finished pack is never rebuilt, a running one is left to its lease
holder, and a pack whose worker died after uploading is rebuilt into the same bytes (the pack is
deterministic), so a redelivery never leaves a second, different zip.
"""

from __future__ import annotations

from typing import Any

from chalicelib import logs
from chalicelib.flows import delivery as event_delivery
from chalicelib.flows.events import pack_finished
from chalicelib.flows.packs import PackMessage, fail
from chalicelib.jobs import runner
from chalicelib.jobs.batch import Delivery
from chalicelib.store import packs
from chalicelib.store.models import PackModel

log = logs.get_logger("atelier.jobs.packs")


def handle_message(body: dict[str, Any], delivery: Delivery) -> None:
    message = PackMessage.model_validate(body)
    logs.bind(brand_id=message.brand_id, pack_id=message.pack_id)
    runner.run(
        lambda: packs.find(message.brand_id, message.pack_id),
        status=lambda m: str(m.status),
        start=packs.start,
        work=_build,
        fail=fail,
        release=packs.release,
        delivery=delivery,
        kind="pack",
        finished=lambda model: event_delivery.dispatch(pack_finished(model)),
    )


def _build(model: PackModel) -> None:
    from chalicelib.jobs.pack_worker import build_and_upload

    written = packs.succeed(model, **build_and_upload(model), describe=pack_finished)
    event_delivery.dispatch(written or [], model.correlation_id or "")
