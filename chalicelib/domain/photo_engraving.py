"""Photo engraving settings: how a workshop turns a shopper's photo into the dots its laser burns.

A laser burns one bit per dot, so a photo must be dithered, and what looks right depends on the
material: wood darkens fast (a gamma that lifts midtones), slate, anodized aluminium and glass
mark *lighter* than their surface (the image is inverted so the photo's light areas are burnt).
A profile opts in with a ``photo_engraving`` block; without one, packs stay as they were (the
photo goes to the machine files as the shopper's colour image).

Presets are keyed by the product's material (:mod:`chalicelib.domain.material`); a profile may
override any of them, and ``default`` serves products without a material. Pure data: the pixel
work is in :mod:`chalicelib.scene.photo` and :mod:`chalicelib.scene.dither`.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from chalicelib.domain.material import Material, facts
from chalicelib.domain.zone import StrictModel

DitherMethod = Literal[
    "threshold",
    "bayer4",
    "bayer8",
    "floyd_steinberg",
    "jarvis",
    "stucki",
    "atkinson",
    "halftone",
]
DITHER_METHODS: tuple[DitherMethod, ...] = get_args(DitherMethod)
DEFAULT_DPI = 254  # 0.1 mm line interval: the common diode-laser setting


class PhotoPreset(StrictModel):
    """One material's recipe: tone curve, sharpening, method (and its halftone screen).

    The tone curve works on the image *as burnt* (after inverting, if the material asks):
    black and white points stretch the range, brightness and contrast move it about mid-grey,
    and ``gamma`` > 1 lifts midtones (less burn in the middle tones).
    """

    method: DitherMethod = "jarvis"
    invert: bool | None = None  # None: the material decides (it engraves lighter: invert)
    gamma: float = Field(default=1.0, ge=0.2, le=5.0)
    contrast: float = Field(default=1.0, ge=0.0, le=4.0)
    brightness: float = Field(default=0.0, ge=-1.0, le=1.0)
    black_point: float = Field(default=0.0, ge=0.0, lt=1.0)
    white_point: float = Field(default=1.0, gt=0.0, le=1.0)
    sharpen: float = Field(default=0.0, ge=0.0, le=3.0)  # unsharp mask amount (1 = 100 %)
    lines_per_inch: float = Field(default=60.0, ge=10.0, le=300.0)  # halftone only
    angle_deg: float = Field(default=45.0, ge=-90.0, le=90.0)  # halftone only
    # Error diffusion only: odd rows scanned right to left (fewer "worms"; slower). Left out of
    # dumps when off, so stored profiles and render cache keys stay as they were.
    serpentine: bool = Field(default=False, exclude_if=lambda v: not v)

    @model_validator(mode="after")
    def _points_in_order(self) -> PhotoPreset:
        if self.black_point >= self.white_point:
            raise ValueError("black_point must be below white_point")
        return self


# Starting points per material (LightBurn users' common settings); a profile overrides them.
BUILTIN_PRESETS: dict[str, PhotoPreset] = {
    "wood_light": PhotoPreset(method="jarvis", gamma=1.4, contrast=1.1, sharpen=0.5),
    "wood_dark": PhotoPreset(
        method="jarvis", gamma=1.7, contrast=1.25, black_point=0.05, sharpen=0.6
    ),
    "slate": PhotoPreset(method="stucki", gamma=1.1, contrast=1.2, sharpen=0.5),
    "brushed_metal": PhotoPreset(method="floyd_steinberg", contrast=1.1),
    "anodized_aluminium": PhotoPreset(method="floyd_steinberg", contrast=1.1, sharpen=0.3),
    "gold": PhotoPreset(method="floyd_steinberg", contrast=1.1),
    "acrylic": PhotoPreset(method="stucki", gamma=1.2, contrast=1.2),
    "glass": PhotoPreset(method="stucki", gamma=1.3, contrast=1.3, white_point=0.95),
    "stone": PhotoPreset(method="jarvis", contrast=1.3, sharpen=0.8),
    "leather": PhotoPreset(method="atkinson", gamma=1.3, contrast=1.1, sharpen=0.4),
    "paper": PhotoPreset(method="floyd_steinberg"),
}
GENERIC_PRESET = PhotoPreset()


class PhotoEngraving(StrictModel):
    """A profile's photo engraving: the machine resolution and the presets it overrides.

    Resolution is ``dpi`` or ``lines_per_mm`` (one of them; 254 DPI when neither is given).
    """

    dpi: int | None = Field(default=None, ge=50, le=1500)
    lines_per_mm: float | None = Field(default=None, ge=2.0, le=60.0)
    presets: dict[Material, PhotoPreset] = Field(default_factory=dict)
    default: PhotoPreset | None = None  # products without a material

    @model_validator(mode="after")
    def _one_resolution(self) -> PhotoEngraving:
        if self.dpi is not None and self.lines_per_mm is not None:
            raise ValueError("give the machine resolution as dpi or as lines_per_mm, not both")
        return self

    @property
    def machine_dpi(self) -> float:
        if self.lines_per_mm is not None:
            return self.lines_per_mm * 25.4
        return float(self.dpi if self.dpi is not None else DEFAULT_DPI)

    def preset(self, material: Material | None) -> PhotoPreset:
        """The profile's preset for ``material``, else the built-in one, else the default."""
        if material is None:
            return self.default or GENERIC_PRESET
        return self.presets.get(material) or BUILTIN_PRESETS.get(material) or GENERIC_PRESET

    def inverts(self, material: Material | None) -> bool:
        """Whether the photo is inverted: the preset says so, else the material's facts."""
        chosen = self.preset(material).invert
        if chosen is not None:
            return chosen
        return material is not None and facts(material).engraves_lighter

    def effective(self, material: Material | None) -> dict[str, object]:
        """What decides the raster of a photo on ``material``: resolution, inversion, preset.

        Render cache keys include this (not the whole block) so editing the preset of another
        material does not throw away previews this one's settings still produce.
        """
        return {
            "dpi": self.machine_dpi,
            "invert": self.inverts(material),
            "preset": self.preset(material).model_dump(mode="json"),
        }
