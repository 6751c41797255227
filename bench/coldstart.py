"""API Lambda cold import: ``import app`` against the floor of its four libraries alone.

Run: ``.venv/bin/python -m bench.coldstart [--runs N]``. Each import runs in a fresh interpreter
(nothing cached in ``sys.modules``; the OS file cache is warm, as on a reused Lambda host), timed
inside the child so interpreter start-up is left out. The two kinds alternate, so a busy moment
on the machine hits both; the figure is the median. The floor (boto3, pynamodb, pydantic,
chalice) is what any Chalice app on this stack pays before its first line of its own code.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from bench.report import Row
from local.stack import ROOT

TIMED = "import time; t = time.perf_counter(); {imports}; print(time.perf_counter() - t)"
APP = "import app"
FLOOR = "import boto3, pynamodb.models, pydantic, chalice"


def import_ms(imports: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", TIMED.format(imports=imports)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(done.stdout.strip().splitlines()[-1]) * 1000


def measure(runs: int) -> tuple[float, float]:
    """Median milliseconds of (``import app``, the floor)."""
    app: list[float] = []
    floor: list[float] = []
    import_ms(APP)  # one untimed pair: the first read of every file from disk
    import_ms(FLOOR)
    for _ in range(runs):
        app.append(import_ms(APP))
        floor.append(import_ms(FLOOR))
    return statistics.median(app), statistics.median(floor)


def rows(runs: int) -> list[Row]:
    app, floor = measure(runs)
    return [
        Row(f"API cold import of app.py (median of {runs})", app, floor, "ms",
            "boto3+pynamodb+pydantic+chalice")
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    from bench.report import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    print(table(rows(parser.parse_args(argv).runs)))


if __name__ == "__main__":
    main()
