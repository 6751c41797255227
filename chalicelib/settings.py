"""Settings read lazily from the environment.

Chalice's test client (and ``chalice local``) put the stage's environment variables into
``os.environ`` only while a request runs, so nothing here may be read at import time. Every caller
asks :func:`get_settings` when it needs a value; the result is cached per environment snapshot, so
the cost is one tuple comparison per call.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

_PREFIX = "ATELIER_"

ResourceKind = Literal["table", "queue", "bucket"]


class Settings(BaseModel):
    """What the code needs to know about where it runs."""

    model_config = ConfigDict(frozen=True)

    stage: str = "dev"
    region: str = "us-east-1"
    endpoint_url: str | None = None
    log_level: str = "INFO"
    max_body_bytes: int = 1024 * 1024
    # Outbound webhook URL rules. Strict (https, ports below, public addresses only) on every
    # stage; only the local stack sets ``ATELIER_WEBHOOK_URL_POLICY=local`` (local/stack.py) to
    # reach receivers on loopback over http. Any other value is strict: the switch fails closed.
    webhook_strict_urls: bool = True
    webhook_ports: tuple[int, ...] = (443, 80)
    # Physical resource names, keyed by logical name ("brands", "render-preview", ...). A name that
    # is not set here falls back to the stage-derived default of the resource definition.
    resource_names: dict[str, str] = {}

    def physical_name(self, kind: ResourceKind, logical: str) -> str:
        """The real name of a table, queue or bucket in this stage.

        ``ATELIER_<KIND>_<LOGICAL>`` (e.g. ``ATELIER_TABLE_BRANDS``) wins, so a deploy can write the
        names its stack produced; otherwise ``atelier-<stage>-<logical>``.
        """
        env_var = f"{_PREFIX}{kind.upper()}_{logical.upper().replace('-', '_')}"
        return self.resource_names.get(env_var) or f"atelier-{self.stage}-{logical}"


def _snapshot() -> tuple[tuple[str, str], ...]:
    keys = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION")
    return tuple(
        sorted((k, v) for k, v in os.environ.items() if k.startswith(_PREFIX) or k in keys)
    )


@lru_cache(maxsize=8)
def _build(snapshot: tuple[tuple[str, str], ...]) -> Settings:
    env = dict(snapshot)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    return Settings(
        stage=env.get("ATELIER_STAGE", "dev"),
        region=region,
        endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        log_level=env.get("ATELIER_LOG_LEVEL", "INFO"),
        max_body_bytes=int(env.get("ATELIER_MAX_BODY_BYTES", str(1024 * 1024))),
        webhook_strict_urls=env.get("ATELIER_WEBHOOK_URL_POLICY", "strict") != "local",
        webhook_ports=_ports(env.get("ATELIER_WEBHOOK_PORTS", "443,80")),
        resource_names={
            k: v
            for k, v in env.items()
            if k.startswith(("ATELIER_TABLE_", "ATELIER_QUEUE_", "ATELIER_BUCKET_"))
        },
    )


def _ports(text: str) -> tuple[int, ...]:
    """``"443,8443"`` → (443, 8443); a port outside 1..65535 is a configuration error."""
    ports = tuple(int(p) for p in text.split(",") if p.strip())
    if not ports or any(not 0 < p < 65536 for p in ports):
        raise ValueError(f"ATELIER_WEBHOOK_PORTS must list ports 1-65535: {text!r}")
    return ports


def get_settings() -> Settings:
    """The settings for the environment as it is right now."""
    return _build(_snapshot())
