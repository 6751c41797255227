"""``examples/personalize.py`` and ``examples/personalize.sh`` (curl and jq) run as documented
against a fresh local stack and leave a pack on disk whose DXF opens with ezdxf; a name the
product refuses exits 1 with its code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ezdxf
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def _run(
    stack: Stack, cwd: Path, *args: str, script: str = "personalize.py"
) -> subprocess.CompletedProcess[str]:
    (cwd / ".local").symlink_to(stack.state_dir)
    interpreter = sys.executable if script.endswith(".py") else "bash"
    return subprocess.run(
        [interpreter, str(ROOT / "examples" / script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


SCRIPTS = pytest.mark.parametrize("script", ["personalize.py", "personalize.sh"])


@SCRIPTS
def test_personalize_example_saves_a_pack_whose_dxf_opens(
    stack: Stack, tmp_path: Path, script: str
) -> None:
    run = _run(stack, tmp_path, "Chloé", "out", script=script)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("product prd_")
    (dxf,) = (tmp_path / "out").glob("*/*.dxf")
    layers = {e.dxf.layer for e in ezdxf.readfile(dxf).modelspace().query("LWPOLYLINE")}
    assert layers == {"ENGRAVE", "CUT"}
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("pack out/pck_")
    assert (tmp_path / last.removeprefix("pack ")).stat().st_size > 0


@SCRIPTS
def test_personalize_example_reports_a_refused_name(
    stack: Stack, tmp_path: Path, script: str
) -> None:
    run = _run(stack, tmp_path, "Maximilianus Aurelius", script=script)
    assert run.returncode == 1
    refused = run.stdout.strip().splitlines()[-1]
    assert refused.startswith("refused [") and "text.too_many_characters" in refused


@SCRIPTS
def test_personalize_example_stops_on_an_api_error_with_its_code(
    stack: Stack, tmp_path: Path, script: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_API_URL", stack.api_url)
    monkeypatch.setenv("ATELIER_SECRET_KEY", "sk_nosuchkey_0000000000000000")
    run = _run(stack, tmp_path, "Chloé", script=script)
    assert run.returncode == 1
    assert run.stderr.strip().startswith("POST /v1/products: 401 auth."), run.stderr
    assert not run.stdout
