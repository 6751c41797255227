"""The heavy half of an export-pack job: every file from one production scene, zipped.

All files are drawn from the scene of the spec recorded on the pack (the product as the spec saw
it, the profile copied onto the pack record), so a rebuild after a crash produces the same bytes
and overwrites the same key: a redelivery never leaves a second, different zip.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticValidationError

from chalicelib import aws
from chalicelib.domain.options import choice_summary
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
from chalicelib.domain.profile import ProfileDoc
from chalicelib.domain.spec import DesignSpec, MonogramZoneSpec, TextZoneSpec
from chalicelib.domain.zone import ProductDoc
from chalicelib.errors import ValidationFailed, field_errors
from chalicelib.flows.design import Design, load_design
from chalicelib.flows.packs import pack_key
from chalicelib.fonts import LoadedFont
from chalicelib.jobs import pack_sides as sides
from chalicelib.jobs.render_worker import BrandSceneResources
from chalicelib.store import packs
from chalicelib.store.models import PackModel

if TYPE_CHECKING:
    from chalicelib.scene.jobsheet import JobSheet
    from chalicelib.scene.model import Scene

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
    files, warnings, checks, engraving, by_side = _files(model, design, profile, fields)
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
        photo_engraving=engraving,
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
) -> tuple[list[PackFile], list[str], tuple[str, ...], dict[str, Any] | None, dict[str, list[str]]]:
    """The pack's files, warnings and checks, the photo engraving's account, each side's files."""
    from chalicelib.scene.checks import image_dpi_report
    from chalicelib.scene.flatten import GeometryError
    from chalicelib.scene.jobsheet import job_sheet_pdf
    from chalicelib.scene.raster import default_rasterizer
    from chalicelib.scene.writers import side_files

    resources = BrandSceneResources(model.brand_id)
    scenes = sides.production_scenes(design, resources)
    formats = [f for f in PACK_FORMATS if f in set(model.formats or PACK_FORMATS)]
    rasterizer = default_rasterizer()
    out: list[PackFile] = []
    by_side: dict[str, list[str]] = {}

    def add(data: bytes, ext: str, content_type: str, role: str = "") -> str:
        out.append(PackFile(pack_file_name(profile, fields, ext, role=role), data, content_type))
        return out[-1].name

    engraving = None
    sources = scenes  # the photos as the shopper gave them: what the DPI check measures
    if profile.photo_engraving is not None:
        scenes, engraving = _engrave_photos(scenes, profile, design, add)

    try:
        made = side_files(scenes, profile, rasterizer, formats)
    except GeometryError as exc:  # e.g. a counter under the kerf: same input, same failure
        raise ValidationFailed(str(exc), code=exc.code) from exc
    for made_file in made:
        if not design.product.sides:  # one implicit side: the names packs always had
            add(made_file.data, made_file.format, made_file.content_type)
            continue
        name = sides.side_file_name(profile, fields, made_file.format, made_file.sides)
        out.append(PackFile(name, made_file.data, made_file.content_type))
        for side_id in made_file.sides:
            by_side.setdefault(side_id, []).append(name)
    warnings: list[str] = []
    cut_notes: dict[str, str] = {}
    engrave_dpi = profile.photo_engraving.machine_dpi if profile.photo_engraving else None
    for source, scene in zip(sources, scenes, strict=True):
        warnings += [
            f"zone {r['zone_id']}: image prints at {r['effective_dpi']:.0f} DPI, "
            f"below {r['required_dpi']:g}"
            for r in image_dpi_report(source, profile.print_dpi, engrave_dpi)
            if r["status"] == "low"
        ]
        cut_notes.update(_cut_checks(scene, design.spec, profile, warnings))
    checks: tuple[str, ...] = CHECKS
    if cut_notes:
        checks += (
            "cut zones: pieces counted, strokes and gaps against the profile's minimum "
            f"feature ({profile.min_feature_mm:g} mm), holes against the kerf, inside the product",
        )
    side_ids = [s.side_id for s in scenes]
    thumb = sides.thumbnail(design, resources, rasterizer, side_ids, profile.photo_engraving)
    sheet = _job_sheet(model, design, profile, thumb, warnings, checks, cut_notes)
    if design.product.sides:
        sheet = dataclasses.replace(sheet, sides=sides.sheet_sides(design, set(by_side)))
    add(
        job_sheet_pdf(sheet, zone_fonts=_zone_fonts(design.spec, resources)),
        "pdf",
        "application/pdf",
        role="jobsheet",
    )
    return out, warnings, checks, engraving, by_side


def _engrave_photos(
    scenes: list[Scene], profile: ProfileDoc, design: Design, add: Callable[..., str]
) -> tuple[list[Scene], dict[str, Any]]:
    """The scenes with their engraved photos as the laser burns them; each raster added to the
    pack as ``<stem>-<zone>-engrave.png`` (zone ids are unique across sides), and the
    manifest's account of them."""
    from chalicelib.scene.photo import engrave_photos

    settings = profile.photo_engraving
    assert settings is not None
    material = design.product.material
    engraved, described = [], []
    for scene in scenes:
        scene, rasters = engrave_photos(scene, settings, material)
        engraved.append(scene)
        described += [
            {
                "zone_id": r.zone_id,
                "file": add(r.png, "png", "image/png", role=f"{r.zone_id}-engrave"),
                "width_px": r.width_px,
                "height_px": r.height_px,
                "width_mm": r.width_mm,
                "height_mm": r.height_mm,
            }
            for r in rasters
        ]
    preset = settings.preset(material)
    account = {
        "material": material,
        "dpi": settings.machine_dpi,
        "method": preset.method,
        "inverted": settings.inverts(material),
        "rasters": described,
    }
    if preset.serpentine:  # only then: manifests of one-way scans keep their bytes
        account["serpentine"] = True
    return engraved, account


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
        proof=_proof_line(model),
        notes=model_notes(product),
        options=tuple(
            f"{c['option']}: {c['value']}" for c in choice_summary(product, parsed.options or {})
        ),
    )


def model_notes(product: ProductDoc) -> tuple[str, ...]:
    """The job sheet's word that the shopper saw this design in 3D (and AR) before ordering."""
    if product.model is None:
        return ()
    return (
        f"3D preview: the shopper saw this design on the product's 3D model "
        f"({product.model.asset_id}, material {product.model.material}); the model render's "
        "GLB and USDZ are among the snapshot's assets.",
    )


def _proof_line(model: PackModel) -> str:
    """The job sheet's proof line (time, preview sha256) when the snapshot records one."""
    from chalicelib.errors import NotFound
    from chalicelib.store import snapshots

    try:
        proof = snapshots.get_snapshot(model.brand_id, model.snapshot_id).proof
    except NotFound:  # a pack of a snapshot deleted since: nothing to print
        return ""
    if not proof:
        return ""
    when = str(proof.get("confirmed_at", "")).replace("T", " ")[:19]
    return f"approved by the shopper {when} UTC · preview sha256 {proof.get('preview_sha256', '')}"
