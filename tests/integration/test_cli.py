"""The ops CLI as a newcomer runs it (issue 22, finding 8): as a subprocess, with and without AWS
settings. Without any, it finds the local stack through ``.local/demo.json`` or says what is
missing; only a failed condition is reported as an id collision."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local.harness import free_port
from local.stack import ROOT, LocalConfig, _stop, export_lines, start_moto


def bare_environment(tmp: Path, state_dir: Path) -> dict[str, str]:
    """A newcomer's shell: no AWS or Atelier variables, no ~/.aws, no instance metadata."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ATELIER_"))}
    return {
        **env,
        "HOME": str(tmp),
        "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "ATELIER_STATE_DIR": str(state_dir),
    }


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def local_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalConfig]:
    """The local stack's AWS (moto server, as ``make run`` starts it), provisioned."""
    state = tmp_path_factory.mktemp("stack")
    cfg = LocalConfig(api_port=free_port(), moto_port=free_port(), state_dir=state)
    with open(state / "moto.log", "ab") as log:
        moto = start_moto(cfg, log)
        try:
            subprocess.run(
                [sys.executable, "-c", "from chalicelib import resources; resources.provision()"],
                cwd=ROOT,
                env={**os.environ, **cfg.aws_environment()},
                check=True,
                timeout=120,
            )
            yield cfg
        finally:
            _stop(moto)


def test_without_aws_settings_the_error_names_the_real_problem(tmp_path: Path) -> None:
    result = cli(bare_environment(tmp_path, tmp_path / "empty"), "brands", "create", "--name", "X")
    assert result.returncode == 2, result.stderr
    assert "collision" not in result.stderr
    error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "aws.not_configured"
    assert "credentials" in error["message"] and "make run" in error["message"]


def test_without_aws_settings_the_cli_uses_the_running_local_stack(
    tmp_path: Path, local_aws: LocalConfig
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    demo = {"aws_endpoint_url": local_aws.aws_url, "aws_environment": local_aws.aws_environment()}
    (state / "demo.json").write_text(json.dumps(demo))
    env = bare_environment(tmp_path, state)
    made = cli(env, "brands", "create", "--name", "Maison Lune", "--origin", "https://a.example")
    assert made.returncode == 0, made.stderr
    assert f"local stack at {local_aws.aws_url}" in made.stderr
    brand = json.loads(made.stdout)
    listed = cli(env, "keys", "list", "--brand", brand["brand_id"])
    assert listed.returncode == 0, listed.stderr
    assert sorted(k["kind"] for k in json.loads(listed.stdout)) == ["publishable", "secret"]

    (state / "demo.json").write_text(json.dumps({"aws_endpoint_url": local_aws.aws_url}))
    older = cli(env, "keys", "list", "--brand", brand["brand_id"])  # demo.json before this fix
    assert older.returncode == 0 and json.loads(older.stdout) == json.loads(listed.stdout)


def test_the_export_lines_make_run_prints_work_as_pasted(
    tmp_path: Path, local_aws: LocalConfig
) -> None:
    lines = export_lines(local_aws)
    assert f"export AWS_ENDPOINT_URL={local_aws.aws_url}" in lines
    pasted: dict[str, str] = {}
    for line in lines:
        name, _, value = shlex.split(line)[1].partition("=")
        pasted[name] = value
    env = {**bare_environment(tmp_path, tmp_path / "no-demo"), **pasted}
    made = cli(env, "brands", "create", "--name", "Pasted")
    assert made.returncode == 0, made.stderr
    assert "local stack at" not in made.stderr  # the exports chose the target, not demo.json
    assert json.loads(made.stdout)["brand_id"].startswith("br_")


def test_an_unreachable_endpoint_is_named(tmp_path: Path) -> None:
    env = {
        **bare_environment(tmp_path, tmp_path / "empty"),
        **LocalConfig(api_port=0, moto_port=free_port(), state_dir=tmp_path).aws_environment(),
        "AWS_MAX_ATTEMPTS": "1",
    }
    result = cli(env, "keys", "list", "--brand", "br_x")
    assert result.returncode == 2
    error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "aws.unreachable" and "make run" in error["message"]


def test_demo_json_is_ignored_once_a_target_is_named(tmp_path: Path) -> None:
    from chalicelib.cli import local_stack_environment

    (tmp_path / "demo.json").write_text(json.dumps({"aws_endpoint_url": "http://127.0.0.1:1"}))
    env: dict[str, Any] = {"ATELIER_STATE_DIR": str(tmp_path)}
    found = local_stack_environment(env)
    assert found is not None and found[0]["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert local_stack_environment({**env, "ATELIER_STAGE": "prod"}) is None
    assert local_stack_environment({**env, "AWS_ENDPOINT_URL": "http://x"}) is None
