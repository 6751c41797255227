"""Materials: the one list a product's ``material`` names, and the facts other rules key on.

Material-true previews (how engraving or print looks on the product), photo-engraving presets
(tone curve, invert, dithering per material) and the die-line silhouette colour all key on this
list, so a brand picks one word and every stage agrees. Pure data: no renderer imports here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Material = Literal[
    "wood_light",
    "wood_dark",
    "slate",
    "brushed_metal",
    "anodized_aluminium",
    "gold",
    "acrylic",
    "glass",
    "stone",
    "leather",
    "paper",
]
MATERIALS: tuple[str, ...] = get_args(Material)


@dataclass(frozen=True)
class MaterialFacts:
    """What a material is like before anything is done to it.

    ``surface`` is its colour in a preview without a photo (the die-line silhouette fill);
    ``engraves_lighter`` says a laser mark shows lighter than the surface (slate, anodized
    aluminium, glass), which photo engraving inverts for and previews draw as a light mark.
    """

    label: str
    surface: str  # "#RRGGBB"
    engraves_lighter: bool


FACTS: dict[str, MaterialFacts] = {
    "wood_light": MaterialFacts("Light wood", "#D9B98C", False),
    "wood_dark": MaterialFacts("Dark wood", "#8A5A35", False),
    "slate": MaterialFacts("Slate", "#3A3D42", True),
    "brushed_metal": MaterialFacts("Brushed metal", "#C4C7CC", False),
    "anodized_aluminium": MaterialFacts("Anodized aluminium", "#2B3A55", True),
    "gold": MaterialFacts("Gold", "#D4AF37", False),
    "acrylic": MaterialFacts("Acrylic", "#E8F1F5", True),
    "glass": MaterialFacts("Glass", "#DDE8EC", True),
    "stone": MaterialFacts("Stone", "#8D8A85", True),
    "leather": MaterialFacts("Leather", "#7B4A2D", False),
    "paper": MaterialFacts("Paper / print", "#FFFFFF", False),
}


def facts(material: str) -> MaterialFacts:
    """The facts of a material of :data:`MATERIALS` (a ``KeyError`` for anything else: the product
    schema refuses unknown materials long before this is asked)."""
    return FACTS[material]


EngraveLook = Literal["burn", "etch", "lighten", "frost", "deboss"]
Texture = Literal["wood", "brushed", "mottled", "grain", "smooth"]


@dataclass(frozen=True)
class MaterialLook:
    """How a preview draws the material and a laser mark on it (previews only, never files).

    ``texture`` is the procedural surface drawn when the product has no photo. ``engrave``
    is what the laser does to the surface: ``burn`` darkens (multiplied by ``tone``, deeper in
    the darker grain), ``etch`` brightens with a brushed highlight (screened with ``tone``),
    ``lighten`` exposes a lighter layer (slate, anodized aluminium), ``frost`` whitens clear
    material, ``deboss`` presses the surface in (darker, with shaded edges).
    """

    texture: Texture
    engrave: EngraveLook
    tone: str  # "#RRGGBB"


LOOKS: dict[str, MaterialLook] = {
    "wood_light": MaterialLook("wood", "burn", "#5C3F2A"),
    "wood_dark": MaterialLook("wood", "burn", "#7A6352"),
    "slate": MaterialLook("mottled", "lighten", "#A4A8AD"),
    "brushed_metal": MaterialLook("brushed", "etch", "#F4F6F8"),
    "anodized_aluminium": MaterialLook("smooth", "lighten", "#D5D9DE"),
    "gold": MaterialLook("brushed", "etch", "#FFF1C4"),
    "acrylic": MaterialLook("smooth", "frost", "#F7FAFB"),
    "glass": MaterialLook("smooth", "frost", "#F4F8F9"),
    "stone": MaterialLook("mottled", "lighten", "#D6D2CB"),
    "leather": MaterialLook("grain", "deboss", "#4A2A18"),
    "paper": MaterialLook("smooth", "burn", "#8A6A4E"),
}


def look(material: str) -> MaterialLook:
    """The preview look of a material of :data:`MATERIALS`."""
    return LOOKS[material]
