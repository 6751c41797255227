"""Request scope for every HTTP call: request id, access log, CORS, one error shape.

Runs around every view (including Chalice's own 405/415 answers, which it rewrites into
``{"error": ...}``), so these conventions hold even for requests no route handler saw.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalice.app import Request, Response

from chalicelib import logs
from chalicelib.api.http import (
    EXPOSED_HEADERS,
    ROUTES,
    error_response,
    principal_var,
    request_id_from,
)
from chalicelib.auth import Principal, normalize_origin
from chalicelib.errors import AtelierError
from chalicelib.settings import get_settings

log = logs.get_logger("atelier.http")

_CHALICE_CODES = {
    "UnsupportedMediaType": "request.unsupported_media_type",
    "MethodNotAllowedError": "request.method_not_allowed",
    "BadRequest": "request.bad",
    "BadRequestError": "request.bad",
    "NotFoundError": "not_found",
    "InternalServerError": "internal",
}


def middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Request id, structured access log, CORS, and Chalice's own errors in our error shape."""
    request_id = request_id_from(event.headers.get("x-request-id"))
    logs.get_logger().setLevel(get_settings().log_level)
    started = time.perf_counter()
    with logs.scope(request_id=request_id):
        token = principal_var.set(None)
        response = _own_error_shape(get_response(event))
        response.headers["X-Request-Id"] = request_id
        _add_cors(event, response, principal_var.get())
        log.info(
            "request",
            extra={
                "method": event.method,
                "path": event.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        principal_var.reset(token)
    return response


def _own_error_shape(response: Response) -> Response:
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = _CHALICE_CODES.get(str(body["Code"]), "request.bad")
        exc = AtelierError(str(body.get("Message", "")), code=code)
        converted = error_response(exc, status=response.status_code)
        converted.headers.update({k: v for k, v in response.headers.items() if k == "Allow"})
        return converted
    return response


def _add_cors(event: Request, response: Response, principal: Principal | None) -> None:
    """Data goes to allowed origins only; errors are readable by any page so widgets can debug."""
    origin = event.headers.get("origin")
    if not origin:
        return
    allowed = (
        event.method == "OPTIONS"
        or response.status_code >= 400
        or (principal is not None and normalize_origin(origin) in principal.origins)
        or _is_public(event)
    )
    existing = response.headers.get("Vary", "")
    joined = ",".join(existing) if isinstance(existing, list) else existing
    vary = [v.strip() for v in joined.split(",") if v.strip()]
    response.headers["Vary"] = ", ".join(dict.fromkeys(["Origin", *vary]))
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS


def _is_public(event: Request) -> bool:
    resource = (event.context or {}).get("resourcePath")
    return any(r.path == resource and r.access == "public" for r in ROUTES)
