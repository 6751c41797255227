"""The design spec: the canonical, hashable record of what the shopper designed.

Only what determines the physical result goes in (product and version, normalized inputs, the
exact font file by hash, colours, the measured layout, image content hashes); never timestamps,
ids of requests or anything from the request itself. The same validated input therefore gives the
same bytes under RFC 8785 and the same ``spec_hash``, in any process, on any day. Changing what
goes in is a new ``SPEC_VERSION``, deliberately.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from chalicelib.domain.canonical import NotCanonicalizable, sha256_hex
from chalicelib.domain.personalization import Result
from chalicelib.domain.zone import HexColor, ImageZone, ProductDoc, Slug, StrictModel, TextZone
from chalicelib.errors import field_errors

SPEC_VERSION = 1
SCHEMA_ID = "https://atelier.dev/schemas/design-spec.json"

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Mm = Annotated[float, Field(ge=-10_000, le=10_000)]


class FontRef(StrictModel):
    id: str = Field(min_length=1, max_length=64)
    sha256: Sha256


class SpecLine(StrictModel):
    text: str
    x_mm: Mm
    baseline_mm: Mm


class SpecLayout(StrictModel):
    font_size_mm: Annotated[float, Field(gt=0, le=1000)]
    lines: list[SpecLine]
    width_mm: Mm
    height_mm: Mm


class TextZoneSpec(StrictModel):
    kind: Literal["text"]
    text: str = Field(min_length=1, max_length=4096)
    font: FontRef
    color: HexColor
    layout: SpecLayout


class ImageZoneSpec(StrictModel):
    kind: Literal["image"]
    asset_id: str = Field(min_length=1, max_length=64)
    sha256: Sha256
    effective_dpi: Annotated[float, Field(ge=0)]


class ColorZoneSpec(StrictModel):
    kind: Literal["color"]
    color: HexColor


ZoneSpec = Annotated[TextZoneSpec | ImageZoneSpec | ColorZoneSpec, Field(discriminator="kind")]


class DesignSpec(StrictModel):
    """The published schema (``GET /v1/schemas/design-spec.json``)."""

    spec_version: Literal[1]
    product_id: str = Field(min_length=1, max_length=64)
    product_version: int = Field(ge=1)
    zones: dict[Slug, ZoneSpec]


def json_schema() -> dict[str, Any]:
    schema = DesignSpec.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def build_spec(
    product_id: str, product_version: int, doc: ProductDoc, result: Result
) -> dict[str, Any]:
    """The spec document for validated inputs (``result.valid`` must be true)."""
    zones: dict[str, Any] = {}
    for zone_id, given in result.normalized_inputs.items():
        zone = doc.zone(zone_id)
        if isinstance(zone, TextZone):
            layout = result.layouts[zone_id]
            zones[zone_id] = {
                "kind": "text",
                "text": given["text"],
                "font": {"id": layout.font_id, "sha256": layout.font_sha256},
                "color": given["color"],
                "layout": {
                    "font_size_mm": layout.font_size_mm,
                    "lines": [
                        {"text": line.text, "x_mm": line.x_mm, "baseline_mm": line.baseline_mm}
                        for line in layout.lines
                    ],
                    "width_mm": layout.width_mm,
                    "height_mm": layout.height_mm,
                },
            }
        elif isinstance(zone, ImageZone):
            zones[zone_id] = {
                "kind": "image",
                "asset_id": given["asset_id"],
                "sha256": result.images[zone_id].sha256,
                "effective_dpi": given["effective_dpi"],
            }
        else:
            zones[zone_id] = {"kind": "color", "color": given["color"]}
    spec = {
        "spec_version": SPEC_VERSION,
        "product_id": product_id,
        "product_version": product_version,
        "zones": zones,
    }
    DesignSpec.model_validate(spec)  # what we publish must pass our own schema
    return spec


def spec_hash(spec: dict[str, Any]) -> str:
    """Lowercase hex SHA-256 of the RFC 8785 form."""
    return sha256_hex(spec)


def check_spec(document: Any) -> tuple[list[dict[str, Any]], str | None]:
    """Schema errors of a full spec document, and its hash when it has a canonical form."""
    errors: list[dict[str, Any]] = []
    try:
        DesignSpec.model_validate(document)
    except PydanticValidationError as exc:
        errors = field_errors(exc)
    try:
        digest: str | None = sha256_hex(document)
    except NotCanonicalizable as exc:
        digest = None
        errors.append({"field": "", "code": "spec.not_canonical", "message": str(exc)})
    return errors, digest
