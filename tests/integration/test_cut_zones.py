"""Cut zones end to end in-process: a brand's script font (Debian's fonts-dancingscript,
uploaded as a brand font), validate's manufacturability report, and the pack's DXF read back
with ezdxf and checked with Clipper, independently of the writer.
"""

from __future__ import annotations

import io
import json
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.assets import complete, upload
from tests.support.packs import export, idem, open_zip, pack_status
from tests.support.products import create
from tests.support.profiles import post_profile, profile_doc
from tests.support.renders import drain

DANCING = Path("/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf")


def cut_zone(font_id: str, **over: Any) -> dict[str, Any]:
    zone = {
        "id": "name",
        "name": "Name",
        "kind": "text",
        "x_mm": 10,
        "y_mm": 5,
        "width_mm": 100,
        "height_mm": 30,
        "max_chars": 20,
        "min_size_mm": 1,
        "max_size_mm": 14,
        "fonts": [font_id],
        "colors": ["#000000"],
        "process": "cut",
    }
    zone.update(over)
    return zone


@pytest.fixture(scope="module")
def script_shop(client: Client) -> dict[str, Any]:
    if not DANCING.exists():
        pytest.skip("Debian's fonts-dancingscript is not installed (make test installs it)")
    owner = new_brand("Name necklaces")
    font_id = upload(client, owner["secret_key"], DANCING.read_bytes(), "font", "font/otf")
    assert complete(client, owner["secret_key"], font_id).status_code == 200
    owner["font_id"] = font_id
    return owner


def product(client: Client, shop: dict[str, Any], **zone: Any) -> str:
    r = create(
        client,
        shop["secret_key"],
        width_mm=120,
        height_mm=40,
        zones=[cut_zone(shop["font_id"], **zone)],
    )
    assert r.status_code == 201, r.body
    return str(body(r)["product_id"])


def validate(client: Client, shop: dict[str, Any], pid: str, text: str, **given: Any) -> Any:
    r = client.http.post(
        "/v1/personalization/validate",
        headers=bearer(shop["publishable_key"]),
        body=json.dumps({"product_id": pid, "inputs": {"name": {"text": text, **given}}}),
    )
    assert r.status_code == 200, r.body
    return body(r)


def cut_pack_dxf(client: Client, shop: dict[str, Any], pid: str, text: str) -> bytes:
    return cut_pack(client, shop, pid, text)[0]


def cut_pack(
    client: Client, shop: dict[str, Any], pid: str, text: str
) -> tuple[bytes, dict[str, Any]]:
    """The DXF and the manifest of a pack exported for ``text`` on product ``pid``."""
    spec = client.http.post(
        "/v1/specs",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"product_id": pid, "inputs": {"name": {"text": text}}}),
    )
    assert spec.status_code in (200, 201), spec.body
    snap = client.http.post(
        "/v1/snapshots",
        headers=idem(shop["publishable_key"]),
        body=json.dumps({"spec_hash": body(spec)["spec_hash"]}),
    )
    sid = body(snap)["snapshot_id"]
    client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(shop["secret_key"]))
    r = export(client, shop, sid, formats=["dxf"])
    assert r.status_code == 202, r.body
    drain("export-manufacturing")
    done = pack_status(client, shop, body(r)["pack_id"])
    assert done["status"] == "succeeded", done
    _, archive = open_zip(done["url"])
    name = next(n for n in archive.namelist() if n.endswith(".dxf"))
    manifest = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json"))))
    return archive.read(name), manifest


def cut_contours(dxf: bytes) -> list[list[tuple[int, int]]]:
    """The CUT layer's closed polylines in µm, read back with ezdxf."""
    import ezdxf

    doc = ezdxf.read(io.StringIO(dxf.decode("utf-8")))
    return [
        [(round(x * 1000), round(y * 1000)) for x, y in e.get_points(format="xy")]
        for e in doc.modelspace().query('LWPOLYLINE[layer=="CUT"]')
    ]


def clipper(kind: int, a: list[Any], b: list[Any]) -> list[Any]:
    import pyclipper

    c = pyclipper.Pyclipper()
    c.AddPaths(a, pyclipper.PT_SUBJECT, True)
    if b:
        c.AddPaths(b, pyclipper.PT_CLIP, True)
    return list(c.Execute(kind, pyclipper.PFT_EVENODD, pyclipper.PFT_EVENODD))


def outer_pieces(contours: list[list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """Outlines (CCW in the DXF, as CAM expects) are the pieces; holes are CW."""
    import pyclipper

    return [c for c in contours if pyclipper.Orientation(c)]


def test_isabella_in_script_cuts_without_two_contours_overlapping(
    client: Client, script_shop: dict[str, Any]
) -> None:
    import pyclipper

    pid = product(client, script_shop)
    report = validate(client, script_shop, pid, "Isabella")
    dxf, manifest = cut_pack(client, script_shop, pid, "Isabella")
    assert manifest["generator"]["version"].endswith("+geometry.clipper.1")  # which geometry
    contours = cut_contours(dxf)
    outers = outer_pieces(contours)
    for a, b in combinations(outers, 2):  # no two pieces overlap ...
        overlap = clipper(pyclipper.CT_INTERSECTION, [a], [b])
        assert sum(abs(pyclipper.Area(p)) for p in overlap) == 0
    for a, b in combinations(contours, 2):  # ... and no two contours cross: apart or nested
        shared = sum(abs(pyclipper.Area(p)) for p in clipper(pyclipper.CT_INTERSECTION, [a], [b]))
        assert shared in (0, min(abs(pyclipper.Area(a)), abs(pyclipper.Area(b))))
    assert len(outers) == report["cut"]["name"]["parts"]


def test_bar_makes_the_name_exactly_one_part(client: Client, script_shop: dict[str, Any]) -> None:
    pid = product(client, script_shop, cut={"connect": "bar", "bar_mm": 1.2})
    report = validate(client, script_shop, pid, "Isabella")
    assert report["cut"]["name"]["parts"] == 1
    assert not [w for w in report["warnings"] if w["code"] == "cut.island"]
    assert len(outer_pieces(cut_contours(cut_pack_dxf(client, script_shop, pid, "Isabella")))) == 1


def test_none_reports_the_part_count_the_pack_cuts(
    client: Client, script_shop: dict[str, Any]
) -> None:
    pid = product(client, script_shop, cut={"connect": "none"})
    report = validate(client, script_shop, pid, "Isabella Mia")
    parts = report["cut"]["name"]["parts"]
    assert parts > 1
    assert any(w["code"] == "cut.letters_overlap" for w in report["warnings"])
    dxf = cut_pack_dxf(client, script_shop, pid, "Isabella Mia")
    assert len(outer_pieces(cut_contours(dxf))) == parts


def test_mia_welded_reports_the_dot_of_the_i_by_its_index(
    client: Client, script_shop: dict[str, Any]
) -> None:
    pid = product(client, script_shop)
    report = validate(client, script_shop, pid, "Mia")
    islands = [w for w in report["warnings"] if w["code"] == "cut.island"]
    dot = [w for w in islands if w["params"]["characters"] == [{"index": 1, "char": "i"}]]
    assert dot and "'i'" in dot[0]["message"] and "fall off" in dot[0]["message"]
    assert report["valid"]  # more than one part is a warning unless the brand says otherwise


def test_brand_that_wants_one_part_gets_an_error(
    client: Client, script_shop: dict[str, Any]
) -> None:
    pid = product(client, script_shop, cut={"one_part": True})
    report = validate(client, script_shop, pid, "Mia")
    assert not report["valid"]
    assert any(e["code"] == "cut.island" for e in report["errors"])


def test_a_tiny_cut_name_is_too_thin_for_the_profile(
    client: Client, script_shop: dict[str, Any]
) -> None:
    prof = post_profile(client, script_shop["secret_key"], profile_doc(min_feature_mm=0.3))
    assert prof.status_code == 201, prof.body
    r = create(
        client,
        script_shop["secret_key"],
        width_mm=120,
        height_mm=40,
        manufacturing_profile_id=body(prof)["profile_id"],
        zones=[cut_zone(script_shop["font_id"], max_size_mm=1.5)],
    )
    assert r.status_code == 201, r.body
    pid = body(r)["product_id"]
    report = validate(client, script_shop, pid, "Isabella")
    thin = [e for e in report["errors"] if e["code"] == "cut.too_thin"]
    assert thin and thin[0]["params"]["min_feature_mm"] == 0.3
    assert {c["char"] for c in thin[0]["params"]["characters"]} >= {"s", "a", "b"}
    assert not report["valid"]


def test_text_zones_that_are_not_cut_have_no_cut_report(
    client: Client, script_shop: dict[str, Any]
) -> None:
    pid = product(client, script_shop, process="engrave")
    report = validate(client, script_shop, pid, "Mia")
    assert report["cut"] == {} and report["valid"]


@pytest.mark.parametrize(
    ("cut", "field"),
    [
        ({"connect": "bar", "bar_mm": -1}, "zones.0.text.cut.bar_mm"),
        ({"outline_mm": 500}, "zones.0.text.cut.outline_mm"),
        ({"ring": {"inner_diameter_mm": 0}}, "zones.0.text.cut.ring.inner_diameter_mm"),
        ({"connect": "glue"}, "zones.0.text.cut.connect"),
    ],
)
def test_negative_or_absurd_connector_sizes_are_422_naming_the_field(
    client: Client, script_shop: dict[str, Any], cut: dict[str, Any], field: str
) -> None:
    r = create(client, script_shop["secret_key"], zones=[cut_zone(script_shop["font_id"], cut=cut)])
    assert r.status_code == 422, r.body
    assert field in {d["field"] for d in body(r)["error"]["details"]}


@pytest.mark.parametrize(
    ("zone", "field"),
    [
        ({"process": "engrave", "cut": {"connect": "bar"}}, "zones[0].cut"),
        ({"height_mm": 10, "cut": {"connect": "bar", "bar_mm": 12}}, "zones[0].cut.bar_mm"),
        ({"height_mm": 6, "cut": {"ring": {"inner_diameter_mm": 5}}}, "zones[0].cut.ring"),
        (
            {
                "max_lines": 1,
                "path": {"cx_mm": 50, "cy_mm": 40, "radius_mm": 30, "span_deg": 120},
                "cut": {"connect": "bar"},
            },
            "zones[0].cut.connect",
        ),
    ],
)
def test_connectors_that_cannot_attach_are_422_naming_the_field(
    client: Client, script_shop: dict[str, Any], zone: dict[str, Any], field: str
) -> None:
    r = create(client, script_shop["secret_key"], zones=[cut_zone(script_shop["font_id"], **zone)])
    assert r.status_code == 422, r.body
    details = body(r)["error"]["details"]
    assert field in {d["field"] for d in details}, details


HEART = {"shape": "heart", "x_mm": 4, "y_mm": 1, "width_mm": 112.0, "height_mm": 38.0}


def test_a_heart_die_line_is_cut_last_in_the_pack_at_its_size(
    client: Client, script_shop: dict[str, Any]
) -> None:
    zone = cut_zone(
        script_shop["font_id"], x_mm=35, y_mm=12, width_mm=50, height_mm=10, process="engrave"
    )
    r = create(
        client, script_shop["secret_key"], width_mm=120, height_mm=40, die_line=HEART, zones=[zone]
    )
    assert r.status_code == 201, r.body
    contours = cut_contours(cut_pack_dxf(client, script_shop, body(r)["product_id"], "Mia"))
    xs, ys = [x for x, _ in contours[-1]], [y for _, y in contours[-1]]
    assert (max(xs) - min(xs), max(ys) - min(ys)) == pytest.approx((112_000, 38_000), abs=20)
    assert len(contours) == 1  # the engraved name is not cut


@pytest.mark.parametrize(
    ("die", "code", "field"),
    [
        ({"shape": "path", "path": "M 10 10 L 60 10 L 60 30"}, "dieline.open", "die_line.path"),
        (
            {"shape": "path", "path": "M 10 10 L 60 10 L 10 30 L 60 30 Z"},
            "dieline.self_intersecting",
            "die_line.path",
        ),
        ({"shape": "circle", "width_mm": 2.0, "height_mm": 2.0}, "dieline.too_small", "die_line"),
        ({**HEART, "x_mm": 20}, "dieline.outside_artboard", "die_line"),
        ({**HEART, "margin_mm": 15.0}, "zone.outside_die_line", "die_line"),
    ],
)
def test_bad_die_lines_are_422_naming_the_field(
    client: Client, script_shop: dict[str, Any], die: dict[str, Any], code: str, field: str
) -> None:
    zone = cut_zone(script_shop["font_id"], x_mm=35, y_mm=12, width_mm=50, height_mm=10)
    r = create(
        client, script_shop["secret_key"], width_mm=120, height_mm=40, die_line=die, zones=[zone]
    )
    assert r.status_code == 422, r.body
    assert {(d["code"], d["field"]) for d in body(r)["error"]["details"]} >= {(code, field)}


def test_the_job_sheet_gets_the_brand_font_through_the_scene_resources(
    client: Client, script_shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A brand upload reaches the job sheet (checked against the spec's sha256) like the scene:
    before, the sheet only knew bundled fonts and spelled a name Lato lacks as <U+XXXX>."""
    import hashlib

    from chalicelib.scene import jobsheet

    seen: list[dict[str, Any]] = []
    real = jobsheet.job_sheet_pdf

    def spy(sheet: Any, *, zone_fonts: Any = None) -> bytes:
        seen.append(dict(zone_fonts or {}))
        return real(sheet, zone_fonts=zone_fonts)

    monkeypatch.setattr(jobsheet, "job_sheet_pdf", spy)
    cut_pack_dxf(client, script_shop, product(client, script_shop), "Sheet")
    [fonts] = seen
    font = fonts[script_shop["font_id"]]
    assert font.sha256 == hashlib.sha256(DANCING.read_bytes()).hexdigest()


INKSCAPE_EXTENSIONS = Path("/usr/share/inkscape/extensions")


def test_inkscapes_own_dxf_importer_opens_the_pack_and_shows_the_heart_and_the_name(
    client: Client, script_shop: dict[str, Any], tmp_path: Path
) -> None:
    """An independent reader: Inkscape's dxf_input.py (system python3) turns the pack's DXF into
    SVG, Inkscape renders it; the picture holds the heart's outline and the name inside it."""
    import shutil
    import subprocess

    from PIL import Image

    if not (INKSCAPE_EXTENSIONS / "dxf_input.py").exists() or not shutil.which("inkscape"):
        pytest.skip("Debian's inkscape is not installed (make test installs it)")
    lenient = post_profile(
        client,
        script_shop["secret_key"],
        profile_doc(min_feature_mm=0.0, kerf_mm=0.0, stencil_bridges=False),
    )
    zone = cut_zone(script_shop["font_id"], x_mm=30, y_mm=12, width_mm=60, height_mm=12)
    r = create(
        client,
        script_shop["secret_key"],
        width_mm=120,
        height_mm=40,
        die_line=HEART,
        manufacturing_profile_id=body(lenient)["profile_id"],
        zones=[zone],
    )
    assert r.status_code == 201, r.body
    dxf = cut_pack_dxf(client, script_shop, body(r)["product_id"], "Isabella")
    (tmp_path / "pack.dxf").write_bytes(dxf)
    imported = subprocess.run(
        ["/usr/bin/python3", "dxf_input.py", str(tmp_path / "pack.dxf")],
        cwd=INKSCAPE_EXTENSIONS,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    (tmp_path / "pack.svg").write_bytes(imported)
    import ezdxf

    written = len(ezdxf.read(io.StringIO(dxf.decode("utf-8"))).modelspace().query("LWPOLYLINE"))
    # every contour came through (the importer's own defs hold a few marker paths besides)
    assert imported.count(b'style="fill:none;stroke:') == written > 2
    subprocess.run(
        ["inkscape", "pack.svg", "--export-type=png", "--export-filename=pack.png",
         "--export-area-drawing", "--export-background=white", "--export-dpi=96"],
        cwd=tmp_path, capture_output=True, check=True, timeout=300,
    )  # fmt: skip
    picture = Image.open(tmp_path / "pack.png").convert("L")
    mask = picture.point(lambda v: 255 if v < 200 else 0)  # the hairlines, on white
    box = mask.getbbox()
    assert box is not None
    width, height = box[2] - box[0], box[3] - box[1]
    assert width / height == pytest.approx(112 / 38, rel=0.03)  # the heart spans the drawing
    middle = mask.crop((width // 4, height // 4, 3 * width // 4, 3 * height // 4))
    assert middle.histogram()[255] > 100  # ... and the name is drawn inside it


def test_the_widget_config_carries_the_die_line(
    client: Client, script_shop: dict[str, Any]
) -> None:
    zone = cut_zone(
        script_shop["font_id"], x_mm=35, y_mm=12, width_mm=50, height_mm=10, process="engrave"
    )
    r = create(
        client, script_shop["secret_key"], width_mm=120, height_mm=40, die_line=HEART, zones=[zone]
    )
    config = client.http.get(
        f"/v1/widget/config/{body(r)['product_id']}", headers=bearer(script_shop["publishable_key"])
    )
    assert config.status_code == 200, config.body
    assert body(config)["die_line"]["shape"] == "heart"
