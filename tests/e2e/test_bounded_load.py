"""Bounded load on the local stack: simultaneous widget flows, zero errors, every record once.

``make bench`` runs 200 flows; on the 2-core development machine they took 49–56 s, more than an
end-to-end test should, so the test runs 50 through the same code (``bench.load``): same flows
released together, same audit of the brand's DynamoDB records.
"""

from __future__ import annotations

import pytest

from bench import load
from bench.flow import Client
from tests.e2e.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # minutes: `make test-slow` (CI)
FLOWS = 50


def test_simultaneous_widget_flows_all_succeed_and_every_record_is_stored_once(
    stack: Stack,
) -> None:
    target = load.prepare(stack, FLOWS, name="Bounded load")
    result = load.run(target, FLOWS)

    assert result.errors == []
    assert result.problems == []
    flows = result.flows
    assert len(flows) == FLOWS
    assert len({f.snapshot_id for f in flows}) == FLOWS
    assert len({f.render_id for f in flows}) == FLOWS
    assert len({f.spec_hash for f in flows}) == FLOWS // 2  # two flows per design, one spec
    assert result.p(95) >= result.p(50) > 0

    # The audit is not blind: one more snapshot for the brand is reported as not from a flow.
    extra = Client(stack.api_url, target.publishable_key, origin=stack.api_url).call(
        "snapshot", "POST", "/v1/snapshots", {"spec_hash": flows[0].spec_hash}, (201,)
    )
    assert extra["snapshot_id"] not in {f.snapshot_id for f in flows}
    assert load.audit(target, flows) == [
        f"{FLOWS + 1} snapshots stored for {FLOWS} flows",
    ]
