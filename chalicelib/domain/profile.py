"""Manufacturing profiles: how one workshop wants its files (layers, colours, units, kerf ...).

Shops disagree on conventions (cut is red at one, blue at another), so every generator reads a
profile instead of hard-coding any of them; switching profiles changes layer names and colours
without a code change. Two built-ins cover the common cases; brands add their own.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.domain.base import wrap_serializer
from chalicelib.domain.photo_engraving import PhotoEngraving
from chalicelib.domain.zone import HexColor, Name, StrictModel, omit_when_none

OperationName = Literal["cut", "score", "engrave", "print"]
OPERATIONS: tuple[OperationName, ...] = ("cut", "score", "engrave", "print")
# Which operation draws a zone, by the zone's process.
OPERATION_OF_PROCESS: dict[str, OperationName] = {
    "cut": "cut",
    "engrave": "engrave",
    "print": "print",
}
FILE_NAME_FIELDS = frozenset(
    {"pack", "order", "item", "snapshot", "product", "sku", "qty", "zone", "side"}
)
DEFAULT_FILE_NAME_PATTERN = "{order}-{item}-{sku}"
FILE_NAME_PATTERN_CODE = "profile.file_name_pattern_invalid"
# A stem longer than this is cut: with a role suffix and an extension, a pack entry stays well
# inside the zip's 200-character name limit (domain.pack), whatever the order name.
MAX_FILE_STEM = 100
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
    # A product with several sides: a DXF per side ("files") or one DXF holding each side as a
    # block ("blocks"). The PDF always has a page per side; PNG and SVG are a file per side.
    # None means "files", and keeps stored profiles as they were.
    dxf_sides: Literal["files", "blocks"] | None = None
    file_name_pattern: str = Field(default=DEFAULT_FILE_NAME_PATTERN, min_length=1, max_length=120)
    # Opt-in: engraved photos become 1-bit rasters at the machine's resolution (None: packs
    # carry the photo as uploaded, as before this setting existed).
    photo_engraving: PhotoEngraving | None = None

    @wrap_serializer
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        return omit_when_none(self, handler, ("photo_engraving", "dxf_sides"))

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
    def _plain_placeholders(cls, value: str) -> str:
        problem = pattern_problem(value)
        if problem:
            raise PydanticCustomError(FILE_NAME_PATTERN_CODE, "{problem}", {"problem": problem})
        return value

    @classmethod
    def from_stored(cls, document: dict[str, Any]) -> ProfileDoc:
        """A profile as stored (a brand profile, or the copy on a pack record).

        Records written before placeholders were checked may hold a format spec or a
        conversion (``{order:x>99}``, ``{order!r}``); they read back as their plain form
        (``{order}``), which is how :func:`file_name` expands them anyway.
        """
        pattern = document.get("file_name_pattern")
        if isinstance(pattern, str) and pattern_problem(pattern):
            document = {**document, "file_name_pattern": plain_pattern(pattern)}
        return cls.model_validate(document, strict=False)

    def operation_for(self, process: str) -> Operation:
        return self.operations[OPERATION_OF_PROCESS[process]]


def _parts(pattern: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return list(string.Formatter().parse(pattern))


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a file name pattern, or None.

    Only plain ``{field}`` placeholders of :data:`FILE_NAME_FIELDS` are allowed: a format spec
    or conversion is a tiny program (``{order:x>9999999999}`` asks for a 10 GB string,
    ``{order:{__class__}}`` for a lookup), and a file name needs none of it.
    """
    try:
        parts = _parts(pattern)
    except ValueError as exc:  # a lone "{" or "}"
        return f"unbalanced braces: {exc}; write a literal brace as '{{{{' or '}}}}'"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FILE_NAME_FIELDS:
            return f"unknown field {{{name}}}; use {sorted(FILE_NAME_FIELDS)}"
        if spec or conversion:
            return f"write the placeholder as {{{name}}}: format specs and conversions are refused"
    if re.search(r"[/\\\x00]", pattern):
        return "file names cannot contain slashes"
    return None


def names_field(profile: ProfileDoc, field: str) -> bool:
    """Whether the profile's file name pattern uses ``{field}`` (e.g. ``{side}``)."""
    try:
        return any(name == field for _, name, _, _ in _parts(profile.file_name_pattern))
    except ValueError:
        return False


def plain_pattern(pattern: str) -> str:
    """``pattern`` with format specs, conversions and unknown fields dropped (the default
    pattern when nothing is left, or when its braces do not even parse)."""
    try:
        parts = _parts(pattern)
    except ValueError:
        return DEFAULT_FILE_NAME_PATTERN
    out = []
    for literal, name, _, _ in parts:
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name in FILE_NAME_FIELDS:
            out.append(f"{{{name}}}")
    plain = re.sub(r"[/\\\x00]", "-", "".join(out))
    return plain if plain.strip() else DEFAULT_FILE_NAME_PATTERN


def file_name(profile: ProfileDoc, **fields: str) -> str:
    """A file stem from the profile's pattern: unsafe characters become '-', and the result is
    cut to :data:`MAX_FILE_STEM` characters (field values such as an order name are the shop's).

    Placeholders are substituted one by one, never through ``str.format``: a pattern is data,
    and whatever a stored one holds, expanding it costs its length plus the values'.
    """
    pattern = profile.file_name_pattern
    if pattern_problem(pattern):  # a profile built without validation (model_copy)
        pattern = plain_pattern(pattern)
    out = []
    for literal, name, _, _ in _parts(pattern):
        out.append(literal)
        if name is not None:
            out.append(fields.get(name, "") if name in FILE_NAME_FIELDS else "")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", "".join(out))[:MAX_FILE_STEM]
    return stem.strip("-.") or "item"


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
