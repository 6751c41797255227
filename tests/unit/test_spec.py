"""The spec hash is a pure function of the validated design, stable across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

from chalicelib.domain.canonical import canonicalize
from chalicelib.domain.personalization import ZoneInput, validate_inputs
from chalicelib.domain.spec import build_spec, check_spec, spec_hash
from chalicelib.domain.zone import ProductDoc
from tests.conftest import ROOT
from tests.support.personalization import CORD, NAME, FakeCatalog

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN = FIXTURES / "golden_spec.json"  # version 1: cmap + pair kerning, kept for good
GOLDEN_V2 = FIXTURES / "golden_spec_v2.json"  # version 2: HarfBuzz shaping recorded per run


def golden_spec(text: str = "Zoë & Léa", version: int = 3, spec_version: int = 2) -> dict[str, Any]:
    product = ProductDoc.model_validate(
        {"name": "Sign", "sku": "S-1", "width_mm": 300, "height_mm": 200, "zones": [NAME, CORD]}
    )
    inputs = {
        "name": ZoneInput(text=text, font="caladea-regular"),
        "cord": ZoneInput(color="#0000ff"),
    }
    result = validate_inputs(product, inputs, FakeCatalog(), spec_version=spec_version)
    assert result.valid, result.errors
    return build_spec("prd_golden", version, product, result)


def test_golden_spec_hash_is_pinned() -> None:
    """Version 1 forever: its engine still lays the golden design out byte for byte."""
    golden = json.loads(GOLDEN.read_text())
    spec = golden_spec(spec_version=1)
    assert spec == golden["spec"]
    assert spec_hash(spec) == golden["spec_hash"]
    assert canonicalize(spec).decode() == golden["canonical"]


def test_golden_v2_spec_hash_is_pinned() -> None:
    """A change here is a change of the canonical form of new specs: extend version 2 only
    with new optional fields, deliberately."""
    golden = json.loads(GOLDEN_V2.read_text())
    spec = golden_spec()
    assert spec["spec_version"] == 2
    assert spec == golden["spec"]
    assert spec_hash(spec) == golden["spec_hash"]
    assert canonicalize(spec).decode() == golden["canonical"]


def test_v1_spec_with_shaping_or_v2_spec_without_it_is_refused() -> None:
    v1 = golden_spec(spec_version=1)
    v2 = golden_spec()
    v1["zones"]["name"]["shaping"] = v2["zones"]["name"]["shaping"]
    del v2["zones"]["name"]["shaping"]
    for document in (v1, v2):
        errors, _ = check_spec(document)
        assert errors and "shaping" in errors[0]["message"]


def test_hash_is_the_same_in_another_process() -> None:
    code = (
        "from tests.unit.test_spec import golden_spec\n"
        "from chalicelib.domain.spec import spec_hash\n"
        "print(spec_hash(golden_spec()))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == spec_hash(golden_spec())


def test_nfd_input_gives_the_nfc_hash() -> None:
    nfd = unicodedata.normalize("NFD", "  Zoë  &   Léa ")
    assert spec_hash(golden_spec(nfd)) == spec_hash(golden_spec())


def test_product_version_is_part_of_the_hash() -> None:
    assert spec_hash(golden_spec(version=4)) != spec_hash(golden_spec(version=3))


def test_built_specs_pass_the_published_schema() -> None:
    errors, digest = check_spec(golden_spec())
    assert errors == [] and digest == spec_hash(golden_spec())
    errors, _ = check_spec({"spec_version": 1})
    assert {e["field"] for e in errors} == {"product_id", "product_version", "zones"}
