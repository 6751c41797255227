"""The design spec: the canonical, hashable record of what the shopper designed.

Only what determines the physical result goes in (product and version, normalized inputs, the
exact font file by hash, colours, the measured layout, image content hashes); never timestamps,
ids of requests or anything from the request itself. The same validated input therefore gives the
same bytes under RFC 8785 and the same ``spec_hash``, in any process, on any day. Changing what
goes in is a new ``SPEC_VERSION``, deliberately.

Version 1 (cmap + pair kerning) is kept for good: locked snapshots and old drafts re-lay out with
it. Version 2 shapes with HarfBuzz and records, per text zone, the paragraph direction, the
OpenType feature switches and, per line, every shaped run (characters, script, direction,
language, font id + sha256), so production can prove it shapes the same runs again. Later
additions to version 2 are new optional fields, not a version 3: ``options`` (the product's
option choices, resolved: defaults filled, hidden options left out) is present exactly when the
product has options, so specs of products without options keep their bytes and hashes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from chalicelib.domain.base import wrap_serializer
from chalicelib.domain.canonical import NotCanonicalizable, sha256_hex
from chalicelib.domain.framing import Framing, ImageAdjust
from chalicelib.domain.layout import Layout
from chalicelib.domain.lines import Shaping
from chalicelib.domain.monogram import MonogramLayout
from chalicelib.domain.personalization import Result
from chalicelib.domain.zone import (
    HexColor,
    ImageZone,
    MonogramZone,
    ProductDoc,
    Slug,
    StrictModel,
    TextZone,
)
from chalicelib.domain.zone_layout import LATEST_SPEC_VERSION
from chalicelib.errors import field_errors

SPEC_VERSION = LATEST_SPEC_VERSION
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


class SpecRun(StrictModel):
    """One HarfBuzz run of a line: characters ``start``..``end`` (logical, end exclusive)."""

    start: int = Field(ge=0, le=4096)
    end: int = Field(ge=0, le=4096)
    script: str = Field(pattern=r"^[A-Z][a-z]{3}$")  # ISO 15924, as HarfBuzz takes it
    direction: Literal["ltr", "rtl"]
    language: str = Field(min_length=2, max_length=16)
    font: FontRef


class SpecShapedLine(StrictModel):
    rtl: bool  # paragraph direction; start/end alignment follows it
    runs: list[SpecRun]  # in visual order, leftmost first


class SpecShaping(StrictModel):
    engine: Literal["harfbuzz"]
    direction: Literal["auto", "ltr", "rtl"]
    features: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{4}$")], bool]
    lines: list[SpecShapedLine]


class SpecPath(StrictModel):
    """The zone's arc (chalicelib.domain.arc) as the text was laid out on it; the line's
    ``x_mm`` is then the first glyph's arc length from the arc's middle, ``baseline_mm`` the
    radius."""

    kind: Literal["arc"]
    cx_mm: Mm
    cy_mm: Mm
    radius_mm: Annotated[float, Field(gt=0, le=10_000)]
    center_deg: Annotated[float, Field(ge=-360, le=360)]
    span_deg: Annotated[float, Field(gt=0, le=360)]
    side: Literal["outside", "inside"]
    tracking_mm: Annotated[float, Field(ge=0, le=100)]
    bend: bool = False


class TextZoneSpec(StrictModel):
    kind: Literal["text"]
    text: str = Field(min_length=1, max_length=4096)
    font: FontRef
    color: HexColor
    layout: SpecLayout
    shaping: SpecShaping | None = None  # version 2 only
    path: SpecPath | None = None  # version 2 only: text along an arc

    @wrap_serializer
    def _omit_absent_shaping(self, handler: SerializerFunctionWrapHandler) -> Any:
        """A zone serializes exactly as it was stored: no ``shaping: null``, no ``path: null``.
        (``wrap_serializer``: the documented response schema stays the zone's own fields, so the
        spec's ``oneOf`` of zone kinds is not ambiguous.)"""
        data: dict[str, Any] = handler(self)
        for optional in ("shaping", "path"):
            if getattr(self, optional) is None:
                data.pop(optional, None)
        return data


class ImageZoneSpec(StrictModel):
    kind: Literal["image"]
    asset_id: str = Field(min_length=1, max_length=64)
    sha256: Sha256
    effective_dpi: Annotated[float, Field(ge=0)]  # with the framing's crop, when there is one
    framing: Framing | None = None  # version 2: the shopper's turn, angle and crop
    adjust: ImageAdjust | None = None  # version 2: brightness, contrast, greyscale

    @wrap_serializer
    def _omit_absent_framing(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Serialized exactly as stored: no ``framing: null`` on photos placed as uploaded."""
        data: dict[str, Any] = handler(self)
        for name in ("framing", "adjust"):
            if data.get(name, 0) is None:
                del data[name]
        return data


class ColorZoneSpec(StrictModel):
    kind: Literal["color"]
    color: HexColor


class SpecLetter(StrictModel):
    char: str = Field(min_length=1, max_length=16)
    size_mm: Annotated[float, Field(gt=0, le=4000)]
    x_mm: Mm
    baseline_mm: Mm


class MonogramLayoutSpec(StrictModel):
    font_size_mm: Annotated[float, Field(gt=0, le=1000)]
    letters: list[SpecLetter] = Field(min_length=2, max_length=3)  # left to right as shown


class MonogramZoneSpec(StrictModel):
    """Initials as typed (``text``) and where each went (chalicelib/domain/monogram.py)."""

    kind: Literal["monogram"]
    text: str = Field(min_length=2, max_length=64)
    font: FontRef
    color: HexColor
    layout: MonogramLayoutSpec


ZoneSpec = Annotated[
    TextZoneSpec | ImageZoneSpec | ColorZoneSpec | MonogramZoneSpec, Field(discriminator="kind")
]


class DesignSpec(StrictModel):
    """The published schema (``GET /v1/schemas/design-spec.json``)."""

    spec_version: Literal[1, 2]
    product_id: str = Field(min_length=1, max_length=64)
    product_version: int = Field(ge=1)
    zones: dict[Slug, ZoneSpec]
    # Version 2 only: option id → chosen value id. Absent (never null) for products without
    # options, so their specs serialize exactly as before options existed.
    options: dict[Slug, Slug] | None = Field(default=None, exclude_if=lambda v: v is None)

    @model_validator(mode="after")
    def _shaping_matches_version(self) -> DesignSpec:
        """Version 2 text zones record their shaping; version 1 ones cannot have any."""
        for zone_id, zone in self.zones.items():
            if isinstance(zone, TextZoneSpec) and (zone.shaping is None) != (
                self.spec_version == 1
            ):
                raise ValueError(
                    f"zone {zone_id}: shaping is required in spec version 2 and absent in 1"
                )
            if isinstance(zone, TextZoneSpec) and zone.path is not None and self.spec_version < 2:
                raise ValueError(f"zone {zone_id}: text on a path needs spec version 2")
            framed = isinstance(zone, ImageZoneSpec) and (zone.framing or zone.adjust)
            if framed and self.spec_version < 2:
                raise ValueError(f"zone {zone_id}: framing a photo needs spec version 2")
        if self.options is not None and self.spec_version < 2:
            raise ValueError("options need spec version 2")
        return self


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
            shaping = result.shaping.get(zone_id)
            if shaping is not None:
                zones[zone_id]["shaping"] = shaping_record(layout, shaping)
            if zone.path is not None:
                zones[zone_id]["path"] = zone.path.model_dump()
        elif isinstance(zone, MonogramZone):
            zones[zone_id] = monogram_record(given, result.monograms[zone_id])
        elif isinstance(zone, ImageZone):
            zones[zone_id] = {
                "kind": "image",
                "asset_id": given["asset_id"],
                "sha256": result.images[zone_id].sha256,
                "effective_dpi": given["effective_dpi"],
            }
            for name in ("framing", "adjust"):
                if name in given:
                    zones[zone_id][name] = given[name]
        else:
            zones[zone_id] = {"kind": "color", "color": given["color"]}
    spec = {
        "spec_version": result.spec_version,
        "product_id": product_id,
        "product_version": product_version,
        "zones": zones,
    }
    if result.options is not None:
        spec["options"] = dict(sorted(result.options.items()))
    DesignSpec.model_validate(spec)  # what we publish must pass our own schema
    return spec


def monogram_record(given: dict[str, Any], layout: MonogramLayout) -> dict[str, Any]:
    return {
        "kind": "monogram",
        "text": given["text"],
        "font": {"id": layout.font_id, "sha256": layout.font_sha256},
        "color": given["color"],
        "layout": {
            "font_size_mm": layout.size_mm,
            "letters": [
                {"char": c.char, "size_mm": c.size_mm, "x_mm": c.x_mm, "baseline_mm": c.baseline_mm}
                for c in layout.letters
            ],
        },
    }


def shaping_record(layout: Layout, shaping: Shaping) -> dict[str, Any]:
    """What a version 2 spec records of how its text was shaped (see :class:`SpecShaping`)."""
    fonts = [{"id": layout.font_id, "sha256": layout.font_sha256}] + [
        {"id": f.font_id, "sha256": f.sha256} for f in layout.fallbacks
    ]
    return {
        "engine": "harfbuzz",
        "direction": shaping.direction,
        "features": dict(sorted(shaping.features)),
        "lines": [
            {
                "rtl": line.rtl,
                "runs": [
                    {
                        "start": run.start,
                        "end": run.end,
                        "script": run.script,
                        "direction": run.direction,
                        "language": run.language,
                        "font": fonts[run.font],  # a fallback where it drew the run
                    }
                    for run in line.runs
                ],
            }
            for line in layout.lines
        ],
    }


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
