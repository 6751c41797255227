"""The local AWS's data on disk, so ``make run`` keeps brands, keys, products and packs across
restarts.

moto keeps every service in memory, in one backend object per account and region. This module
pickles those objects (DynamoDB, S3, SQS: the services Atelier uses) into a state directory and
puts them back before the server answers its first request. Why snapshots and not moto's
recorder (``MOTO_ENABLE_RECORDING``): replaying recorded requests re-sends SQS messages whose
receipts no longer match, so finished jobs would run again, and replay time grows with every
request ever made; a snapshot restores the state as it was, in time proportional to its size.

When it is written: the server marks a service changed after each mutating request (see
:func:`classify`); a background thread writes the changed services at most every
``interval_s`` and once more on SIGTERM/SIGINT. Each service file is written to a temporary
name and renamed, so a kill -9 at any moment leaves the previous complete snapshot: at most the
last ``interval_s`` of changes is lost. Nothing is fsynced: a killed process loses nothing the
kernel has, a power cut may.

S3 object bodies (any bytes value of 64 KiB or more, SQS and DynamoDB included) are stored once
each, content-addressed, under ``blobs/``: a new pack does not rewrite every older pack.

Consistency: DynamoDB requests are serialized by the server, and S3 writes too; a snapshot of
either holds the same lock, so it never sees half a transaction or half an upload. SQS is
snapshotted while it runs (SQS delivers at least once anyway: a restore may redeliver a message,
which the workers already tolerate). Across services a snapshot after a clean stop is exact;
after a kill -9 the services may be up to ``interval_s`` apart.
"""

from __future__ import annotations

import _thread
import copyreg
import hashlib
import io
import json
import os
import pickle
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import moto
from moto.backends import get_backend

SERVICES = ("dynamodb", "s3", "sqs")
BLOB_MIN_BYTES = 64 * 1024
FORMAT = 1

# Operations that only read; any other DynamoDB or SQS operation counts as a change (an unknown
# one too: a needless snapshot costs little, a missed change loses data).
READ_ONLY = {
    "dynamodb": {
        "GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable",
        "ListTables", "DescribeTimeToLive", "ListTagsOfResource", "DescribeContinuousBackups",
        "DescribeEndpoints", "DescribeLimits",
    },
    "sqs": {
        "GetQueueUrl", "GetQueueAttributes", "ListQueues", "ListQueueTags",
        "ListDeadLetterSourceQueues",
    },
}  # fmt: skip
TARGET_PREFIXES = {"DynamoDB_": "dynamodb", "AmazonSQS.": "sqs"}


def classify(environ: dict[str, Any]) -> tuple[str, set[str]]:
    """The service a request goes to and the services it may change (empty for a read).

    DynamoDB and SQS (JSON protocol) name their operation in ``X-Amz-Target``; anything else is
    S3, whose reads are GET/HEAD/OPTIONS. A form-encoded POST (the older SQS query protocol) or
    a call to moto's own API may change anything.
    """
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    for prefix, service in TARGET_PREFIXES.items():
        if target.startswith(prefix):
            operation = target.rsplit(".", 1)[-1]
            return service, set() if operation in READ_ONLY[service] else {service}
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return "s3", set()
    path = str(environ.get("PATH_INFO", ""))
    form = str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded")
    if path.startswith("/moto-api") or form:
        return "other", set(SERVICES)
    return "s3", {"s3"}


# Locks and conditions cannot be pickled and mean nothing in another process: a restored object
# gets new ones. (moto's SQS queues hold a Condition; S3 keys drop their lock themselves.)
_FRESH_LOCKS: dict[type, Callable[[Any], Any]] = {
    threading.Condition: lambda _: (threading.Condition, ()),
    _thread.RLock: lambda _: (threading.RLock, ()),
    _thread.LockType: lambda _: (threading.Lock, ()),
}


class _Pickler(pickle.Pickler):
    def __init__(self, file: Any, blobs: Path) -> None:
        super().__init__(file, protocol=5)
        self.dispatch_table = {**copyreg.dispatch_table, **_FRESH_LOCKS}
        self.blobs = blobs
        self.referenced: set[str] = set()

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is not bytes or len(obj) < BLOB_MIN_BYTES:
            return None
        digest = hashlib.sha256(obj).hexdigest()
        path = self.blobs / digest
        if not path.exists():
            _write_atomically(path, obj)
        self.referenced.add(digest)
        return ("blob", digest)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: Any, blobs: Path) -> None:
        super().__init__(file)
        self.blobs = blobs
        self.referenced: set[str] = set()

    def persistent_load(self, pid: Any) -> Any:
        kind, digest = pid
        if kind != "blob":
            raise pickle.UnpicklingError(f"unknown reference {kind!r}")
        self.referenced.add(digest)
        return (self.blobs / digest).read_bytes()


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _backend_dict(service: str) -> Any:
    """moto's store of one service: ``[account][region] -> backend``."""
    return get_backend(service)  # type: ignore[call-overload]  # typed per literal name


class StateError(RuntimeError):
    """A state directory that cannot be restored (another moto's format, a damaged file)."""


class LocalAwsState:
    """Snapshots of moto's backends in ``root``: restored once at start, written when changed."""

    def __init__(self, root: Path, interval_s: float = 1.0) -> None:
        self.root = root
        self.blobs = root / "blobs"
        self.interval_s = interval_s
        self.locks: dict[str, AbstractContextManager[Any]] = {}
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._write_lock = threading.Lock()  # one snapshot at a time (blob clean-up included)
        self._referenced: dict[str, set[str]] = {s: set() for s in SERVICES}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- restore --------------------------------------------------------------------------------

    def restore(self) -> list[str]:
        """Put the saved backends in place (before serving); returns the services restored."""
        self.blobs.mkdir(parents=True, exist_ok=True)
        for leftover in [*self.root.glob(".*.tmp"), *self.blobs.glob(".*.tmp")]:
            leftover.unlink()  # a write cut short by a kill; the previous file is intact
        meta_path = self.root / "format.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
        restored = []
        for service in SERVICES:
            path = self.root / f"{service}.pickle"
            if not path.exists():
                continue
            try:
                with open(path, "rb") as f:
                    unpickler = _Unpickler(f, self.blobs)
                    saved = unpickler.load()
            except Exception as exc:
                written_by = (meta or {}).get("moto", "an unknown moto")
                raise StateError(
                    f"cannot restore the local AWS's {service} from {path} (written by moto "
                    f"{written_by}, this is moto {moto.__version__}): {exc!r}. "
                    "Start empty with `make run FRESH=1`."
                ) from exc
            self._referenced[service] = unpickler.referenced
            backend_dict = _backend_dict(service)
            for account, regions in saved["backends"].items():
                for region, backend in regions.items():
                    backend_dict[account][region] = backend
            if service == "s3":
                backend_dict.bucket_accounts.update(saved["bucket_accounts"])
            restored.append(service)
        _write_atomically(
            meta_path, json.dumps({"format": FORMAT, "moto": moto.__version__}).encode()
        )
        return restored

    # -- changes --------------------------------------------------------------------------------

    def changed(self, services: set[str]) -> None:
        if services:
            with self._dirty_lock:
                self._dirty |= services

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="aws-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.flush()

    def close(self) -> None:
        """Stop the writer and write what changed since its last pass."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.flush()

    def flush(self) -> list[str]:
        """Write every service changed since the last write; returns those written."""
        with self._write_lock:
            with self._dirty_lock:
                services, self._dirty = sorted(self._dirty), set()
            for service in services:
                self._write(service)
            if services:
                self._drop_unreferenced_blobs()
            return services

    def _write(self, service: str) -> None:
        # SQS is not locked while it is pickled: a dict changing size mid-way raises, so try again.
        for attempt in range(5):
            try:
                with self.locks.get(service) or nullcontext():
                    data, referenced = self._pickle(service)
                break
            except RuntimeError:
                if attempt == 4:
                    raise
        _write_atomically(self.root / f"{service}.pickle", data)
        self._referenced[service] = referenced

    def _pickle(self, service: str) -> tuple[bytes, set[str]]:
        saved: dict[str, Any] = {"backends": {}}
        for account, region, backend in _backend_dict(service).iter_backends():
            saved["backends"].setdefault(account, {})[region] = backend
        if service == "s3":
            saved["bucket_accounts"] = dict(_backend_dict("s3").bucket_accounts)
        buffer = io.BytesIO()
        pickler = _Pickler(buffer, self.blobs)
        pickler.dump(saved)
        return buffer.getvalue(), pickler.referenced

    def _drop_unreferenced_blobs(self) -> None:
        live = set().union(*self._referenced.values())
        for path in self.blobs.iterdir():
            if path.name not in live and not path.name.startswith("."):
                path.unlink(missing_ok=True)
