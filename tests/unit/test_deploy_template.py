"""The resources template deploys into moto's CloudFormation, creating what provision() creates."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import resources
from deploy import template
from tests.conftest import reset_aws_connections

STAGE = "dev"


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "ATELIER_STAGE": STAGE,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_aws_connections()
    yield
    reset_aws_connections()


def inventory() -> dict[str, Any]:
    """Everything the drift check compares: tables, queues (+ redrive), buckets (names)."""
    ddb, sqs, s3 = (boto3.client(s, region_name="us-east-1") for s in ("dynamodb", "sqs", "s3"))
    tables = {}
    for name in ddb.list_tables()["TableNames"]:
        table = ddb.describe_table(TableName=name)["Table"]
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        tables[name] = {
            "keys": sorted((k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]),
            "attributes": sorted(
                (a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]
            ),
            "indexes": sorted(
                (
                    i["IndexName"],
                    tuple(sorted((k["AttributeName"], k["KeyType"]) for k in i["KeySchema"])),
                    i["Projection"]["ProjectionType"],
                )
                for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
                for i in table.get(kind, [])
            ),
            "billing": table["BillingModeSummary"]["BillingMode"],
            "ttl": ttl.get("AttributeName") if ttl["TimeToLiveStatus"] == "ENABLED" else None,
        }
    queues = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attrs.get("RedrivePolicy", "null")) or {}
        queues[url.rsplit("/", 1)[1]] = {
            "visibility": int(attrs["VisibilityTimeout"]),
            "dlq": redrive.get("deadLetterTargetArn", ":").rsplit(":", 1)[1],
            "max_receive": int(redrive.get("maxReceiveCount", 0)),
        }
    buckets = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    return {"tables": tables, "queues": queues, "buckets": buckets}


def deploy_stack(body: dict[str, Any]) -> list[dict[str, Any]]:
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(StackName=f"atelier-{STAGE}-resources", TemplateBody=json.dumps(body))
    stack = cfn.describe_stacks(StackName=f"atelier-{STAGE}-resources")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    return list(stack["Outputs"])


def test_template_creates_exactly_what_provision_creates(fake_aws: None) -> None:
    with mock_aws():
        resources.provision()
        provisioned = inventory()
    reset_aws_connections()
    body = template.build(STAGE)
    with mock_aws():
        deploy_stack(body)
        deployed = inventory()
    # moto's CloudFormation creates tables without their TimeToLiveSpecification: take it from
    # the template, so the comparison still proves the TTL attributes match the models'.
    for resource in body["Resources"].values():
        props = resource["Properties"]
        if resource["Type"] == "AWS::DynamoDB::Table" and "TimeToLiveSpecification" in props:
            ttl = props["TimeToLiveSpecification"]
            assert deployed["tables"][props["TableName"]]["ttl"] is None  # moto limitation
            deployed["tables"][props["TableName"]]["ttl"] = ttl["AttributeName"]
    assert len(deployed["tables"]) == len(resources.TABLES)
    assert len(deployed["queues"]) == 2 * len(resources.QUEUES)
    assert deployed == provisioned
    # TTL comes from the models' TTLAttribute: the idempotency records expire.
    assert deployed["tables"][f"atelier-{STAGE}-idempotency"]["ttl"] == "expires_at"
    preview = deployed["queues"][f"atelier-{STAGE}-render-preview"]
    assert preview == {
        "visibility": 6 * 30,
        "dlq": f"atelier-{STAGE}-render-preview-dlq",
        "max_receive": 5,
    }


def test_outputs_carry_every_name_the_stage_environment_declares(fake_aws: None) -> None:
    with mock_aws():
        outputs = deploy_stack(template.build(STAGE))
    by_variable = {o["Description"]: o["OutputValue"] for o in outputs if "Description" in o}
    expected = resources.environment_variables(STAGE)
    expected.pop("ATELIER_STAGE")
    assert by_variable == expected


def test_bucket_is_encrypted_on_deploy(fake_aws: None) -> None:
    with mock_aws():
        deploy_stack(template.build(STAGE))
        s3 = boto3.client("s3", region_name="us-east-1")
        sse = s3.get_bucket_encryption(Bucket=f"atelier-{STAGE}-assets")
    rule = sse["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_bucket_is_private_versioned_and_expires_previews_by_tag() -> None:
    """moto's CloudFormation applies only a bucket's encryption and tags: the rest is read here
    from the template (and checked against the resource schema by cfn-lint in ``make package``)."""
    body = template.build("prod")
    (bucket,) = [r for r in body["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
    props = bucket["Properties"]
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["DeletionPolicy"] == "Retain"
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    expiry = resources.PREVIEW_EXPIRY
    tag = {"Key": expiry.tag_key, "Value": expiry.tag_value}
    assert rules[expiry.rule_id]["TagFilters"] == [tag]
    assert rules[expiry.rule_id]["ExpirationInDays"] == expiry.days
    # Browsers upload with a presigned POST policy, and read results with presigned GETs.
    assert props["CorsConfiguration"]["CorsRules"][0]["AllowedMethods"] == ["POST", "GET"]


def test_every_table_has_point_in_time_recovery_and_is_retained() -> None:
    body = template.build("prod")
    tables = [r for r in body["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == len(resources.TABLES)
    for table in tables:
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_each_dlq_has_a_depth_alarm_with_the_optional_topic() -> None:
    body = template.build("prod")
    alarms = [r["Properties"] for r in body["Resources"].values() if r["Type"].endswith("Alarm")]
    assert len(alarms) == len(resources.QUEUES)
    for alarm in alarms:
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
        assert alarm["AlarmActions"]["Fn::If"][0] == "HasAlarmTopic"
    dimensions = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms}
    dlqs = {template.logical_id(q.dlq_logical_name, "queue") for q in resources.QUEUES}
    assert dimensions == dlqs


def test_resources_template_has_no_cfn_lint_errors(tmp_path: Path) -> None:
    """``make package`` lints both stages with the SAM template; this keeps pytest alone honest."""
    path = tmp_path / "resources.json"
    path.write_text(json.dumps(template.build("prod")))
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
