"""The local AWS's snapshots (``local/aws_state.py``): what one moto wrote, another moto restores.

Each test writes through boto3 into one in-process moto, snapshots it, resets moto (as a new
process would start) and reads the data back through boto3 from the restored backends.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.aws_state import SERVICES, LocalAwsState, StateError, classify

BIG = os.urandom(200 * 1024)  # over the blob threshold: stored once under blobs/


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def _clients() -> tuple[Any, Any, Any]:
    return boto3.client("dynamodb"), boto3.client("s3"), boto3.client("sqs")


def _fill() -> str:
    ddb, s3, sqs = _clients()
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName="t", Item={"pk": {"S": "brand"}, "name": {"S": "Kept"}})
    s3.create_bucket(Bucket="packs-bucket")
    s3.put_object(Bucket="packs-bucket", Key="packs/one.zip", Body=BIG)
    s3.put_object(Bucket="packs-bucket", Key="packs/same.zip", Body=BIG)
    s3.put_object(Bucket="packs-bucket", Key="small.json", Body=b"{}")
    dlq = sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
    url: str = sqs.create_queue(
        QueueName="jobs",
        Attributes={
            "RedrivePolicy": f'{{"deadLetterTargetArn": "{arn["QueueArn"]}", '
            '"maxReceiveCount": "5"}'
        },
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="render pck_1")
    return url


def _snapshot(root: Path) -> LocalAwsState:
    state = LocalAwsState(root)
    state.restore()
    state.changed(set(SERVICES))
    assert state.flush() == sorted(SERVICES)
    return state


@pytest.fixture
def saved(tmp_path: Path) -> Iterator[Path]:
    with mock_aws():
        _fill()
        _snapshot(tmp_path)
    yield tmp_path


def test_tables_objects_and_queued_messages_come_back(saved: Path) -> None:
    with mock_aws():
        assert LocalAwsState(saved).restore() == list(SERVICES)
        ddb, s3, sqs = _clients()
        item = ddb.get_item(TableName="t", Key={"pk": {"S": "brand"}})["Item"]
        assert item["name"] == {"S": "Kept"}
        assert s3.get_object(Bucket="packs-bucket", Key="packs/one.zip")["Body"].read() == BIG
        assert s3.get_object(Bucket="packs-bucket", Key="small.json")["Body"].read() == b"{}"
        url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
        (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
        assert message["Body"] == "render pck_1"
        redrive = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
        assert "jobs-dlq" in redrive["Attributes"]["RedrivePolicy"]
        # the restored moto goes on working: new writes, a conditional write refused as before
        s3.put_object(Bucket="packs-bucket", Key="later", Body=b"x")
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(
                TableName="t",
                Item={"pk": {"S": "brand"}},
                ConditionExpression="attribute_not_exists(pk)",
            )


def test_a_body_is_stored_once_and_dropped_with_its_last_object(saved: Path) -> None:
    digest = hashlib.sha256(BIG).hexdigest()
    assert [p.name for p in (saved / "blobs").iterdir()] == [digest]
    with mock_aws():
        state = LocalAwsState(saved)
        state.restore()
        _, s3, _ = _clients()
        s3.delete_object(Bucket="packs-bucket", Key="packs/one.zip")
        state.changed({"s3"})
        state.flush()
        assert (saved / "blobs" / digest).exists()  # packs/same.zip still has it
        s3.delete_object(Bucket="packs-bucket", Key="packs/same.zip")
        state.changed({"s3"})
        state.flush()
        assert not (saved / "blobs" / digest).exists()


def test_a_write_cut_short_leaves_the_previous_snapshot(saved: Path) -> None:
    before = (saved / "dynamodb.pickle").read_bytes()
    (saved / ".dynamodb.pickle.123.456.tmp").write_bytes(before[: len(before) // 2])
    with mock_aws():
        assert LocalAwsState(saved).restore() == list(SERVICES)
        ddb, _, _ = _clients()
        assert ddb.get_item(TableName="t", Key={"pk": {"S": "brand"}})["Item"]
    assert not list(saved.glob(".*.tmp"))


def test_an_unreadable_snapshot_is_refused_with_the_way_out(saved: Path) -> None:
    (saved / "sqs.pickle").write_bytes(b"not a pickle")
    with mock_aws(), pytest.raises(StateError, match="make run FRESH=1"):
        LocalAwsState(saved).restore()


def test_nothing_is_written_until_something_changed(tmp_path: Path) -> None:
    with mock_aws():
        state = LocalAwsState(tmp_path)
        state.restore()
        assert state.flush() == []
        assert not list(tmp_path.glob("*.pickle"))


@pytest.mark.parametrize(
    ("environ", "service", "changes"),
    [
        ({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.Query"}, "dynamodb", set()),
        ({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.TransactWriteItems"}, "dynamodb", {"dynamodb"}),
        ({"HTTP_X_AMZ_TARGET": "AmazonSQS.GetQueueUrl"}, "sqs", set()),
        ({"HTTP_X_AMZ_TARGET": "AmazonSQS.ReceiveMessage"}, "sqs", {"sqs"}),
        ({"REQUEST_METHOD": "GET", "PATH_INFO": "/packs-bucket/k"}, "s3", set()),
        ({"REQUEST_METHOD": "PUT", "PATH_INFO": "/packs-bucket/k"}, "s3", {"s3"}),
        ({"REQUEST_METHOD": "POST", "CONTENT_TYPE": "multipart/form-data; x"}, "s3", {"s3"}),
        ({"REQUEST_METHOD": "POST", "PATH_INFO": "/moto-api/reset"}, "other", set(SERVICES)),
        (
            {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded"},
            "other",
            set(SERVICES),
        ),
    ],
)
def test_requests_are_classified_as_reads_or_changes(
    environ: dict[str, Any], service: str, changes: set[str]
) -> None:
    assert classify(environ) == (service, changes)
