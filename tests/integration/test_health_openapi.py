"""Health reports each component; the OpenAPI document lists every route."""

from __future__ import annotations

import subprocess
import sys

from chalice.test import Client
from openapi_spec_validator import validate

from tests.conftest import ROOT
from tests.integration.conftest import body


def test_health_reports_all_components_up(client: Client) -> None:
    r = client.http.get("/v1/health")
    assert r.status_code == 200
    out = body(r)
    assert out["status"] == "ok"
    assert set(out["components"]) == {"dynamodb", "s3", "sqs"}
    assert all(c["ok"] for c in out["components"].values())


def test_health_is_503_when_a_component_is_missing(client: Client) -> None:
    from chalicelib import aws
    from chalicelib.settings import get_settings

    s3 = aws.s3()
    name = get_settings().physical_name("bucket", "assets")
    s3.delete_bucket(Bucket=name)
    try:
        r = client.http.get("/v1/health")
        assert r.status_code == 503
        out = body(r)
        assert out["status"] == "degraded"
        assert out["components"]["s3"]["ok"] is False
        assert (
            "404" in out["components"]["s3"]["error"] or "Not" in out["components"]["s3"]["error"]
        )
        assert out["components"]["dynamodb"]["ok"] is True
    finally:
        s3.create_bucket(Bucket=name)


def test_openapi_is_valid_and_lists_every_route(client: Client) -> None:
    from app import app

    doc = body(client.http.get("/v1/openapi.json"))
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    for path, methods in app.routes.items():
        for method in methods:
            if method == "OPTIONS":
                continue
            assert method.lower() in doc["paths"].get(path, {}), f"{method} {path} not documented"


def test_openapi_marks_secret_routes(client: Client) -> None:
    doc = body(client.http.get("/v1/openapi.json"))
    assert doc["paths"]["/v1/keys"]["post"]["x-atelier-access"] == "secret"
    assert doc["paths"]["/v1/health"]["get"]["x-atelier-access"] == "public"
    assert "security" not in doc["paths"]["/v1/health"]["get"]


def test_importing_the_api_does_not_load_renderers() -> None:
    code = (
        "import sys, app; heavy = [m for m in ('cairosvg', 'ezdxf', 'PIL', 'fontTools.pens', "
        "'uharfbuzz', 'bidi', 'pyclipper', 'numpy', 'pygltflib') "
        "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_documented_model_lists_its_properties(client: Client) -> None:
    """A model documented as a bare object says nothing, and in a ``oneOf`` of zone kinds it
    matches every zone: a response would then validate against two kinds (a wrap serializer
    annotated ``-> dict`` does this to its model's response schema)."""
    schemas = body(client.http.get("/v1/openapi.json"))["components"]["schemas"]
    bare = [n for n, s in schemas.items() if s.get("type") == "object" and not s.get("properties")]
    assert bare == []
