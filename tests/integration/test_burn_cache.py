"""Render cache keys and the profile a burn is drawn with (issue 21, follow-up).

Renders are content-addressed: a preview asked for again is served from the stored files of the
same key. A preview of an engraved photo is drawn by the profile's photo engraving, so that
profile's settings must be in the key (an edit gives a new key, never the stale burn), while
renders without an engraved photo keep exactly the key they always had. A final asked for with
another profile (the one a pack uses) burns with that profile, not the product's default.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest
import requests
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.integration.test_burn_preview import OPERATIONS
from tests.integration.test_packs import _photo_snapshot
from tests.support.renders import drain, idem


def _profile(client: Client, owner: dict[str, Any], engraving: dict[str, Any] | None) -> str:
    doc: dict[str, Any] = {"name": "Diode", "operations": OPERATIONS}
    if engraving is not None:
        doc["photo_engraving"] = engraving
    r = client.http.post(
        "/v1/manufacturing/profiles", headers=idem(owner["secret_key"]), body=json.dumps(doc)
    )
    assert r.status_code == 201, r.body
    return str(body(r)["profile_id"])


def _render(
    client: Client, owner: dict[str, Any], kind: str, sid: str, **extra: Any
) -> tuple[Any, bytes]:
    """The render record (after the worker ran) and its image's bytes."""
    from chalicelib.store import renders

    key = owner["publishable_key"] if kind == "preview" else owner["secret_key"]
    payload: dict[str, Any] = {"snapshot_id": sid, **extra}
    if kind == "preview":
        payload["options"] = {"format": "png"}
    r = client.http.post(f"/v1/renders/{kind}", headers=idem(key), body=json.dumps(payload))
    assert r.status_code == 202, r.body
    rid = body(r)["render_id"]
    drain("render-preview" if kind == "preview" else "render-final")
    result = client.http.get(f"/v1/renders/{rid}/result", headers=bearer(key))
    assert result.status_code == 200, result.body
    return renders.get_render(owner["brand_id"], rid), requests.get(
        body(result)["url"], timeout=10
    ).content


def _zone(png: bytes, width_mm: float = 60) -> np.ndarray:
    """The photo zone (40 x 30 mm at (10, 5) on a 60 x 40 mm product), 1 mm inside its edge."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    px_per_mm = image.size[0] / width_mm
    box = tuple(round(v * px_per_mm) for v in (11, 6, 49, 34))
    return np.asarray(image.crop(box), dtype=float)


def _grain(zone: np.ndarray) -> float:
    return float(np.abs(np.diff(zone, axis=1)).mean() + np.abs(np.diff(zone, axis=0)).mean())


def test_editing_the_profiles_photo_engraving_gives_previews_a_new_key(client: Client) -> None:
    owner = new_brand("Burn cache")
    pid = _profile(client, owner, {"dpi": 254})
    sid = _photo_snapshot(client, owner, material="wood_light", manufacturing_profile_id=pid)
    first, first_png = _render(client, owner, "preview", sid)
    again, _ = _render(client, owner, "preview", sid)
    assert again.cache_key == first.cache_key and again.reused  # unchanged profile: the cache

    edited = {
        "name": "Diode",
        "operations": OPERATIONS,
        "photo_engraving": {"dpi": 254, "presets": {"wood_light": {"method": "threshold"}}},
    }
    r = client.http.put(
        f"/v1/manufacturing/profiles/{pid}",
        headers=idem(owner["secret_key"]),
        body=json.dumps(edited),
    )
    assert r.status_code == 200, r.body
    after, after_png = _render(client, owner, "preview", sid)
    assert after.cache_key != first.cache_key
    assert not after.reused
    assert after.profile["photo_engraving"]["presets"]["wood_light"]["method"] == "threshold"
    assert np.abs(_zone(after_png) - _zone(first_png)).mean() > 2  # drawn again, differently


def test_renders_without_an_engraved_photo_keep_their_keys(client: Client) -> None:
    """The key formula of every render before photo engraving, untouched: a printed photo, or
    an engraved one under a profile that does not engrave photos."""
    from chalicelib.domain.render_options import RENDERER_VERSION, FinalOptions
    from chalicelib.flows.renders import cache_key

    owner = new_brand("Stable keys")
    plain = _profile(client, owner, None)
    for sid in (
        _photo_snapshot(client, owner, material="wood_light", manufacturing_profile_id=plain),
        _photo_snapshot(client, owner, material="wood_light"),  # laser-default
    ):
        preview, _ = _render(client, owner, "preview", sid)
        assert preview.cache_key == cache_key(
            preview.spec_hash, "preview", dict(preview.options), RENDERER_VERSION
        )
        assert preview.profile["photo_engraving"] is None
        final, _ = _render(client, owner, "final", sid)
        options = FinalOptions().model_dump(mode="json")
        assert final.cache_key == cache_key(final.spec_hash, "final", options, RENDERER_VERSION)


def test_a_final_for_another_profile_burns_with_that_profile(client: Client) -> None:
    owner = new_brand("Override finals")
    engraves = _profile(client, owner, {"dpi": 254})
    sid = _photo_snapshot(client, owner, material="wood_light")  # default: laser-default
    default, colour_png = _render(client, owner, "final", sid)
    burnt, burnt_png = _render(client, owner, "final", sid, profile_id=engraves)
    assert burnt.cache_key != default.cache_key and not burnt.reused
    assert burnt.profile["profile_id"] == engraves
    colour, dots = _zone(colour_png), _zone(burnt_png)
    # The burn is dots (sharp steps between neighbours); the colour photo is smooth.
    assert _grain(dots) > 3 * _grain(colour)

    r = client.http.post(
        "/v1/renders/final",
        headers=idem(owner["secret_key"]),
        body=json.dumps({"snapshot_id": sid, "profile_id": "prf_missing"}),
    )
    assert r.status_code == 404 and body(r)["error"]["code"] == "profile.not_found", r.body
    other = new_brand("Other brand")
    foreign = _profile(client, other, {"dpi": 254})
    r = client.http.post(
        "/v1/renders/final",
        headers=idem(owner["secret_key"]),
        body=json.dumps({"snapshot_id": sid, "profile_id": foreign}),
    )
    assert r.status_code == 404 and body(r)["error"]["code"] == "profile.not_found", r.body


@pytest.mark.parametrize("material", ["wood_light", "slate"])
def test_the_key_names_the_effective_settings_only(material: str) -> None:
    """Editing another material's preset does not change this material's key part."""
    from chalicelib.domain.photo_engraving import PhotoEngraving

    base = PhotoEngraving(dpi=254)
    other = PhotoEngraving(dpi=254, presets={"leather": {"method": "threshold"}})  # type: ignore[dict-item]
    assert base.effective(material) == other.effective(material)  # type: ignore[arg-type]
    assert base.effective(material) != PhotoEngraving(dpi=300).effective(material)  # type: ignore[arg-type]


def test_pack_dpi_warnings_for_engraved_photos_use_the_machine_dpi(client: Client) -> None:
    """The laser burns one dot per machine line: an engraved photo is measured (as the shopper
    gave it, not as its raster) against photo_engraving's DPI, not the print DPI."""
    from tests.integration.test_packs import _packed

    owner = new_brand("Engrave DPI")
    doc = {"name": "Fibre", "operations": OPERATIONS, "print_dpi": 600}
    r = client.http.post(
        "/v1/manufacturing/profiles",
        headers=idem(owner["secret_key"]),
        body=json.dumps({**doc, "photo_engraving": {"dpi": 254}}),
    )
    assert r.status_code == 201, r.body
    engraves = body(r)["profile_id"]
    r = client.http.post(
        "/v1/manufacturing/profiles", headers=idem(owner["secret_key"]), body=json.dumps(doc)
    )
    assert r.status_code == 201, r.body
    prints = body(r)["profile_id"]

    # 600 x 450 px over 40 x 30 mm: 381 DPI, enough for the 254 DPI laser, not for 600 DPI print.
    sharp = _photo_snapshot(client, owner, photo_size=(600, 450), material="wood_light")
    manifest, _ = _packed(client, owner, sharp, profile_id=engraves)
    assert manifest["warnings"] == []
    manifest, _ = _packed(client, owner, sharp, profile_id=prints)  # no photo engraving: print
    assert manifest["warnings"] == ["zone photo: image prints at 381 DPI, below 600"]

    # 120 x 90 px: 76 DPI, below the laser's 254 (measured on the photo, not on its raster).
    small = _photo_snapshot(client, owner, material="wood_light")
    manifest, _ = _packed(client, owner, small, profile_id=engraves)
    assert manifest["warnings"] == ["zone photo: image prints at 76 DPI, below 254"]
    assert "serpentine" not in manifest["photo_engraving"]  # one-way scan: as before


def test_the_manifest_says_when_the_scan_is_serpentine(client: Client) -> None:
    from tests.integration.test_packs import _packed

    owner = new_brand("Serpentine")
    preset = {"method": "floyd_steinberg", "serpentine": True}
    pid = _profile(client, owner, {"dpi": 254, "presets": {"wood_light": preset}})
    sid = _photo_snapshot(client, owner, material="wood_light")
    manifest, _ = _packed(client, owner, sid, profile_id=pid)
    engraving = manifest["photo_engraving"]
    assert engraving["method"] == "floyd_steinberg" and engraving["serpentine"] is True
