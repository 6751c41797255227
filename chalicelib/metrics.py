"""CloudWatch metrics in the embedded metric format (EMF): one JSON line on stdout per metric set.

Lambda ships stdout to CloudWatch Logs, and CloudWatch extracts metrics from any line that carries
the ``_aws`` envelope, so a metric costs no API call, no client and no extra latency; locally the
same lines land in the stack's log. Only the standard library is used: this module is imported by
every worker. Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

import json
import math
import sys
import time
from typing import Any, Literal, TextIO

NAMESPACE = "Atelier"
MAX_METRICS = 100  # per metric directive (EMF limit)
MAX_DIMENSIONS = 30  # per dimension set (EMF limit)

Unit = Literal["Milliseconds", "Seconds", "Count", "Bytes", "Percent", "None"]


def metric_set(
    metrics: dict[str, tuple[float, Unit]],
    dimensions: dict[str, str],
    *,
    properties: dict[str, Any] | None = None,
    namespace: str = NAMESPACE,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """The EMF document for one set of values sharing the same dimensions.

    ``properties`` are extra searchable fields (job id, correlation id) that are not dimensions,
    so they add no metric cardinality. Invalid input raises ``ValueError``: a malformed line would
    be silently dropped by CloudWatch, which is worse than a failing test.
    """
    _check(metrics, dimensions, properties or {})
    envelope = {
        "Timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
        "CloudWatchMetrics": [
            {
                "Namespace": namespace,
                "Dimensions": [list(dimensions)],
                "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()],
            }
        ],
    }
    values = {name: value for name, (value, _) in metrics.items()}
    return {"_aws": envelope, **(properties or {}), **dimensions, **values}


def _check(
    metrics: dict[str, tuple[float, Unit]], dimensions: dict[str, str], properties: dict[str, Any]
) -> None:
    if not metrics or len(metrics) > MAX_METRICS:
        raise ValueError(f"a metric set holds 1 to {MAX_METRICS} metrics")
    if len(dimensions) > MAX_DIMENSIONS:
        raise ValueError(f"a dimension set holds at most {MAX_DIMENSIONS} dimensions")
    names = [*metrics, *dimensions, *properties]
    if len(set(names)) != len(names) or "_aws" in names or not all(names):
        raise ValueError("metric, dimension and property names must be distinct and non-empty")
    for name, label in dimensions.items():
        if not isinstance(label, str) or not label:
            raise ValueError(f"dimension {name} needs a non-empty string value")
    for name, (value, _) in metrics.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise ValueError(f"metric {name} needs a finite number")


def emit(
    metrics: dict[str, tuple[float, Unit]],
    dimensions: dict[str, str],
    *,
    properties: dict[str, Any] | None = None,
    out: TextIO | None = None,
) -> dict[str, Any]:
    """Print one EMF line (to stdout unless ``out`` is given) and return the document."""
    document = metric_set(metrics, dimensions, properties=properties)
    stream = out if out is not None else sys.stdout
    stream.write(json.dumps(document, separators=(",", ":"), default=str) + "\n")
    stream.flush()
    return document
