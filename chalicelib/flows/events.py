"""What each state change tells webhooks: the event type, its derived id, and the resource as
the API returns it (the same models as the API's answers, :mod:`chalicelib.flows.views`, so an
event and a GET never disagree).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from chalicelib.domain.webhooks import event_id
from chalicelib.flows.views import OrderOut, PackOut, RenderOut, SnapshotOut
from chalicelib.store import orders
from chalicelib.store.base import utcnow
from chalicelib.store.events import NewEvent
from chalicelib.store.models import PackModel, RenderModel
from chalicelib.store.packs import as_pack
from chalicelib.store.renders import as_render
from chalicelib.store.snapshots import Snapshot

# The download URL in a pack.ready event lasts as long as its retry budget (24 h); after that,
# GET /v1/manufacturing/packs/{id} mints a fresh one.
PACK_EVENT_URL_SECONDS = 24 * 3600


def _event(
    brand_id: str, kind: str, resource_id: str, change: str, type_: str, data: dict[str, Any]
) -> NewEvent:
    return NewEvent(
        event_id=event_id(brand_id, kind, resource_id, change),
        brand_id=brand_id,
        type=type_,
        created_at=utcnow(),
        data=data,
    )


def _object(out: BaseModel, **extra: Any) -> dict[str, Any]:
    return {"object": out.model_dump(mode="json"), **extra}


def order_events(order: orders.Order, previous: str) -> list[NewEvent]:
    """order.status_changed for every transition, and order.paid when it became paid."""
    change = f"{len(order.history)}:{order.status}"  # the n-th transition: unique per order
    data = _object(OrderOut.of(order), previous_status=previous)
    found = [_event(order.brand_id, "order", order.order_id, change, "order.status_changed", data)]
    if order.status == "paid":
        found.append(_event(order.brand_id, "order", order.order_id, "paid", "order.paid", data))
    return found


def snapshot_locked(snapshot: Snapshot) -> list[NewEvent]:
    data = _object(SnapshotOut.of(snapshot))
    return [
        _event(
            snapshot.brand_id, "snapshot", snapshot.snapshot_id, "locked", "snapshot.locked", data
        )
    ]


def render_finished(model: RenderModel) -> list[NewEvent]:
    type_ = "render.succeeded" if model.status == "succeeded" else "render.failed"
    data = _object(RenderOut.of(as_render(model)))
    return [_event(model.brand_id, "render", model.render_id, str(model.status), type_, data)]


def pack_finished(model: PackModel) -> list[NewEvent]:
    type_ = "pack.ready" if model.status == "succeeded" else "pack.failed"
    data = _object(PackOut.of(as_pack(model), PACK_EVENT_URL_SECONDS))
    return [_event(model.brand_id, "pack", model.pack_id, str(model.status), type_, data)]
