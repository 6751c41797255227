"""A two-sided heart pendant through the real pack flow: files for both sides named by
``{side}``, a PDF page per side (poppler), the heart on the CUT layer at its size (ezdxf and
Inkscape's own DXF importer), a manifest listing each side's files, and no file for a blank
side."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.domain.pack import verify_zip
from tests.integration.conftest import body, new_brand
from tests.support.packs import export, idem, open_zip, pack_status
from tests.support.profiles import post_profile, profile_doc
from tests.support.renders import drain
from tests.support.sides import pendant_doc

INKSCAPE_EXTENSIONS = Path("/usr/share/inkscape/extensions")


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Two sides")
    profile = post_profile(
        client,
        owner["secret_key"],
        profile_doc(kerf_mm=0.0, stencil_bridges=False, file_name_pattern="{order}-{side}"),
    )
    assert profile.status_code == 201, profile.body
    doc = pendant_doc(manufacturing_profile_id=body(profile)["profile_id"])
    r = client.http.post("/v1/products", headers=idem(owner["secret_key"]), body=json.dumps(doc))
    assert r.status_code == 201, r.body
    owner["product_id"] = body(r)["product_id"]
    return owner


def _pack(
    client: Client, shop: dict[str, Any], inputs: dict[str, Any], **extra: Any
) -> tuple[Any, Any]:
    spec = client.http.post(
        "/v1/specs",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"product_id": shop["product_id"], "inputs": inputs}),
    )
    assert spec.status_code in (200, 201), spec.body
    snap = client.http.post(
        "/v1/snapshots",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"spec_hash": body(spec)["spec_hash"]}),
    )
    sid = body(snap)["snapshot_id"]
    client.http.post(f"/v1/snapshots/{sid}/lock", headers=idem(shop["secret_key"]))
    r = export(client, shop, sid, **extra)
    assert r.status_code == 202, r.body
    assert drain("export-manufacturing") == 1
    done = pack_status(client, shop, body(r)["pack_id"])
    assert done["status"] == "succeeded", done
    data, archive = open_zip(done["url"])
    return verify_zip(data), archive


def test_two_sided_pendant_pack_has_files_for_both_sides(
    client: Client, shop: dict[str, Any], tmp_path: Path
) -> None:
    import ezdxf

    manifest, archive = _pack(client, shop, {"name": {"text": "Ana"}, "date": {"text": "Ben 2026"}})
    folder = manifest["folder"]
    names = sorted(f["name"] for f in manifest["files"])
    order = folder  # the folder is the pattern without a side: "{order}"
    assert names == sorted(
        [
            f"{order}-front.png",
            f"{order}-back.png",
            f"{order}-sides.pdf",
            f"{order}-front.svg",
            f"{order}-back.svg",
            f"{order}-front.dxf",
            f"{order}-back.dxf",
            f"{order}-jobsheet.pdf",  # the job sheet covers the item, not a side
        ]
    )
    sides = {s["id"]: s for s in manifest["sides"]}
    assert sides["front"]["files"] == sorted(
        [f"{order}-front.png", f"{order}-sides.pdf", f"{order}-front.svg", f"{order}-front.dxf"]
    )
    assert sides["back"]["flip"] == "horizontal"
    assert {z["id"]: z["side"] for z in manifest["zones"]} == {"name": "front", "date": "back"}

    pdf = tmp_path / "sides.pdf"
    pdf.write_bytes(archive.read(f"{folder}/{order}-sides.pdf"))
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        assert "Pages:           2" in info.stdout

        # the job sheet's picture is both sides side by side (a square pendant drawn twice)
        sheet = tmp_path / "jobsheet.pdf"
        sheet.write_bytes(archive.read(f"{folder}/{order}-jobsheet.pdf"))
        listed = subprocess.run(
            ["pdfimages", "-list", str(sheet)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        (image,) = [line.split() for line in listed if line.split()[2] == "image"]
        width, height = int(image[3]), int(image[4])
        assert width / height > 1.6

    front_dxf = archive.read(f"{folder}/{order}-front.dxf")
    doc = ezdxf.read(io.StringIO(front_dxf.decode("utf-8")))
    cut = list(doc.modelspace().query('LWPOLYLINE[layer=="SNIJDEN"]'))
    assert len(cut) == 1  # the heart, and nothing else is cut
    xs = [p[0] for p in cut[0].get_points(format="xy")]
    ys = [p[1] for p in cut[0].get_points(format="xy")]
    assert (min(xs), max(xs)) == pytest.approx((1.0, 29.0), abs=0.01)  # 28 mm wide
    assert (min(ys), max(ys)) == pytest.approx((3.0, 29.0), abs=0.01)  # 26 mm high, y up
    back = ezdxf.read(io.StringIO(archive.read(f"{folder}/{order}-back.dxf").decode("utf-8")))
    assert {e.dxf.layer for e in back.modelspace()} == {"GRAVEREN"}  # no die line on the back

    if not (INKSCAPE_EXTENSIONS / "dxf_input.py").exists():
        pytest.skip("Debian's inkscape is not installed (make test installs it)")
    (tmp_path / "front.dxf").write_bytes(front_dxf)
    imported = subprocess.run(
        ["/usr/bin/python3", "dxf_input.py", str(tmp_path / "front.dxf")],
        cwd=INKSCAPE_EXTENSIONS,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode("utf-8")
    _assert_inkscape_heart(imported)


def _assert_inkscape_heart(svg: str) -> None:
    """Inkscape's importer puts each DXF layer in a group labelled with its name; the SNIJDEN
    (cut) group holds one path whose points span 28 × 26 mm. The importer (manual scale 1)
    writes a drawing unit, the millimetre, as 96/25.4 user units: CSS pixels on an A4 page."""
    import re
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    ns = {"svg": "http://www.w3.org/2000/svg", "ink": "http://www.inkscape.org/namespaces/inkscape"}
    label = "{http://www.inkscape.org/namespaces/inkscape}label"
    (layer,) = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get(label) == "SNIJDEN"]
    paths = layer.findall(".//svg:path", ns)
    assert len(paths) == 1
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", paths[0].get("d", ""))]
    xs, ys = numbers[0::2], numbers[1::2]
    scale = _mm_per_unit(root)
    assert (max(xs) - min(xs)) * scale == pytest.approx(28.0, abs=0.05)
    assert (max(ys) - min(ys)) * scale == pytest.approx(26.0, abs=0.05)


def _mm_per_unit(root: Any) -> float:
    width = root.get("width", "")
    view = [float(v) for v in root.get("viewBox", "0 0 1 1").split()]
    if width.endswith("mm"):
        return float(width[:-2]) / view[2]
    assert float(width) == pytest.approx(view[2])  # unitless: CSS px
    return 25.4 / 96


def test_a_blank_side_gets_no_files(client: Client, shop: dict[str, Any]) -> None:
    manifest, _ = _pack(client, shop, {"name": {"text": "Ana"}})
    names = {f["name"] for f in manifest["files"]}
    assert not any("back" in n for n in names)
    assert any(n.endswith("-front.dxf") for n in names)
    sides = {s["id"]: s["files"] for s in manifest["sides"]}
    assert sides["back"] == [] and len(sides["front"]) == 4


def test_a_blocks_profile_puts_every_side_in_one_dxf(client: Client, shop: dict[str, Any]) -> None:
    import ezdxf

    profile = post_profile(
        client,
        shop["secret_key"],
        profile_doc(dxf_sides="blocks", kerf_mm=0.0, stencil_bridges=False),
    )
    assert profile.status_code == 201, profile.body
    assert body(profile)["profile"]["dxf_sides"] == "blocks"
    inputs = {"name": {"text": "Ana"}, "date": {"text": "Ben 2026"}}
    manifest, archive = _pack(client, shop, inputs, profile_id=body(profile)["profile_id"])
    dxfs = [f["name"] for f in manifest["files"] if f["name"].endswith(".dxf")]
    assert len(dxfs) == 1 and dxfs[0].endswith("-sides.dxf")  # no {side}: the suffix says so
    assert all(dxfs[0] in s["files"] for s in manifest["sides"])
    doc = ezdxf.read(io.StringIO(archive.read(f"{manifest['folder']}/{dxfs[0]}").decode()))
    assert [i.dxf.name for i in doc.modelspace().query("INSERT")] == ["SIDE_front", "SIDE_back"]
