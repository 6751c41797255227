"""The local stack over real HTTP: started by the same entry point as ``make run``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from local.harness import Stack, free_port, start_stack, stop_stack
from tests.conftest import reset_aws_connections

__all__ = ["Stack", "start_stack", "stop_stack"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("local-stack"))
    yield running
    stop_stack(running.process)


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    """A bare moto server (separate process, real HTTP) with boto3 and pynamodb pointed at it."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.aws_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        from local.stack import wait_http

        wait_http(url + "/moto-api/", 30)
        with pytest.MonkeyPatch.context() as mp:
            for key, value in {
                "AWS_ENDPOINT_URL": url,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_REGION": "us-east-1",
                "ATELIER_STAGE": "e2e",
            }.items():
                mp.setenv(key, value)
            reset_aws_connections()
            yield url
        reset_aws_connections()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
