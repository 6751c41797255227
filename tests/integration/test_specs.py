"""Specs and snapshots over HTTP: deterministic hashes, stored once, locked for good."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from chalice.test import Client

from tests.integration.conftest import bearer, body, new_brand
from tests.support.products import ZONE, create, product_doc
from tests.support.specs import COLOR_ZONE, headers, post_spec, spec_body


@pytest.fixture
def shop(client: Client) -> dict[str, Any]:
    owner = new_brand("Spec shop", ["https://shop.example"])
    owner["product_id"] = body(create(client, owner["secret_key"], zones=[ZONE, COLOR_ZONE]))[
        "product_id"
    ]
    return owner








def test_first_spec_is_201_then_200_with_the_same_body(
    client: Client, shop: dict[str, Any]
) -> None:
    first = post_spec(client, shop, spec_body(shop, metadata={"source": "widget"}))
    assert first.status_code == 201, first.body
    again = post_spec(client, shop, spec_body(shop, metadata={"source": "other"}))
    assert again.status_code == 200
    assert body(again) == body(first)
    out = body(first)
    assert len(out["spec_hash"]) == 64 and out["spec_hash"] == out["spec_hash"].lower()
    spec = out["spec"]
    assert spec["spec_version"] == 2 and spec["product_version"] == 1
    assert spec["zones"]["name"]["shaping"]["engine"] == "harfbuzz"
    assert spec["zones"]["name"]["font"]["id"] == "lato-regular"
    assert len(spec["zones"]["name"]["font"]["sha256"]) == 64
    assert spec["zones"]["cord"] == {"kind": "color", "color": "#0000FF"}
    text = json.dumps(spec)
    assert "created_at" not in text and "widget" not in text and shop["brand_id"] not in text


def test_nfc_nfd_key_order_and_whitespace_give_one_hash(
    client: Client, shop: dict[str, Any]
) -> None:
    nfc = post_spec(client, shop, spec_body(shop, unicodedata.normalize("NFC", "Zoé  Léa")))
    reordered = json.dumps(
        {
            "inputs": {
                "cord": {"color": "#0000FF"},
                "name": {"text": unicodedata.normalize("NFD", " Zoé Léa ")},
            },
            "product_id": shop["product_id"],
        },
        indent=3,
    )
    nfd = post_spec(client, shop, reordered)
    assert body(nfc)["spec_hash"] == body(nfd)["spec_hash"]


def test_product_change_changes_the_spec(client: Client, shop: dict[str, Any]) -> None:
    before = body(post_spec(client, shop, spec_body(shop)))
    client.http.put(
        f"/v1/products/{shop['product_id']}",
        headers=bearer(shop["secret_key"]),
        body=json.dumps(product_doc(zones=[ZONE, COLOR_ZONE], name="v2")),
    )
    after = body(post_spec(client, shop, spec_body(shop)))
    assert after["spec"]["product_version"] == 2
    assert after["spec_hash"] != before["spec_hash"]


def test_invalid_inputs_are_422_with_the_validate_errors(
    client: Client, shop: dict[str, Any]
) -> None:
    r = post_spec(client, shop, spec_body(shop, text="x" * 40))
    assert r.status_code == 422
    err = body(r)["error"]
    assert err["code"] == "spec.invalid_inputs"
    validated = client.http.post(
        "/v1/personalization/validate",
        headers=bearer(shop["publishable_key"]),
        body=spec_body(shop, text="x" * 40),
    )
    assert err["details"]["errors"] == body(validated)["errors"]


def test_get_spec_and_tenant_isolation(client: Client, shop: dict[str, Any]) -> None:
    spec_hash = body(post_spec(client, shop, spec_body(shop)))["spec_hash"]
    got = client.http.get(f"/v1/specs/{spec_hash}", headers=bearer(shop["publishable_key"]))
    assert got.status_code == 200 and body(got)["spec_hash"] == spec_hash
    other = new_brand("Other")
    foreign = client.http.get(f"/v1/specs/{spec_hash}", headers=bearer(other["secret_key"]))
    missing = client.http.get(f"/v1/specs/{'0' * 64}", headers=bearer(other["secret_key"]))
    assert foreign.status_code == missing.status_code == 404
    assert body(foreign)["error"] == body(missing)["error"]
    snap = client.http.post(
        "/v1/snapshots",
        headers=headers(other["secret_key"]),
        body=json.dumps({"spec_hash": spec_hash}),
    )
    assert snap.status_code == 404


def test_spec_validate_and_schema(client: Client, shop: dict[str, Any]) -> None:
    out = body(post_spec(client, shop, spec_body(shop)))
    r = client.http.post(
        "/v1/specs/validate",
        headers=bearer(shop["publishable_key"]),
        body=json.dumps({"spec": out["spec"]}),
    )
    assert body(r) == {"valid": True, "errors": [], "spec_hash": out["spec_hash"]}
    broken = {**out["spec"], "spec_version": 3, "zones": {"name": {"kind": "text"}}}
    r = body(
        client.http.post(
            "/v1/specs/validate",
            headers=bearer(shop["publishable_key"]),
            body=json.dumps({"spec": broken}),
        )
    )
    assert r["valid"] is False and r["spec_hash"] != out["spec_hash"]
    assert {e["field"] for e in r["errors"]} >= {"spec_version", "zones.name.text.text"}
    schema = body(client.http.get("/v1/schemas/design-spec.json"))
    assert schema["$schema"].endswith("2020-12/schema") and "zones" in schema["properties"]


def test_snapshot_lifecycle_and_lock(client: Client, shop: dict[str, Any]) -> None:
    spec_hash = body(post_spec(client, shop, spec_body(shop)))["spec_hash"]
    other_hash = body(post_spec(client, shop, spec_body(shop, text="Other")))["spec_hash"]
    created = client.http.post(
        "/v1/snapshots",
        headers=headers(shop["publishable_key"]),
        body=json.dumps({"spec_hash": spec_hash}),
    )
    assert created.status_code == 201
    snap = body(created)
    assert snap["status"] == "draft" and snap["locked"] is False and snap["assets"] == {}
    sid = snap["snapshot_id"]
    sk = bearer(shop["secret_key"])

    edited = client.http.put(
        f"/v1/snapshots/{sid}", headers=sk, body=json.dumps({"spec_hash": other_hash})
    )
    assert body(edited)["spec_hash"] == other_hash

    locked = client.http.post(f"/v1/snapshots/{sid}/lock", headers=sk)
    again = client.http.post(f"/v1/snapshots/{sid}/lock", headers=sk)
    assert body(locked)["locked"] is True and body(locked)["status"] == "locked"
    assert body(again) == body(locked)

    for method, payload in (("PUT", json.dumps({"spec_hash": spec_hash})), ("DELETE", "")):
        r = client.http.request(method, f"/v1/snapshots/{sid}", headers=sk, body=payload)
        assert r.status_code == 409 and body(r)["error"]["code"] == "snapshot.locked"
    final = body(client.http.get(f"/v1/snapshots/{sid}", headers=sk))
    assert final["spec_hash"] == other_hash and final["locked"] is True

    pk_lock = client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(shop["publishable_key"]))
    assert pk_lock.status_code == 403


def test_lock_wins_a_race_with_an_edit(
    client: Client, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.store import snapshots
    from chalicelib.store.models import SnapshotModel

    spec_hash = body(post_spec(client, shop, spec_body(shop)))["spec_hash"]
    sid = body(
        client.http.post(
            "/v1/snapshots",
            headers=headers(shop["publishable_key"]),
            body=json.dumps({"spec_hash": spec_hash}),
        )
    )["snapshot_id"]
    stale = SnapshotModel.get(shop["brand_id"], sid)  # read while still a draft
    client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(shop["secret_key"]))
    monkeypatch.setattr(snapshots, "_load", lambda brand_id, snapshot_id: stale)
    r = client.http.put(
        f"/v1/snapshots/{sid}",
        headers=bearer(shop["secret_key"]),
        body=json.dumps({"spec_hash": spec_hash}),
    )
    assert r.status_code == 409 and body(r)["error"]["code"] == "snapshot.locked"


def test_workers_may_add_assets_to_a_locked_snapshot(client: Client, shop: dict[str, Any]) -> None:
    from chalicelib.store import snapshots

    spec_hash = body(post_spec(client, shop, spec_body(shop)))["spec_hash"]
    sid = body(
        client.http.post(
            "/v1/snapshots",
            headers=headers(shop["publishable_key"]),
            body=json.dumps({"spec_hash": spec_hash}),
        )
    )["snapshot_id"]
    client.http.post(f"/v1/snapshots/{sid}/lock", headers=bearer(shop["secret_key"]))
    snapshots.add_assets(shop["brand_id"], sid, {"preview": {"key": f"{shop['brand_id']}/p.jpg"}})
    snapshots.add_assets(shop["brand_id"], sid, {"final": {"key": f"{shop['brand_id']}/f.png"}})
    got = body(client.http.get(f"/v1/snapshots/{sid}", headers=bearer(shop["secret_key"])))
    assert set(got["assets"]) == {"preview", "final"} and got["spec_hash"] == spec_hash
