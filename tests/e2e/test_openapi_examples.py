"""The OpenAPI document's examples are real calls (issue 25): recorded again here on the local
stack, they must equal the committed ``openapi_examples.json`` once ids, keys, hashes, times and
measured values are normalized; each recorded answer must match its operation's schema (checked
by ``jsonschema``, not by our models); each error code recorded must be among the codes the
document lists for its route."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from local import openapi_examples
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def recorded(stack: Stack) -> dict[str, Any]:
    return openapi_examples.record(stack.api_url, stack.demo["aws_environment"])


@pytest.fixture(scope="module")
def document(stack: Stack) -> dict[str, Any]:
    return dict(requests.get(stack.api_url + "/v1/openapi.json", timeout=30).json())


def test_committed_examples_are_what_the_api_answers_now(recorded: dict[str, Any]) -> None:
    committed = json.loads(openapi_examples.OUTPUT.read_text())
    assert openapi_examples.normalize(committed) == openapi_examples.normalize(recorded), (
        "the API's answers changed: run `.venv/bin/python -m local.openapi_examples --own-stack`"
        " (or without the flag while `make run` is up) and commit"
        " chalicelib/api/openapi_examples.json"
    )


def _operation(document: dict[str, Any], name: str) -> dict[str, Any]:
    method, path = name.split(" ", 1)
    return dict(document["paths"][path][method.lower()])


def test_every_recorded_answer_matches_its_documented_schema(
    recorded: dict[str, Any], document: dict[str, Any]
) -> None:
    registry: Registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    for name, entry in recorded.items():
        operation = _operation(document, name)
        for status, body in entry["responses"].items():
            assert status in operation["responses"], f"{name} answered undocumented {status}"
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            ref = {"$ref": "urn:openapi#/components/schemas/" + schema["$ref"].rsplit("/", 1)[1]}
            jsonschema.Draft202012Validator(ref, registry=registry).validate(body)


def test_every_recorded_error_code_is_listed_for_its_route(
    recorded: dict[str, Any], document: dict[str, Any]
) -> None:
    errors = 0
    for name, entry in recorded.items():
        listed = {(e["status"], e["code"]) for e in _operation(document, name)["x-error-codes"]}
        for status, body in entry["responses"].items():
            if int(status) >= 400:
                errors += 1
                assert (int(status), body["error"]["code"]) in listed, (name, status, body)
    assert errors >= 4  # the recording does exercise errors (404, 409, 422, 400)


def test_the_served_document_shows_the_committed_examples(document: dict[str, Any]) -> None:
    committed = json.loads(openapi_examples.OUTPUT.read_text())
    create = _operation(document, "POST /v1/products")
    media = create["requestBody"]["content"]["application/json"]
    assert media["examples"]["recorded"]["value"] == committed["POST /v1/products"]["request"]
    answer = create["responses"]["201"]["content"]["application/json"]["examples"]
    assert answer["recorded"]["value"] == committed["POST /v1/products"]["responses"]["201"]
