"""Which gates a run checks: pyproject's ``[tool.qa.eval]``, then ``--fail-under``.

Each gold set has its own table: ``[tool.qa.eval]`` gates the seed set,
``[tool.qa.eval.bbc]`` the BBC set's test half, ``[tool.qa.eval.archive]`` the
seed set over the archive, and ``llm_``-prefixed tables the same sets answered
by the model (``--mode llm``); ``--fail-under`` applies to every set the run
evaluates.

``gates`` reads the defaults and the command line's overrides (an override
replaces a default on the same metric, whatever its suffix); ``apply`` checks
a result against them, skipping a gate no item of the run measures. Which way
a metric must go, and the failure messages, are ``eval.thresholds``.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from eval.options import PYPROJECT, UsageError
from eval.thresholds import check_thresholds, resolve_threshold

LATENCY_KEYS = ("latency_p50_ms", "latency_p95_ms")
#: Measured on the BBC set only, when the starter pipeline runs beside ours.
STARTER_METRICS = ("evidence_recall_lead_over_starter",)


def metric_names(k: int) -> list[str]:
    """Every metric the run reports at top level (the names gates may use)."""
    from eval.report import LLM_METRICS, MAIN_METRICS

    recall_at = [f"evidence_recall_at_{j}" for j in range(1, k + 1)]
    latency = [n for n in LATENCY_KEYS if n not in MAIN_METRICS]
    return [*MAIN_METRICS, *recall_at, *latency, *LLM_METRICS, *STARTER_METRICS]


def table(gold_set: str, mode: str) -> str:
    """The gate table of a gold set in a mode: the model's answers (``--mode llm``) have their own
    (``[tool.qa.eval.llm_seed]``, ``llm_bbc``, ``llm_archive``); the extractive answer keeps the others."""
    return f"llm_{gold_set}" if mode == "llm" else gold_set


def gates(specs: list[str], k: int, pyproject: Path = PYPROJECT, *, gold_set: str = "seed") -> dict[str, float]:
    """Thresholds: pyproject defaults, then ``--fail-under`` (which replaces a default on the same metric)."""
    known = {name for name in metric_names(k) if resolve_threshold(name)}
    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("qa", {}).get("eval", {})
    except (OSError, tomllib.TOMLDecodeError):
        table = {}
    where = "[tool.qa.eval]"
    if gold_set != "seed":
        table, where = table.get(gold_set, {}), f"[tool.qa.eval.{gold_set}]"
    out: dict[str, float] = {}
    for name, value in table.items():
        if isinstance(value, dict):  # another gold set's table
            continue
        _check_gate(name, value, known, where=f"{pyproject.name} {where}")
        out[name] = float(value)
    for spec in specs:
        name, sep, raw = spec.partition("=")
        name = name.strip()
        try:
            value = float(raw) if sep else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise UsageError(f"--fail-under {spec!r}: expected METRIC=NUMBER, e.g. answer_accuracy=0.85")
        _check_gate(name, value, known, where="--fail-under")
        metric = bounded(name)
        out = {n: v for n, v in out.items() if bounded(n) != metric}
        out[name] = value
    return out


def bounded(threshold_name: str) -> str:
    target = resolve_threshold(threshold_name)
    return target[0] if target else threshold_name


def _check_gate(name: str, value: object, known: set[str], *, where: str) -> None:
    target = resolve_threshold(name)
    if target is None or target[0] not in known:
        raise UsageError(
            f"{where}: unknown metric {name!r}; use one of {', '.join(sorted(known))} (optionally _min/_max)"
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{where}: {name} must be a number (got {value!r})")


def apply(result: dict[str, Any], thresholds: dict[str, float], *, say: Any) -> dict[str, Any]:
    """The ``gates`` entry of a result: thresholds applied, skipped (unmeasured), failures."""
    unmeasured = [n for n in thresholds if result.get(bounded(n)) is None]
    for name in unmeasured:
        say(f"gate skipped: no item in this run measures {bounded(name)}")
    applied = {n: v for n, v in thresholds.items() if n not in unmeasured}
    failures = check_thresholds({n: v for n, v in result.items() if isinstance(v, int | float)}, applied)
    return {"thresholds": applied, "skipped": unmeasured, "failures": failures}
