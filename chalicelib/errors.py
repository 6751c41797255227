"""Typed domain errors with stable machine codes.

Handlers never build error bodies by hand: they raise one of these, and the single mapper in
``chalicelib.api.http`` turns it into ``{"error": {"code", "message", "details"}, "request_id"}``
with the status carried by the class. Codes are part of the public contract; never rename one.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError


class AtelierError(Exception):
    """Base of every error that is the client's fault or an expected condition."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details if details is not None else {}
        self.headers = headers or {}


class BadRequest(AtelierError):
    status = 400
    code = "request.bad"


class Unauthorized(AtelierError):
    status = 401
    code = "auth.unauthorized"


class Forbidden(AtelierError):
    status = 403
    code = "auth.forbidden"


class NotFound(AtelierError):
    status = 404
    code = "not_found"


class Conflict(AtelierError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AtelierError):
    status = 413
    code = "request.too_large"


class UnsupportedMediaType(AtelierError):
    status = 415
    code = "request.unsupported_media_type"


class ValidationFailed(AtelierError):
    """422: the request is well-formed JSON but breaks the rules; ``details`` lists every field."""

    status = 422
    code = "validation.failed"


class ServiceUnavailable(AtelierError):
    status = 503
    code = "service.unavailable"


def field_errors(exc: PydanticValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as ``{"field", "code", "message"}``: one entry per bad field."""
    return [
        {
            "field": ".".join(str(p) for p in err["loc"]),
            "code": err["type"],
            "message": err["msg"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]
