"""The manufacturing pack: a manifest that describes every file exactly, and a zip that is the
same bytes every time it is built from the same inputs (a redelivered job must not produce a
second, different pack), with sanitized names, fixed metadata and the right compression."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from typing import Any

import pypdf
import pytest

from chalicelib import fonts
from chalicelib.domain.pack import (
    GENERATOR_VERSION,
    MANIFEST_NAME,
    PackCorrupt,
    PackFile,
    build_manifest,
    item_folder,
    manifest_bytes,
    pack_file_name,
    verify_zip,
    zip_pack,
)
from chalicelib.domain.personalization import ZoneInput
from chalicelib.domain.profile import BUILTIN
from chalicelib.domain.render_options import RENDERER_VERSION
from chalicelib.domain.spec import spec_hash
from chalicelib.domain.zone import ProductDoc
from chalicelib.scene.build import build_scene
from chalicelib.scene.jobsheet import JobSheet, SheetZone, job_sheet_pdf
from chalicelib.scene.pdf import to_pdf
from tests.conftest import ROOT
from tests.support.scene import (
    BIRTHDAY,
    CORD_ZONE,
    PHOTO_ZONE,
    TEXT_ZONE,
    FakeResources,
    make_spec,
    photo_png,
    product,
)

PROFILE = BUILTIN["print-default"]
FIELDS = {"order": "#1001/A", "item": "2", "sku": "PEND/HEART", "qty": "3"}
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="56mm"/>\n' * 40
DXF = "0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n" * 40


def _design() -> tuple[ProductDoc, dict[str, Any]]:
    doc = product(
        TEXT_ZONE,
        PHOTO_ZONE,
        {**CORD_ZONE, "rotation_deg": 12},
        {**TEXT_ZONE, "id": "back", "y_mm": 40, "height_mm": 10},  # left empty by the shopper
        name="Cœur pendant",
    )
    inputs = {"name": ZoneInput(text=BIRTHDAY), "photo": ZoneInput(asset_id="img_photo")}
    return doc, make_spec(doc, inputs, {"img_photo": photo_png()})


DOC, SPEC = _design()


def _files() -> list[PackFile]:
    def name(extension: str, role: str = "") -> str:
        return pack_file_name(PROFILE, FIELDS, extension, role=role)

    return [
        PackFile(name("pdf"), b"%PDF-1.4\n" + bytes(range(256)) * 8, "application/pdf"),
        PackFile(name("png"), photo_png(), "image/png"),
        PackFile(name("svg", "name"), SVG.encode(), "image/svg+xml"),
        PackFile(name("dxf", "name"), DXF.encode(), "image/vnd.dxf"),
        PackFile(name("pdf", "job sheet"), b"%PDF-1.4\nsheet", "application/pdf"),
    ]


def _manifest(files: list[PackFile], **changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "pack_id": "pck_0123456789abcdef0123",
        "snapshot_id": "snp_42",
        "spec": SPEC,
        "product": DOC,
        "profile_id": "print-default",
        "profile": PROFILE,
        "folder": item_folder(PROFILE, FIELDS),
        "files": files,
        "checks": ["fonts match recorded sha256", "layout re-verified"],
        "warnings": ["photo: 76.2 DPI is below the profile's 300 DPI"],
        **changes,
    }
    return build_manifest(**arguments)


def _pack(files: list[PackFile] | None = None, **changes: Any) -> tuple[bytes, dict[str, Any]]:
    files = _files() if files is None else files
    manifest = _manifest(files, **changes)
    return zip_pack(files, manifest, manifest["folder"]), manifest


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _rezip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return out.getvalue()


def test_the_manifest_sha256_of_every_file_matches_the_zip_content() -> None:
    data, manifest = _pack()
    entries = _entries(data)
    folder = manifest["folder"]
    assert set(entries) == {f"{folder}/{f['name']}" for f in manifest["files"]} | {
        f"{folder}/{MANIFEST_NAME}"
    }
    for listed in manifest["files"]:
        body = entries[f"{folder}/{listed['name']}"]
        assert listed["sha256"] == hashlib.sha256(body).hexdigest()
        assert listed["bytes"] == len(body)
    assert json.loads(entries[f"{folder}/{MANIFEST_NAME}"]) == manifest
    assert verify_zip(data) == manifest


def test_the_manifest_names_the_design_the_profile_and_the_generator() -> None:
    _, manifest = _pack()
    assert manifest["pack_id"] == "pck_0123456789abcdef0123"
    assert manifest["snapshot_id"] == "snp_42" and manifest["spec_hash"] == spec_hash(SPEC)
    assert manifest["product"] == {
        "id": "prd_test",
        "version": 1,
        "name": "Cœur pendant",
        "sku": "PEND-1",
        "width_mm": 80,
        "height_mm": 56,
    }
    assert manifest["profile"]["id"] == "print-default"
    assert manifest["profile"]["name"] == "Print (default)"
    assert manifest["profile"]["units"] == "mm"
    # the empty "back" zone is not in the spec: only zones that are made are listed
    assert [z["id"] for z in manifest["zones"]] == ["name", "photo", "cord"]
    assert manifest["zones"][2]["rotation_deg"] == 12
    assert manifest["zones"][0] == {
        "id": "name",
        "kind": "text",
        "process": "print",
        "layer": "ARTWORK",
        "x_mm": 6,
        "y_mm": 12,
        "width_mm": 68,
        "height_mm": 16,
        "rotation_deg": 0,
    }
    lato = fonts.get_font("lato-regular")
    assert manifest["fonts"] == [{"id": "lato-regular", "family": "Lato", "sha256": lato.sha256}]
    assert manifest["generator"] == {"name": "atelier", "version": GENERATOR_VERSION}
    assert RENDERER_VERSION in GENERATOR_VERSION
    assert manifest["warnings"] == ["photo: 76.2 DPI is below the profile's 300 DPI"]


def test_brand_fonts_take_their_family_from_the_caller() -> None:
    spec = json.loads(json.dumps(SPEC))
    spec["zones"]["name"]["font"]["id"] = "fnt_brand"
    _, manifest = _pack(spec=spec, font_families={"fnt_brand": "Maison Script"})
    assert [(f["id"], f["family"]) for f in manifest["fonts"]] == [("fnt_brand", "Maison Script")]
    _, unnamed = _pack(spec=spec)
    assert unnamed["fonts"][0]["family"] is None


def test_the_same_inputs_give_the_same_zip_bytes() -> None:
    first, _ = _pack()
    again, _ = _pack(list(reversed(_files())))  # rebuilt from scratch, files in another order
    assert first == again
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(again).hexdigest()
    other, _ = _pack(warnings=[])
    assert other != first


def test_entries_have_fixed_dates_modes_and_sorted_names() -> None:
    data, manifest = _pack()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644 and info.create_system == 3
        assert info.filename.startswith(manifest["folder"] + "/")


def test_png_and_pdf_are_stored_and_text_formats_deflated() -> None:
    data, _ = _pack()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        methods = {i.filename.rsplit(".", 1)[1]: i.compress_type for i in archive.infolist()}
    assert methods == {
        "pdf": zipfile.ZIP_STORED,
        "png": zipfile.ZIP_STORED,
        "svg": zipfile.ZIP_DEFLATED,
        "dxf": zipfile.ZIP_DEFLATED,
        "json": zipfile.ZIP_DEFLATED,
    }


def test_file_names_follow_the_profile_pattern_and_are_sanitized() -> None:
    assert item_folder(PROFILE, FIELDS) == "1001-A-2-PEND-HEART"  # "{order}-{item}-{sku}"
    assert pack_file_name(PROFILE, FIELDS, "PDF", role="job sheet") == (
        "1001-A-2-PEND-HEART-job-sheet.pdf"
    )
    assert pack_file_name(PROFILE, FIELDS, "svg", role="../name") == "1001-A-2-PEND-HEART-name.svg"
    custom = PROFILE.model_copy(update={"file_name_pattern": "{order}_{zone}_x{qty}"})
    assert pack_file_name(custom, {**FIELDS, "zone": "name"}, "dxf") == "1001-A_name_x3.dxf"
    entries = set(_entries(_pack()[0])) - {f"1001-A-2-PEND-HEART/{MANIFEST_NAME}"}
    assert len(entries) == 5
    assert all(name.startswith("1001-A-2-PEND-HEART/1001-A-2-PEND-HEART") for name in entries)


@pytest.mark.parametrize(
    "pattern",
    [
        "{order:x>9999999999}",  # once allocated 10 GB while building the name
        "{order:{__class__}}",  # once raised KeyError inside the pack worker
        "{order!r}-{item}",
        "{order.__class__}",
        "{order[0]}",
        "{0}",
        "{order",
        "x}",
    ],
)
def test_file_name_patterns_allow_only_plain_placeholders(pattern: str) -> None:
    from pydantic import ValidationError

    from chalicelib.domain.profile import FILE_NAME_PATTERN_CODE, ProfileDoc

    with pytest.raises(ValidationError) as caught:
        ProfileDoc.model_validate({**PROFILE.model_dump(), "file_name_pattern": pattern})
    [error] = caught.value.errors()
    assert error["loc"] == ("file_name_pattern",) and error["type"] == FILE_NAME_PATTERN_CODE


@pytest.mark.parametrize(
    ("pattern", "stem"),
    [
        ("{order:x>100000}", "1001-A"),
        ("{order:{__class__}}-{item}", "1001-A-2"),
        ("{order!r}_{qty}", "1001-A_3"),
    ],
)
def test_a_pattern_stored_before_the_check_expands_as_its_plain_form(
    pattern: str, stem: str
) -> None:
    """Pack records copy their profile: one written before the check still names its files,
    and a format spec in it costs nothing (it is never handed to ``str.format``)."""
    from chalicelib.domain.profile import ProfileDoc

    stored = ProfileDoc.from_stored({**PROFILE.model_dump(), "file_name_pattern": pattern})
    assert item_folder(stored, FIELDS) == stem
    unchecked = PROFILE.model_copy(update={"file_name_pattern": pattern})
    assert item_folder(unchecked, FIELDS) == stem


def test_expanded_file_names_are_capped_and_still_zip() -> None:
    from chalicelib.domain.profile import MAX_FILE_STEM

    greedy = PROFILE.model_copy(update={"file_name_pattern": "{order}" * 17})  # 119 chars
    fields = {**FIELDS, "order": "O" * 300}
    folder = item_folder(greedy, fields)
    assert folder == "O" * MAX_FILE_STEM
    files = [
        PackFile(pack_file_name(greedy, fields, "svg", role="z" * 90), b"<svg/>", "image/svg+xml")
    ]
    assert files[0].name == "O" * MAX_FILE_STEM + "-" + "z" * 40 + ".svg"
    manifest = {
        "folder": folder,
        "files": [
            {
                "name": files[0].name,
                "bytes": 6,
                "sha256": files[0].sha256,
                "content_type": "image/svg+xml",
            }
        ],
    }
    with zipfile.ZipFile(io.BytesIO(zip_pack(files, manifest, folder))) as archive:
        assert f"{folder}/{files[0].name}" in archive.namelist()


def test_zip_pack_refuses_unsafe_names_unknown_formats_and_a_stale_manifest() -> None:
    _, manifest = _pack()
    files = _files()
    folder = manifest["folder"]
    for bad in ("../evil.pdf", "a/b.pdf", ".hidden.pdf", MANIFEST_NAME):
        with pytest.raises(ValueError):
            zip_pack([*files, PackFile(bad, b"x", "application/pdf")], manifest, folder)
    with pytest.raises(ValueError):
        zip_pack(files, manifest, "../up")
    with pytest.raises(ValueError):  # the manifest describes other bytes
        zip_pack(
            [*files[:-1], PackFile(files[-1].name, b"other", "application/pdf")], manifest, folder
        )
    odd = PackFile("notes.exe", b"x", "application/octet-stream")
    with pytest.raises(ValueError):
        zip_pack([*files, odd], _manifest([*files, odd]), folder)


def _reason(data: bytes) -> str:
    with pytest.raises(PackCorrupt) as caught:
        verify_zip(data)
    assert caught.value.code == "pack.corrupt"
    return str(caught.value.details["reason"])


def test_verify_zip_detects_a_tampered_missing_or_extra_entry() -> None:
    data, manifest = _pack()
    entries = _entries(data)
    png = next(name for name in entries if name.endswith(".png"))
    tampered = {**entries, png: entries[png][:-1] + b"\x00"}  # a valid zip, other bytes
    assert _reason(_rezip(tampered)) == "mismatch"
    assert _reason(_rezip({k: v for k, v in entries.items() if k != png})) == "missing"
    assert _reason(_rezip({**entries, f"{manifest['folder']}/extra.txt": b"x"})) == "unexpected"
    assert _reason(_rezip({k: v for k, v in entries.items() if not k.endswith(".json")})) == (
        "manifest_count"
    )
    flipped = bytearray(data)
    at = data.index(b"%PDF-1.4\n\x00\x01") + 20  # inside a STORED entry: the CRC no longer fits
    flipped[at] ^= 0xFF
    assert _reason(bytes(flipped)) == "bad_zip"
    assert _reason(b"not a zip") == "bad_zip"


def test_the_manifest_is_sorted_indented_utf8_json() -> None:
    _, manifest = _pack()
    text = manifest_bytes(manifest).decode("utf-8")
    assert text.endswith("}\n") and '\n  "files": [' in text and "Cœur" in text
    keys = list(json.loads(text))
    assert keys == sorted(keys)


def _real_pack() -> bytes:
    """A pack with the real writers: the print PDF (profile bleed and crop marks), the job sheet."""
    scene = build_scene(SPEC, DOC, FakeResources({"img_photo": photo_png()}), mockup=False)
    sheet = JobSheet(
        pack_id="pck_1",
        order_ref=FIELDS["order"],
        item_ref=FIELDS["item"],
        quantity=3,
        product_name=DOC.name,
        product_sku=DOC.sku,
        product_version=1,
        profile_name=PROFILE.name,
        zones=(SheetZone("name", "text", "print", 6, 12, 68, 16, text=BIRTHDAY),),
        checks=("layout re-verified",),
    )
    pdf = to_pdf(scene, bleed_mm=PROFILE.bleed_mm, crop_marks=PROFILE.crop_marks)
    files = [
        PackFile(pack_file_name(PROFILE, FIELDS, "pdf"), pdf, "application/pdf"),
        PackFile(
            pack_file_name(PROFILE, FIELDS, "pdf", role="jobsheet"),
            job_sheet_pdf(sheet),
            "application/pdf",
        ),
    ]
    return _pack(files)[0]


def test_pdfs_read_back_from_the_zip_are_true_size_and_have_no_fonts() -> None:
    data = _real_pack()
    manifest = verify_zip(data)
    entries = _entries(data)
    k = 72 / 25.4
    for listed in manifest["files"]:
        page = pypdf.PdfReader(io.BytesIO(entries[f"{manifest['folder']}/{listed['name']}"]))
        assert len(page.pages) == 1 and "/Font" not in page.pages[0]["/Resources"]
    artwork = pypdf.PdfReader(io.BytesIO(entries[f"{manifest['folder']}/1001-A-2-PEND-HEART.pdf"]))
    page = artwork.pages[0]
    assert float(page.trimbox.width) == pytest.approx(80 * k, abs=1e-3)
    assert float(page.trimbox.height) == pytest.approx(56 * k, abs=1e-3)
    assert float(page.bleedbox.width) == pytest.approx((80 + 2 * PROFILE.bleed_mm) * k, abs=1e-3)
    assert float(page.mediabox.width) > float(page.bleedbox.width)  # the profile wants marks


def test_another_process_builds_the_very_same_zip() -> None:
    """A redelivered job runs in another process (another hash seed): same bytes, same sha256."""
    script = (
        "import hashlib; from tests.unit.test_pack import _real_pack; "
        "print(hashlib.sha256(_real_pack()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert other.stdout.strip() == hashlib.sha256(_real_pack()).hexdigest()
