"""Render options: validated on the API path, so they live apart from the (heavy) renderers.

They are part of a render's content address, together with ``RENDERER_VERSION``: bump the
version whenever the same scene would produce different bytes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from chalicelib.domain.zone import StrictModel

RENDERER_VERSION = "2"
MAX_PIXELS = 120_000_000


class PreviewOptions(StrictModel):
    long_side_px: int = Field(default=1000, ge=64, le=2048)
    format: Literal["jpeg", "webp", "png"] = "jpeg"
    transparent: bool = False

    @model_validator(mode="after")
    def _transparent_needs_png(self) -> PreviewOptions:
        if self.transparent and self.format != "png":
            raise ValueError("transparent previews must use format 'png'")
        return self


class FinalOptions(StrictModel):
    dpi: int = Field(default=300, ge=72, le=1200)
    bleed_mm: float = Field(default=0.0, ge=0, le=10)


class ModelOptions(StrictModel):
    """The ``model`` render: the baked texture's long side (the GLB and the USDZ share it)."""

    texture_px: int = Field(default=2048, ge=1024, le=4096)
