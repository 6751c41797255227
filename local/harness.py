"""Start and stop the local stack from Python (end-to-end tests, benchmarks).

It runs exactly what ``make run`` runs (``python -m local.stack``) on free loopback ports with its
own state directory, and waits until the API is healthy and the demo brand is written.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from local.stack import ROOT, LocalConfig


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    api_url: str
    aws_url: str
    demo: dict[str, Any]
    state_dir: Path
    startup_s: float

    def get(self, path: str, key: str | None = None, **headers: str) -> requests.Response:
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return requests.get(self.api_url + path, headers=headers, timeout=10)

    def aws_environment(self) -> dict[str, str]:
        """This process's environment pointed at the stack's local AWS (for the ops CLI)."""
        port = int(self.aws_url.rsplit(":", 1)[1])
        local = LocalConfig(api_port=0, moto_port=port, state_dir=self.state_dir)
        return {**os.environ, **local.aws_environment()}

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """``python -m chalicelib.cli ARGS`` against this stack."""
        return subprocess.run(
            [sys.executable, "-m", "chalicelib.cli", *args],
            cwd=ROOT,
            env=self.aws_environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


# A loaded 2-core machine (a CI run beside other work) can take well over a minute to start
# moto, four API processes and the poller; an idle one takes seconds.
STARTUP_TIMEOUT_S = 240


def _wait_for_demo(proc: subprocess.Popen[bytes], state: Path, api_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"local stack exited early:\n{log.read_text()[-3000:]}")
        if (state / "demo.json").exists():
            try:
                # a long timeout: an abandoned probe would still occupy an API worker
                if requests.get(api_url + "/v1/health", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
        time.sleep(0.25)
    raise TimeoutError(
        f"local stack not healthy within {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-3000:]}"
    )


def start_stack(state: Path, *, fresh: bool = False) -> Stack:
    """``python -m local.stack`` (what ``make run`` runs) on free ports, healthy or an error.

    ``state`` may hold an earlier run's data, which the stack restores (``fresh``: forgets).
    """
    api_port, moto_port = free_port(), free_port()
    env = {
        **os.environ,
        "ATELIER_PORT": str(api_port),
        "ATELIER_MOTO_PORT": str(moto_port),
        "ATELIER_STATE_DIR": str(state),
    }
    log = state / "stack.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "local.stack", *(["--fresh"] if fresh else [])],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    api_url = f"http://127.0.0.1:{api_port}"
    try:
        _wait_for_demo(proc, state, api_url, log)
    except BaseException:
        stop_stack(proc)
        raise
    demo = json.loads((state / "demo.json").read_text())
    return Stack(
        proc, api_url, f"http://127.0.0.1:{moto_port}", demo, state, time.monotonic() - started
    )


def stop_stack(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=90)  # the local AWS saves its data last
        except subprocess.TimeoutExpired:
            proc.kill()
