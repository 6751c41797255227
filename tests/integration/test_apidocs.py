"""``GET /docs``: the OpenAPI document rendered by Redoc, served by the API with nothing external.

Needs Redoc's bundle, which ``make apidocs`` fetches from the npm registry (``make test`` and
``make integration`` run it first); without it these tests fail and say so.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import apidocs
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _bundle_is_built() -> None:
    assert apidocs.BUNDLE.is_file(), "Redoc's bundle is missing: run `make apidocs`"


def test_docs_page_loads_redoc_from_this_api_and_the_openapi_document(client: Client) -> None:
    r = client.http.get("/docs")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    page = r.body.decode("utf-8")
    assert '<redoc spec-url="v1/openapi.json"' in page
    found = apidocs.bundle()
    assert found is not None
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources == [f"docs/redoc.standalone.js?v={found.version}"]
    assert "http" not in page.replace("http-equiv", "")  # no CDN, no absolute URL at all


def test_docs_page_csp_allows_only_its_own_origin(client: Client) -> None:
    csp = client.http.get("/docs").headers["Content-Security-Policy"]
    rules = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == "'self'"
    assert rules["connect-src"] == "'self'"
    assert all("http" not in v and "*" not in v for v in rules.values())


def test_redoc_script_is_the_pinned_bundle_cached_by_version(client: Client) -> None:
    found = apidocs.bundle()
    assert found is not None
    r = client.http.get(f"/docs/redoc.standalone.js?v={found.version}")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert r.body == (ROOT / "chalicelib/apidocs/redoc.standalone.js").read_bytes()
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert (ROOT / "chalicelib/apidocs/redoc.version").read_text().strip() == _make_var(
        "REDOC_VERSION"
    )
    again = client.http.get(
        "/docs/redoc.standalone.js", headers={"If-None-Match": r.headers["ETag"]}
    )
    assert again.status_code == 304


def test_docs_and_script_are_404_in_prod(aws_env: None) -> None:
    from app import app

    with Client(app, stage_name="prod", project_dir=str(ROOT)) as prod:
        for path in ("/docs", "/docs/redoc.standalone.js"):
            r = prod.http.get(path)
            assert r.status_code == 404
            assert _code(r) == "not_found"


def test_docs_routes_are_in_the_openapi_document(client: Client) -> None:
    paths = json.loads(client.http.get("/v1/openapi.json").body)["paths"]
    assert "404" in paths["/docs"]["get"]["responses"]
    assert "/docs/redoc.standalone.js" in paths


def _make_var(name: str) -> str:
    match = re.search(rf"^{name}\s*:=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert match is not None
    return match.group(1)


def _code(response: Any) -> str:
    return str(json.loads(response.body)["error"]["code"])
