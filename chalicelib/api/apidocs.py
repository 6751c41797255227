"""``GET /docs``: the OpenAPI document rendered by Redoc, and Redoc's script, in dev stages.

Like the demo shop page, the reference exists on the local stack and the ``dev`` stage only; in
production both paths answer 404 exactly like an unknown path. The script is cached by version
like the widget's: ``?v=<content hash>`` immutable for a year, the bare URL revalidates.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.api.http import Ctx, route
from chalicelib.api.widget import DEMO_STAGES, IMMUTABLE, REVALIDATE, ScriptQuery, etag_matches
from chalicelib.apidocs import CSP, Bundle, bundle, page
from chalicelib.errors import NotFound
from chalicelib.settings import get_settings

bp = Blueprint(__name__)


def _available() -> Bundle:
    if get_settings().stage not in DEMO_STAGES:
        raise NotFound("No such page.", code="not_found")
    found = bundle()
    if found is None:
        raise NotFound(
            "The API reference is not built here: run `make apidocs` (Redoc from npm).",
            code="apidocs.not_built",
        )
    return found


@route(
    bp,
    "/docs",
    "GET",
    access="public",
    other_statuses=(404,),
    summary="Development only: this API reference, browsable (Redoc; 404 in production)",
)
def api_reference(ctx: Ctx) -> Response:
    found = _available()
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-cache",
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body=page(found.version), status_code=200, headers=headers)


@route(
    bp,
    "/docs/redoc.standalone.js",
    "GET",
    access="public",
    query=ScriptQuery,
    other_statuses=(404,),
    summary="Development only: Redoc's script for /docs (404 in production)",
)
def api_reference_script(ctx: Ctx, query: ScriptQuery) -> Response:
    found = _available()
    headers: dict[str, str | list[str]] = {
        "ETag": found.etag,
        "Cache-Control": IMMUTABLE if query.v == found.version else REVALIDATE,
        "X-Content-Type-Options": "nosniff",
    }
    if etag_matches(ctx.request.headers.get("if-none-match"), found.etag):
        return Response(body="", status_code=304, headers=headers)
    headers["Content-Type"] = "application/javascript; charset=utf-8"
    return Response(body=found.body, status_code=200, headers=headers)
