"""The README's five-minute walkthrough, run from the README's own code blocks against a fresh
local stack: every ``sh`` block in order, in one shell, each answer compared with the output
block the README shows after it (ids and hashes masked), ending with a pack zip on disk whose DXF
opens with ezdxf. A README that drifts from the API fails here (issue 25)."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import ezdxf
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e

MARK = "@@ next block @@"
IDS = [
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\b(prd|snp|pck)_[0-9a-f]+"), r"\1_<id>"),
]


def walkthrough() -> list[tuple[str, str]]:
    """(commands, expected output) pairs of the README's walkthrough section, in order."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Five minutes", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", section, re.S | re.M)
    pairs = []
    for (lang, code), (next_lang, output) in itertools.pairwise(blocks):
        if lang == "sh":
            assert next_lang == "", "each sh block is followed by its expected output"
            pairs.append((code, output))
    return pairs


def masked(text: str) -> list[str]:
    for pattern, replacement in IDS:
        text = pattern.sub(replacement, text)
    return [line.rstrip() for line in text.strip().splitlines()]


def test_the_walkthrough_section_has_its_steps() -> None:
    steps = walkthrough()
    assert len(steps) >= 6
    assert "export-pack" in "".join(code for code, _ in steps)


def test_readme_walkthrough_runs_as_pasted_and_ends_with_a_pack_on_disk(
    stack: Stack, tmp_path: Path
) -> None:
    (tmp_path / ".local").symlink_to(stack.state_dir)  # the walkthrough reads .local/demo.json
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    steps = walkthrough()
    script = f"\necho '{MARK}'\n".join(code for code, _ in steps)
    run = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    outputs = run.stdout.split(MARK + "\n")
    assert len(outputs) == len(steps)
    for (code, expected), got in zip(steps, outputs, strict=True):
        assert masked(got) == masked(expected), code
    (pack,) = tmp_path.glob("snp_*/*.dxf")
    doc = ezdxf.readfile(pack)
    assert doc.header["$INSUNITS"] == 4  # millimetres
    assert len(doc.modelspace().query('LWPOLYLINE[layer=="CUT"]')) == 1
