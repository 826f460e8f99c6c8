"""Render eval results: text tables for the terminal, Markdown + SVG on disk.

One section per gold set, built from the same tables for the terminal
(``text_tables``) and the report (``markdown``). ``write`` puts
``metrics.json`` (everything, per-item rows included), ``report.md`` and one
chart per set (``chart.svg`` for the first, ``chart-<set>.svg`` for the
others; ``eval.chart``) into one folder; nothing in them depends on the
clock, so two runs with the same figures give the same files (apart from
latency).

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
    "follow_up_accuracy",
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
LLM_METRICS = ("model_answer_share", "evidence_read", "prompt_tokens", "completion_tokens", "cost_usd")


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


Table = tuple[str, list[str], list[list[str]]]


def _main_table(result: dict[str, Any]) -> Table:
    k = result.get("run", {}).get("k", 5)
    names = list(MAIN_METRICS) + (list(LLM_METRICS) if result.get("prompt_tokens") else [])
    gated = (resolve_threshold(n) for n in result.get("gates", {}).get("thresholds", {}))
    names += [t[0] for t in gated if t and t[0] not in names]  # e.g. evidence_recall_at_1 on the BBC set
    dev = result.get("dev")
    rows = []
    for name in names:
        gate, status = _gate(result, name)
        beside = [_fmt(dev.get(name), name)] if dev else []
        rows.append([_label(name, k), _fmt(result.get(name), name), *beside, gate, status])
    split = result.get("run", {}).get("split")
    value = f"value ({split})" if split else "value"
    column = [f"{dev.get('label', 'dev')} ({dev['items']} items)"] if dev else []
    return "", ["metric", value, *column, "gate", "status"], rows


def _ablation_table(result: dict[str, Any]) -> Table:
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
    return "Retrieval ablation (retrieval only, answerable items with evidence)", headers, rows


def _retrieval_table(result: dict[str, Any]) -> Table:
    retrieval, k = result["retrieval"], result.get("run", {}).get("k", 5)
    pipelines = [(n, retrieval[n]) for n in ("ours", "starter") if n in retrieval]
    rows = [
        [
            label,
            *(_fmt(curve.get(f"evidence_recall_at_{j}")) for j in range(1, k + 1)),
            _fmt(curve.get("mrr")),
            str(curve.get("mean_passage_chars", "")),
        ]
        for label, curve in pipelines
    ]
    title = f"Retrieval alone, ours vs the llama-index starter ({retrieval['items']} items with evidence)"
    return title, ["pipeline", *(f"recall@{j}" for j in range(1, k + 1)), "mrr", "chars/passage"], rows


def _accuracy_table(title: str, groups: dict[str, Any]) -> Table:
    return title, ["group", "n", "accuracy"], [[c, str(v["n"]), _fmt(v["accuracy"])] for c, v in groups.items()]


def _judge_table(result: dict[str, Any]) -> Table:
    rows = [[name, value if isinstance(value, str) else _fmt(value)] for name, value in result["judge"].items()]
    return "LLM judge (reported only, never gates)", ["measure", "value"], rows


def _tables(result: dict[str, Any]) -> list[Table]:
    out = [_main_table(result)]
    if result.get("ablation"):
        out.append(_ablation_table(result))
    if result.get("retrieval"):
        out.append(_retrieval_table(result))
    out.append(_accuracy_table("Accuracy per category", result.get("per_category", {})))
    if result.get("per_class"):
        out.append(_accuracy_table("Accuracy per class", result["per_class"]))
    if result.get("judge"):
        out.append(_judge_table(result))
    return out


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
    reader = f"; read by {run['reader']}, {run.get('read_budget')} tokens of sources" if run.get("reader") else ""
    return (
        f"{run.get('items')} items of {run.get('gold')}, mode {run.get('mode')} (answers: {modes}), "
        f"k={run.get('k')}; index of {run.get('corpus')}: {run.get('chunks')} chunks of <= "
        f"{run.get('chunk_tokens')} tokens{reader}; {run.get('seconds')} s"
    )


def text_tables(results: dict[str, dict[str, Any]]) -> str:
    parts = []
    for name, result in results.items():
        parts += [f"qa eval [{name}]: {_headline(result)}"]
        for title, headers, rows in _tables(result):
            parts += ([title] if title else []) + [_text_table(headers, rows), ""]
    return "\n".join(parts).rstrip()


def _chart_file(results: dict[str, Any], name: str) -> str:
    return "chart.svg" if name == next(iter(results)) else f"chart-{name}.svg"


def markdown(results: dict[str, dict[str, Any]]) -> str:
    parts = ["# Evaluation report"]
    for name, result in results.items():
        chart = _chart_file(results, name)
        parts += ["", f"## Gold set: {name}", "", _headline(result), "", f"![recall at k and accuracy]({chart})"]
        for title, headers, rows in _tables(result):
            parts += ["", f"### {title or 'Metrics'}", "", _md_table(headers, rows)]
            if not title:
                failures = result.get("gates", {}).get("failures", [])
                gates = "all passed." if not failures else "; ".join(f"**FAIL** {f}" for f in failures)
                parts += ["", "Gates: " + gates]
        misses = [r for r in result.get("items", []) if not r["correct"]]
        if misses:
            rows = [[r["id"], r["category"], r["question"], r["expected"], r["answer"][:240]] for r in misses]
            headers = ["id", "category", "question", "expected", "answer"]
            parts += ["", f"### Wrong answers ({len(misses)})", "", _md_table(headers, rows)]
    return "\n".join(parts) + "\n"


def write(results: dict[str, dict[str, Any]], folder: Path) -> Path:
    """Write metrics.json, one chart per gold set and report.md into ``folder``; return the report's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, result in results.items():
        (folder / _chart_file(results, name)).write_text(chart_svg(result), encoding="utf-8")
    path = folder / "report.md"
    path.write_text(markdown(results), encoding="utf-8")
    return path
