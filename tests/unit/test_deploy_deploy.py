"""make deploy's steps against moto: stack change sets, outputs → environment, event sources."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import resources
from deploy import deploy, template

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


def test_resources_stack_is_created_then_left_alone(aws: None) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    body = template.build("prod")
    first = deploy.deploy_stack(
        cfn, "atelier-prod-resources", body, parameters={"AlarmTopicArn": ""}
    )
    again = deploy.deploy_stack(
        cfn, "atelier-prod-resources", body, parameters={"AlarmTopicArn": ""}
    )
    assert first == again  # moto leaves a change-set stack without outputs: see the next test
    stack = cfn.describe_stacks(StackName="atelier-prod-resources")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    (change_set,) = cfn.list_change_sets(StackName="atelier-prod-resources")["Summaries"]
    assert change_set["ExecutionStatus"] == "EXECUTE_COMPLETE"
    tables = boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
    assert "atelier-prod-brands" in tables


def test_stack_outputs_become_the_stage_environment(aws: None) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.create_stack(
        StackName="atelier-prod-resources", TemplateBody=json.dumps(template.build("prod"))
    )
    outputs = deploy.stack_outputs(cfn, "atelier-prod-resources")
    assert outputs[template.output_key("ATELIER_TABLE_BRANDS")] == "atelier-prod-brands"
    outputs[template.output_key("ATELIER_BUCKET_ASSETS")] = "renamed-bucket-7f3a"
    env = deploy.stage_environment("prod", outputs)
    expected = {
        **resources.environment_variables("prod"),
        "ATELIER_LOG_LEVEL": "INFO",
        "ATELIER_RETENTION_DRAFT_DAYS": "30",  # the stage's policy, not a resource name
        "ATELIER_RETENTION_UPLOAD_DAYS": "7",
    }
    expected["ATELIER_BUCKET_ASSETS"] = "renamed-bucket-7f3a"
    assert env == expected
    with pytest.raises(KeyError, match="AtelierTableBrands"):
        deploy.stage_environment("prod", {})


def test_environment_and_code_location_go_into_every_function() -> None:
    sam = {
        "Resources": {
            "APIHandler": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "./deployment.zip"},
            },
            "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {}},
        }
    }
    out = deploy.with_code_in_s3(deploy.with_environment(sam, {"A": "1"}), "bkt", "k.zip")
    props = out["Resources"]["APIHandler"]["Properties"]
    assert props == {
        "CodeUri": {"Bucket": "bkt", "Key": "k.zip"},
        "Environment": {"Variables": {"A": "1"}},
    }
    assert sam["Resources"]["APIHandler"]["Properties"] == {"CodeUri": "./deployment.zip"}


def _function(name: str) -> str:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {}\n")
    fn = boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
    )
    return str(fn["FunctionArn"])


def test_sqs_event_sources_get_partial_batch_failures_once(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    lam = boto3.client("lambda", region_name=REGION)
    names = []
    for queue in resources.QUEUES:
        url = sqs.create_queue(QueueName=f"atelier-prod-{queue.logical_name}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        name = f"atelier-prod-{deploy.cfn_name(queue.consumer)}-X1"
        _function(name)
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, BatchSize=1)
        names.append(name)
    changed = deploy.enable_batch_failures(lam, names)
    assert len(changed) == len(resources.QUEUES)
    for name, queue in zip(names, resources.QUEUES, strict=True):
        (mapping,) = lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": queue.consumer_concurrency}
    assert deploy.enable_batch_failures(lam, names) == []


def _mapping_page(**mapping: Any) -> dict[str, Any]:
    return {"EventSourceMappings": [mapping]}


def test_non_sqs_sources_are_left_alone() -> None:
    from botocore.stub import Stubber

    lam = boto3.client(
        "lambda", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(lam) as stub:
        stub.add_response(
            "list_event_source_mappings",
            _mapping_page(
                UUID="0b6f9a52-1f3e-4d0c-9a7e-2f3c4d5e6f70",
                EventSourceArn="arn:aws:kinesis:us-east-1:1:stream/s",
            ),
            {"FunctionName": "atelier-prod-Other"},
        )
        assert deploy.enable_batch_failures(lam, ["atelier-prod-Other"]) == []
        stub.assert_no_pending_responses()
