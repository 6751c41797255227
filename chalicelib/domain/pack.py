"""Manufacturing packs: the manifest and the zip, pure and byte-for-byte deterministic.

A pack job may crash after uploading the zip but before recording that it did; the redelivered
message then builds the pack again. If that second build could differ (a timestamp, an entry
order, a permission bit), the shop might download one zip while the manifest recorded for the
order describes another. So the same files and manifest always give the same zip bytes:

* every entry is dated 1980-01-01 00:00 (the zip epoch), made on "unix" with mode 0644;
* entries are sorted by name, all inside one folder per order item, named by the profile's
  ``file_name_pattern`` (:func:`item_folder`), with sanitized names (:func:`pack_file_name`);
* already-compressed formats (PNG, PDF, JPEG) are STORED, text formats (SVG, DXF, JSON, TXT)
  DEFLATED at level 9: deflating a PNG again only costs time;
* ``manifest.json`` is ``json.dumps(sort_keys=True, indent=2, ensure_ascii=False)`` plus a
  newline. Not RFC 8785: a workshop reads this file, and nothing hashes it across languages (the
  zip's own sha256 is the pack's identity); sorted keys and Python's shortest-round-trip float
  form already make it deterministic.

Deflate output depends on the zlib build, so "identical" holds for one runtime (a Lambda
redelivery runs the same one); a new runtime image may give other, equally valid, bytes.

:func:`verify_zip` re-reads a zip and re-hashes every entry against its manifest: the worker
runs it before uploading, so a pack that does not describe itself correctly never leaves.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from chalicelib import fonts
from chalicelib.domain.options import choice_summary
from chalicelib.domain.profile import ProfileDoc, file_name
from chalicelib.domain.render_options import RENDERER_VERSION
from chalicelib.domain.spec import DesignSpec, MonogramZoneSpec, TextZoneSpec, spec_hash
from chalicelib.domain.zone import ProductDoc
from chalicelib.errors import AtelierError

# The files a pack can hold, in the order they are written; each has one writer in
# chalicelib/scene/writers.py (a new format: a name here and a writer there).
PackFormat = Literal["png", "pdf", "svg", "dxf"]
PACK_FORMATS: tuple[PackFormat, ...] = get_args(PackFormat)
GENERATOR_NAME = "atelier"
# Bump PACK_FORMAT when the same inputs would give other pack bytes (naming, manifest, zipping);
# a renderer change shows through RENDERER_VERSION.
PACK_FORMAT = "1"
# Which machine geometry the DXF/SVG cut layers carry (chalicelib.scene.machine): "clipper.1" is
# Clipper booleans on a 1 µm grid with welded cut text. Packs already built keep the bytes and
# the version they were built with; a re-export says which geometry made it.
GEOMETRY_VERSION = "clipper.1"
GENERATOR_VERSION = f"{PACK_FORMAT}+renderer.{RENDERER_VERSION}+geometry.{GEOMETRY_VERSION}"
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
STORED_EXTENSIONS = frozenset({"png", "pdf", "jpg", "jpeg", "webp"})
DEFLATED_EXTENSIONS = frozenset({"svg", "dxf", "json", "txt", "csv"})
_DEFLATE_LEVEL = 9
_FILE_MODE = 0o100644  # regular file, rw-r--r--
_UNIX = 3
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$")


class PackCorrupt(AtelierError):
    """A zip whose entries do not match its manifest: a bug or tampering, never retried."""

    status = 500
    code = "pack.corrupt"


@dataclass(frozen=True)
class PackFile:
    """One file of the pack; ``name`` is relative to the item's folder."""

    name: str
    data: bytes
    content_type: str

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def item_folder(profile: ProfileDoc, fields: Mapping[str, str]) -> str:
    """The item's folder: the profile's file name pattern over ``fields`` (order, item, sku...)."""
    return file_name(profile, **fields)


def pack_file_name(
    profile: ProfileDoc, fields: Mapping[str, str], extension: str, *, role: str = ""
) -> str:
    """``<pattern>[-<role>].<extension>``; ``role`` tells apart one item's files ("jobsheet",
    a zone id...). Everything outside ``A-Za-z0-9_.-`` becomes '-', as in the pattern."""
    suffix = _UNSAFE.sub("-", role)[:40].strip("-.")
    stem = file_name(profile, **fields) + (f"-{suffix}" if suffix else "")
    name = f"{stem}.{_UNSAFE.sub('', extension.lower())}"
    if name == MANIFEST_NAME:
        raise ValueError(f"{MANIFEST_NAME} is reserved for the manifest")
    return name


def build_manifest(
    *,
    pack_id: str,
    snapshot_id: str,
    spec: Mapping[str, Any],
    product: ProductDoc,
    profile_id: str,
    profile: ProfileDoc,
    folder: str,
    files: Sequence[PackFile],
    font_families: Mapping[str, str] | None = None,
    checks: Sequence[str] = (),
    warnings: Sequence[str] = (),
    photo_engraving: Mapping[str, Any] | None = None,
    side_files: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Everything a shop (or a dispute) needs to know what the files are and where they came from.

    Product id and version, zones and fonts come from the spec itself, and ``spec_hash`` is
    computed here, so the manifest cannot name another design than the one drawn. Zones are the
    product's zones the spec fills, in product order, in mm whatever ``profile.units`` says.
    ``font_families`` names brand-uploaded fonts; bundled ones are looked up.

    A product that declares sides also gets ``sides``: each side (artboard, flip) with the names
    of the files that draw it (``side_files``: a combined PDF is listed under every side; a side
    without content has none), and each zone says its side. Products without sides keep the
    manifest they always had.

    ``photo_engraving`` (only with a profile that has it) names each engrave raster's file,
    its pixels and millimetres, and the resolution and method that made it.
    """
    parsed = DesignSpec.model_validate(dict(spec))
    manifest = _manifest(pack_id, snapshot_id, spec, parsed, product, profile_id, profile, folder)
    manifest.update(
        fonts=_fonts(parsed, font_families or {}),
        generator={"name": GENERATOR_NAME, "version": GENERATOR_VERSION},
        files=_describe(files),
        checks=list(checks),
        warnings=list(warnings),
    )
    if photo_engraving is not None:
        manifest["photo_engraving"] = dict(photo_engraving)
    if parsed.options is not None:  # the shopper's choices (chain colour...), by name
        manifest["options"] = choice_summary(product, parsed.options)
    if product.sides:
        side_of = {zone.id: product.side_of(zone).id for zone in product.zones}
        for zone in manifest["zones"]:
            zone["side"] = side_of[zone["id"]]
        manifest["sides"] = [
            {
                "id": side.id,
                "name": side.name,
                "width_mm": side.width_mm,
                "height_mm": side.height_mm,
                "flip": side.flip,
                "files": sorted((side_files or {}).get(side.id, ())),
            }
            for side in product.sides
        ]
    return manifest


def _manifest(
    pack_id: str,
    snapshot_id: str,
    spec: Mapping[str, Any],
    parsed: DesignSpec,
    product: ProductDoc,
    profile_id: str,
    profile: ProfileDoc,
    folder: str,
) -> dict[str, Any]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "pack_id": pack_id,
        "snapshot_id": snapshot_id,
        "spec_hash": spec_hash(dict(spec)),
        "folder": folder,
        "product": {
            "id": parsed.product_id,
            "version": parsed.product_version,
            "name": product.name,
            "sku": product.sku,
            "width_mm": product.width_mm,
            "height_mm": product.height_mm,
        },
        "profile": {
            "id": profile_id,
            "name": profile.name,
            "units": profile.units,
            "bleed_mm": profile.bleed_mm,
            "crop_marks": profile.crop_marks,
            "print_dpi": profile.print_dpi,
        },
        "zones": [
            {
                "id": zone.id,
                "kind": zone.kind,
                "process": zone.process,
                "layer": profile.operation_for(zone.process).layer,
                "x_mm": zone.x_mm,
                "y_mm": zone.y_mm,
                "width_mm": zone.width_mm,
                "height_mm": zone.height_mm,
                "rotation_deg": zone.rotation_deg,
            }
            for zone in product.zones
            if zone.id in parsed.zones
        ],
    }


def _fonts(spec: DesignSpec, families: Mapping[str, str]) -> list[dict[str, Any]]:
    used = {
        (z.font.id, z.font.sha256)
        for z in spec.zones.values()
        if isinstance(z, TextZoneSpec | MonogramZoneSpec)
    }
    return [
        {"id": font_id, "family": families.get(font_id) or _bundled_family(font_id), "sha256": sha}
        for font_id, sha in sorted(used)
    ]


def _bundled_family(font_id: str) -> str | None:
    try:
        return fonts.font_info(font_id).family
    except fonts.FontUnknown:
        return None


def _describe(files: Sequence[PackFile]) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "bytes": len(f.data), "sha256": f.sha256, "content_type": f.content_type}
        for f in sorted(files, key=lambda f: f.name)
    ]


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as written into the zip (see the module docstring for why this form)."""
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def zip_pack(files: Sequence[PackFile], manifest: Mapping[str, Any], folder: str) -> bytes:
    """The pack's zip: ``folder/<file>`` for each file plus ``folder/manifest.json``.

    The manifest must describe exactly these files in this folder (as :func:`build_manifest`
    made it); anything else is a bug in the caller and raises ``ValueError``.
    """
    _check_name(folder, "folder")
    names = [f.name for f in files]
    for name in names:
        _check_name(name, "file name")
    if len(set(names)) != len(names) or MANIFEST_NAME in names:
        raise ValueError("file names must be unique and not manifest.json")
    if manifest.get("folder") != folder or manifest.get("files") != _describe(files):
        raise ValueError("the manifest does not describe these files in this folder")
    entries = {f.name: f.data for f in files}
    entries[MANIFEST_NAME] = manifest_bytes(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_EPOCH)
            info.create_system = _UNIX
            info.external_attr = _FILE_MODE << 16
            method = _method(name)
            level = _DEFLATE_LEVEL if method == zipfile.ZIP_DEFLATED else None
            archive.writestr(info, entries[name], compress_type=method, compresslevel=level)
    return out.getvalue()


def _method(name: str) -> int:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in STORED_EXTENSIONS:
        return zipfile.ZIP_STORED
    if extension in DEFLATED_EXTENSIONS:
        return zipfile.ZIP_DEFLATED
    raise ValueError(f"no compression rule for {name!r}")


def _check_name(name: str, what: str) -> None:
    if not _SAFE_NAME.match(name) or name in (".", ".."):
        raise ValueError(f"unsafe {what} {name!r}: use pack_file_name / item_folder")


def verify_zip(data: bytes) -> dict[str, Any]:
    """The manifest of a pack zip, after checking every entry's size and sha256 against it and
    that the zip holds exactly the listed files; :class:`PackCorrupt` names what differs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            contents = {info.filename: archive.read(info) for info in archive.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:  # a CRC error included
        raise _corrupt("The pack is not a readable zip.", reason="bad_zip") from exc
    manifests = [name for name in contents if name.rsplit("/", 1)[-1] == MANIFEST_NAME]
    if len(manifests) != 1:
        raise _corrupt("The pack needs exactly one manifest.", reason="manifest_count")
    try:
        manifest: dict[str, Any] = json.loads(contents.pop(manifests[0]))
        listed = {entry["name"]: entry for entry in manifest["files"]}
        prefix = f"{manifest['folder']}/"
    except (ValueError, KeyError, TypeError) as exc:
        raise _corrupt("The pack's manifest is unreadable.", reason="bad_manifest") from exc
    if manifests[0] != prefix + MANIFEST_NAME:
        raise _corrupt("The manifest is not in the pack's folder.", reason="bad_manifest")
    differ = sorted({name.removeprefix(prefix) for name in contents} ^ set(listed))
    if differ:
        reason = "missing" if differ[0] in listed else "unexpected"
        raise _corrupt(f"{differ[0]} is {reason}.", reason=reason, file=differ[0])
    for name, entry in sorted(listed.items()):
        body = contents[prefix + name]
        if len(body) != entry["bytes"] or hashlib.sha256(body).hexdigest() != entry["sha256"]:
            raise _corrupt(f"{name} differs from the manifest.", reason="mismatch", file=name)
    return manifest


def _corrupt(message: str, **details: str) -> PackCorrupt:
    return PackCorrupt(message, details=details)
