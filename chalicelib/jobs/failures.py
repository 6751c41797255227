"""Why a job delivery failed, and whether another delivery could succeed.

The question is "would the same message, redelivered, do better?", not "whose fault is it":

* **retryable**: AWS saying "not now" (throttling, 5xx, connection trouble, after botocore's own
  retries), our own :class:`~chalicelib.errors.ServiceUnavailable` family (``FontUnavailable``,
  ``AssetUnavailable``, a 503 from a store), and :class:`RecordNotVisible` (a job message that
  overtook its record). The message goes back to the queue after :func:`backoff_s`.
* **final**: every other ``AtelierError`` (a font that changed, a cut too thin for the kerf:
  the same input fails the same way) with its own code, and every unexpected exception — a
  ``KeyError`` from bad data is a bug or bad data, and redelivering it for hours only hides it.
  Those fail the job at once with ``<kind>.internal_error`` and a traceback in the log.

The cause chain is walked, so a typed error raised ``from`` a throttled read still counts as
the throttling it is (pynamodb and our wrappers both chain).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from chalicelib import aws
from chalicelib.errors import AtelierError, ServiceUnavailable

# Seconds a failed delivery stays invisible before its next try, by how many it has had
# (SQS caps DelaySeconds at 900 but a visibility change may be up to 12 h).
BACKOFF_BASE_S = 20
BACKOFF_FACTOR = 3
BACKOFF_MAX_S = 900


class RecordNotVisible(Exception):
    """The job's record is not readable yet (its message overtook the write): retry shortly.

    Deliberately not a ``LookupError``: ``KeyError`` is one, and a bug must never pass for a race.
    """


@dataclass(frozen=True)
class Failure:
    """What the job record says about a failure: a stable code, a message, and whether a
    later delivery (or a new request) may succeed."""

    code: str
    message: str
    retryable: bool


def classify(exc: BaseException, kind: str) -> Failure:
    """The failure ``exc`` means for a ``kind`` job ("render", "pack")."""
    if is_retryable(exc):
        typed = next((e for e in _chain(exc) if isinstance(e, ServiceUnavailable)), None)
        if typed is not None:
            return Failure(typed.code, typed.message, True)
        return Failure("service.unavailable", _describe(exc), True)
    if isinstance(exc, AtelierError):
        return Failure(exc.code, exc.message, False)
    return Failure(
        f"{kind}.internal_error",
        f"The {kind} failed on an unexpected {type(exc).__name__}; it is logged with this "
        "job's id. Retrying the same input would fail the same way.",
        False,
    )


def is_retryable(exc: BaseException) -> bool:
    """Whether the same delivery could succeed later (see the module docstring)."""
    if aws.is_transient(exc):
        return True
    return any(
        isinstance(e, RecordNotVisible | ServiceUnavailable | ConnectionError | TimeoutError)
        for e in _chain(exc)
    )


def backoff_s(receive_count: int) -> int:
    """20 s, 60 s, 3 min, 9 min, then 15 min: throttling gets room to clear between tries."""
    exponent = max(0, receive_count - 1)
    return int(min(BACKOFF_MAX_S, BACKOFF_BASE_S * BACKOFF_FACTOR**exponent))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        cause = getattr(current, "cause", None)  # pynamodb keeps botocore's error here
        current = cause if isinstance(cause, BaseException) else current.__cause__


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
