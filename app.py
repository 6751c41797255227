"""Composition root: the Chalice app, its blueprints and its event handlers. Nothing else.

Routes live in ``chalicelib/api`` (one blueprint per resource); workers in ``chalicelib/jobs``.
Renderers and ezdxf are imported inside the job code paths, so the API's cold start stays light.
"""

from typing import Any

from chalice import Chalice, Rate
from chalice.app import CloudWatchEvent, SQSEvent

from chalicelib.api import (
    apidocs,
    assets,
    events,
    keys,
    manufacturing,
    middleware,
    orders,
    personalization,
    products,
    renders,
    specs,
    system,
    webhook_endpoints,
    webhooks,
    widget,
)
from chalicelib.jobs import deliveries as delivery_jobs
from chalicelib.jobs import outbox as outbox_job
from chalicelib.jobs import packs as pack_jobs
from chalicelib.jobs import renders as render_jobs
from chalicelib.jobs import retention as retention_job
from chalicelib.jobs.batch import process_batch
from chalicelib.resources import queue_name_at_deploy, queue_spec

app = Chalice(app_name="atelier", configure_logs=False)
app.register_middleware(middleware.middleware, "http")
BLUEPRINTS = (
    system,
    keys,
    assets,
    products,
    personalization,
    specs,
    renders,
    manufacturing,
    orders,
    webhooks,
    widget,
    webhook_endpoints,
    events,
    apidocs,
)
for blueprint in BLUEPRINTS:
    app.register_blueprint(blueprint.bp)


@app.on_sqs_message(
    queue=queue_name_at_deploy("render-preview"), batch_size=queue_spec("render-preview").batch_size
)
def render_preview_worker(event: SQSEvent) -> dict[str, Any]:
    return process_batch(event, render_jobs.handle_message, queue="render-preview")


@app.on_sqs_message(
    queue=queue_name_at_deploy("render-final"), batch_size=queue_spec("render-final").batch_size
)
def render_final_worker(event: SQSEvent) -> dict[str, Any]:
    return process_batch(event, render_jobs.handle_message, queue="render-final")


@app.on_sqs_message(
    queue=queue_name_at_deploy("export-manufacturing"),
    batch_size=queue_spec("export-manufacturing").batch_size,
)
def export_manufacturing_worker(event: SQSEvent) -> dict[str, Any]:
    return process_batch(event, pack_jobs.handle_message, queue="export-manufacturing")


@app.on_sqs_message(
    queue=queue_name_at_deploy("webhook-delivery"),
    batch_size=queue_spec("webhook-delivery").batch_size,
)
def webhook_delivery_worker(event: SQSEvent) -> dict[str, Any]:
    return process_batch(event, delivery_jobs.handle_message, queue="webhook-delivery")


@app.schedule(Rate(1, unit=Rate.DAYS))
def retention(event: CloudWatchEvent) -> dict[str, Any]:
    """Daily: expire abandoned drafts, their previews and unlinked uploads (never order data)."""
    return retention_job.run_scheduled(event.context)


@app.schedule(Rate(5, unit=Rate.MINUTES))
def webhook_outbox(event: CloudWatchEvent) -> dict[str, Any]:
    """Every 5 minutes: queue the fan-outs of recent events whose dispatch was lost."""
    return outbox_job.run_scheduled(event.context)
