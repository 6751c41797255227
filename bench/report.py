"""One shape for every benchmark figure: a row, the table that prints rows, the machine facts.

Each row pairs our figure with its baseline measured in the same run (a naive implementation,
or the floor nothing can go under), so a figure is never read without what it compares to.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

RESULTS = Path(__file__).resolve().parent / "results"
T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """One measure: ours against a baseline (``None`` when nothing naive compares)."""

    measure: str
    ours: float
    baseline: float | None
    unit: str
    vs: str = ""  # what the baseline is, in a few words

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.ours / self.baseline

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: always a value that was measured)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median_ms(run: Callable[[], T], runs: int) -> tuple[float, T]:
    """Median wall time of ``runs`` calls after one untimed call that fills caches; the output."""
    result = run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def paired_median_ms(
    ours: Callable[[], object], naive: Callable[[], object], runs: int, *, warm_up: bool = True
) -> tuple[float, float]:
    """Median wall times of two functions run in turn, so a busy moment hits both alike."""
    if warm_up:
        ours()
        naive()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for run, out in ((ours, times[0]), (naive, times[1])):
            start = time.perf_counter()
            run()
            out.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the figures depend on: CPU, cores, Python, and how busy the machine was."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_1m": round(load[0], 2),
    }


def _number(value: float | None) -> str:
    """Counts as integers; otherwise three significant figures, no more than one decimal."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"


def table(rows: Iterable[Row]) -> str:
    """The rows as one aligned plain-text table (also valid as a Markdown table)."""
    header = ("measure", "ours", "naive/floor", "ratio", "unit", "baseline")
    lines = [
        (
            r.measure,
            _number(r.ours),
            _number(r.baseline),
            "—" if r.ratio is None else f"{r.ratio:.2f}×",
            r.unit,
            r.vs,
        )
        for r in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    right = {1, 2, 3}

    def fmt(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(parts) + " |"

    rule = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if i in right else "-" * (w + 2) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def facts_line(facts: dict[str, Any]) -> str:
    return (
        f"{facts['cpu']}, {facts['cores']} cores, Python {facts['python']}, {facts['system']}, "
        f"load average {facts['load_1m']} at the end"
    )


def write(name: str, rows: Sequence[Row], facts: dict[str, Any], extra: dict[str, Any]) -> Path:
    """``bench/results/<name>.json``: the rows, the machine, and anything a row summarizes."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"machine": facts, "rows": [r.as_json() for r in rows], **extra}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    return path
