"""``make bench`` (``python -m bench``): every figure in one run, one table, one JSON file.

Each row is measured in this run next to its naive counterpart or floor: renders, packs and DXF
in this process; the cold import in fresh interpreters; API latency, the widget flow and the
bounded load over HTTP against one local stack (started on free loopback ports); worker
throughput against a local AWS of its own (``bench.throughput``, a child process). The table goes
to stdout with the machine it ran on; the rows and details to ``bench/results/latest.json``.
The exit status is 1 when the load had an error or its audit found a lost or duplicated record.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import (
    calls_bench,
    coldstart,
    dither_bench,
    dxf_bench,
    geometry_bench,
    load,
    look_bench,
    model_bench,
    pack_bench,
    render_bench,
    shaping_bench,
    sides_bench,
    stack_bench,
)
from bench.report import Row, facts_line, machine, table, write
from local.harness import start_stack, stop_stack
from local.stack import ROOT

FULL = {
    "render": 7,
    "look": 7,
    "sides": 7,
    "model": 7,
    "pack": 2,
    "dxf": 3,
    "dither": 5,
    "geometry": 9,
    "shaping": 200,
    "imports": 7,
    "api": 30,
    "flows": 20,
    "load": 200,
    "tput": 40,
    "rounds": 1,
}
QUICK = {
    "render": 3,
    "look": 3,
    "sides": 3,
    "model": 3,
    "pack": 1,
    "dxf": 1,
    "dither": 2,
    "geometry": 3,
    "shaping": 50,
    "imports": 3,
    "api": 10,
    "flows": 5,
    "load": 20,
    "tput": 20,
    "rounds": 1,
}


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def in_process(n: dict[str, int]) -> list[Row]:
    _say("preview renders")
    rows = render_bench.rows(n["render"])
    _say("material previews")
    rows += look_bench.rows(n["look"])
    _say("side previews")
    rows += sides_bench.rows(n["sides"])
    _say("3D / AR model render")
    rows += model_bench.rows(n["model"])
    _say("final render + pack")
    rows += pack_bench.rows(n["pack"])
    _say("DXF")
    rows += dxf_bench.rows(n["dxf"])
    _say("photo dithering")
    rows += dither_bench.rows(n["dither"])
    _say("cut geometry")
    rows += geometry_bench.rows(n["geometry"])
    _say("shaping")
    rows += shaping_bench.rows(n["shaping"])
    _say("DynamoDB calls per widget request")
    rows += calls_bench.rows()
    _say("cold imports")
    return rows + coldstart.rows(n["imports"])


def on_stack(n: dict[str, int], details: dict[str, Any]) -> tuple[list[Row], load.LoadResult]:
    _say("starting the local stack")
    stack = start_stack(Path(tempfile.mkdtemp(prefix="atelier-bench-")))
    try:
        _say("API latency")
        rows = stack_bench.latency_rows(stack, n["api"])
        _say("widget flows")
        rows += stack_bench.flow_rows(stack, n["flows"])
        _say(f"bounded load: {n['load']} simultaneous flows")
        result = load.run(load.prepare(stack, n["load"]), n["load"])
    except Exception as exc:
        if stack.process.poll() is not None:  # stopped before we asked: say so, not just why
            log = stack.state_dir / "stack.log"
            raise RuntimeError(
                f"the local stack stopped mid-bench (exit {stack.process.returncode}); see {log}"
            ) from exc
        raise
    finally:
        stop_stack(stack.process)
    details["load"] = {
        "flows": result.count,
        "wall_s": result.wall_s,
        "errors": result.errors,
        "audit_problems": result.problems,
        "throttled_retries": result.throttled,
        "description": load.describe(result),
    }
    return rows + load.rows(result), result


def throughput(renders: int, rounds: int) -> list[Row]:
    _say("worker throughput (1 and 2 workers)")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.throughput",
            "--renders",
            str(renders),
            "--rounds",
            str(rounds),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.throughput failed:\n{done.stderr[-3000:]}")
    # The workers print their EMF metric lines to stdout too (as on Lambda); the result is last.
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return [Row(**{k: v for k, v in r.items() if k != "ratio"}) for r in result]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--load", type=int, help="simultaneous flows in the bounded load")
    args = parser.parse_args(argv)
    n = {**(QUICK if args.quick else FULL), **({"load": args.load} if args.load else {})}
    started = time.monotonic()
    details: dict[str, Any] = {"counts": n}
    rows = in_process(n)
    stack_rows, result = on_stack(n, details)
    rows += stack_rows + throughput(n["tput"], n["rounds"])
    details["elapsed_s"] = round(time.monotonic() - started, 1)
    facts = machine()
    path = write("latest", rows, facts, details)
    print(table(rows))
    print(f"\nmachine: {facts_line(facts)}")
    print(load.describe(result))
    print(f"{details['elapsed_s']:.0f} s in all; written to {path.relative_to(ROOT)}")
    return 0 if not result.errors and not result.problems else 1


if __name__ == "__main__":
    sys.exit(main())
