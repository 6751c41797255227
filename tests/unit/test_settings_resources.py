"""Settings are read lazily; the resource definition is the single source of names."""

from __future__ import annotations

import json

import pytest

from chalicelib import resources
from chalicelib.settings import get_settings
from tests.conftest import ROOT


def test_settings_follow_the_environment_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_STAGE", "one")
    assert get_settings().physical_name("table", "brands") == "atelier-one-brands"
    monkeypatch.setenv("ATELIER_STAGE", "two")
    assert get_settings().physical_name("table", "brands") == "atelier-two-brands"


def test_explicit_resource_name_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATELIER_QUEUE_RENDER_PREVIEW", "prod-previews-7f3a")
    assert get_settings().physical_name("queue", "render-preview") == "prod-previews-7f3a"


def test_model_table_name_is_lazy(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.store.models import BrandModel

    monkeypatch.setenv("ATELIER_STAGE", "lazy")
    assert BrandModel.Meta.table_name == "atelier-lazy-brands"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_chalice_config_declares_every_resource_of_the_definition(stage: str) -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    declared = config["stages"][stage]["environment_variables"]
    for name, value in resources.environment_variables(stage).items():
        assert declared.get(name) == value, name


def test_every_work_queue_has_a_dlq_and_safe_visibility() -> None:
    names = {q.logical_name for q in resources.QUEUES}
    assert {"render-preview", "render-final", "export-manufacturing", "webhook-delivery"} <= names
    for q in resources.QUEUES:
        assert q.dlq_logical_name == f"{q.logical_name}-dlq"
        assert q.visibility_timeout_s >= 6 * q.consumer_timeout_s
    assert resources.MAX_RECEIVE_COUNT == 5


def test_tables_are_described_by_their_models() -> None:
    names = {resources.table_logical_name(m) for m in resources.TABLES}
    assert names == {
        "brands",
        "api-keys",
        "idempotency",
        "products",
        "product-versions",
        "assets",
        "specs",
        "snapshots",
        "renders",
        "profiles",
        "packs",
        "orders",
        "rate-limits",
        "usage",
        "order-items",
        "migrations",
        "webhook-receipts",
        "brand-secrets",
        "webhook-endpoints",
        "events",
        "webhook-deliveries",
    }


def test_chalice_config_is_exactly_what_the_definition_generates() -> None:
    """Edit chalicelib/resources.py, then run ``python -m local.write_config``."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert config == resources.chalice_config()
    for queue in resources.QUEUES:
        settings = config["stages"]["prod"]["lambda_functions"][queue.consumer]
        assert settings["lambda_timeout"] == queue.consumer_timeout_s


@pytest.mark.parametrize("policy", [None, "", "strict", "relaxed", "LOCAL", "dev"])
def test_webhook_urls_are_strict_unless_the_local_switch_is_set(
    monkeypatch: pytest.MonkeyPatch, policy: str | None
) -> None:
    """Issue 22, finding 4: the stage name never relaxes the rules; only "local" does."""
    monkeypatch.setenv("ATELIER_STAGE", "dev")
    if policy is None:
        monkeypatch.delenv("ATELIER_WEBHOOK_URL_POLICY", raising=False)
    else:
        monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", policy)
    assert get_settings().webhook_strict_urls is True
    monkeypatch.setenv("ATELIER_WEBHOOK_URL_POLICY", "local")
    assert get_settings().webhook_strict_urls is False


def test_no_deployed_stage_carries_the_local_switch() -> None:
    for name, stage in resources.chalice_config()["stages"].items():
        assert "ATELIER_WEBHOOK_URL_POLICY" not in stage["environment_variables"], name


def test_webhook_ports_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATELIER_WEBHOOK_PORTS", raising=False)
    assert get_settings().webhook_ports == (443, 80)
    monkeypatch.setenv("ATELIER_WEBHOOK_PORTS", "443, 8443")
    assert get_settings().webhook_ports == (443, 8443)
    monkeypatch.setenv("ATELIER_WEBHOOK_PORTS", "0")
    with pytest.raises(ValueError):
        get_settings()
