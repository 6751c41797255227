"""Shared test helpers. Integration fixtures live in tests/integration, the local stack in e2e."""

from __future__ import annotations

import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reset_aws_connections() -> None:
    """Drop cached boto3 clients and pynamodb connections when switching AWS backends."""
    from chalicelib import aws, resources

    aws.reset_clients()
    for model in resources.TABLES:
        model._connection = None
