"""What a job failure means: retried later with backoff, or failed at once with a code."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import GetError

from chalicelib.errors import ServiceUnavailable, ValidationFailed
from chalicelib.fonts import FontUnavailable
from chalicelib.jobs import runner
from chalicelib.jobs.batch import Delivery
from chalicelib.jobs.failures import RecordNotVisible, backoff_s, classify, is_retryable
from chalicelib.scene.model import RenderError
from chalicelib.store.assets import AssetUnavailable


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "GetObject")  # type: ignore[arg-type]


def raised_from(outer: Exception, cause: BaseException) -> Exception:
    try:
        raise outer from cause
    except Exception as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (FontUnavailable("font package missing"), "font.unavailable"),
        (ServiceUnavailable("DynamoDB throttled"), "service.unavailable"),
        (
            raised_from(AssetUnavailable("stored asset"), client_error("SlowDown")),
            "asset.unavailable",
        ),
        (client_error("ThrottlingException"), "service.unavailable"),
        (GetError("get failed", cause=client_error("ThrottlingException")), "service.unavailable"),
        (ConnectionError("reset by peer"), "service.unavailable"),
        (RecordNotVisible("render record not visible yet"), "service.unavailable"),
    ],
)
def test_passing_failures_are_retryable_and_keep_their_code(exc: Exception, code: str) -> None:
    failure = classify(exc, "render")
    assert failure.retryable and failure.code == code


def test_a_typed_error_raised_from_a_throttled_read_is_still_retryable() -> None:
    """A wrapper must not turn "not now" into "never" (render.font_missing once did)."""
    exc = raised_from(
        RenderError("font x is not available", code="render.font_missing"),
        raised_from(AssetUnavailable("stored asset"), client_error("SlowDown")),
    )
    assert is_retryable(exc)
    assert classify(exc, "render").code == "asset.unavailable"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (RenderError("font changed", code="render.font_missing"), "render.font_missing"),
        (ValidationFailed("counter below kerf", code="geometry.too_thin"), "geometry.too_thin"),
        (KeyError("product_id"), "pack.internal_error"),
        (TypeError("bad data"), "pack.internal_error"),
        (client_error("AccessDenied"), "pack.internal_error"),
    ],
)
def test_deterministic_failures_and_bugs_are_final_with_a_code(exc: Exception, code: str) -> None:
    failure = classify(exc, "pack")
    assert not failure.retryable and failure.code == code


def test_not_visible_yet_is_not_a_lookup_error_so_a_keyerror_cannot_pass_for_it() -> None:
    assert not issubclass(RecordNotVisible, LookupError)
    assert not is_retryable(KeyError("render_id"))


def test_backoff_grows_and_is_capped() -> None:
    assert [backoff_s(n) for n in range(1, 7)] == [20, 60, 180, 540, 900, 900]


def _run(
    find: Any, work: Any, receive_count: int = 1, seen: dict[str, Any] | None = None
) -> dict[str, Any]:
    """runner.run over an in-memory job; returns (and fills ``seen`` with) what the record
    callbacks were told."""
    seen = {} if seen is None else seen

    def fail(job: dict[str, Any], code: str, message: str, *, retryable: bool = False) -> None:
        seen["failed"] = (code, retryable)

    def release(job: dict[str, Any], code: str, message: str) -> bool:
        seen["released"] = code
        return True

    runner.run(
        find,
        status=lambda job: "queued",
        start=lambda job: True,
        work=work,
        fail=fail,
        release=release,
        delivery=Delivery("m-1", receive_count, "render-preview"),
        kind="render",
    )
    return seen


def test_a_missing_record_raises_not_visible_for_a_retry() -> None:
    with pytest.raises(RecordNotVisible):
        _run(lambda: None, lambda job: None)


def test_a_bug_fails_the_job_at_once_and_the_message_is_done() -> None:
    def bug(job: dict[str, Any]) -> None:
        raise KeyError("zone")

    assert _run(lambda: {}, bug) == {"failed": ("render.internal_error", False)}


def test_a_passing_failure_releases_the_job_then_gives_up_on_the_last_delivery() -> None:
    def throttled(job: dict[str, Any]) -> None:
        raise FontUnavailable("not now")

    first: dict[str, Any] = {}
    with pytest.raises(FontUnavailable):  # back to SQS: batchItemFailures
        _run(lambda: {}, throttled, receive_count=1, seen=first)
    assert first == {"released": "font.unavailable"}
    last: dict[str, Any] = {}
    with pytest.raises(FontUnavailable):  # on to the DLQ
        _run(lambda: {}, throttled, receive_count=5, seen=last)
    assert last == {"failed": ("render.gave_up", True)}
