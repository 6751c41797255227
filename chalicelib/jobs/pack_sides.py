"""The pack's side rules: which scenes make files, what a side's file is called, the job
sheet's picture and its list of sides (a product without sides keeps the pack it always had)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.pack import pack_file_name
from chalicelib.domain.photo_engraving import PhotoEngraving
from chalicelib.domain.profile import ProfileDoc, names_field
from chalicelib.domain.render_options import PreviewOptions
from chalicelib.flows.design import Design

if TYPE_CHECKING:
    from chalicelib.jobs.render_worker import BrandSceneResources
    from chalicelib.scene.model import Scene
    from chalicelib.scene.raster import Rasterizer


def production_scenes(design: Design, resources: BrandSceneResources) -> list[Scene]:
    """The scenes the files are drawn from: the one side of a product without sides (always,
    as before sides existed), else every side with content (a blank back makes no file)."""
    from chalicelib.scene.build import build_scene, side_scenes

    if not design.product.sides:
        return [build_scene(design.spec, design.product, resources, mockup=False)]
    return side_scenes(design.spec, design.product, resources, mockup=False, content_only=True)


def side_file_name(
    profile: ProfileDoc, fields: dict[str, str], ext: str, sides: tuple[str, ...]
) -> str:
    """A side's file: ``{side}`` in the pattern names it, else the side is a suffix (two sides'
    files must never share a name). A file of every side (PDF pages, DXF blocks) says "sides"."""
    side = sides[0] if len(sides) == 1 else "sides"
    role = "" if names_field(profile, "side") else side
    return pack_file_name(profile, {**fields, "side": side}, ext, role=role)


def thumbnail(
    design: Design,
    resources: BrandSceneResources,
    rasterizer: Rasterizer,
    side_ids: list[str],
    engraving: PhotoEngraving | None = None,
) -> bytes:
    """The job sheet's picture: the mockup preview, or every side made, labelled; with the
    profile's photo engraving, engraved photos show as the laser burns them."""
    from chalicelib.scene.build import build_scene
    from chalicelib.scene.contact_sheet import contact_sheet
    from chalicelib.scene.render import render_preview

    options = PreviewOptions(long_side_px=600, format="png")
    product = design.product

    def mockup(side: str | None) -> Scene:
        scene = build_scene(design.spec, product, resources, mockup=True, side=side)
        if engraving is None:
            return scene
        from chalicelib.scene.photo import engrave_photos

        return engrave_photos(scene, engraving, product.material)[0]

    if not product.sides or len(side_ids) < 2:
        side = side_ids[0] if product.sides and side_ids else None
        return render_preview(mockup(side), options, rasterizer).data
    scenes = [mockup(side_id) for side_id in side_ids]
    names = [side.name for side in product.all_sides if side.id in side_ids]
    return contact_sheet(scenes, names, options, rasterizer).data


def sheet_sides(design: Design, made: set[str]) -> tuple[str, ...]:
    """Every side, as the sheet lists it: its name, how it is mirrored, or that it is blank."""
    lines = []
    for side in design.product.all_sides:
        if side.id not in made:
            lines.append(f"{side.name}: nothing to make, no files")
        elif side.flip != "none":
            lines.append(f"{side.name}: machine files mirrored {side.flip}ly")
        else:
            lines.append(side.name)
    return tuple(lines)
