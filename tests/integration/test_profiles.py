"""Manufacturing profiles over HTTP: built-ins read-only, brand profiles scoped to the brand."""

from __future__ import annotations

import json
from typing import Any

from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import create
from tests.support.profiles import post_profile, profile_doc


def test_builtins_are_listed_and_read_only(client: Client, brand: dict[str, Any]) -> None:
    listed = body(
        client.http.get("/v1/manufacturing/profiles", headers=bearer(brand["secret_key"]))
    )
    ids = [p["profile_id"] for p in listed["data"]]
    assert ids[:2] == ["laser-default", "print-default"]
    laser = next(p for p in listed["data"] if p["profile_id"] == "laser-default")
    assert laser["builtin"] is True
    assert laser["profile"]["operations"]["cut"] == {"layer": "CUT", "aci": 1, "rgb": "#FF0000"}
    printing = next(p for p in listed["data"] if p["profile_id"] == "print-default")
    assert printing["profile"]["bleed_mm"] == 3.0 and printing["profile"]["crop_marks"] is True
    r = client.http.put(
        "/v1/manufacturing/profiles/laser-default",
        headers=bearer(brand["secret_key"]),
        body=json.dumps(profile_doc()),
    )
    assert r.status_code == 409 and body(r)["error"]["code"] == "profile.builtin"


def test_brand_profile_create_read_replace(client: Client, brand: dict[str, Any]) -> None:
    created = post_profile(client, brand["secret_key"], profile_doc())
    assert created.status_code == 201, created.body
    pid = body(created)["profile_id"]
    assert pid.startswith("prf_") and body(created)["version"] == 1
    replaced = client.http.put(
        f"/v1/manufacturing/profiles/{pid}",
        headers=bearer(brand["secret_key"]),
        body=json.dumps(profile_doc(units="in")),
    )
    assert body(replaced)["version"] == 2 and body(replaced)["profile"]["units"] == "in"
    other = new_brand("Other shop")
    r = client.http.get(f"/v1/manufacturing/profiles/{pid}", headers=bearer(other["secret_key"]))
    assert r.status_code == 404
    assert (
        client.http.get(
            "/v1/manufacturing/profiles", headers=bearer(brand["publishable_key"])
        ).status_code
        == 403
    )


def test_invalid_profiles_are_422(client: Client, brand: dict[str, Any]) -> None:
    ops = profile_doc()["operations"]
    for bad in (
        profile_doc(operations={k: v for k, v in ops.items() if k != "cut"}),
        profile_doc(operations={**ops, "score": ops["cut"]}),
        profile_doc(file_name_pattern="{order}/{secret}"),
        profile_doc(kerf_mm=5),
    ):
        assert post_profile(client, brand["secret_key"], bad).status_code == 422


def test_a_format_spec_in_the_file_name_pattern_is_422_naming_the_field(
    client: Client, brand: dict[str, Any]
) -> None:
    created = body(post_profile(client, brand["secret_key"], profile_doc()))
    for pattern in ("{order:x>9999999999}", "{order:{__class__}}", "{order!r}"):
        r = post_profile(client, brand["secret_key"], profile_doc(file_name_pattern=pattern))
        assert r.status_code == 422, r.body
        [detail] = body(r)["error"]["details"]
        assert detail["field"] == "file_name_pattern"
        assert detail["code"] == "profile.file_name_pattern_invalid"
        assert "{order}" in detail["message"]
        replaced = client.http.put(
            f"/v1/manufacturing/profiles/{created['profile_id']}",
            headers=bearer(brand["secret_key"]),
            body=json.dumps(profile_doc(file_name_pattern=pattern)),
        )
        assert replaced.status_code == 422
    kept = client.http.get(
        f"/v1/manufacturing/profiles/{created['profile_id']}", headers=bearer(brand["secret_key"])
    )
    assert body(kept)["version"] == 1


def test_a_profile_stored_before_the_check_reads_back_in_its_plain_form(
    client: Client, brand: dict[str, Any]
) -> None:
    from chalicelib.store.models import ProfileModel

    pid = body(post_profile(client, brand["secret_key"], profile_doc()))["profile_id"]
    old = profile_doc(file_name_pattern="{order:{__class__}}_{qty:>4}")
    ProfileModel.get(brand["brand_id"], pid).update(actions=[ProfileModel.document.set(old)])
    r = client.http.get(f"/v1/manufacturing/profiles/{pid}", headers=bearer(brand["secret_key"]))
    assert r.status_code == 200, r.body
    assert body(r)["profile"]["file_name_pattern"] == "{order}_{qty}"


def test_product_may_name_only_known_profiles(client: Client, brand: dict[str, Any]) -> None:
    ok = create(client, brand["secret_key"], manufacturing_profile_id="print-default")
    assert ok.status_code == 201
    bad = create(client, brand["secret_key"], manufacturing_profile_id="prf_nope")
    assert bad.status_code == 422
    assert body(bad)["error"]["details"][0]["code"] == "product.unknown_profile"
