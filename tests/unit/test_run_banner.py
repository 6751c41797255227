"""``make run`` says what to do next: the banner names the API reference, the demo shop and the
exact ``export`` lines another shell needs (issue 25)."""

from __future__ import annotations

from pathlib import Path

from local.stack import LocalConfig, banner, export_lines


def test_banner_names_the_docs_the_demo_shop_and_every_export_line() -> None:
    cfg = LocalConfig(api_port=8123, moto_port=5123, state_dir=Path("/tmp/state"))
    demo = {
        "brand_id": "br_1",
        "product_id": "prd_1",
        "publishable_key": "pk_x",
        "secret_key": "sk_x",
        "demo_url": "http://127.0.0.1:8123/demo/prd_1?key=pk_x",
        "coaster_demo_url": "http://127.0.0.1:8123/demo/prd_2?key=pk_x",
    }
    lines = banner(cfg, demo, ["atelier-dev-render-preview"]).splitlines()
    assert "  API reference:     http://127.0.0.1:8123/docs" in lines
    assert "  widget demo shop:  http://127.0.0.1:8123/demo/prd_1?key=pk_x" in lines
    assert "  demo coaster shop: http://127.0.0.1:8123/demo/prd_2?key=pk_x" in lines
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:5123" in lines
    exports = [line for line in lines if line.startswith("export ")]
    assert exports == export_lines(cfg)
    assert any("README.md's five-minute walkthrough" in line for line in lines)
    assert "  data kept in:      /tmp/state/aws  (`make run FRESH=1` starts empty)" in lines
