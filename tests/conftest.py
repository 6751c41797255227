"""Shared test helpers. Integration fixtures live in tests/integration, the local stack in e2e."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def reset_aws_connections() -> None:
    """Drop cached boto3 clients and pynamodb connections when switching AWS backends."""
    from chalicelib import aws, resources

    aws.reset_clients()
    for model in resources.TABLES:
        model._connection = None
