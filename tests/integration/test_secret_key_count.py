"""A brand keeps one active secret key even when two revocations race (finding 5 of issue 22).

The count of active secret keys lives on the brand and changes in the same transaction as each
key; a revocation is conditional on the count being above 1.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import cli
from chalicelib.errors import Conflict
from chalicelib.store import brands
from chalicelib.store.models import ApiKeyModel, BrandModel
from tests.integration.conftest import new_brand


def key_id(plaintext: str) -> str:
    return plaintext.split("_")[1]


def active_secrets(brand_id: str) -> list[str]:
    return [k.key_id for k in brands.list_keys(brand_id) if k.kind == "secret" and not k.revoked]


def stored_count(brand_id: str) -> int | None:
    value = BrandModel.get(brand_id, consistent_read=True).active_secret_keys
    return None if value is None else int(value)


def test_two_keys_revoking_each_other_leave_one_active(
    brand: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revoke A reads A, then revoke B runs whole (its read before A's write), then A writes."""
    brand_id = brand["brand_id"]
    first = key_id(brand["secret_key"])
    second = brands.create_key(brand_id, "secret", "second")[0].key_id
    read = brands._owned_key
    interleaved: list[brands.ApiKey] = []

    def read_then_let_the_other_run(b: str, k: str) -> ApiKeyModel:
        model = read(b, k)
        if k == first and not interleaved:
            interleaved.append(brands.revoke_key(brand_id, second))
        return model

    monkeypatch.setattr(brands, "_owned_key", read_then_let_the_other_run)
    with pytest.raises(Conflict) as refused:
        brands.revoke_key(brand_id, first)
    assert refused.value.code == "key.last_secret_key" and refused.value.status == 409
    assert interleaved[0].revoked
    assert active_secrets(brand_id) == [first]
    assert stored_count(brand_id) == 1


def test_the_count_follows_creations_and_revocations(brand: dict[str, Any]) -> None:
    brand_id = brand["brand_id"]
    assert stored_count(brand_id) == 1
    extra = brands.create_key(brand_id, "secret")[0].key_id
    brands.create_key(brand_id, "publishable")
    assert stored_count(brand_id) == 2
    assert brands.revoke_key(brand_id, extra).revoked
    assert brands.revoke_key(brand_id, extra).revoked  # a repeat answers the revoked key
    brands.revoke_key(brand_id, key_id(brand["publishable_key"]))
    assert stored_count(brand_id) == 1
    with pytest.raises(Conflict):
        brands.revoke_key(brand_id, key_id(brand["secret_key"]))
    assert active_secrets(brand_id) == [key_id(brand["secret_key"])]


def forget_count(brand_id: str) -> None:
    """Make the brand look like one written before the count existed."""
    BrandModel(brand_id).update(actions=[BrandModel.active_secret_keys.remove()])


def test_brands_from_before_the_count_are_backfilled_by_the_migration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = new_brand("Old brand")
    brands.create_key(old["brand_id"], "secret", "two")
    revoked = brands.create_key(old["brand_id"], "secret", "gone")[0].key_id
    brands.revoke_key(old["brand_id"], revoked)
    forget_count(old["brand_id"])
    assert stored_count(old["brand_id"]) is None

    assert cli.main(["migrate", "secret-key-counts"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["backfilled"] >= 1 and report["brands"] >= report["backfilled"]
    assert stored_count(old["brand_id"]) == 2
    assert brands.backfill_secret_key_counts()["backfilled"] == 0  # a rerun changes nothing


def test_a_brand_not_yet_migrated_is_counted_before_its_first_revocation() -> None:
    old = new_brand("Unmigrated brand")
    forget_count(old["brand_id"])
    with pytest.raises(Conflict):
        brands.revoke_key(old["brand_id"], key_id(old["secret_key"]))
    assert stored_count(old["brand_id"]) == 1
