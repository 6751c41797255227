"""A product's 3D model: which uploaded .glb shows it, and where on it the artboard lies.

The artboard maps onto the UV rectangle ``uv_rect`` = [u0, v0, u1, v1] of one material's
base-colour texture (glTF UVs: (0, 0) is the texture's top-left corner, v grows downwards), so
the artboard's top-left corner lands at (u0, v0) and its bottom-right at (u1, v1). The default
is the whole UV square. The ``model`` render bakes the design into that texture.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

UvRect = tuple[float, float, float, float]


class ModelRef(BaseModel):
    """``material``: the glTF material's name, or its index in the document's ``materials``."""

    model_config = ConfigDict(strict=True, extra="forbid")

    asset_id: str = Field(min_length=1, max_length=64)
    material: str | int = Field(default=0)
    uv_rect: list[float] = Field(default_factory=lambda: [0.0, 0.0, 1.0, 1.0])

    @model_validator(mode="after")
    def _rect_inside_unit_square(self) -> ModelRef:
        r = self.uv_rect
        if len(r) != 4 or not all(0.0 <= v <= 1.0 for v in r) or r[0] >= r[2] or r[1] >= r[3]:
            raise ValueError("uv_rect must be [u0, v0, u1, v1] in [0, 1] with u0 < u1, v0 < v1")
        return self

    def rect(self) -> UvRect:
        return (self.uv_rect[0], self.uv_rect[1], self.uv_rect[2], self.uv_rect[3])


def material_index(ref: ModelRef, facts: dict[str, Any]) -> int | None:
    """The index of the material ``ref`` names among the verified model's textured materials."""
    names = [str(n) for n in facts.get("materials", [])]
    uv = {int(i) for i in facts.get("uv_materials", [])}
    if isinstance(ref.material, int):
        index = ref.material
    elif ref.material in names:
        index = names.index(ref.material)
    else:
        return None
    return index if index in uv else None


def model_issues(ref: ModelRef, facts: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Rules a product's model reference breaks given the model's facts (None: no such model)."""
    if facts is None:
        return [
            {
                "field": "model.asset_id",
                "code": "product.unknown_asset",
                "message": "No verified 3D model with this id.",
                "params": {"asset_id": ref.asset_id},
            }
        ]
    if material_index(ref, facts) is None:
        names = [str(n) for n in facts.get("materials", [])]
        textured = [names[int(i)] for i in facts.get("uv_materials", []) if int(i) < len(names)]
        return [
            {
                "field": "model.material",
                "code": "product.model_material_unknown",
                "message": "The model has no material by this name or index drawn with UVs.",
                "params": {"material": ref.material, "textured_materials": textured},
            }
        ]
    return []
