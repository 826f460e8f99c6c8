"""Scoring: one row per answered gold item, and the figures of a set of rows.

How answers are judged (the metric functions themselves are ``eval.metrics``):

* Answer accuracy: an answerable item is right when it is not refused and
  every required fact is in the answer text (labels removed); an unanswerable
  one is right when refused.
* Evidence recall@k and MRR: rank of the first of ``Answer.passages`` (what
  the answer was built from) that contains an evidence quote.
* Citation precision (ALCE-style) and the unsupported-sentence rate use the
  project's own support check, ``qa.support.support``, with its semantic
  signal computed as the answer layer's verifier does (best cosine between
  the sentence and any sentence of the passage). ALCE uses an NLI model; the
  project ships none, and sharing the verifier's judgement means the eval and
  the answer layer cannot disagree about what "supported" means.
* Citation recall: share of evidence quotes found in the cited passages,
  averaged over answered answerable items (refusals of those are counted by
  ``answerable_refusal_rate`` instead).

It asks nothing and builds no index: ``eval.runs`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eval import metrics as m


class Supports:
    """ALCE support judgement via ``qa.support.support``, memoised per (sentence, passage)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._memo: dict[tuple[str, str], bool] = {}

    def __call__(self, sentence: str, passage: str) -> bool:
        key = (sentence, passage)
        if key not in self._memo:
            from qa.chunking import sentences
            from qa.support import cosine, support

            spans = [s.text for s in sentences(passage) if len(s.text) >= 12] or [passage]
            vec, *vecs = self._store.embed([sentence, *spans])
            semantic = max(cosine(vec, v) for v in vecs)
            self._memo[key] = support(sentence, [passage], semantic=semantic).ok
        return self._memo[key]


def score_item(
    item: dict[str, Any], answer: Any, latency_ms: float, supported: Callable[[str, str], bool]
) -> dict[str, Any]:
    from qa import citations as cite
    from qa.answer import UNSUPPORTED_MARK

    text = answer.text.replace(f" {UNSUPPORTED_MARK}", "")  # the verifier's flag, not a claim
    bare = cite.strip_labels(text)
    answerable, evidence = bool(item["answerable"]), list(item.get("evidence") or [])
    correct = (not answer.refused and m.facts_present(bare, item["facts"])) if answerable else answer.refused
    by_n = {c.n: c.text for c in answer.citations}
    pairs = (
        []
        if answer.refused
        else [(cite.strip_labels(s), [by_n[n] for n in cite.parse(s) if n in by_n]) for s in cite.split_sentences(text)]
    )
    usage = answer.usage or {}
    return {
        "id": item["id"],
        "category": item["category"],
        "classes": list(item.get("classes") or []),
        "follow_up": bool(item.get("history")),
        "answerable": answerable,
        "question": item["question"],
        "expected": item.get("answer", ""),
        "answer": answer.text,
        "refused": answer.refused,
        "mode": answer.mode,
        "correct": bool(correct),
        "fact_coverage": (0.0 if answer.refused else m.fact_coverage(bare, item["facts"])) if answerable else None,
        "evidence_rank": m.evidence_rank([p.text for p in answer.passages], evidence)
        if answerable and evidence
        else None,
        "has_evidence": answerable and bool(evidence),
        "citation_precision": m.citation_precision(pairs, supported) if pairs else None,
        "citation_recall": m.citation_recall(list(by_n.values()), evidence)
        if pairs and answerable and evidence
        else None,
        "sentences": len(pairs),
        "unsupported": sum(1 for s, cited in pairs if not cited or not supported(s, "\n".join(cited))),
        "llm_fallback": any(n.startswith("LLM failed") for n in answer.notices),
        # the model's own answer (not the extractive fallback), and whether the evidence was in what it read
        "model_answered": answer.mode == "llm" and not answer.refused,
        "evidence_read": (m.evidence_rank([" ".join(read)], evidence) is not None)
        if (read := answer.checks.get("read")) and answerable and evidence
        else None,
        "checks": {k: v for k, v in answer.checks.items() if k != "read"},
        "latency_ms": round(latency_ms, 1),
        "prompt_tokens": int(usage.get("prompt_tokens", 0)),
        "completion_tokens": int(usage.get("completion_tokens", 0)),
        "cost_usd": float(usage.get("cost_usd", 0.0)),
    }


def mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def recall_curve(ranks: list[int | None], k: int, texts: list[list[str]] | None = None) -> dict[str, float | None]:
    """Recall at 1..k and MRR; with the retrieved ``texts``, also the mean length of a passage in characters."""
    if not ranks:
        return {"evidence_recall_at_k": None, **{f"evidence_recall_at_{j}": None for j in range(1, k + 1)}, "mrr": None}
    curve = {f"evidence_recall_at_{j}": round(m.recall_at_k(ranks, j), 4) for j in range(1, k + 1)}
    out = {"evidence_recall_at_k": curve[f"evidence_recall_at_{k}"], **curve, "mrr": round(m.mrr(ranks), 4)}
    lengths = [len(t) for found in texts or [] for t in found]
    if lengths:
        out["mean_passage_chars"] = round(sum(lengths) / len(lengths))
    return out


def aggregate(rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    refused, should = [r["refused"] for r in rows], [r["answerable"] for r in rows]
    latencies = [r["latency_ms"] for r in rows]
    out: dict[str, Any] = {
        "answer_accuracy": mean([float(r["correct"]) for r in rows]),
        # the targets: required facts in the answer, and the evidence passage cited,
        # per answerable question (a refusal counts as a miss)
        "answerable_accuracy": mean([float(r["correct"]) for r in answerable]),
        "follow_up_accuracy": mean([float(r["correct"]) for r in rows if r["follow_up"]]),
        "evidence_cited": mean([float(bool(r["citation_recall"])) for r in answerable if r["has_evidence"]]),
        "fact_coverage": mean([r["fact_coverage"] for r in answerable]),
        **recall_curve([r["evidence_rank"] for r in rows if r["has_evidence"]], k),
        "citation_precision": mean([r["citation_precision"] for r in rows if r["citation_precision"] is not None]),
        "citation_recall": mean([r["citation_recall"] for r in rows if r["citation_recall"] is not None]),
        "refusal_precision": round(m.refusal_precision(refused, should), 4),
        "refusal_recall": round(m.refusal_recall(refused, should), 4),
        "answerable_refusal_rate": mean([float(r["refused"]) for r in answerable]),
        "unsupported_rate": round(
            m.unsupported_rate(sum(r["unsupported"] for r in rows), sum(r["sentences"] for r in rows)), 4
        ),
        "model_answer_share": mean(
            [float(r["model_answered"]) for r in rows if not r["refused"]]
            if any(r["mode"] == "llm" for r in rows)
            else []
        ),
        "evidence_read": mean([float(r["evidence_read"]) for r in answerable if r.get("evidence_read") is not None]),
        "latency_p50_ms": round(m.percentile(latencies, 50), 1),
        "latency_p95_ms": round(m.percentile(latencies, 95), 1),
        "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
        "completion_tokens": sum(r["completion_tokens"] for r in rows),
        "cost_usd": round(sum(r["cost_usd"] for r in rows), 6),
    }
    out["per_category"] = accuracy_by(rows, lambda r: [r["category"]])
    out["per_class"] = accuracy_by(rows, lambda r: r["classes"])
    return out


def accuracy_by(rows: list[dict[str, Any]], keys: Callable[[dict[str, Any]], list[str]]) -> dict[str, Any]:
    """``{key: {"n": items, "accuracy": share correct}}`` in first-seen order; a row may count under several keys."""
    groups: dict[str, list[bool]] = {}
    for r in rows:
        for key in keys(r):
            groups.setdefault(key, []).append(r["correct"])
    return {c: {"n": len(v), "accuracy": round(sum(v) / len(v), 4)} for c, v in groups.items()}
