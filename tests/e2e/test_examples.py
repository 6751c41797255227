"""``examples/personalize.py`` runs as documented against a fresh local stack and leaves a pack
on disk whose DXF opens with ezdxf; a name the product refuses exits 1 with its code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ezdxf
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def _run(stack: Stack, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (cwd / ".local").symlink_to(stack.state_dir)
    return subprocess.run(
        [sys.executable, str(ROOT / "examples/personalize.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_personalize_example_saves_a_pack_whose_dxf_opens(stack: Stack, tmp_path: Path) -> None:
    run = _run(stack, tmp_path, "Chloé", "out")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("product prd_")
    (dxf,) = (tmp_path / "out").glob("*/*.dxf")
    layers = {e.dxf.layer for e in ezdxf.readfile(dxf).modelspace().query("LWPOLYLINE")}
    assert layers == {"ENGRAVE", "CUT"}
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("pack out/pck_")
    assert (tmp_path / last.removeprefix("pack ")).stat().st_size > 0


def test_personalize_example_reports_a_refused_name(stack: Stack, tmp_path: Path) -> None:
    run = _run(stack, tmp_path, "Maximilianus Aurelius")
    assert run.returncode == 1
    assert "refused ['text.too_many_characters']" in run.stdout
