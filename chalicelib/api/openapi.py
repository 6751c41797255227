"""OpenAPI 3.1 document generated from the route registry and the pydantic models.

pydantic emits JSON Schema 2020-12, which is what OpenAPI 3.1 uses, so schemas go in unchanged.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from chalicelib.api import openapi_errors
from chalicelib.api.http import ROUTES, RouteSpec

_ERROR_STATUSES = {
    "400": "Malformed request (bad JSON, bad header)",
    "401": "Missing, unknown or revoked API key",
    "403": "Key kind or origin not allowed for this route",
    "404": "Not found (or another brand's)",
    "409": "Conflict (version, lock, or the same Idempotency-Key still in flight)",
    "413": "Body larger than the limit",
    "415": "Content-Type is not application/json",
    "422": "Validation failed; details list every field",
    "429": "Rate limit or render quota exceeded; Retry-After says when to retry",
    "500": "Internal error (logged with the request id)",
    "503": "A dependency is unavailable for now; retry later",
}
# Answered before any key is read, or because of one: not on public routes unless declared.
_KEYED_STATUSES = ("401", "403", "429")
# Request and response bodies recorded from real calls (``local/openapi_examples.py`` writes it).
_EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")
# Chalice's own 415 (a body that is not JSON), rewritten into our shape by api/middleware.py.
_UNSUPPORTED_MEDIA = {"status": 415, "code": "request.unsupported_media_type"}


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    error: ErrorInfo
    request_id: str


# (model, "validation" | "serialization") -> {"$ref": ...}
Refs = dict[tuple[Any, str], dict[str, Any]]


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The whole document; built once per process (routes are fixed after import)."""
    refs, schemas = _schemas(ROUTES)
    paths: dict[str, dict[str, Any]] = {}
    for spec in ROUTES:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Atelier API",
            "version": "1",
            "description": "Product personalization: specs, previews and manufacturing files.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "pk_... (publishable, browser) or sk_... (secret, server)",
                }
            },
        },
    }


def _schemas(
    routes: list[RouteSpec],
) -> tuple[Refs, dict[str, Any]]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorEnvelope, "serialization")]
    for r in routes:
        if r.body is not None:
            wanted.append((r.body, "validation"))
        if r.response is not None:
            wanted.append((r.response, "serialization"))
    unique = list(dict.fromkeys(wanted))
    key_map, top = models_json_schema(unique, ref_template="#/components/schemas/{model}")
    refs: Refs = {(model, str(mode)): dict(schema) for (model, mode), schema in key_map.items()}
    return refs, dict(top.get("$defs", {}))


def _operation(spec: RouteSpec, refs: Refs) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.operation_id,
        "summary": spec.summary,
        "tags": [spec.tag],
        "x-atelier-access": spec.access,
        "parameters": _parameters(spec),
        "responses": _responses(spec, refs),
        "x-error-codes": error_codes(spec),
    }
    if spec.access != "public":
        op["security"] = [{"apiKey": []}]
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(spec.body, "validation")]}},
        }
    _add_examples(op, _recorded().get(f"{spec.method} {spec.path}"))
    return op


@lru_cache(maxsize=1)
def _recorded() -> dict[str, Any]:
    return dict(json.loads(_EXAMPLES_FILE.read_text()))


def _add_examples(op: dict[str, Any], recorded: dict[str, Any] | None) -> None:
    """Each recorded body as the ``recorded`` example of its request or response."""
    if recorded is None:
        return
    if "request" in recorded and "requestBody" in op:
        media = op["requestBody"]["content"]["application/json"]
        media["examples"] = {"recorded": {"summary": "A real call", "value": recorded["request"]}}
    for status, body in recorded["responses"].items():
        content = op["responses"].get(status, {}).get("content", {}).get("application/json")
        if content is not None:
            content["examples"] = {"recorded": {"summary": "A real answer", "value": body}}


def _parameters(spec: RouteSpec) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", spec.path)
    ]
    if spec.query is not None:
        for name, info in spec.query.model_fields.items():
            schema = spec.query.model_json_schema()["properties"][name]
            params.append(
                {"name": name, "in": "query", "required": info.is_required(), "schema": schema}
            )
    if spec.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "A fresh random value per logical action; a retry with the same "
                "key and body replays the first answer (Idempotent-Replayed: true).",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    params.append(
        {
            "name": "X-Request-Id",
            "in": "header",
            "required": False,
            "description": "Your correlation id (1-128 of A-Za-z0-9._:-), echoed back and logged; "
            "any other value is replaced by a generated id rather than refused.",
            "schema": {"type": "string"},
        }
    )
    return params


def error_codes(spec: RouteSpec) -> list[dict[str, Any]]:
    """``{"status", "code"}`` of every error this route can answer: its own (reachable from its
    handler) and those of the shared request pipeline that apply to it."""
    index = openapi_errors.error_index()  # read from the source once per process
    own = [_row(e) for e in index["routes"].get(f"{spec.method} {spec.path}", [])]
    shared = [e for e in map(_row, index["pipeline"]) if _shared_applies(spec, e["code"])]
    if spec.body is not None:
        shared.append(_UNSUPPORTED_MEDIA)
    unique = {(e["status"], e["code"]): e for e in [*own, *shared]}
    return [unique[k] for k in sorted(unique)]


def _row(entry: tuple[int, str]) -> dict[str, Any]:
    return {"status": entry[0], "code": entry[1]}


def _shared_applies(spec: RouteSpec, code: str) -> bool:
    if code.startswith(("auth.", "rate_limit.")) or code == "brand.not_found":
        return spec.access != "public"
    if code.startswith("idempotency."):
        return spec.idempotent
    if code in ("request.malformed_json", "request.invalid_unicode", "request.too_large"):
        return spec.body is not None
    if code == "validation.failed":
        return spec.body is not None or spec.query is not None
    return True


def _responses(spec: RouteSpec, refs: Refs) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "Success"}
    if spec.response is not None:
        ok["content"] = {"application/json": {"schema": refs[(spec.response, "serialization")]}}
    error = {"$ref": "#/components/schemas/ErrorEnvelope"}
    if spec.status == 204:
        ok = {"description": "Done; no content"}
    responses: dict[str, Any] = {str(spec.status): ok}
    for code in spec.other_statuses:
        if 200 <= code < 300:
            responses[str(code)] = {**ok, "description": "Success: it already existed, unchanged"}
    declared = {str(code) for code in spec.other_statuses}
    codes: dict[str, list[str]] = {}
    for e in error_codes(spec):
        codes.setdefault(str(e["status"]), []).append(e["code"])
    for status, text in _ERROR_STATUSES.items():
        if status not in codes:
            if status in _KEYED_STATUSES and spec.access == "public" and status not in declared:
                continue
            if status == "413" and spec.body is None:
                continue
        listed = ", ".join(f"`{c}`" for c in codes.get(status, []))
        responses[status] = {
            "description": f"{text}. Codes: {listed}" if listed else text,
            "content": {"application/json": {"schema": error}},
        }
    return responses
