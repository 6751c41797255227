"""Manufacturing profiles: how one workshop wants its files (layers, colours, units, kerf ...).

Shops disagree on conventions (cut is red at one, blue at another), so every generator reads a
profile instead of hard-coding any of them; switching profiles changes layer names and colours
without a code change. Two built-ins cover the common cases; brands add their own.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.domain.zone import HexColor, Name, StrictModel

OperationName = Literal["cut", "score", "engrave", "print"]
OPERATIONS: tuple[OperationName, ...] = ("cut", "score", "engrave", "print")
# Which operation draws a zone, by the zone's process.
OPERATION_OF_PROCESS: dict[str, OperationName] = {
    "cut": "cut",
    "engrave": "engrave",
    "print": "print",
}
FILE_NAME_FIELDS = frozenset({"pack", "order", "item", "snapshot", "product", "sku", "qty", "zone"})
LayerName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class Operation(StrictModel):
    """One machine operation: its DXF layer and colours (ACI for DXF, RGB for SVG/PDF)."""

    layer: LayerName
    aci: int = Field(ge=1, le=255)
    rgb: HexColor


class ProfileDoc(StrictModel):
    name: Name
    units: Literal["mm", "in"] = "mm"
    operations: dict[OperationName, Operation]
    kerf_mm: float = Field(default=0.0, ge=0, le=2)
    min_feature_mm: float = Field(default=0.0, ge=0, le=10)
    stencil_bridges: bool = False
    bridge_width_mm: float = Field(default=1.5, gt=0, le=5)
    bleed_mm: float = Field(default=0.0, ge=0, le=10)
    crop_marks: bool = False
    print_dpi: int = Field(default=300, ge=72, le=1200)
    mirror: bool = False
    file_name_pattern: str = Field(default="{order}-{item}-{sku}", min_length=1, max_length=120)

    @field_validator("operations")
    @classmethod
    def _every_operation(cls, value: dict[str, Operation]) -> dict[str, Operation]:
        missing = [op for op in OPERATIONS if op not in value]
        if missing:
            raise ValueError(f"every operation needs a layer and colours; missing: {missing}")
        layers = [o.layer for o in value.values()]
        if len(set(layers)) != len(layers):
            raise ValueError("each operation needs its own layer name")
        return value

    @field_validator("file_name_pattern")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        unknown = fields - FILE_NAME_FIELDS
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}; use {sorted(FILE_NAME_FIELDS)}")
        if re.search(r"[/\\\x00]", value):
            raise ValueError("file names cannot contain slashes")
        return value

    def operation_for(self, process: str) -> Operation:
        return self.operations[OPERATION_OF_PROCESS[process]]


def file_name(profile: ProfileDoc, **fields: str) -> str:
    """A file stem from the profile's pattern; unsafe characters become '-'."""
    values = {name: fields.get(name, "") for name in FILE_NAME_FIELDS}
    stem = profile.file_name_pattern.format(**values)
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.") or "item"


def _op(layer: str, aci: int, rgb: str) -> Operation:
    return Operation(layer=layer, aci=aci, rgb=rgb)


BUILTIN: dict[str, ProfileDoc] = {
    "laser-default": ProfileDoc(
        name="Laser (default)",
        operations={
            "cut": _op("CUT", 1, "#FF0000"),
            "score": _op("SCORE", 5, "#0000FF"),
            "engrave": _op("ENGRAVE", 7, "#000000"),
            "print": _op("PRINT", 8, "#808080"),
        },
        # Conservative: below what a CO2 laser leaves standing in 3 mm wood or acrylic
        # (0.3-1 mm); a check on cut zones, it changes no geometry.
        min_feature_mm=0.2,
    ),
    "print-default": ProfileDoc(
        name="Print (default)",
        operations={
            "cut": _op("CUTCONTOUR", 6, "#FF00FF"),
            "score": _op("SCORE", 5, "#0000FF"),
            "engrave": _op("ENGRAVE", 7, "#000000"),
            "print": _op("ARTWORK", 7, "#000000"),
        },
        bleed_mm=3.0,
        crop_marks=True,
        print_dpi=300,
    ),
}
