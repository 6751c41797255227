"""Render options: validated on the API path, so they live apart from the (heavy) renderers.

They are part of a render's content address, together with ``RENDERER_VERSION``: bump the
version whenever the same scene would produce different bytes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from chalicelib.domain.zone import StrictModel

RENDERER_VERSION = "2"
MAX_PIXELS = 120_000_000
ALL_SIDES = "all"  # a preview of every side: a labelled contact sheet
# Which side of the product to draw (domain/side.py); None: the first side, as before sides.
# Left out of the options when None, so the content address of earlier renders stays theirs.
SideChoice = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class PreviewOptions(StrictModel):
    long_side_px: int = Field(default=1000, ge=64, le=2048)
    format: Literal["jpeg", "webp", "png"] = "jpeg"
    transparent: bool = False
    side: SideChoice | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description='a side id, or "all" for every side on one labelled contact sheet',
    )

    @model_validator(mode="after")
    def _transparent_needs_png(self) -> PreviewOptions:
        if self.transparent and self.format != "png":
            raise ValueError("transparent previews must use format 'png'")
        if self.transparent and self.side == ALL_SIDES:
            raise ValueError("a contact sheet of every side is drawn on white, not transparent")
        return self


class FinalOptions(StrictModel):
    dpi: int = Field(default=300, ge=72, le=1200)
    bleed_mm: float = Field(default=0.0, ge=0, le=10)
    side: SideChoice | None = Field(default=None, exclude_if=lambda v: v is None)

    @model_validator(mode="after")
    def _one_side(self) -> FinalOptions:
        if self.side == ALL_SIDES:
            raise ValueError("a final is one side; a pack holds every side")
        return self


class ModelOptions(StrictModel):
    """The ``model`` render: the baked texture's long side (the GLB and the USDZ share it)."""

    texture_px: int = Field(default=2048, ge=1024, le=4096)
