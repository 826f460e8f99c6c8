"""Render an eval result: text tables for the terminal, Markdown + SVG on disk.

``write`` puts ``metrics.json`` (everything, per-item rows included),
``report.md`` and ``chart.svg`` (``eval.chart``) into one folder; nothing in
them depends on the clock, so two runs with the same figures give the same
files (apart from latency).

This module formats; it computes no metric and runs nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.chart import chart_svg
from eval.thresholds import resolve_threshold

MAIN_METRICS = (
    "answer_accuracy",
    "answerable_accuracy",
    "evidence_cited",
    "fact_coverage",
    "evidence_recall_at_k",
    "mrr",
    "citation_precision",
    "citation_recall",
    "refusal_precision",
    "refusal_recall",
    "answerable_refusal_rate",
    "unsupported_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
LLM_METRICS = ("prompt_tokens", "completion_tokens", "cost_usd")


def _fmt(value: Any, name: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return str(int(value))
    if name.startswith("latency"):
        return f"{value:.0f}"
    return f"{value:.6f}" if name == "cost_usd" else f"{value:.4f}"


def _gate(result: dict[str, Any], metric: str) -> tuple[str, str]:
    """("≥ 0.85", "ok" | "FAIL") for the gates on ``metric``; ("", "") when ungated."""
    bounds, status = [], ""
    value = result.get(metric)
    for name, limit in result.get("gates", {}).get("thresholds", {}).items():
        target = resolve_threshold(name)
        if not target or target[0] != metric:
            continue
        bound = target[1]
        bounds.append(f"{'>=' if bound == 'min' else '<='} {limit:g}")
        bad = value is None or (value < limit if bound == "min" else value > limit)
        status = "FAIL" if bad or status == "FAIL" else "ok"
    return ", ".join(bounds), status


def _label(metric: str, k: int) -> str:
    return f"evidence_recall_at_{k}" if metric == "evidence_recall_at_k" else metric


def _main_rows(result: dict[str, Any]) -> list[list[str]]:
    k = result.get("run", {}).get("k", 5)
    names = list(MAIN_METRICS) + (list(LLM_METRICS) if result.get("prompt_tokens") else [])
    rows = []
    for name in names:
        gate, status = _gate(result, name)
        rows.append([_label(name, k), _fmt(result.get(name), name), gate, status])
    return rows


def _ablation_rows(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    k = result.get("run", {}).get("k", 5)
    ks = sorted({1, min(3, k), k})
    headers = ["retriever", "chunk_tokens", "chunks", *(f"recall@{j}" for j in ks), "mrr"]
    rows = [
        [
            a["retriever"],
            str(a["chunk_tokens"]),
            str(a["chunks"]),
            *(_fmt(a.get(f"evidence_recall_at_{j}")) for j in ks),
            _fmt(a.get("mrr")),
        ]
        for a in result.get("ablation", [])
    ]
    return headers, rows


def _category_rows(result: dict[str, Any]) -> list[list[str]]:
    return [[c, str(v["n"]), _fmt(v["accuracy"])] for c, v in result.get("per_category", {}).items()]


def _text_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"

    return "\n".join([line(headers), "|" + "---|" * len(headers), *(line(r) for r in rows)])


def _headline(result: dict[str, Any]) -> str:
    run = result.get("run", {})
    modes = "/".join(run.get("answer_modes", [])) or run.get("mode", "?")
    return (
        f"{run.get('items')} items of {run.get('gold')}, mode {run.get('mode')} (answers: {modes}), "
        f"k={run.get('k')}; index of {run.get('corpus')}: {run.get('chunks')} chunks of <= "
        f"{run.get('chunk_tokens')} tokens; {run.get('seconds')} s"
    )


def text_tables(result: dict[str, Any]) -> str:
    parts = [f"qa eval: {_headline(result)}", "", _text_table(["metric", "value", "gate", ""], _main_rows(result))]
    if result.get("ablation"):
        headers, rows = _ablation_rows(result)
        parts += ["", "ablation (retrieval only, answerable items with evidence)", _text_table(headers, rows)]
    parts += ["", "accuracy per category", _text_table(["category", "n", "accuracy"], _category_rows(result))]
    if result.get("judge"):
        parts += ["", "LLM judge (reported only, never gates)", _text_table(["measure", "value"], _judge_rows(result))]
    return "\n".join(parts)


def _judge_rows(result: dict[str, Any]) -> list[list[str]]:
    return [[name, value if isinstance(value, str) else _fmt(value)] for name, value in result["judge"].items()]


def markdown(result: dict[str, Any]) -> str:
    parts = [
        "# Evaluation report",
        "",
        _headline(result),
        "",
        "![recall at k and accuracy per category](chart.svg)",
        "",
        "## Metrics",
        "",
        _md_table(["metric", "value", "gate", "status"], _main_rows(result)),
    ]
    failures = result.get("gates", {}).get("failures", [])
    parts += ["", "Gates: " + ("all passed." if not failures else "; ".join(f"**FAIL** {f}" for f in failures))]
    if result.get("ablation"):
        headers, rows = _ablation_rows(result)
        parts += [
            "",
            "## Retrieval ablation",
            "",
            "Evidence recall and MRR of retrieval alone (no answer step) on the answerable items with evidence; "
            "follow-ups are rewritten without an LLM.",
            "",
            _md_table(headers, rows),
        ]
    parts += ["", "## Accuracy per category", "", _md_table(["category", "n", "accuracy"], _category_rows(result))]
    if result.get("judge"):
        parts += [
            "",
            "## LLM judge (reported only, never gates)",
            "",
            _md_table(["measure", "value"], _judge_rows(result)),
        ]
    misses = [r for r in result.get("items", []) if not r["correct"]]
    if misses:
        rows = [[r["id"], r["category"], r["question"], r["expected"], r["answer"][:240]] for r in misses]
        parts += [
            "",
            f"## Wrong answers ({len(misses)})",
            "",
            _md_table(["id", "category", "question", "expected", "answer"], rows),
        ]
    return "\n".join(parts) + "\n"


def write(result: dict[str, Any], folder: Path) -> Path:
    """Write metrics.json, chart.svg and report.md into ``folder``; return the report's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "chart.svg").write_text(chart_svg(result), encoding="utf-8")
    path = folder / "report.md"
    path.write_text(markdown(result), encoding="utf-8")
    return path
