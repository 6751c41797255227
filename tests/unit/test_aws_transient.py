"""Which AWS failures mean "retry later" (503) rather than a bug (500) or a real answer."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.aws import is_transient


def client_error(code: str, **extra: object) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, **extra}, "Op")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "code",
    ["ThrottlingException", "ProvisionedThroughputExceededException", "SlowDown", "InternalError"],
)
def test_throttling_and_server_side_errors_are_transient(code: str) -> None:
    assert is_transient(client_error(code))


@pytest.mark.parametrize("code", ["ConditionalCheckFailedException", "AccessDenied", "NoSuchKey"])
def test_real_answers_are_not_transient(code: str) -> None:
    assert not is_transient(client_error(code))


def test_connection_failures_are_transient() -> None:
    assert is_transient(EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    assert is_transient(ReadTimeoutError(endpoint_url="http://127.0.0.1:1"))


def test_pynamodb_wrapped_errors_are_unwrapped() -> None:
    assert is_transient(PutError("put failed", cause=client_error("ThrottlingException")))
    assert not is_transient(
        PutError("put failed", cause=client_error("ConditionalCheckFailedException"))
    )


def test_cancelled_transactions_are_transient_only_for_throttling_or_conflict() -> None:
    throttled = client_error(
        "TransactionCanceledException", CancellationReasons=[{"Code": "ThrottlingError"}]
    )
    failed_condition = client_error(
        "TransactionCanceledException", CancellationReasons=[{"Code": "ConditionalCheckFailed"}]
    )
    assert is_transient(TransactWriteError("tx", cause=throttled))
    assert not is_transient(TransactWriteError("tx", cause=failed_condition))


def test_other_exceptions_are_not_transient() -> None:
    assert not is_transient(ValueError("bug"))
    chained = RuntimeError("wrapper")
    chained.__cause__ = client_error("ThrottlingException")
    assert is_transient(chained)
