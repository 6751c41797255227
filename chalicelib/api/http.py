"""The one way a route is declared, parsed, authorized and answered.

``@route`` registers the Chalice view *and* a :class:`RouteSpec` that the OpenAPI document is built
from, so the document cannot drift from the routes. Every view gets the same pipeline:
size limit → key → JSON → pydantic → handler → response, and every failure leaves through
:func:`error_response` as ``{"error": {"code", "message", "details"}, "request_id"}``.
"""

from __future__ import annotations

import contextvars
import functools
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, logs
from chalicelib.api.limits import enforce
from chalicelib.auth import Access, Principal, require_access
from chalicelib.errors import (
    AtelierError,
    BadRequest,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationFailed,
    field_errors,
)
from chalicelib.idempotency import (
    REPLAYED_HEADERS,
    Claim,
    StoredResponse,
    begin,
    fingerprint,
    finish,
    parse_key,
    scope_of,
)
from chalicelib.settings import get_settings
from chalicelib.store.base import transaction as store_transaction
from chalicelib.store.idempotency import DynamoStore

log = logs.get_logger("atelier.http")

JSON_CONTENT_TYPES = ["application/json"]
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
EXPOSED_HEADERS = "X-Request-Id, ETag, Retry-After, Idempotent-Replayed, Location"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-None-Match, X-Request-Id"


class RequestModel(BaseModel):
    """Base of every request body: strict types (no "5" for 5) and no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class QueryModel(BaseModel):
    """Base of query-string models: values arrive as strings, so they are coerced."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str
    operation_id: str
    summary: str
    access: Access
    tag: str
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    allow_surrogates: bool = False
    idempotent: bool = False
    rate: str = "read"  # the route class whose bucket a call spends from (ratelimit.py)
    # Beyond the usual set: 200 beside 201, 401 on a signed public route.
    other_statuses: tuple[int, ...] = ()


ROUTES: list[RouteSpec] = []
_OPTIONS_PATHS: set[str] = set()


@dataclass
class Ctx:
    """What a handler knows about the call: the request, its id and (if authenticated) who."""

    request: Request
    request_id: str
    principal_: Principal | None = None
    claim: Claim | None = None
    # What a replay of this request answers instead of the result (same status): set by a
    # handler whose answer holds a secret shown once, so the secret is never stored for replay.
    replay: Any = None

    @property
    def principal(self) -> Principal:
        assert self.principal_ is not None, "route declared public but asked for a principal"
        return self.principal_

    @property
    def brand_id(self) -> str:
        return self.principal.brand_id

    @contextmanager
    def atomic(self, result: Any, status: int) -> Iterator[TransactWrite]:
        """A transaction for the handler's domain writes that also stores the idempotent answer.

        ``result``/``status`` must be what the handler then returns: the replay of this request
        is committed together with the records it creates, or neither is.
        """
        # The claim id as ClientRequestToken: an SDK retry of a committed transaction is a no-op.
        token = self.claim.claim_id if self.claim is not None else None
        with store_transaction(token) as transaction:
            yield transaction
            if self.claim is not None:
                replayed = result if self.replay is None else self.replay
                stored = stored_response(to_response(replayed, status))
                idempotency_store().complete_in(transaction, self.claim, stored, time.time())
        if self.claim is not None:
            self.claim.completed = True


@dataclass
class Reply:
    """A handler's answer when it needs a status or headers beyond the route's default."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Any]


def route(
    bp: Blueprint,
    path: str,
    method: str,
    *,
    access: Access,
    summary: str,
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    allow_surrogates: bool = False,
    idempotent: bool = False,
    rate: str | None = None,
    other_statuses: tuple[int, ...] = (),
) -> Callable[[Handler], Handler]:
    """Declare a route; the handler is called as ``fn(ctx, **path_params, [body=], [query=])``."""

    def decorator(fn: Handler) -> Handler:
        spec = RouteSpec(
            method=method,
            path=path,
            operation_id=fn.__name__,
            summary=summary,
            access=access,
            tag=fn.__module__.rsplit(".", 1)[-1],
            status=status,
            body=body,
            query=query,
            response=response,
            allow_surrogates=allow_surrogates,
            idempotent=idempotent,
            rate=rate or ("read" if method == "GET" else "create"),
            other_statuses=other_statuses,
        )
        ROUTES.append(spec)

        @functools.wraps(fn)
        def view(**path_params: str) -> Response:
            return _handle(spec, fn, bp.current_request, path_params)

        bp.route(path, methods=[method], content_types=JSON_CONTENT_TYPES, name=fn.__name__)(view)
        _ensure_preflight(bp, path)
        return fn

    return decorator


def _handle(
    spec: RouteSpec, fn: Handler, request: Request, path_params: dict[str, str]
) -> Response:
    ctx = Ctx(request=request, request_id=current_request_id())
    limits: dict[str, str] = {}
    response = _dispatch(spec, fn, ctx, path_params, limits)
    response.headers.update(limits)
    return response


def _dispatch(
    spec: RouteSpec, fn: Handler, ctx: Ctx, path_params: dict[str, str], limits: dict[str, str]
) -> Response:
    """Size, key, rate limit, JSON, model, handler; every failure as one error shape."""
    request = ctx.request
    try:
        if spec.body is not None:
            _check_size(request)
        if spec.access != "public":
            ctx.principal_ = authenticate(request, spec.access)
            limits.update(enforce(ctx.principal_, spec.rate))
        key = parse_key(request.headers.get("idempotency-key")) if spec.idempotent else None
        kwargs: dict[str, Any] = dict(path_params)
        data: Any = None
        if spec.body is not None:
            data = parse_json(request.raw_body, spec.allow_surrogates)
            kwargs["body"] = validate(spec.body, data)
        if spec.query is not None:
            kwargs["query"] = parse_query(spec.query, request.query_params)
        if key is not None:
            return _run_idempotent(
                spec, fn, ctx, kwargs, key, fingerprint(spec.method, path_params, data)
            )
        return to_response(fn(ctx, **kwargs), spec.status)
    except AtelierError as exc:
        return error_response(exc)
    except Exception as exc:
        if aws.is_transient(exc):
            log.warning("AWS is throttling or unavailable", exc_info=True)
            return error_response(_unavailable())
        log.exception("unhandled error", extra={"route": f"{spec.method} {spec.path}"})
        return error_response(
            AtelierError("An internal error occurred; it has been logged.", code="internal"),
            status=500,
        )


def _unavailable() -> ServiceUnavailable:
    """AWS throttled or failed past its retries. Nothing was written (transactions are
    all-or-nothing and the idempotency claim is released), so the same request, Idempotency-Key
    included, can simply be sent again."""
    return ServiceUnavailable(
        "The service is busy or a dependency is unavailable; nothing was changed. Retry shortly.",
        headers={"Retry-After": "1"},
    )


def authenticate(request: Request, access: Access) -> Principal:
    """Resolve the bearer key and check it may use a route of this access level."""
    from chalicelib.store.brands import authenticate as resolve_key

    principal = resolve_key(request.headers.get("authorization"))
    logs.bind(brand_id=principal.brand_id, key_id=principal.key_id)
    principal_var.set(principal)
    require_access(principal, access, request.headers.get("origin"))
    return principal


def _check_size(request: Request) -> None:
    limit = get_settings().max_body_bytes
    size = len(request.raw_body or b"")
    if size > limit:
        raise PayloadTooLarge(
            f"The body is {size} bytes; the limit is {limit}.",
            details={"limit_bytes": limit, "size_bytes": size},
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _run_idempotent(
    spec: RouteSpec, fn: Handler, ctx: Ctx, kwargs: dict[str, Any], key: str, request_fp: str
) -> Response:
    """Claim, run, store the answer; or replay it, 422 on a reused key, 409 while in flight."""
    store = idempotency_store()
    outcome = begin(store, scope_of(ctx.brand_id, spec.method, spec.path, key), request_fp)
    if isinstance(outcome, StoredResponse):
        headers: dict[str, Any] = {**outcome.headers, "Idempotent-Replayed": "true"}
        return Response(body=outcome.body, status_code=outcome.status, headers=headers)
    ctx.claim = outcome
    try:
        response = to_response(fn(ctx, **kwargs), spec.status)
    except AtelierError as exc:
        response = error_response(exc)
    except BaseException:
        store.release(outcome)
        raise
    if ctx.replay is not None and 200 <= response.status_code < 300:
        finish(store, outcome, stored_response(to_response(ctx.replay, response.status_code)))
    else:
        finish(store, outcome, stored_response(response))
    return response


def stored_response(response: Response) -> StoredResponse:
    headers = {k: str(v) for k, v in response.headers.items() if k in REPLAYED_HEADERS}
    return StoredResponse(response.status_code, str(response.body or ""), headers)


@lru_cache(maxsize=1)
def idempotency_store() -> DynamoStore:
    return DynamoStore()


def parse_body(
    model: type[BaseModel], raw: bytes | str | None, allow_surrogates: bool
) -> BaseModel:
    """Malformed JSON is 400; JSON that breaks the model is 422 listing every field."""
    return validate(model, parse_json(raw, allow_surrogates))


# A shopper's text (``text``, or ``inputs.<zone>.text``): the one place a lone surrogate is
# repaired (removed with the warning ``text.lone_surrogate_removed``) rather than refused, as a
# widget can cut an emoji in half and the shopper should see what was dropped, not a 400.
_SHOPPER_TEXT = re.compile(r"^(inputs\.[^.\[]+\.)?text$")


def parse_json(raw: bytes | str | None, allow_surrogates: bool) -> Any:
    """The body as JSON (400 when it is not), with unpaired surrogates refused (400) except,
    where the route allows it, in the shopper's text inputs."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else (raw or "")
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(
            f"The body is not valid JSON: {exc}", code="request.malformed_json"
        ) from exc
    bad = _surrogate_paths(data, "")
    if allow_surrogates:  # only the shopper's texts, which normalization repairs and reports
        bad = [path for path in bad if not _SHOPPER_TEXT.match(path)]
    if bad:
        raise BadRequest(
            "Text contains unpaired UTF-16 surrogates (\\ud800-\\udfff escapes).",
            code="request.invalid_unicode",
            details={"fields": bad[:20]},
        )
    return data


def validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(
            "The request does not match the expected shape.", details=field_errors(exc)
        ) from exc


def _surrogate_paths(value: Any, path: str) -> list[str]:
    if isinstance(value, str):
        return [path or "$"] if any(0xD800 <= ord(c) <= 0xDFFF for c in value) else []
    if isinstance(value, dict):
        found: list[str] = []
        for k, v in value.items():
            sub = f"{path}.{k}" if path else str(k)
            found += _surrogate_paths(k, sub) + _surrogate_paths(v, sub)
        return found
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _surrogate_paths(v, f"{path}[{i}]")]
    return []


def parse_query(model: type[BaseModel], params: Any) -> BaseModel:
    return validate(model, dict(params or {}))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # an echoed lone surrogate: escape it instead of failing
            text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return Response(
        body=text,
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def to_response(result: Any, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, Reply):
        return json_response(_plain(result.body), result.status, result.headers)
    if result is None:
        return Response(body="", status_code=204)
    return json_response(_plain(result), default_status)


def _plain(body: Any) -> Any:
    return body.model_dump(mode="json") if isinstance(body, BaseModel) else body


def error_response(exc: AtelierError, status: int | None = None) -> Response:
    body = {
        "error": {"code": exc.code, "message": exc.message, "details": exc.details},
        "request_id": current_request_id(),
    }
    return json_response(body, status or exc.status, exc.headers)


# --- request scope: id, logs, CORS -------------------------------------------------------------

principal_var: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "atelier_principal", default=None
)


def current_request_id() -> str:
    return str(logs.current().get("request_id") or "")


def request_id_from(header: str | None) -> str:
    if header and _REQUEST_ID_RE.match(header):
        return header
    return uuid.uuid4().hex


def _ensure_preflight(bp: Blueprint, path: str) -> None:
    if path in _OPTIONS_PATHS:
        return
    _OPTIONS_PATHS.add(path)

    def preflight(**_: str) -> Response:
        methods = sorted({r.method for r in ROUTES if r.path == path} | {"OPTIONS"})
        return Response(
            body="",
            status_code=204,
            headers={
                "Access-Control-Allow-Methods": ", ".join(methods),
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": "600",
            },
        )

    name = "preflight_" + re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")
    bp.route(path, methods=["OPTIONS"], name=name)(preflight)
