"""The shared vocabulary of product documents: strict models, slugs, names, colours.

Its own module so that zones (zone.py) and options (options.py) can both build on it without
importing each other in a circle; zone.py re-exports these names for older callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
)

from chalicelib.domain.color import HEX_COLOR_PATTERN, canonical


class StrictModel(BaseModel):
    """Strict types (no "5" for 5) and no unknown fields: a typo is an error, not a no-op."""

    model_config = ConfigDict(strict=True, extra="forbid")


def wrap_serializer(fn: Callable[[Any, SerializerFunctionWrapHandler], Any]) -> Any:
    """``@model_serializer(mode="wrap")`` that keeps the model's own fields in the API reference.

    pydantic documents a wrap serializer by its return annotation: ``-> Any`` makes the model's
    response schema in ``/v1/openapi.json`` an empty ``{}`` (Redoc shows nothing; a ``oneOf`` of
    zone kinds matches every kind), ``-> dict[str, Any]`` a bare object. With no annotation it
    documents the model's fields, which is what our serializers give (they only leave out unset
    fields). So the function pydantic sees has none; ``fn`` keeps its types for mypy.
    """

    def serialize(self, handler):  # type: ignore[no-untyped-def]  # no annotation on purpose
        return fn(self, handler)

    return model_serializer(mode="wrap")(serialize)


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
HexColor = Annotated[str, StringConstraints(pattern=HEX_COLOR_PATTERN), AfterValidator(canonical)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


def issue(field: str, code: str, message: str, **params: Any) -> dict[str, Any]:
    """One broken product rule as the 422 lists it: where, a stable code, why, and the values."""
    return {"field": field, "code": code, "message": message, "params": params}
