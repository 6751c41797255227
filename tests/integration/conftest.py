"""Chalice's test client against moto's in-process AWS, provisioned from the resource definition."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws

from tests.conftest import ROOT, reset_aws_connections

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    # Chalice's client applies the dev stage's variables during calls; provision the same names.
    "ATELIER_STAGE": "dev",
    # What local/stack.py sets: receivers on loopback over http (strict tests set "strict").
    "ATELIER_WEBHOOK_URL_POLICY": "local",
}


@pytest.fixture(scope="module")
def aws_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in FAKE_AWS.items():
            mp.setenv(key, value)
        mp.delenv("AWS_ENDPOINT_URL", raising=False)
        with mock_aws():
            reset_aws_connections()
            from chalicelib import resources

            resources.provision()
            yield
        reset_aws_connections()


@pytest.fixture(scope="module")
def client(aws_env: None) -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="dev", project_dir=str(ROOT)) as c:
        yield c


def new_brand(name: str = "Brand", origins: list[str] | None = None) -> dict[str, Any]:
    from chalicelib.cli import create_brand_with_keys

    return create_brand_with_keys(
        name, origins if origins is not None else ["https://shop.example"]
    )


@pytest.fixture
def brand(aws_env: None) -> dict[str, Any]:
    return new_brand("Brand A", ["https://a.example"])


def bearer(key: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json", **extra}


def body(response: Any) -> Any:
    return json.loads(response.body)
