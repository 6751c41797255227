"""The import graph keeps its direction: api/ and jobs/ call down into flows/, nothing calls up.

Read from the source with ``ast`` (every import, top-level or inside a function), so a lazy
import that dodges an import cycle still counts: those were how the old api ↔ jobs loop hid.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "chalicelib"
AWS_LIBRARIES = ("boto3", "botocore", "pynamodb", "moto", "chalicelib.aws", "chalicelib.store")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, absolute names, including imports inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offenders(layer: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    bad: dict[str, list[str]] = {}
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        hits = sorted(
            name
            for name in imports_of(path)
            if any(name == f or name.startswith(f + ".") for f in forbidden)
        )
        if hits:
            bad[str(path.relative_to(ROOT))] = hits
    return bad


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("jobs", ("chalicelib.api",)),
        ("api", ("chalicelib.jobs",)),
        ("flows", ("chalicelib.api", "chalicelib.jobs", "chalice")),
        ("store", ("chalicelib.api", "chalicelib.jobs", "chalicelib.flows")),
        ("domain", (*AWS_LIBRARIES, "chalicelib.api", "chalicelib.jobs", "chalicelib.flows")),
        ("scene", (*AWS_LIBRARIES, "chalicelib.api", "chalicelib.jobs", "chalicelib.flows")),
    ],
)
def test_no_layer_imports_a_layer_above_it(layer: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(layer, forbidden) == {}


def test_the_checker_sees_lazy_imports(tmp_path: Path) -> None:
    """The walk must catch an import hidden in a function body, or it proves nothing."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from chalicelib.api.orders import OrderOut\n")
    assert "chalicelib.api.orders" in imports_of(module)
