"""``make run``: a real local AWS (moto server), the API (``chalice local``) and the SQS poller.

Everything binds to 127.0.0.1. Ports and the state directory come from ``ATELIER_PORT`` (8000),
``ATELIER_MOTO_PORT`` (5055) and ``ATELIER_STATE_DIR`` (.local). The demo brand's keys are printed
and written to ``<state dir>/demo.json``. Ctrl-C (or SIGTERM) stops every part.

The local AWS's data is kept in ``<state dir>/aws`` across restarts (:mod:`local.aws_state`) and
the demo brand of the last run is reused with its keys; ``--fresh`` (``make run FRESH=1``)
forgets both.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


@dataclass(frozen=True)
class LocalConfig:
    api_port: int
    moto_port: int
    state_dir: Path

    @classmethod
    def from_env(cls) -> LocalConfig:
        state = Path(os.environ.get("ATELIER_STATE_DIR", str(ROOT / ".local")))
        return cls(
            api_port=int(os.environ.get("ATELIER_PORT", "8000")),
            moto_port=int(os.environ.get("ATELIER_MOTO_PORT", "5055")),
            state_dir=state if state.is_absolute() else ROOT / state,
        )

    @property
    def aws_state_dir(self) -> Path:
        """Where the local AWS keeps its data between runs (:mod:`local.aws_state`)."""
        return self.state_dir / "aws"

    def forget(self) -> None:
        """An empty start (``make run FRESH=1``): drop the saved data and the demo keys."""
        shutil.rmtree(self.aws_state_dir, ignore_errors=True)
        (self.state_dir / "demo.json").unlink(missing_ok=True)

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def aws_url(self) -> str:
        return f"http://{HOST}:{self.moto_port}"

    def aws_environment(self) -> dict[str, str]:
        """What points boto3 and pynamodb at the local AWS (dummy credentials, fixed region).

        It also relaxes the webhook URL rules (http and loopback receivers allowed): the one
        place that does, explicitly, so no deployed stage (``dev`` included) ever runs relaxed.
        """
        return {
            "ATELIER_WEBHOOK_URL_POLICY": "local",
            "AWS_ENDPOINT_URL": self.aws_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "ATELIER_STAGE": "dev",
        }


def wait_http(url: str, timeout_s: float, *, want: int = 200) -> None:
    """Poll ``url`` until it answers ``want``.

    Each probe waits for its answer (up to 10 s) rather than giving up after a moment: the API
    serves one request per worker at a time, so on a busy machine abandoned probes would pile up
    in its backlog, each still served, and no answer would ever arrive in time.
    """
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            wait = min(10.0, max(0.5, deadline - time.monotonic()))
            with urllib.request.urlopen(url, timeout=wait) as resp:
                if resp.status == want:
                    return
                last = resp.status
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer {want} within {timeout_s}s (last: {last})")


def start_moto(cfg: LocalConfig, log_file: Any) -> subprocess.Popen[bytes]:
    """The local AWS, its data restored from (and saved to) ``<state dir>/aws``.

    It runs in its own session, so a Ctrl-C in the terminal reaches only this process: the stack
    stops the API and the poller first and the local AWS last, which then saves what they wrote.
    """
    command = [sys.executable, "-m", "local.aws_server", "-H", HOST, "-p", str(cfg.moto_port)]
    proc = subprocess.Popen(
        [*command, "--state-dir", str(cfg.aws_state_dir)],
        env={**os.environ, **cfg.aws_environment()},  # the secret that checks POST policies
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    _healthy_or_stopped(proc, f"{cfg.aws_url}/moto-api/", 60)
    return proc


def start_api(cfg: LocalConfig, log_file: Any) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local.api_server",
            "--host",
            HOST,
            "--port",
            str(cfg.api_port),
            "--stage",
            "dev",
        ],
        cwd=ROOT,
        env={**os.environ, **cfg.aws_environment()},
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    # Seconds on an idle machine; a loaded 2-core one (a CI run beside other work) can take minutes.
    _healthy_or_stopped(proc, f"{cfg.api_url}/v1/health", 180)
    return proc


def _healthy_or_stopped(proc: subprocess.Popen[bytes], url: str, timeout_s: float) -> None:
    """Wait for ``url``; if it never answers, stop the process before raising, so a failed
    start leaves no server (and its workers) running on its own."""
    try:
        wait_http(url, timeout_s)
    except BaseException:
        _stop(proc)
        raise


def demo_origins(cfg: LocalConfig) -> list[str]:
    """The API's own origins: the demo page (/demo/...) is served by the API, so the widget's
    calls from it carry this Origin and the publishable key must allow it."""
    return [cfg.api_url, f"http://localhost:{cfg.api_port}"]


def seed_demo(cfg: LocalConfig) -> dict[str, Any]:
    """The demo brand, its keys, and where to reach everything; written to demo.json."""
    from chalicelib.cli import create_brand_with_keys

    brand = create_brand_with_keys("Demo Atelier", demo_origins(cfg))
    product_id = seed_demo_product(brand["brand_id"])
    coaster_id = seed_demo_product(brand["brand_id"], DEMO_COASTER)
    return _write_demo(cfg, {**brand, "product_id": product_id, "coaster_product_id": coaster_id})


def reuse_demo(cfg: LocalConfig) -> dict[str, Any] | None:
    """The demo brand of an earlier run, when the restored data still has it and its keys.

    Its keys stay the same (a shop being integrated keeps working); the addresses are
    rewritten, since the ports may differ from the last run, and the brand's origins follow.
    ``None`` (seed a new demo) when there is no earlier run or its data is gone.
    """
    from chalicelib.errors import AtelierError
    from chalicelib.store import brands, products

    path = cfg.state_dir / "demo.json"
    if not path.exists():
        return None
    earlier = json.loads(path.read_text())
    try:
        brand = brands.get_brand(earlier["brand_id"])
        for key in (earlier["publishable_key"], earlier["secret_key"]):
            brands.authenticate(f"Bearer {key}")
        products.get_product(brand.brand_id, earlier["product_id"])
    except (AtelierError, KeyError):
        return None
    earlier_port = int(str(earlier.get("api_url", ":0")).rsplit(":", 1)[1])
    stale = demo_origins(LocalConfig(earlier_port, cfg.moto_port, cfg.state_dir))
    kept = [o for o in brand.origins if o not in stale]  # the ones added by hand stay
    origins = list(dict.fromkeys([*demo_origins(cfg), *kept]))
    if origins != list(brand.origins):
        brand = brands.set_origins(brand.brand_id, origins)
    fields = ("brand_id", "name", "publishable_key", "secret_key", "product_id")
    kept_fields = {f: earlier[f] for f in (*fields, "coaster_product_id") if f in earlier}
    return _write_demo(cfg, {**kept_fields, "origins": list(brand.origins)})


def _write_demo(cfg: LocalConfig, brand: dict[str, Any]) -> dict[str, Any]:
    demo = {
        "api_url": cfg.api_url,
        "aws_endpoint_url": cfg.aws_url,
        # What the ops CLI (and anything else) needs to talk to this stack's AWS: the CLI reads
        # it from here when no AWS settings are given.
        "aws_environment": cfg.aws_environment(),
        **brand,
        "demo_url": f"{cfg.api_url}/demo/{brand['product_id']}?key={brand['publishable_key']}",
    }
    if "coaster_product_id" in brand:
        coaster = brand["coaster_product_id"]
        demo["coaster_demo_url"] = f"{cfg.api_url}/demo/{coaster}?key={brand['publishable_key']}"
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    (cfg.state_dir / "demo.json").write_text(json.dumps(demo, indent=2) + "\n")
    return demo


_NAME_ZONE: dict[str, Any] = {
    "id": "name",
    "name": "Name",
    "kind": "text",
    "process": "engrave",
    "x_mm": 7.5,
    "y_mm": 11,
    "width_mm": 25,
    "height_mm": 9,
    "required": True,
    "max_chars": 14,
    "max_lines": 2,
    "min_size_mm": 2,
    "max_size_mm": 7,
    "fonts": ["lato-regular", "caladea-regular", "amatic-sc-regular"],
    "colors": ["#000000"],
}
# The pendant's outline, on both sides: cut from the front's file; on the back's file it is the
# same symmetric heart (mirrored with the back) on the non-cutting GUIDE layer
# (``die_line_role: guide``), which places the cut part for the back engraving: cut once.
_HEART: dict[str, Any] = {"shape": "heart", "x_mm": 1, "y_mm": 1, "width_mm": 38, "height_mm": 34}
_BACK_CHOSEN: dict[str, Any] = {"all": [{"option": "back_engraving", "equals": "yes"}]}
# A two-sided pendant sold as merchandise: the chain is a product choice (an option with named
# values and a price add-on), not artwork; the back is engraved only when the shopper pays for it
# (the back side and its zone show only then), mirrored in its machine files (engraved from
# behind).
DEMO_PRODUCT: dict[str, Any] = {
    "name": "Engraved heart pendant",
    "sku": "DEMO-PENDANT",
    "status": "active",
    "width_mm": 40,
    "height_mm": 36,
    "currency": "EUR",
    "prices_include_tax": True,
    "base_price_minor": 3900,
    "material": "brushed_metal",
    "sides": [
        {"id": "front", "name": "Front", "width_mm": 40, "height_mm": 36, "die_line": _HEART},
        {
            "id": "back",
            "name": "Back",
            "width_mm": 40,
            "height_mm": 36,
            "die_line": _HEART,
            "die_line_role": "guide",
            "flip": "horizontal",
            "visible_when": _BACK_CHOSEN,
        },
    ],
    "options": [
        {
            "id": "chain",
            "name": "Chain",
            "kind": "swatch",
            "values": [
                {"id": "silver", "name": "Silver", "swatch_color": "#C0C0C0"},
                {"id": "gold", "name": "Gold", "swatch_color": "#D4AF37", "price_minor": 1500},
            ],
            "default": "silver",
        },
        {
            "id": "back_engraving",
            "name": "Back engraving",
            "kind": "toggle",
            "values": [
                {"id": "no", "name": "No"},
                {"id": "yes", "name": "Yes", "price_minor": 500},
            ],
        },
    ],
    "zones": [
        _NAME_ZONE,
        {
            **_NAME_ZONE,
            "id": "back",
            "name": "Back engraving",
            "side": "back",
            "max_chars": 20,
            "visible_when": _BACK_CHOSEN,
        },
    ],
}


# A round slate coaster: a family name engraved along an arc, a line under it; previews show
# the engraving as it looks on slate, the pack cuts the circle.
DEMO_COASTER: dict[str, Any] = {
    "name": "Round slate coaster",
    "sku": "DEMO-COASTER",
    "status": "active",
    "width_mm": 100,
    "height_mm": 100,
    "material": "slate",
    "die_line": {"shape": "circle", "x_mm": 0, "y_mm": 0, "width_mm": 100, "height_mm": 100},
    "zones": [
        {
            "id": "family",
            "name": "Family name",
            "kind": "text",
            "process": "engrave",
            "x_mm": 22,
            "y_mm": 14,
            "width_mm": 56,
            "height_mm": 34,
            "required": True,
            "max_chars": 18,
            "min_size_mm": 3,
            "max_size_mm": 7,
            "fonts": ["lato-regular", "caladea-regular"],
            "path": {"cx_mm": 28, "cy_mm": 36, "radius_mm": 26, "span_deg": 100},
        },
        {
            "id": "since",
            "name": "Since",
            "kind": "text",
            "process": "engrave",
            "x_mm": 30,
            "y_mm": 56,
            "width_mm": 40,
            "height_mm": 12,
            "max_chars": 16,
            "min_size_mm": 3,
            "max_size_mm": 8,
            "fonts": ["lato-regular", "caladea-regular"],
        },
    ],
}


def seed_demo_product(brand_id: str, document: dict[str, Any] | None = None) -> str:
    """One demo product (the pendant unless ``document`` says otherwise), checked by the same
    rules as ``POST /v1/products`` so a demo never shows a product the API would refuse."""
    from chalicelib.domain.zone import ProductDoc, product_issues
    from chalicelib.fonts import list_fonts
    from chalicelib.store import products

    doc = ProductDoc.model_validate(DEMO_PRODUCT if document is None else document)
    issues = product_issues(doc, {f.font_id for f in list_fonts()})
    if issues:
        raise ValueError(f"the demo product {doc.sku} breaks rules: {issues}")
    return products.create_product(brand_id, doc).product_id


def _stop(proc: subprocess.Popen[bytes] | None, timeout_s: float = 5) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--fresh", action="store_true", help="start empty: forget the saved data and demo keys"
    )
    args = parser.parse_args(argv)
    cfg = LocalConfig.from_env()
    os.environ.update(cfg.aws_environment())
    if args.fresh:
        cfg.forget()
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    moto = api = None
    poller = None
    with open(cfg.state_dir / "moto.log", "ab") as moto_log:
        try:
            moto = start_moto(cfg, moto_log)
            from chalicelib import resources

            resources.provision()
            demo = reuse_demo(cfg) or seed_demo(cfg)
            api = start_api(cfg, None)
            sys.path.insert(0, str(ROOT))
            import app as app_module
            from local.poller import Poller

            poller = Poller(app_module.app)
            poller.start()
            _announce(cfg, demo, [b.queue_name for b in poller.bindings])
            while not stopping.wait(0.5):
                for name, proc in (("moto", moto), ("chalice local", api)):
                    if proc.poll() is not None:
                        print(f"atelier: {name} exited with {proc.returncode}", file=sys.stderr)
                        return 1
        finally:
            if poller is not None:
                poller.stop()
            _stop(api)
            _stop(moto, timeout_s=60)  # it saves what changed since its last snapshot
    print("atelier: stopped", flush=True)
    return 0


def export_lines(cfg: LocalConfig) -> list[str]:
    """``export NAME=value`` lines that point a shell (and the ops CLI) at this stack."""
    return [f"export {k}={shlex.quote(v)}" for k, v in cfg.aws_environment().items()]


def _announce(cfg: LocalConfig, demo: dict[str, Any], queues: list[str]) -> None:
    print(banner(cfg, demo, queues), flush=True)


def banner(cfg: LocalConfig, demo: dict[str, Any], queues: list[str]) -> str:
    """What ``make run`` prints once healthy: where everything is, and what to do next."""
    return "\n".join(
        [
            "",
            f"Atelier is running: {cfg.api_url}  (health: {cfg.api_url}/v1/health)",
            f"  API reference:     {cfg.api_url}/docs",
            f"  widget demo shop:  {demo['demo_url']}",
            f"  local AWS (moto):  {cfg.aws_url}",
            f"  demo brand:        {demo['brand_id']}",
            f"  demo product:      {demo['product_id']}",
            *(
                [f"  demo coaster shop: {demo['coaster_demo_url']}"]
                if "coaster_demo_url" in demo
                else []
            ),
            f"  publishable key:   {demo['publishable_key']}",
            f"  secret key:        {demo['secret_key']}",
            f"  SQS poller queues: {', '.join(queues) or '(no workers registered yet)'}",
            f"  written to:        {cfg.state_dir / 'demo.json'}",
            f"  data kept in:      {cfg.aws_state_dir}  (`make run FRESH=1` starts empty)",
            "Next: README.md's five-minute walkthrough (paste it in another shell, from the",
            "repository root); open the demo shop or the API reference in a browser.",
            "The ops CLI (python -m chalicelib.cli) finds this stack through demo.json when",
            "no AWS settings are given; other tools, or another shell, need:",
            *export_lines(cfg),
            "Ctrl-C stops everything.",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
