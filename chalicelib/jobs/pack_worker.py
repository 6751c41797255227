"""The heavy half of an export-pack job: every file from one production scene, zipped.

All files are drawn from the scene of the spec recorded on the pack (the product as the spec saw
it, the profile copied onto the pack record), so a rebuild after a crash produces the same bytes
and overwrites the same key: a redelivery never leaves a second, different zip.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError

from chalicelib import aws
from chalicelib.domain.pack import (
    GENERATOR_VERSION,
    PACK_FORMATS,
    PackFile,
    build_manifest,
    item_folder,
    pack_file_name,
    verify_zip,
    zip_pack,
)
from chalicelib.domain.profile import ProfileDoc, names_field
from chalicelib.domain.render_options import PreviewOptions
from chalicelib.domain.spec import DesignSpec, MonogramZoneSpec, TextZoneSpec
from chalicelib.errors import ValidationFailed, field_errors
from chalicelib.flows.design import Design, load_design
from chalicelib.flows.packs import pack_key
from chalicelib.fonts import LoadedFont
from chalicelib.jobs.render_worker import BrandSceneResources
from chalicelib.store import packs
from chalicelib.store.models import PackModel

if TYPE_CHECKING:
    from chalicelib.scene.jobsheet import JobSheet
    from chalicelib.scene.model import Scene
    from chalicelib.scene.raster import Rasterizer

CHECKS = (
    "spec hash recomputed from the stored canonical spec",
    "fonts are the exact files the design recorded (sha256)",
    "text re-laid out and matched to the recorded layout (1 µm)",
    "every file in the zip matches the manifest (sha256, bytes)",
)


def build_and_upload(model: PackModel) -> dict[str, Any]:
    """Build, verify and upload the pack; the record's fields for a success."""
    design = load_design(model.brand_id, model.spec_hash)
    spec, product = design.document, design.product
    profile = _profile(model)
    fields = {
        "pack": model.pack_id,
        "order": model.order_ref or model.snapshot_id,
        "item": model.item_ref or "1",
        "snapshot": model.snapshot_id,
        "product": spec["product_id"],
        "sku": product.sku,
        "qty": str(int(model.quantity)),
    }
    files, warnings, checks, by_side = _files(model, design, profile, fields)
    packs.set_progress(model, 80)
    folder = item_folder(profile, fields)
    manifest = build_manifest(
        pack_id=model.pack_id,
        snapshot_id=model.snapshot_id,
        spec=spec,
        product=product,
        profile_id=model.profile_id,
        profile=profile,
        folder=folder,
        files=files,
        checks=checks,
        warnings=warnings,
        side_files=by_side,
    )
    data = zip_pack(files, manifest, folder)
    verify_zip(data)
    digest = hashlib.sha256(data).hexdigest()
    key = pack_key(model.brand_id, model.pack_id)
    aws.s3().put_object(
        Bucket=aws.assets_bucket(),
        Key=key,
        Body=data,
        ContentType="application/zip",
        Metadata={"sha256": digest},
    )
    return {
        "zip_key": key,
        "sha256": digest,
        "size": len(data),
        "files": manifest["files"],
        "warnings": list(warnings),
    }


def _profile(model: PackModel) -> ProfileDoc:
    """The profile copied onto the pack; one that no longer validates fails the pack with a
    code at once (a retry would read the same record)."""
    try:
        return ProfileDoc.from_stored(dict(model.profile))
    except PydanticValidationError as exc:
        raise ValidationFailed(
            "The pack's manufacturing profile is not valid.",
            code="pack.profile_invalid",
            details=field_errors(exc),
        ) from exc


def _files(
    model: PackModel, design: Design, profile: ProfileDoc, fields: dict[str, str]
) -> tuple[list[PackFile], list[str], tuple[str, ...], dict[str, list[str]]]:
    """The pack's files, its warnings and checks, and the file names of each side."""
    from chalicelib.scene.checks import image_dpi_report
    from chalicelib.scene.flatten import GeometryError
    from chalicelib.scene.jobsheet import job_sheet_pdf
    from chalicelib.scene.raster import default_rasterizer
    from chalicelib.scene.writers import side_files

    resources = BrandSceneResources(model.brand_id)
    scenes = _production_scenes(design, resources)
    formats = [f for f in PACK_FORMATS if f in set(model.formats or PACK_FORMATS)]
    rasterizer = default_rasterizer()
    out: list[PackFile] = []
    by_side: dict[str, list[str]] = {}

    def add(data: bytes, ext: str, content_type: str, role: str = "") -> None:
        out.append(PackFile(pack_file_name(profile, fields, ext, role=role), data, content_type))

    try:
        made = side_files(scenes, profile, rasterizer, formats)
    except GeometryError as exc:  # e.g. a counter under the kerf: same input, same failure
        raise ValidationFailed(str(exc), code=exc.code) from exc
    for made_file in made:
        if not design.product.sides:  # one implicit side: the names packs always had
            add(made_file.data, made_file.format, made_file.content_type)
            continue
        name = _side_file_name(profile, fields, made_file.format, made_file.sides)
        out.append(PackFile(name, made_file.data, made_file.content_type))
        for side_id in made_file.sides:
            by_side.setdefault(side_id, []).append(name)
    warnings: list[str] = []
    cut_notes: dict[str, str] = {}
    for scene in scenes:
        warnings += [
            f"zone {r['zone_id']}: image prints at {r['effective_dpi']:.0f} DPI, "
            f"below {profile.print_dpi}"
            for r in image_dpi_report(scene, profile.print_dpi)
            if r["status"] == "low"
        ]
        cut_notes.update(_cut_checks(scene, design.spec, profile, warnings))
    checks: tuple[str, ...] = CHECKS
    if cut_notes:
        checks += (
            "cut zones: pieces counted, strokes and gaps against the profile's minimum "
            f"feature ({profile.min_feature_mm:g} mm), holes against the kerf, inside the product",
        )
    thumb = _thumbnail(design, resources, rasterizer, [s.side_id for s in scenes])
    sheet = _job_sheet(model, design, profile, thumb, warnings, checks, cut_notes)
    if design.product.sides:
        sheet = dataclasses.replace(sheet, sides=_sheet_sides(design, set(by_side)))
    add(
        job_sheet_pdf(sheet, zone_fonts=_zone_fonts(design.spec, resources)),
        "pdf",
        "application/pdf",
        role="jobsheet",
    )
    return out, warnings, checks, by_side


def _production_scenes(design: Design, resources: BrandSceneResources) -> list[Scene]:
    """The scenes the files are drawn from: the one side of a product without sides (always,
    as before sides existed), else every side with content (a blank back makes no file)."""
    from chalicelib.scene.build import build_scene, side_scenes

    if not design.product.sides:
        return [build_scene(design.spec, design.product, resources, mockup=False)]
    return side_scenes(design.spec, design.product, resources, mockup=False, content_only=True)


def _side_file_name(
    profile: ProfileDoc, fields: dict[str, str], ext: str, sides: tuple[str, ...]
) -> str:
    """A side's file: ``{side}`` in the pattern names it, else the side is a suffix (two sides'
    files must never share a name). A file of every side (PDF pages, DXF blocks) says "sides"."""
    side = sides[0] if len(sides) == 1 else "sides"
    role = "" if names_field(profile, "side") else side
    return pack_file_name(profile, {**fields, "side": side}, ext, role=role)


def _thumbnail(
    design: Design, resources: BrandSceneResources, rasterizer: Rasterizer, side_ids: list[str]
) -> bytes:
    """The job sheet's picture: the mockup preview, or every side made, labelled."""
    from chalicelib.scene.build import build_scene
    from chalicelib.scene.contact_sheet import contact_sheet
    from chalicelib.scene.render import render_preview

    options = PreviewOptions(long_side_px=600, format="png")
    product = design.product
    if not product.sides or len(side_ids) < 2:
        side = side_ids[0] if product.sides and side_ids else None
        mockup = build_scene(design.spec, product, resources, mockup=True, side=side)
        return render_preview(mockup, options, rasterizer).data
    scenes = [
        build_scene(design.spec, product, resources, mockup=True, side=side_id)
        for side_id in side_ids
    ]
    names = [side.name for side in product.all_sides if side.id in side_ids]
    return contact_sheet(scenes, names, options, rasterizer).data


def _sheet_sides(design: Design, made: set[str]) -> tuple[str, ...]:
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


def _cut_checks(
    scene: Scene, parsed: DesignSpec, profile: ProfileDoc, warnings: list[str]
) -> dict[str, str]:
    """Validate's manufacturability checks again, on the scene the files are drawn from: each
    finding becomes a pack warning; the result is a note per cut zone for the job sheet."""
    from chalicelib.scene.cut_checks import check_cut_item
    from chalicelib.scene.flatten import flatten
    from chalicelib.scene.model import TextItem

    die = flatten(scene.die_line) if scene.die_line is not None else None
    notes = {}
    for item in scene.items:
        given = parsed.zones.get(item.zone_id)
        if not (isinstance(item, TextItem) and item.process == "cut"):
            continue
        text = given.text if isinstance(given, TextZoneSpec) else ""
        report = check_cut_item(item, text, profile, (scene.width_mm, scene.height_mm), None, die)
        notes[item.zone_id] = f"{report.parts} part(s), {report.connect}"
        warnings.extend(f"zone {item.zone_id}: {f.message}" for f in report.findings)
    return notes


def _zone_fonts(parsed: DesignSpec, resources: BrandSceneResources) -> dict[str, LoadedFont]:
    """The text zones' own fonts, through the scene's resources (brand uploads included, each
    checked against the sha256 the spec recorded), so the job sheet can draw a name in the
    script Lato lacks exactly as the product shows it."""
    return {
        given.font.id: resources.font(given.font.id, given.font.sha256)
        for given in parsed.zones.values()
        if isinstance(given, TextZoneSpec | MonogramZoneSpec)
    }


def _job_sheet(
    model: PackModel,
    design: Design,
    profile: ProfileDoc,
    thumbnail: bytes,
    warnings: list[str],
    checks: tuple[str, ...],
    cut_notes: dict[str, str],
) -> JobSheet:
    from chalicelib.scene.jobsheet import JobSheet, SheetZone

    parsed, product = design.spec, design.product
    zones = []
    for zone in product.zones:
        given = parsed.zones.get(zone.id)
        if given is None:
            continue
        text = given if isinstance(given, TextZoneSpec | MonogramZoneSpec) else None
        zones.append(
            SheetZone(
                zone_id=zone.id,
                kind=zone.kind,
                process=zone.process,
                x_mm=zone.x_mm,
                y_mm=zone.y_mm,
                width_mm=zone.width_mm,
                height_mm=zone.height_mm,
                rotation_deg=zone.rotation_deg,
                text=text.text if text else None,
                font_id=text.font.id if text else None,
                color=getattr(given, "color", None),
                note=f"{given.effective_dpi:.0f} DPI"
                if given.kind == "image"
                else cut_notes.get(zone.id, ""),
                side=product.side_of(zone).name if product.sides else "",
            )
        )
    return JobSheet(
        pack_id=model.pack_id,
        order_ref=model.order_ref or "-",
        item_ref=model.item_ref or "1",
        quantity=int(model.quantity),
        product_name=product.name,
        product_sku=product.sku,
        product_version=parsed.product_version,
        profile_name=profile.name,
        zones=tuple(zones),
        checks=checks,
        warnings=tuple(warnings),
        thumbnail=thumbnail,
        generator=f"atelier {GENERATOR_VERSION}",
    )
