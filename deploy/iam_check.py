"""Check IAM policies against the AWS calls the code really makes.

:class:`Recorder` sees every botocore call (boto3 and pynamodb alike) and every presigned URL
(the browser or the caller uses it with the function's credentials), attributed to the function
that is acting. :func:`required` turns one call into the IAM actions and resource ARNs AWS
authorizes it against; :func:`evaluate` matches those against a policy document, wildcards
included, and reports calls that are denied and grants that nothing used.
"""

from __future__ import annotations

import contextvars
import fnmatch
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"

_acting: contextvars.ContextVar[str | None] = contextvars.ContextVar("acting", default=None)


@dataclass(frozen=True)
class Call:
    function: str
    service: str
    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Need:
    """One (action, resource) pair AWS checks for a call."""

    action: str
    resource: str


# S3 operations whose IAM action has another name, and the SQS batch forms.
_S3_ACTION = {"HeadObject": "GetObject", "ListObjectsV2": "ListBucket", "HeadBucket": "ListBucket"}
_S3_MULTIPART = {"CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"}
_SQS_ACTION = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
_TRANSACT_ACTION = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def table_arn(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def required(call: Call) -> list[Need]:
    """The (action, resource) pairs IAM evaluates for one call; unknown calls are errors."""
    mapper = {"dynamodb": _dynamodb, "sqs": _sqs, "s3": _s3}.get(call.service)
    if mapper is None:
        raise ValueError(f"no IAM mapping for service {call.service} ({call.operation})")
    return mapper(call.operation, call.params)


def _dynamodb(op: str, p: dict[str, Any]) -> list[Need]:
    if op in ("TransactWriteItems", "TransactGetItems"):
        needs = []
        for item in p["TransactItems"]:
            ((kind, body),) = item.items()
            needs.append(Need(f"dynamodb:{_TRANSACT_ACTION[kind]}", table_arn(body["TableName"])))
        return needs
    if op in ("BatchGetItem", "BatchWriteItem"):
        return [Need(f"dynamodb:{op}", table_arn(name)) for name in p["RequestItems"]]
    single = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "DescribeTable"}
    if op not in single:
        raise ValueError(f"no IAM mapping for dynamodb {op}")
    return [Need(f"dynamodb:{op}", table_arn(p["TableName"], p.get("IndexName")))]


def _sqs(op: str, p: dict[str, Any]) -> list[Need]:
    name = p["QueueName"] if op == "GetQueueUrl" else p["QueueUrl"].rstrip("/").rsplit("/", 1)[1]
    return [Need(f"sqs:{_SQS_ACTION.get(op, op)}", queue_arn(name))]


def _s3(op: str, p: dict[str, Any]) -> list[Need]:
    bucket = f"arn:aws:s3:::{p['Bucket']}"
    if op in ("ListObjectsV2", "ListObjects", "HeadBucket"):
        return [Need(f"s3:{_S3_ACTION.get(op, op)}", bucket)]
    if op == "DeleteObjects":
        return [Need("s3:DeleteObject", f"{bucket}/{o['Key']}") for o in p["Delete"]["Objects"]]
    if op not in ("GetObject", "HeadObject", "PutObject", "DeleteObject", *_S3_MULTIPART):
        raise ValueError(f"no IAM mapping for s3 {op}")
    obj = f"{bucket}/{p['Key']}"
    if op in _S3_MULTIPART:
        return [Need("s3:PutObject", obj)]
    needs = [Need(f"s3:{_S3_ACTION.get(op, op)}", obj)]
    if op == "PutObject" and p.get("Tagging"):
        needs.append(Need("s3:PutObjectTagging", obj))
    return needs


@dataclass
class Verdict:
    denied: list[tuple[Call, Need]] = field(default_factory=list)
    unused: list[tuple[str, str, str]] = field(default_factory=list)  # (sid, action, resource)


def _matches(pattern: str, value: str, *, fold: bool) -> bool:
    if fold:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern)


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def evaluate(
    policy: dict[str, Any], calls: list[Call], exempt: Callable[[str], bool] = lambda sid: False
) -> Verdict:
    """Every call must be allowed; every (action, resource) of a non-exempt statement used."""
    statements = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    used: set[tuple[str, str, str]] = set()
    verdict = Verdict()
    for call in calls:
        for need in required(call):
            hits = [
                (s["Sid"], action, resource)
                for s in statements
                for action in _as_list(s["Action"])
                for resource in _as_list(s["Resource"])
                if _matches(action, need.action, fold=True)
                and _matches(resource, need.resource, fold=False)
            ]
            if not hits:
                verdict.denied.append((call, need))
            used.update(hits)
    for s in statements:
        if exempt(s["Sid"]):
            continue
        for action in _as_list(s["Action"]):
            for resource in _as_list(s["Resource"]):
                if (s["Sid"], action, resource) not in used:
                    verdict.unused.append((s["Sid"], action, resource))
    return verdict


class Recorder:
    """Records botocore calls and presigned URLs made while a function is acting."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    @contextmanager
    def acting_as(self, function: str) -> Iterator[None]:
        token = _acting.set(function)
        try:
            yield
        finally:
            _acting.reset(token)

    def note(self, service: str, operation: str, params: dict[str, Any]) -> None:
        function = _acting.get()
        if function is not None:
            self.calls.append(Call(function, service, operation, dict(params)))

    def by_function(self) -> dict[str, list[Call]]:
        out: dict[str, list[Call]] = {}
        for call in self.calls:
            out.setdefault(call.function, []).append(call)
        return out

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        """Patch botocore for the duration (create AWS clients inside, after this starts)."""
        import botocore.client
        import botocore.signers

        original_call = botocore.client.BaseClient._make_api_call
        original_url = botocore.signers.generate_presigned_url
        original_post = botocore.signers.generate_presigned_post
        recorder = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            recorder.note(client.meta.service_model.service_name, operation, params)
            return original_call(client, operation, params)

        def presigned_url(client: Any, ClientMethod: str, Params: Any = None, **kw: Any) -> Any:
            operation = client.meta.method_to_api_mapping[ClientMethod]
            recorder.note(client.meta.service_model.service_name, operation, Params or {})
            return original_url(client, ClientMethod, Params, **kw)

        def presigned_post(client: Any, Bucket: str, Key: str, *a: Any, **kw: Any) -> Any:
            recorder.note("s3", "PutObject", {"Bucket": Bucket, "Key": Key})
            return original_post(client, Bucket, Key, *a, **kw)

        botocore.client.BaseClient._make_api_call = make_api_call
        botocore.signers.generate_presigned_url = presigned_url
        botocore.signers.generate_presigned_post = presigned_post
        try:
            yield self
        finally:
            botocore.client.BaseClient._make_api_call = original_call
            botocore.signers.generate_presigned_url = original_url
            botocore.signers.generate_presigned_post = original_post
