"""Structured JSON logs carrying the request id, the brand and job ids.

The fields live in a context variable, so anything logged while a request or a job runs carries
them without being passed around; one order can be followed from HTTP to pack by
``correlation_id`` (the request id of the HTTP call that started it, carried in SQS message
attributes into the workers: :mod:`chalicelib.queue`, :mod:`chalicelib.jobs.batch`).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "atelier_log_context", default=None
)

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def current() -> dict[str, Any]:
    return dict(_context.get() or {})


def bind(**fields: Any) -> None:
    """Add fields to every log line of the current request or job."""
    _context.set({**current(), **fields})


@contextmanager
def scope(**fields: Any) -> Iterator[None]:
    """Run a request or a job with a fresh set of context fields."""
    token = _context.set(dict(fields))
    try:
        yield
    finally:
        _context.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``correlation_id`` defaults to the request id.

    An HTTP request's id *is* the correlation id of the jobs it causes, so every line of the
    request and of its workers can be found with one ``correlation_id = "..."`` query.
    """

    def format(self, record: logging.LogRecord) -> str:
        context = current()
        if "request_id" in context:
            context.setdefault("correlation_id", context["request_id"])
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **context,
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def get_logger(name: str = "atelier") -> logging.Logger:
    """The project logger, configured once with the JSON formatter on stderr."""
    logger = logging.getLogger(name)
    root = logging.getLogger("atelier")
    if not getattr(root, "_atelier_configured", False):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
        root._atelier_configured = True  # type: ignore[attr-defined]  # marker on the stdlib object
    return logger
