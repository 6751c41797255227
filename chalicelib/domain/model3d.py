"""A product's 3D model: which uploaded .glb shows it, and where on it the artboard lies.

The artboard maps onto the UV rectangle ``uv_rect`` = [u0, v0, u1, v1] of one material's
base-colour texture (glTF UVs: (0, 0) is the texture's top-left corner, v grows downwards), so
the artboard's top-left corner lands at (u0, v0) and its bottom-right at (u1, v1). The default
is the whole UV square. The ``model`` render bakes the design into that texture.

A product with several sides may place each on the model: ``sides`` lists a side id with its own
UV rectangle (and material, when it is another one), e.g. a pendant's front on one face and
its back on the other. Without ``sides``, the first (or only) side goes into ``uv_rect``.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_validator,
)

from chalicelib.domain.base import wrap_serializer

UvRect = tuple[float, float, float, float]
MAX_MODEL_SIDES = 12


def _check_rect(r: list[float]) -> None:
    if len(r) != 4 or not all(0.0 <= v <= 1.0 for v in r) or r[0] >= r[2] or r[1] >= r[3]:
        raise ValueError("uv_rect must be [u0, v0, u1, v1] in [0, 1] with u0 < u1, v0 < v1")


class ModelSide(BaseModel):
    """Where one side of the product lies on the model (``material`` None: the model's)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    side: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    material: str | int | None = None
    uv_rect: list[float] = Field(default_factory=lambda: [0.0, 0.0, 1.0, 1.0])

    @model_validator(mode="after")
    def _rect_inside_unit_square(self) -> ModelSide:
        _check_rect(self.uv_rect)
        return self

    @wrap_serializer
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        out = handler(self)
        if isinstance(out, dict) and out.get("material", 0) is None:
            del out["material"]
        return out


class ModelRef(BaseModel):
    """``material``: the glTF material's name, or its index in the document's ``materials``."""

    model_config = ConfigDict(strict=True, extra="forbid")

    asset_id: str = Field(min_length=1, max_length=64)
    material: str | int = Field(default=0)
    uv_rect: list[float] = Field(default_factory=lambda: [0.0, 0.0, 1.0, 1.0])
    sides: list[ModelSide] | None = Field(default=None, min_length=1, max_length=MAX_MODEL_SIDES)

    @model_validator(mode="after")
    def _rect_inside_unit_square(self) -> ModelRef:
        _check_rect(self.uv_rect)
        return self

    @wrap_serializer
    def _dump(self, handler: SerializerFunctionWrapHandler) -> Any:
        out = handler(self)  # without sides: the document as before sides existed
        if isinstance(out, dict) and out.get("sides", 0) is None:
            del out["sides"]
        return out

    def rect(self) -> UvRect:
        return _rect(self.uv_rect)

    def placements(self, first_side: str) -> list[tuple[str, str | int, UvRect]]:
        """(side id, material, UV rectangle) of every side the model shows."""
        if not self.sides:
            return [(first_side, self.material, self.rect())]
        return [
            (s.side, self.material if s.material is None else s.material, _rect(s.uv_rect))
            for s in self.sides
        ]


def _rect(r: list[float]) -> UvRect:
    return (r[0], r[1], r[2], r[3])


def material_index(material: str | int, facts: dict[str, Any]) -> int | None:
    """The index of ``material`` (a name or an index) among the model's textured materials."""
    names = [str(n) for n in facts.get("materials", [])]
    uv = {int(i) for i in facts.get("uv_materials", [])}
    if isinstance(material, int):
        index = material
    elif material in names:
        index = names.index(material)
    else:
        return None
    return index if index in uv else None


def _issue(field: str, code: str, message: str, **params: Any) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message, "params": params}


def model_issues(
    ref: ModelRef, facts: dict[str, Any] | None, side_ids: list[str]
) -> list[dict[str, Any]]:
    """Rules a product's model reference breaks, given the model's facts (None: no such model)
    and the product's side ids (the first is the one a model without ``sides`` shows)."""
    if facts is None:
        return [
            _issue(
                "model.asset_id",
                "product.unknown_asset",
                "No verified 3D model with this id.",
                asset_id=ref.asset_id,
            )
        ]
    names = [str(n) for n in facts.get("materials", [])]
    textured = [names[int(i)] for i in facts.get("uv_materials", []) if int(i) < len(names)]
    issues: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, (side, material, _) in enumerate(ref.placements(side_ids[0])):
        at = f"model.sides[{i}]" if ref.sides else "model"
        if ref.sides and (side not in side_ids or side in seen):
            issues.append(
                _issue(
                    f"{at}.side",
                    "product.model_side_unknown",
                    "Each entry names a different side of the product.",
                    side=side,
                    sides=side_ids,
                )
            )
        seen.add(side)
        if material_index(material, facts) is None:
            issues.append(
                _issue(
                    f"{at}.material",
                    "product.model_material_unknown",
                    "The model has no material by this name or index drawn with UVs.",
                    material=material,
                    textured_materials=textured,
                )
            )
    return issues
