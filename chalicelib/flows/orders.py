"""Moving an order through its state machine: the one way, for the API and for webhooks."""

from __future__ import annotations

from chalicelib.domain.order import PRODUCING
from chalicelib.flows import delivery
from chalicelib.flows.events import order_events
from chalicelib.flows.production import start_production
from chalicelib.store import orders


def move_order(
    brand_id: str, order_id: str, target: str, source: str, correlation_id: str
) -> orders.Order:
    """The one way an order changes status (API and webhooks); paid starts production.

    The new status and its events (order.status_changed, order.paid) commit together.

    "paid" again for an order already paid or further along is not an error: it re-runs the
    (idempotent) production step, so a webhook redelivery or a retry after a crash is harmless.
    """
    current = orders.get_order(brand_id, order_id)
    if target == "paid" and current.status in PRODUCING:
        # Also repairs a crash between the paid commit and its dispatch (deliveries dedupe).
        delivery.dispatch([e for e in order_events(current, "") if e.type == "order.paid"])
        start_production(current, correlation_id)
        return orders.get_order(brand_id, order_id)
    order, written = orders.move(brand_id, order_id, target, source, describe=order_events)
    delivery.dispatch(written, correlation_id)
    if target == "paid" and order.status in PRODUCING:
        start_production(order, correlation_id)
        order = orders.get_order(brand_id, order_id)
    return order
