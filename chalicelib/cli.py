"""Ops CLI: ``python -m chalicelib.cli brands create --name NAME --origin URL ...``.

It talks to whatever the environment points at: a real AWS account (credentials and
``ATELIER_STAGE``/table variables) or the local stack (``AWS_ENDPOINT_URL`` set, as ``make run``
prints). With neither ``AWS_ENDPOINT_URL`` nor ``ATELIER_STAGE`` set it looks for the local
stack's ``.local/demo.json`` (``ATELIER_STATE_DIR``) and uses the environment written there, so
the README's commands work as pasted while ``make run`` is up; it says so on stderr.
Output is JSON on stdout so scripts can use it; errors go to stderr with a non-zero exit, and
name the real problem (no credentials, nothing listening, no such table) rather than a guess.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from chalicelib.errors import AtelierError
from chalicelib.store import brands, migration, webhooks


def _key_json(key: brands.ApiKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "prefix": key.prefix,
        "brand_id": key.brand_id,
        "kind": key.kind,
        "label": key.label,
        "created_at": key.created_at.isoformat(),
        "revoked": key.revoked,
    }


def create_brand_with_keys(name: str, origins: list[str]) -> dict[str, Any]:
    """A brand with one publishable and one secret key: what a new tenant needs to start."""
    brand = brands.create_brand(name, origins)
    _, publishable = brands.create_key(brand.brand_id, "publishable", "default")
    _, secret = brands.create_key(brand.brand_id, "secret", "default")
    return {
        "brand_id": brand.brand_id,
        "name": brand.name,
        "origins": list(brand.origins),
        "publishable_key": publishable,
        "secret_key": secret,
    }


class ProgressBar:
    """A text bar on stderr, redrawn per page: in place on a terminal, one line per page when
    piped (so a log, or a test waiting for the first page, sees every update)."""

    WIDTH = 30

    def __init__(self, total: int) -> None:
        self.total = total
        self.tty = sys.stderr.isatty()

    def __call__(self, counts: migration.Counts) -> None:
        done = counts.processed
        share = min(1.0, done / self.total) if self.total else 0.0
        filled = int(share * self.WIDTH)
        line = (
            f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {done}/~{self.total} "
            f"orders | migrated {counts.migrated} | already {counts.already_migrated} "
            f"| invalid {counts.invalid_count}"
        )
        print(("\r" if self.tty else "") + line, end="" if self.tty else "\n", file=sys.stderr)
        sys.stderr.flush()


def _migrate(args: argparse.Namespace) -> Any:
    if args.action == "shopify-shops":
        return webhooks.record_shop_pins(args.brand)
    if args.action == "secret-key-counts":
        return brands.backfill_secret_key_counts()
    if args.action == "seed-legacy":
        ids = migration.seed_legacy_orders(
            args.brand, args.product, args.snapshot, args.count, invalid_every=args.invalid_every
        )
        return {"brand_id": args.brand, "seeded": len(ids)}
    bar = ProgressBar(migration.estimate_total(args.brand))
    report = migration.migrate_order_items(
        brand_id=args.brand, dry_run=args.dry_run, page_size=args.page_size, on_page=bar
    )
    if bar.tty:
        print(file=sys.stderr)
    return report.as_json()


def _retention(args: argparse.Namespace) -> Any:
    from chalicelib.jobs import retention

    policy = retention.policy_from_env(
        now=args.now,
        dry_run=args.dry_run,
        brand_id=args.brand,
        draft_days=args.draft_days,
        upload_days=args.upload_days,
        page_size=args.page_size,
        max_deletes=args.max_deletes,
    )
    return retention.run(policy).as_json()


def _webhooks(args: argparse.Namespace) -> Any:
    from chalicelib.jobs import outbox

    summary = outbox.sweep(args.now, brand_id=args.brand, max_events=args.max_events)
    return summary.as_json()


def _run(args: argparse.Namespace) -> Any:
    if args.group == "webhooks":
        return _webhooks(args)
    if args.group == "migrate":
        return _migrate(args)
    if args.group == "retention":
        return _retention(args)
    if args.group == "brands" and args.action == "create":
        return create_brand_with_keys(args.name, args.origin or [])
    if args.group == "brands" and args.action == "rate-limit":
        brand = brands.set_rate_limit(
            args.brand, args.kind, args.route_class, args.capacity, args.per
        )
        return {"brand_id": brand.brand_id, "rate_limits": brand.rate_limits}
    if args.group == "brands" and args.action == "quota":
        brand = brands.set_quota(args.brand, args.kind, args.per_day)
        return {"brand_id": brand.brand_id, "quotas": brand.quotas}
    if args.group == "brands" and args.action == "shopify-secret":
        webhooks.set_shopify_secret(args.brand, args.secret, args.shop)
        shops = webhooks.get_shopify_settings(args.brand).shops
        return {"brand_id": args.brand, "shopify_secret": "set", "shopify_shops": list(shops)}
    if args.group == "brands" and args.action == "origins":
        brand = brands.set_origins(brands.get_brand(args.brand).brand_id, args.origin or [])
        return {"brand_id": brand.brand_id, "origins": list(brand.origins)}
    if args.action == "create":
        key, plaintext = brands.create_key(args.brand, args.kind, args.label)
        return {**_key_json(key), "key": plaintext}
    if args.action == "revoke":
        return _key_json(brands.revoke_key(args.brand, args.key_id))
    return [_key_json(k) for k in brands.list_keys(args.brand)]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m chalicelib.cli", description=__doc__)
    groups = p.add_subparsers(dest="group", required=True)

    b = groups.add_parser("brands", help="create brands").add_subparsers(
        dest="action", required=True
    )
    bc = b.add_parser("create", help="create a brand with a pk_ and an sk_ key")
    bc.add_argument("--name", required=True)
    bc.add_argument("--origin", action="append", help="allowed origin (repeatable)")
    br = b.add_parser("rate-limit", help="override one rate limit bucket for a brand's keys")
    br.add_argument("--brand", required=True)
    br.add_argument("--kind", choices=["publishable", "secret"], required=True)
    br.add_argument(
        "--class",
        dest="route_class",
        required=True,
        choices=["read", "validate", "create", "render"],
    )
    br.add_argument("--capacity", type=int, required=True, help="requests per period")
    br.add_argument("--per", type=float, default=60.0, help="period in seconds")
    bq = b.add_parser("quota", help="set a brand's daily render quota")
    bq.add_argument("--brand", required=True)
    bq.add_argument("--kind", choices=["preview", "final"], required=True)
    bq.add_argument("--per-day", type=int, required=True)
    bs = b.add_parser("shopify-secret", help="set the secret Shopify signs webhooks with")
    bs.add_argument("--brand", required=True)
    bs.add_argument("--secret", required=True)
    bs.add_argument(
        "--shop",
        action="append",
        help="shop domain (name.myshopify.com) whose webhooks the brand accepts (repeatable; "
        "replaces the list; without it the first signed delivery's domain is pinned)",
    )
    bo = b.add_parser("origins", help="replace a brand's allowed origins")
    bo.add_argument("--brand", required=True)
    bo.add_argument("--origin", action="append")

    k = groups.add_parser("keys", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    kc = k.add_parser("create")
    kc.add_argument("--brand", required=True)
    kc.add_argument("--kind", choices=["publishable", "secret"], required=True)
    kc.add_argument("--label", default="")
    kr = k.add_parser("revoke")
    kr.add_argument("--brand", required=True)
    kr.add_argument("--key-id", required=True)
    kl = k.add_parser("list")
    kl.add_argument("--brand", required=True)
    _migrate_parser(groups)
    _retention_parser(groups)
    _webhooks_parser(groups)
    return p


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _migrate_parser(groups: Any) -> None:
    m = groups.add_parser("migrate", help="data migrations").add_subparsers(
        dest="action", required=True
    )
    mo = m.add_parser(
        "order-items",
        help="create the items of orders written before items existed (idempotent, resumable)",
    )
    mo.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    mo.add_argument("--brand", default=None, help="one brand only (default: every brand)")
    mo.add_argument("--page-size", type=_positive, default=migration.PAGE_SIZE)
    mp = m.add_parser(
        "shopify-shops",
        help="pin brands with Shopify orders to their shop domain (or require proof for it)",
    )
    mp.add_argument("--brand", default=None, help="one brand only (default: every brand)")
    m.add_parser(
        "secret-key-counts",
        help="store each brand's active secret key count (brands from before it; idempotent)",
    )
    ms = m.add_parser("seed-legacy", help="write legacy-shaped orders (local stack and tests)")
    ms.add_argument("--brand", required=True)
    ms.add_argument("--product", required=True)
    ms.add_argument("--snapshot", required=True)
    ms.add_argument("--count", type=_positive, required=True)
    ms.add_argument("--invalid-every", type=int, default=0, help="every K-th order has quantity 0")


def _instant(text: str) -> datetime:
    from chalicelib.jobs.retention import parse_now

    try:
        value = parse_now(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from exc
    assert value is not None
    return value


def _retention_parser(groups: Any) -> None:
    r = groups.add_parser(
        "retention", help="expire old drafts, their previews and unlinked uploads"
    ).add_subparsers(dest="action", required=True)
    rr = r.add_parser("run", help="one pass (what the daily scheduled Lambda runs)")
    rr.add_argument("--dry-run", action="store_true", help="count only; delete nothing")
    rr.add_argument("--now", type=_instant, default=None, help="pretend it is this instant (ISO)")
    rr.add_argument("--brand", default=None, help="one brand only (default: every brand)")
    rr.add_argument("--draft-days", type=_positive, default=None)
    rr.add_argument("--upload-days", type=_positive, default=None)
    rr.add_argument("--page-size", type=_positive, default=None)
    rr.add_argument("--max-deletes", type=_positive, default=None)


def _webhooks_parser(groups: Any) -> None:
    from chalicelib.jobs.outbox import MAX_EVENTS

    w = groups.add_parser("webhooks", help="outbound webhooks").add_subparsers(
        dest="action", required=True
    )
    ws = w.add_parser(
        "sweep", help="queue lost fan-outs of recent events (what the 5-minute Lambda runs)"
    )
    ws.add_argument("--now", type=_instant, default=None, help="pretend it is this instant (ISO)")
    ws.add_argument("--brand", default=None, help="one brand only (default: every brand)")
    ws.add_argument("--max-events", type=_positive, default=MAX_EVENTS)


ROOT = Path(__file__).resolve().parent.parent
LOCAL_HINT = (
    "To use the local stack, start it with `make run` (this CLI then finds .local/demo.json) or "
    "paste the `export` lines it prints; against AWS, set credentials and ATELIER_STAGE."
)


def local_stack_environment(environ: dict[str, str]) -> tuple[dict[str, str], Path] | None:
    """The local stack's AWS environment from its demo.json, when nothing names a target.

    Only when neither ``AWS_ENDPOINT_URL`` nor ``ATELIER_STAGE`` is set (either one means the
    caller chose where to go) and the file exists.
    """
    if environ.get("AWS_ENDPOINT_URL") or environ.get("ATELIER_STAGE"):
        return None
    state = Path(environ.get("ATELIER_STATE_DIR") or ".local")
    path = (state if state.is_absolute() else ROOT / state) / "demo.json"
    try:
        demo = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    written = demo.get("aws_environment")
    if isinstance(written, dict):
        return {str(k): str(v) for k, v in written.items()}, path
    endpoint = demo.get("aws_endpoint_url")  # a demo.json from before aws_environment
    if not isinstance(endpoint, str):
        return None
    fixed = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    region = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    return {"AWS_ENDPOINT_URL": endpoint, **fixed, **region, "ATELIER_STAGE": "dev"}, path


def aws_problem(exc: Exception) -> dict[str, str] | None:
    """``{"code", "message"}`` naming why an AWS call failed, from the exception or its causes;
    None when it is not an access problem (a bug: let it raise with its traceback)."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
    )

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, NoCredentialsError | NoRegionError):
            return {"code": "aws.not_configured", "message": f"{seen}. {LOCAL_HINT}"}
        if isinstance(seen, EndpointConnectionError):
            return {"code": "aws.unreachable", "message": f"{seen}. {LOCAL_HINT}"}
        if isinstance(seen, ClientError):
            error = seen.response.get("Error", {})
            code = str(error.get("Code", "ClientError"))
            message = f"AWS refused the call ({code}): {error.get('Message', seen)}"
            if code == "ResourceNotFoundException":
                message += " (is ATELIER_STAGE the deployed stage, and has `make deploy` run?)"
            return {"code": f"aws.{code}", "message": message}
        seen = seen.__cause__ or seen.__context__
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    local = local_stack_environment(dict(os.environ))
    if local is not None:
        os.environ.update(local[0])
        endpoint = local[0].get("AWS_ENDPOINT_URL", "")
        print(f"(local stack at {endpoint}, from {local[1]})", file=sys.stderr)
    try:
        result = _run(args)
    except AtelierError as exc:
        error = {"code": exc.code, "message": exc.message, "details": exc.details}
        print(json.dumps({"error": error}), file=sys.stderr)
        return 2
    except Exception as exc:
        problem = aws_problem(exc)
        if problem is None:
            raise
        print(json.dumps({"error": {**problem, "details": {}}}), file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
