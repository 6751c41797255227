"""The local S3's POST policy check answers exactly as S3 does for Atelier's upload policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.s3_post_policy import check

SECRET = "local-secret"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def signed(size: int = 100, expires_in: int = 300) -> dict[str, str]:
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:1",
        aws_access_key_id="local",
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    post: dict[str, Any] = s3.generate_presigned_post(
        Bucket="assets-bucket",
        Key="br_1/uploads/ast_1",
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", size, size]],
        ExpiresIn=expires_in,
    )
    return dict(post["fields"])


def now() -> datetime:
    return datetime.now(UTC)


def test_the_signed_file_is_accepted() -> None:
    assert check(signed(), 100, "assets-bucket", SECRET, now()) is None


@pytest.mark.parametrize(("size", "code"), [(101, "EntityTooLarge"), (99, "EntityTooSmall")])
def test_other_sizes_are_refused_with_s3s_codes(size: int, code: str) -> None:
    refusal = check(signed(), size, "assets-bucket", SECRET, now())
    assert refusal is not None and (refusal.status, refusal.code) == (400, code)


@pytest.mark.parametrize(
    ("field", "value"),
    [("Content-Type", "text/html"), ("key", "br_2/uploads/ast_1"), ("key", "br_1/x")],
)
def test_changing_a_signed_field_fails_its_condition(field: str, value: str) -> None:
    fields = {**signed(), field: value}
    refusal = check(fields, 100, "assets-bucket", SECRET, now())
    assert refusal is not None and refusal.code == "AccessDenied"
    assert "Policy Condition failed" in refusal.message


def test_another_bucket_fails_the_bucket_condition() -> None:
    refusal = check(signed(), 100, "other-bucket", SECRET, now())
    assert refusal is not None and refusal.code == "AccessDenied"


def test_an_unsigned_extra_field_is_refused() -> None:
    fields = {**signed(), "x-amz-meta-owner": "attacker"}
    refusal = check(fields, 100, "assets-bucket", SECRET, now())
    assert refusal is not None and "Extra input fields: x-amz-meta-owner" in refusal.message


def test_a_tampered_policy_or_wrong_secret_fails_the_signature() -> None:
    fields = signed()
    forged = signed(size=10_000_000)["policy"]
    tampered = check({**fields, "policy": forged}, 100, "assets-bucket", SECRET, now())
    assert tampered is not None and tampered.code == "SignatureDoesNotMatch"
    wrong = check(fields, 100, "assets-bucket", "other-secret", now())
    assert wrong is not None and wrong.code == "SignatureDoesNotMatch"


def test_an_expired_policy_is_refused() -> None:
    later = now() + timedelta(seconds=301)
    refusal = check(signed(expires_in=300), 100, "assets-bucket", SECRET, later)
    assert refusal is not None and "Policy expired" in refusal.message


def test_a_post_without_policy_is_refused() -> None:
    refusal = check({"key": "br_1/uploads/ast_1"}, 100, "assets-bucket", SECRET, NOW)
    assert refusal is not None and refusal.status == 403
