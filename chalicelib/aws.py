"""Lazily created boto3 clients, one per (service, region, endpoint).

Clients are built on first use, never at import: Lambda cold start stays short and tests can point
the code at moto by setting ``AWS_ENDPOINT_URL`` before the first call.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from chalicelib.settings import get_settings

_sessions = threading.local()
_generation = 0


def botocore_session() -> Any:
    """One botocore session per thread, shared by every boto3 client and pynamodb connection.

    A botocore session loads the endpoint rules and each service's model (large JSON files) the
    first time a client is made from it. pynamodb makes a new session per connection, and each
    model has its own connection: a request that touched five tables paid that load five times
    (about 0.5 s per table on this machine; a test module's 21 tables took 25 s to provision).
    Sharing one session pays it once. Per thread, because botocore client *creation* is not
    thread-safe (pynamodb's reason for its own thread-local sessions); a client, once made, is.
    """
    session = getattr(_sessions, "session", None)
    if session is None or getattr(_sessions, "generation", None) != _generation:
        from botocore.session import get_session

        session = get_session()
        _sessions.session, _sessions.generation, _sessions.boto3 = session, _generation, None
    return session


def _boto3_session() -> Any:
    """The thread's boto3 session over :func:`botocore_session` (boto3 registers its handlers
    on the botocore session once; a second boto3 session over it would register them again)."""
    botocore = botocore_session()
    if _sessions.boto3 is None:
        import boto3

        _sessions.boto3 = boto3.session.Session(botocore_session=botocore)
    return _sessions.boto3


@lru_cache(maxsize=16)
def _client(service: str, region: str, endpoint_url: str | None, probe: bool = False) -> Any:
    from botocore.config import Config

    config = Config(
        # A probe (health check) must answer fast even when the service is down.
        connect_timeout=2 if probe else 10,
        read_timeout=3 if probe else 60,
        retries={"mode": "standard", "max_attempts": 1 if probe else 5},
        # SigV4 everywhere: some regions presign S3 URLs with SigV2 otherwise.
        signature_version="s3v4" if service == "s3" else None,
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    return _boto3_session().client(
        service, region_name=region, endpoint_url=endpoint_url, config=config
    )


def client(service: str, *, probe: bool = False) -> Any:
    """A boto3 client for the current settings (region and optional local endpoint)."""
    settings = get_settings()
    return _client(service, settings.region, settings.endpoint_url, probe)


def s3() -> Any:
    return client("s3")


def sqs() -> Any:
    return client("sqs")


def dynamodb() -> Any:
    return client("dynamodb")


def reset_clients() -> None:
    """Forget cached clients and sessions (tests switch between moto backends and credentials)."""
    global _generation
    _generation += 1
    _client.cache_clear()


def assets_bucket() -> str:
    """The one bucket: every key in it starts with the brand id and is built by the server."""
    return get_settings().physical_name("bucket", "assets")


def presigned_get(key: str, seconds: int) -> str:
    """A short-lived SigV4 download URL for one object, minted after the ownership check."""
    return str(
        s3().generate_presigned_url(
            "get_object", Params={"Bucket": assets_bucket(), "Key": key}, ExpiresIn=seconds
        )
    )


# Answers that mean "not now" rather than "no": the same call is expected to succeed later.
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalServerError",
        "InternalError",
        "ServiceUnavailable",
        "SlowDown",
        "RequestTimeout",
    }
)
_TRANSIENT_CANCELLATIONS = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"}
)


def is_transient(exc: BaseException) -> bool:
    """Whether an AWS failure (after botocore's own retries) is worth a retry by the caller.

    Walks the cause chain, since pynamodb wraps botocore's error in its own exceptions.
    """
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, BotoConnectionError | HTTPClientError):
            return True
        if isinstance(current, ClientError):
            error = current.response.get("Error", {})
            if error.get("Code") in TRANSIENT_CODES:
                return True
            reasons = current.response.get("CancellationReasons", [])
            if any(r.get("Code") in _TRANSIENT_CANCELLATIONS for r in reasons):
                return True
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else current.__cause__
    return False
