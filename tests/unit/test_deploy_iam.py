"""Generated IAM policies: no drift, named resources only, and the evaluator's mapping rules."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from chalicelib import resources
from deploy import iam
from deploy.iam_check import Call, evaluate, required
from tests.conftest import ROOT

DATA_SERVICES = ("dynamodb:", "sqs:", "s3:")


def test_policy_files_are_exactly_what_the_grants_generate() -> None:
    """Edit deploy/iam.py, then run ``python -m local.write_config``."""
    for path, text in iam.policy_files().items():
        assert path.exists(), f"missing {path.name}: run python -m local.write_config"
        assert path.read_text() == text, f"{path.name} drifted: run python -m local.write_config"
    generated = {p.name for p in iam.policy_files()}
    on_disk = {p.name for p in (ROOT / ".chalice").glob("policy-*.json")}
    assert on_disk == generated


@pytest.mark.parametrize("stage", sorted(resources.LOG_LEVELS))
def test_every_function_uses_its_own_policy_without_autogen(stage: str) -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"][stage]
    assert config["autogen_policy"] is False
    functions = config["lambda_functions"]
    assert set(functions) == {f.name for f in resources.functions()}
    for name, settings in functions.items():
        assert settings["iam_policy_file"] == resources.policy_file(stage, name)
        assert (ROOT / ".chalice" / settings["iam_policy_file"]).exists()


def named(arn: str) -> str:
    """The resource name in an ARN: table, queue or bucket (object patterns may follow it)."""
    path = arn.rsplit(":", 1)[1]
    return path.split("/")[1] if path.startswith("table/") else path.split("/")[0]


@pytest.mark.parametrize("stage", sorted(resources.LOG_LEVELS))
@pytest.mark.parametrize("function", [f.name for f in resources.functions()])
def test_data_actions_name_their_resources(stage: str, function: str) -> None:
    policy = iam.policy(stage, function)
    # Chalice attaches it inline: IAM caps a role's inline policies at 10,240 characters.
    assert len(json.dumps(policy, separators=(",", ":"))) < 10_240
    sids = [s["Sid"] for s in policy["Statement"]]
    assert len(sids) == len(set(sids))
    for statement in policy["Statement"]:
        actions = statement["Action"]
        resource = statement["Resource"]
        assert isinstance(resource, str) and resource != "*"
        assert f"atelier-{stage}" in resource
        if any(a.startswith(DATA_SERVICES) for a in actions):
            assert "*" not in named(resource), resource


def test_a_function_without_grants_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match=r"add an entry to deploy/iam\.py"):
        iam.policy("prod", "nightly_report_worker")


def test_consumers_get_their_event_source_queue_only() -> None:
    policy = iam.policy("prod", "render_final_worker")
    (source,) = [s for s in policy["Statement"] if s["Sid"] == "PlatformEventSource"]
    assert source["Resource"] == "arn:aws:sqs:*:*:atelier-prod-render-final"
    assert "sqs:ReceiveMessage" in source["Action"]
    api = iam.policy("prod", "api_handler")
    assert not [s for s in api["Statement"] if s["Sid"] == "PlatformEventSource"]


@pytest.mark.parametrize(
    ("function", "queue"),
    [
        ("render_preview_worker", "render-preview"),
        ("render_final_worker", "render-final"),
        ("export_manufacturing_worker", "export-manufacturing"),
    ],
)
def test_a_worker_may_postpone_a_failed_delivery_of_its_own_queue(
    function: str, queue: str
) -> None:
    """What chalicelib.queue.retry_after calls after a passing failure (a retry with
    backoff): without these grants the backoff would be denied and fall back to 30 minutes."""
    name = f"atelier-prod-{queue}"
    url = f"https://sqs.us-east-1.amazonaws.com/123456789012/{name}"
    calls = [
        Call(function, "sqs", "GetQueueUrl", {"QueueName": name}),
        Call(
            function,
            "sqs",
            "ChangeMessageVisibility",
            {"QueueUrl": url, "ReceiptHandle": "r", "VisibilityTimeout": 20},
        ),
    ]
    verdict = evaluate(iam.policy("prod", function), calls, exempt=lambda sid: True)
    assert not verdict.denied, verdict.denied


def call(service: str, operation: str, **params: object) -> Call:
    return Call("fn", service, operation, dict(params))


def test_transactions_need_each_items_action_on_its_table() -> None:
    items = [
        {"Put": {"TableName": "t1"}},
        {"Update": {"TableName": "t2"}},
        {"ConditionCheck": {"TableName": "t1"}},
    ]
    needs = required(call("dynamodb", "TransactWriteItems", TransactItems=items))
    assert [(n.action, n.resource.rsplit("/", 1)[1]) for n in needs] == [
        ("dynamodb:PutItem", "t1"),
        ("dynamodb:UpdateItem", "t2"),
        ("dynamodb:ConditionCheckItem", "t1"),
    ]


def test_s3_operations_map_to_their_iam_actions() -> None:
    head = required(call("s3", "HeadObject", Bucket="b", Key="k/1"))
    assert [(n.action, n.resource) for n in head] == [("s3:GetObject", "arn:aws:s3:::b/k/1")]
    tagged = required(call("s3", "PutObject", Bucket="b", Key="k", Tagging="a=b"))
    assert {n.action for n in tagged} == {"s3:PutObject", "s3:PutObjectTagging"}
    query = required(call("dynamodb", "Query", TableName="t", IndexName="by_brand"))
    assert query[0].resource.endswith(":table/t/index/by_brand")
    with pytest.raises(ValueError, match="no IAM mapping"):
        required(call("s3", "PutBucketPolicy", Bucket="b"))


def test_evaluator_matches_wildcards_and_reports_unused_grants() -> None:
    policy = {
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": "arn:aws:s3:::b/*/renders/*",
            },
            {
                "Sid": "B",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": "arn:aws:s3:::b/*/packs/*",
            },
        ]
    }
    read = call("s3", "GetObject", Bucket="b", Key="br_1/renders/x/preview.png")
    verdict = evaluate(policy, [read])
    assert not verdict.denied
    assert verdict.unused == [("B", "s3:PutObject", "arn:aws:s3:::b/*/packs/*")]
    outside = call("s3", "GetObject", Bucket="b", Key="br_1/uploads/x")
    assert evaluate(policy, [outside]).denied


def test_every_lambda_function_of_the_app_has_settings_and_a_policy() -> None:
    """A new @app.schedule / @app.on_sqs_message needs a resources.py entry and IAM grants."""
    script = (
        "import json, app; a = app.app;"
        "print(json.dumps(sorted([s.name for s in a.event_sources]"
        " + [f.name for f in a.pure_lambda_functions] + ['api_handler'])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    in_app = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert in_app == {f.name for f in resources.functions()}
    assert in_app == set(iam.ACCESS)


def test_api_is_small_and_fast_renderers_are_larger_and_workers_capped() -> None:
    """Renders and packs need the memory (and its CPU); webhook POSTs and retention's reads
    and deletes do not. Each scheduled job runs one invocation at a time."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]
    assert config["lambda_architecture"] == "arm64"
    functions = config["lambda_functions"]
    api = functions.pop("api_handler")
    assert api["lambda_timeout"] <= 29  # API Gateway's integration timeout
    renderers = ("render_preview_worker", "render_final_worker", "export_manufacturing_worker")
    for name in renderers:
        assert functions[name]["lambda_memory_size"] > api["lambda_memory_size"], name
    for queue in resources.QUEUES:
        settings = functions[queue.consumer]
        assert settings["reserved_concurrency"] >= 2, queue.consumer  # SQS concurrency floor
    assert functions["retention"]["reserved_concurrency"] == 1
    assert functions["webhook_outbox"]["reserved_concurrency"] == 1
    assert functions["webhook_outbox"]["lambda_memory_size"] < api["lambda_memory_size"]
    for settings in [api, *functions.values()]:
        assert settings["log_retention_in_days"] == resources.LOG_RETENTION_DAYS["prod"]
