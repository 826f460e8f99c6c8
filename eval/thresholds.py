"""Gates: which way each metric must go, and the failures of a set of thresholds.

``resolve_threshold`` maps a threshold name ("answer_accuracy",
"answerable_refusal_rate_max") to the metric it bounds and the bound's
direction; ``check_thresholds`` compares metric values with thresholds and
describes every failure in one line ("answer_accuracy 0.72 < 0.85").

Pure functions over plain dicts; reading gates from pyproject.toml and the
command line is ``eval.gates``.
"""

from __future__ import annotations

import math
import re

#: Metrics whose value must be at least the threshold.
HIGHER_IS_BETTER = frozenset(
    {
        "answer_accuracy",
        "answerable_accuracy",
        "follow_up_accuracy",
        "evidence_recall_lead_over_starter",
        "evidence_cited",
        "fact_coverage",
        "mrr",
        "evidence_mrr",
        "citation_precision",
        "citation_recall",
        "refusal_precision",
        "refusal_recall",
        "model_answer_share",
        "evidence_read",
    }
)

#: Metrics whose value must be at most the threshold.
LOWER_IS_BETTER = frozenset(
    {
        "unsupported_rate",
        "answerable_refusal_rate",
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_p50_s",
        "latency_p95_s",
    }
)

# recall_at_5, evidence_recall_at_10, evidence_recall_at_k, ...: higher is better.
_RECALL_AT_K = re.compile(r"(?:evidence_)?recall_at_(?:[1-9]\d*|k)")


def _direction(metric: str) -> str | None:
    if metric in HIGHER_IS_BETTER or _RECALL_AT_K.fullmatch(metric):
        return "min"
    if metric in LOWER_IS_BETTER:
        return "max"
    return None


def resolve_threshold(threshold_name: str) -> tuple[str, str] | None:
    """Map a threshold name to (metric name, "min" | "max"), or None if unknown.

    "min" means the metric must be at least the threshold, "max" at most.

    A plain metric name uses the metric's own direction. A "_min" or "_max"
    suffix states the bound explicitly: "answerable_refusal_rate_max" is an
    upper bound on "answerable_refusal_rate".
    """
    for suffix, bound in (("_min", "min"), ("_max", "max")):
        if threshold_name.endswith(suffix):
            metric = threshold_name[: -len(suffix)]
            if _direction(metric) is not None:
                return metric, bound
    direction = _direction(threshold_name)
    return None if direction is None else (threshold_name, direction)


def _fmt(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def check_thresholds(metrics: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    """Compare metric values with thresholds and describe every failure.

    Metrics in ``HIGHER_IS_BETTER`` (and ``recall_at_<k>`` /
    ``evidence_recall_at_<k>``) fail when below their threshold
    ("answer_accuracy 0.72 < 0.85"); metrics in ``LOWER_IS_BETTER`` fail when
    above it ("latency_p95_ms 5200 > 4000"). A threshold name may carry a
    "_min" or "_max" suffix to state the bound explicitly
    ("answerable_refusal_rate_max": 0.05 checks metric
    "answerable_refusal_rate" <= 0.05). A thresholded metric missing from
    ``metrics``, or NaN, is a failure too. Metrics without a threshold are
    ignored. Returns an empty list when all thresholds are met, failures in
    the order of ``thresholds`` otherwise.

    Raises ValueError if ``thresholds`` names an unknown metric; the message
    lists the valid names.
    """
    resolved = {name: resolve_threshold(name) for name in thresholds}
    unknown = [name for name, target in resolved.items() if target is None]
    if unknown:
        valid = sorted(HIGHER_IS_BETTER | LOWER_IS_BETTER) + ["recall_at_<k>", "evidence_recall_at_<k>"]
        raise ValueError(
            f"unknown metric name(s) in thresholds: {', '.join(unknown)}; "
            f"valid names: {', '.join(valid)} (optionally suffixed _min or _max)"
        )
    failures: list[str] = []
    for name, limit in thresholds.items():
        metric, bound = resolved[name] or (name, "min")  # never None here
        if metric not in metrics:
            failures.append(f"{metric} missing (threshold {_fmt(limit)})")
            continue
        value = metrics[metric]
        if math.isnan(value):
            failures.append(f"{metric} is NaN (threshold {_fmt(limit)})")
        elif bound == "min" and value < limit:
            failures.append(f"{metric} {_fmt(value)} < {_fmt(limit)}")
        elif bound == "max" and value > limit:
            failures.append(f"{metric} {_fmt(value)} > {_fmt(limit)}")
    return failures
