"""``make deploy``: resources stack, then the app stack from the verified package, then checks.

1. The resources stack (:mod:`deploy.template`) is created or updated through a change set, as
   ``aws cloudformation deploy`` does; its outputs are the physical names.
2. Those names become the ``ATELIER_*`` environment variables of every function in the SAM
   template ``make package`` produced (the artefact that passed the native-wheel checks).
3. The app is deployed as its own stack from that template. Not ``chalice deploy``: it uploads the
   zip straight to Lambda, capped at 50 MB zipped, and ours is larger (numpy, Pillow, fontTools,
   ezdxf, botocore); CloudFormation takes it from S3 (250 MB unzipped limit) and rolls a failed
   update back by itself.
4. Every SQS event source mapping of the app's functions gets ``ReportBatchItemFailures`` and
   its maximum concurrency (aws/chalice#2029: Chalice never sets them). The packaged template
   already asks for both; this step enforces it on whatever is deployed and says what it changed.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import json
from typing import Any

from chalicelib import resources
from deploy import template
from deploy.package import ROOT, cfn_name

TEMPLATE_BODY_LIMIT = 51_200  # larger templates must be passed by S3 URL
BATCH_FAILURES = "ReportBatchItemFailures"


def deploy_stack(
    cfn: Any,
    name: str,
    body: dict[str, Any],
    *,
    parameters: dict[str, str] | None = None,
    template_url: str | None = None,
    capabilities: tuple[str, ...] = (),
) -> dict[str, str]:
    """Create or update a stack through a change set; returns its outputs. No change: no-op."""
    exists = _stack_exists(cfn, name)
    source = {"TemplateURL": template_url} if template_url else {"TemplateBody": json.dumps(body)}
    change_set = f"{name}-{hashlib.sha256(json.dumps(body).encode()).hexdigest()[:12]}"
    from botocore.exceptions import ClientError

    try:
        cfn.create_change_set(
            StackName=name,
            ChangeSetName=change_set,
            ChangeSetType="UPDATE" if exists else "CREATE",
            Parameters=[
                {"ParameterKey": k, "ParameterValue": v} for k, v in (parameters or {}).items()
            ],
            Capabilities=list(capabilities),
            **source,
        )
    except ClientError as exc:  # some endpoints refuse an empty change set outright
        if "No updates are to be performed" not in str(exc):
            raise
        print(f"{name}: no changes")
        return stack_outputs(cfn, name)
    described = _wait_for_change_set(cfn, name, change_set)
    if described["Status"] == "FAILED":
        reason = described.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            cfn.delete_change_set(StackName=name, ChangeSetName=change_set)
            print(f"{name}: no changes")
            return stack_outputs(cfn, name)
        raise RuntimeError(f"{name}: change set failed: {reason}")
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    waiter = "stack_update_complete" if exists else "stack_create_complete"
    cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 10, "MaxAttempts": 180})
    print(f"{name}: {'updated' if exists else 'created'}")
    return stack_outputs(cfn, name)


def _stack_exists(cfn: Any, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return bool(stacks) and stacks[0]["StackStatus"] != "REVIEW_IN_PROGRESS"


def _wait_for_change_set(cfn: Any, name: str, change_set: str) -> dict[str, Any]:
    from botocore.exceptions import WaiterError

    # A FAILED change set ends the waiter with an error; its status says why.
    with contextlib.suppress(WaiterError):
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=change_set, WaiterConfig={"Delay": 5}
        )
    described: dict[str, Any] = cfn.describe_change_set(StackName=name, ChangeSetName=change_set)
    return described


def stack_outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def stage_environment(stage: str, outputs: dict[str, str]) -> dict[str, str]:
    """The ``ATELIER_*`` variables of the stage, physical names taken from the stack outputs."""
    env = dict(resources.chalice_config()["stages"][stage]["environment_variables"])
    for variable in resources.environment_variables(stage):
        if variable == "ATELIER_STAGE":
            continue
        key = template.output_key(variable)
        if key not in outputs:
            raise KeyError(f"the resources stack has no output {key} for {variable}")
        env[variable] = outputs[key]
    return env


def with_environment(sam: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """The SAM template with ``env`` as every function's environment variables."""
    out: dict[str, Any] = copy.deepcopy(sam)
    for resource in out["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["Environment"] = {"Variables": dict(env)}
    return out


def with_code_in_s3(sam: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    out: dict[str, Any] = copy.deepcopy(sam)
    for resource in out["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = {"Bucket": bucket, "Key": key}
    return out


def enable_batch_failures(lambda_client: Any, function_names: list[str]) -> list[str]:
    """Turn on partial batch responses (and the concurrency cap) on every SQS event source."""
    caps = {cfn_name(q.consumer): q.consumer_concurrency for q in resources.QUEUES}
    changed = []
    for function in function_names:
        cap = next((v for k, v in caps.items() if k in function), None)
        paginator = lambda_client.get_paginator("list_event_source_mappings")
        for page in paginator.paginate(FunctionName=function):
            for mapping in page["EventSourceMappings"]:
                if ":sqs:" not in mapping.get("EventSourceArn", ""):
                    continue
                update: dict[str, Any] = {}
                if BATCH_FAILURES not in mapping.get("FunctionResponseTypes", []):
                    update["FunctionResponseTypes"] = [BATCH_FAILURES]
                current = mapping.get("ScalingConfig", {}).get("MaximumConcurrency")
                if cap is not None and current != cap:
                    update["ScalingConfig"] = {"MaximumConcurrency": cap}
                if update:
                    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], **update)
                    changed.append(mapping["UUID"])
    return changed


def _app_functions(cfn: Any, stack: str) -> list[str]:
    paginator = cfn.get_paginator("list_stack_resources")
    return [
        r["PhysicalResourceId"]
        for page in paginator.paginate(StackName=stack)
        for r in page["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::Lambda::Function"
    ]


def deploy(stage: str, artifact_bucket: str, alarm_topic_arn: str = "") -> None:
    import boto3

    dist = ROOT / "dist" / stage
    sam_path, zip_path = dist / "sam.json", dist / "deployment.zip"
    if not (sam_path.exists() and zip_path.exists()):
        raise SystemExit(f"{dist} has no package: run make package STAGE={stage} first")
    cfn, s3 = boto3.client("cloudformation"), boto3.client("s3")
    outputs = deploy_stack(
        cfn,
        f"atelier-{stage}-resources",
        template.build(stage),
        parameters={"AlarmTopicArn": alarm_topic_arn},
    )
    env = stage_environment(stage, outputs)
    digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()
    code_key = f"atelier/{stage}/{digest}.zip"  # kept: redeploying an old package is a rollback
    s3.upload_file(str(zip_path), artifact_bucket, code_key)
    sam = with_code_in_s3(
        with_environment(json.loads(sam_path.read_text()), env), artifact_bucket, code_key
    )
    body = json.dumps(sam).encode()
    template_key = f"atelier/{stage}/{hashlib.sha256(body).hexdigest()}.template.json"
    s3.put_object(Bucket=artifact_bucket, Key=template_key, Body=body)
    url = f"https://{artifact_bucket}.s3.amazonaws.com/{template_key}"
    app_stack = f"atelier-{stage}"
    deploy_stack(
        cfn,
        app_stack,
        sam,
        template_url=url if len(body) > TEMPLATE_BODY_LIMIT else None,
        capabilities=("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"),
    )
    changed = enable_batch_failures(boto3.client("lambda"), _app_functions(cfn, app_stack))
    print(f"event source mappings updated: {changed or 'none (already set)'}")
    print(json.dumps(stack_outputs(cfn, app_stack), indent=2))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy deploy")
    parser.add_argument("stage", choices=sorted(resources.LOG_LEVELS))
    parser.add_argument("--artifact-bucket", required=True, help="S3 bucket for packages")
    parser.add_argument("--alarm-topic-arn", default="", help="SNS topic for DLQ alarms")
    args = parser.parse_args(argv)
    deploy(args.stage, args.artifact_bucket, args.alarm_topic_arn)
    return 0
