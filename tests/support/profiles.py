"""Helpers shared by several test modules (from tests.integration.test_profiles)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalice.test import Client

from tests.integration.conftest import bearer


def profile_doc(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "Snijlab",
        "units": "mm",
        "operations": {
            "cut": {"layer": "SNIJDEN", "aci": 5, "rgb": "#0000FF"},
            "score": {"layer": "RILLEN", "aci": 3, "rgb": "#00FF00"},
            "engrave": {"layer": "GRAVEREN", "aci": 1, "rgb": "#FF0000"},
            "print": {"layer": "DRUK", "aci": 7, "rgb": "#000000"},
        },
        "kerf_mm": 0.15,
        "stencil_bridges": True,
    }
    doc.update(over)
    return doc


def post_profile(client: Client, key: str, doc: dict[str, Any]) -> Any:
    return client.http.post(
        "/v1/manufacturing/profiles",
        headers={**bearer(key), "Idempotency-Key": uuid.uuid4().hex},
        body=json.dumps(doc),
    )
