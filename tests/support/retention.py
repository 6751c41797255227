"""Helpers shared by several test modules (from tests.integration.test_retention)."""

from __future__ import annotations

from typing import Any

from chalice.test import Client

from tests.integration.conftest import body, new_brand
from tests.support.products import create
from tests.support.renders import ZONE


def new_shop(client: Client, name: str) -> dict[str, Any]:
    """A brand with its keys and one text product (``product_id``)."""
    owner = new_brand(name)
    pid = body(create(client, owner["secret_key"], width_mm=120, height_mm=40, zones=[ZONE]))
    owner["product_id"] = pid["product_id"]
    return owner
