"""The OpenAPI document lists, per route, the error codes it can answer (issue 25): found by
reading the code from each handler down (``chalicelib/api/openapi_errors.py``) when the document
is built, so the list follows the code."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from chalicelib.api import openapi_errors
from chalicelib.api.openapi import document


@pytest.fixture(scope="module")
def fresh() -> dict[str, Any]:
    importlib.import_module("app")  # registers every route
    index = openapi_errors.error_index()
    routes = {name: [f"{s} {c}" for s, c in codes] for name, codes in index["routes"].items()}
    return {"pipeline": [f"{s} {c}" for s, c in index["pipeline"]], "routes": routes}


@pytest.fixture(scope="module")
def operations(fresh: dict[str, Any]) -> dict[str, dict[str, Any]]:
    doc = document()
    return {
        f"{m.upper()} {p}": op for p, methods in doc["paths"].items() for m, op in methods.items()
    }


def test_every_route_s_handler_is_found_in_the_source() -> None:
    from chalicelib.api.http import ROUTES

    importlib.import_module("app")
    handlers = openapi_errors.error_index()["handlers"]
    missing = [
        f"{r.method} {r.path}"
        for r in ROUTES
        if openapi_errors.handler_name(r.tag, r.operation_id) not in handlers
    ]
    assert missing == []


def test_a_handler_s_own_raises_are_found_down_the_call_graph(fresh: dict[str, Any]) -> None:
    routes = fresh["routes"]
    # raised in store/products.py, two calls below the handler
    assert "404 product.not_found" in routes["GET /v1/products/{product_id}"]
    # a class's own code (no code= at the raise), and a flow in flows/
    assert "409 snapshot.locked" in routes["DELETE /v1/snapshots/{snapshot_id}"]
    assert "409 snapshot.not_locked" in routes["POST /v1/manufacturing/export-pack"]
    # error_response(AtelierError(...), status=500): the status given beside the error
    assert "500 internal" in fresh["pipeline"]
    assert "401 auth.invalid_key" in fresh["pipeline"]
    # nothing unrelated: a route that reads a key by id does not answer product codes
    assert not any("product." in c for c in routes["GET /v1/keys/{key_id}"])


def test_every_operation_lists_its_codes_and_only_the_shared_ones_that_apply(
    operations: dict[str, dict[str, Any]],
) -> None:
    product = operations["GET /v1/products/{product_id}"]
    codes = {(e["status"], e["code"]) for e in product["x-error-codes"]}
    assert (404, "product.not_found") in codes and (401, "auth.invalid_key") in codes
    assert not any(c.startswith("idempotency.") for _, c in codes)  # not an idempotent route
    assert (415, "request.unsupported_media_type") not in codes  # no body
    assert "`product.not_found`" in product["responses"]["404"]["description"]

    create = {e["code"] for e in operations["POST /v1/products"]["x-error-codes"]}
    assert {"idempotency.key_missing", "request.unsupported_media_type"} <= create

    health = {e["code"] for e in operations["GET /v1/health"]["x-error-codes"]}
    assert not any(c.startswith("auth.") for c in health)  # public


def test_every_route_has_a_row(fresh: dict[str, Any], operations: dict[str, Any]) -> None:
    assert set(fresh["routes"]) == set(operations)
    for name, op in operations.items():
        listed = {f"{e['status']} {e['code']}" for e in op["x-error-codes"]}
        assert set(fresh["routes"][name]) <= listed, name
        for status in {e["status"] for e in op["x-error-codes"]}:
            assert str(status) in op["responses"], f"{name}: {status} has codes, no response"
