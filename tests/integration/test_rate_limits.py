"""Rate limits through the route pipeline: 429 with headers, scoped to one key and class."""

from __future__ import annotations

from typing import Any

from chalice.test import Client

from chalicelib.store import brands
from tests.integration.conftest import bearer, body, new_brand
from tests.integration.dynamo_calls import DynamoCalls


def test_publishable_key_over_its_limit_gets_429_with_headers(client: Client) -> None:
    shop = new_brand("Limited", ["https://shop.example"])
    brands.set_rate_limit(shop["brand_id"], "publishable", "read", 3, 60)
    pk = bearer(shop["publishable_key"])
    answers = [client.http.get("/v1/brand", headers=pk) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    ok, refused = answers[0], answers[3]
    assert ok.headers["RateLimit-Limit"] == "3" and ok.headers["RateLimit-Remaining"] == "2"
    assert refused.headers["Retry-After"] == "20" and refused.headers["RateLimit-Remaining"] == "0"
    assert body(refused)["error"]["code"] == "rate_limit.exceeded"
    assert client.http.get("/v1/keys", headers=bearer(shop["secret_key"])).status_code == 200
    other: dict[str, Any] = new_brand("Neighbour")
    assert client.http.get("/v1/brand", headers=bearer(other["publishable_key"])).status_code == 200


def test_route_classes_have_separate_buckets(client: Client) -> None:
    shop = new_brand("Classes")
    brands.set_rate_limit(shop["brand_id"], "publishable", "validate", 1, 60)
    pk = bearer(shop["publishable_key"])
    payload = '{"text": "Zoe"}'
    first = client.http.post("/v1/personalization/normalize", headers=pk, body=payload)
    second = client.http.post("/v1/personalization/normalize", headers=pk, body=payload)
    assert (first.status_code, second.status_code) == (200, 429)
    assert client.http.get("/v1/brand", headers=pk).status_code == 200  # "read" is untouched


def test_invalid_overrides_are_refused(client: Client) -> None:
    import pytest

    from chalicelib.errors import ValidationFailed

    shop = new_brand("Bad override")
    with pytest.raises(ValidationFailed):
        brands.set_rate_limit(shop["brand_id"], "publishable", "everything", 1, 60)


def test_one_dynamodb_call_per_rate_check(aws_env: None, monkeypatch: Any) -> None:
    from chalicelib import ratelimit
    from chalicelib.api.limits import enforce
    from chalicelib.auth import Principal
    from chalicelib.errors import AtelierError

    principal = Principal(
        "b_calls", "callcountkey", "publishable", (), {"publishable": {"create": [3, 60]}}
    )
    ratelimit._HINTS.clear()  # a cold container: no TAT seen yet
    calls = DynamoCalls(monkeypatch)
    answers = []
    for _ in range(3):
        before = len(calls.ops)
        answers.append(enforce(principal, "create"))
        assert calls.ops[before:] == ["UpdateItem"]  # one call, and no read
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    before = len(calls.ops)
    try:
        enforce(principal, "create")
        raise AssertionError("the fourth request must be refused")
    except AtelierError as refused:
        assert refused.status == 429 and refused.headers["Retry-After"] == "20"
    assert len(calls.ops) == before  # the TAT this process saw is past the ceiling: no call
    ratelimit._HINTS.clear()  # another instance, which never saw this bucket, refuses it too
    with_other = len(calls.ops)
    try:
        enforce(principal, "create")
        raise AssertionError("a second instance must not admit more than the bucket holds")
    except AtelierError as refused:
        assert refused.status == 429
    # It guessed "idle"; the failed condition returned the stored TAT, past the ceiling: refused.
    assert calls.ops[with_other:] == ["UpdateItem"]


def test_a_row_from_the_token_bucket_version_still_works(aws_env: None) -> None:
    from chalicelib import ratelimit
    from chalicelib.api.limits import enforce
    from chalicelib.auth import Principal
    from chalicelib.aws import dynamodb
    from chalicelib.store.models import RateBucketModel

    dynamodb().put_item(
        TableName=RateBucketModel.Meta.table_name,
        Item={
            "bucket": {"S": "legacykey#read"},
            "tokens": {"N": "0.5"},
            "updated_at": {"N": "1700000000.5"},
            "expires_at": {"N": "1700000120"},
        },
    )
    ratelimit._HINTS.clear()
    principal = Principal("b_legacy", "legacykey", "secret", (), None)
    assert enforce(principal, "read")["RateLimit-Remaining"] == str(
        ratelimit.DEFAULTS["secret"]["read"][0] - 1
    )
