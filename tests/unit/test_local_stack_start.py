"""A local stack part that never becomes healthy is stopped, not left running on its own
(a timed-out API start used to leave its server and four workers behind)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from local.harness import free_port
from local.stack import _healthy_or_stopped


def test_a_server_that_never_answers_is_stopped_before_the_error() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with pytest.raises(TimeoutError):
            _healthy_or_stopped(proc, f"http://127.0.0.1:{free_port()}/v1/health", 0.5)
        assert proc.poll() is not None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
