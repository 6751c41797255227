"""Previews of the burn (issue 21 item 5): with a default profile that engraves photos, the
preview of an engraved photo zone is drawn from the laser's 1-bit raster (as marks on the
material, by scene/material_look.py), not from the colour photo; a product whose profile does
not engrave photos previews as before."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import pytest
import requests
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.integration.test_packs import _photo_snapshot
from tests.support.renders import drain, idem

OPERATIONS = {
    "cut": {"layer": "CUT", "aci": 1, "rgb": "#FF0000"},
    "score": {"layer": "SCORE", "aci": 5, "rgb": "#0000FF"},
    "engrave": {"layer": "ENGRAVE", "aci": 7, "rgb": "#000000"},
    "print": {"layer": "PRINT", "aci": 8, "rgb": "#808080"},
}


def _preview(client: Client, owner: dict[str, Any], sid: str) -> np.ndarray:
    from PIL import Image

    r = client.http.post(
        "/v1/renders/preview",
        headers=idem(owner["publishable_key"]),
        body=json.dumps({"snapshot_id": sid, "options": {"format": "png"}}),
    )
    assert r.status_code == 202, r.body
    rid = body(r)["render_id"]
    drain()
    result = client.http.get(f"/v1/renders/{rid}/result", headers=bearer(owner["publishable_key"]))
    assert result.status_code == 200, result.body
    data = requests.get(body(result)["url"], timeout=10).content
    image = Image.open(io.BytesIO(data)).convert("RGB")
    px_per_mm = image.size[0] / 60  # the product is 60 x 40 mm, the zone 40 x 30 at (10, 5)
    box = tuple(round(v * px_per_mm) for v in (11, 6, 49, 34))
    return np.asarray(image.crop(box), dtype=float)


def _grain(zone: np.ndarray) -> float:
    """Mean brightness step between neighbouring pixels: dots are sharp, a photo is smooth."""
    grey = zone.mean(axis=2)
    return float(np.abs(np.diff(grey, axis=1)).mean() + np.abs(np.diff(grey, axis=0)).mean())


def test_the_preview_shows_the_burn_when_the_default_profile_engraves_photos(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    from chalicelib.scene import render
    from chalicelib.scene.model import ImageItem

    drawn: list[Any] = []
    real = render.render_preview

    def capture(scene: Any, *args: Any, **kwargs: Any) -> Any:
        drawn.append(scene)
        return real(scene, *args, **kwargs)

    monkeypatch.setattr(render, "render_preview", capture)
    owner = new_brand("Burn previews")
    profile = client.http.post(
        "/v1/manufacturing/profiles",
        headers=idem(owner["secret_key"]),
        body=json.dumps(
            {"name": "Diode", "operations": OPERATIONS, "photo_engraving": {"dpi": 254}}
        ),
    )
    assert profile.status_code == 201, profile.body
    burnt = _preview(
        client,
        owner,
        _photo_snapshot(
            client,
            owner,
            material="wood_light",
            manufacturing_profile_id=body(profile)["profile_id"],
        ),
    )
    plain = _preview(client, owner, _photo_snapshot(client, owner, material="wood_light"))

    photo, plain_photo = (next(i for i in d.items if isinstance(i, ImageItem)) for d in drawn)
    with Image.open(io.BytesIO(photo.image.png)) as raster:  # what the preview drew from
        assert raster.mode == "1" and raster.size == (400, 300)  # 40 x 30 mm at 254 DPI
        assert raster.info["dpi"] == pytest.approx((254, 254), abs=0.01)
    with Image.open(io.BytesIO(plain_photo.image.png)) as colour:
        assert colour.mode == "RGB"
    assert _grain(burnt) > 3 * _grain(plain)  # the preview shows dots, not the smooth photo
    assert np.abs(burnt - plain).mean() > 5


def test_the_widget_config_names_the_zones_previewed_as_burnt(client: Client) -> None:
    from tests.support.products import create

    owner = new_brand("Burn notes")
    profile = client.http.post(
        "/v1/manufacturing/profiles",
        headers=idem(owner["secret_key"]),
        body=json.dumps(
            {"name": "Diode", "operations": OPERATIONS, "photo_engraving": {"dpi": 254}}
        ),
    )
    photo = {"id": "photo", "name": "Photo", "kind": "image", "process": "engrave"}
    photo |= {"x_mm": 5, "y_mm": 5, "width_mm": 20, "height_mm": 20, "min_dpi": 0}
    printed = {**photo, "id": "print", "process": "print", "x_mm": 30}

    def config(**extra: Any) -> Any:
        made = create(client, owner["secret_key"], status="active", zones=[photo, printed], **extra)
        assert made.status_code == 201, made.body
        r = client.http.get(
            f"/v1/widget/config/{body(made)['product_id']}",
            headers=bearer(owner["publishable_key"]),
        )
        assert r.status_code == 200, r.body
        return body(r)

    burnt = config(manufacturing_profile_id=body(profile)["profile_id"])
    assert burnt["burn_preview_zones"] == ["photo"]  # engraved photos only, not printed ones
    assert config()["burn_preview_zones"] == []  # laser-default does not engrave photos
