"""The BBC gold set: ``eval/gold/bbc.jsonl`` asked against one index of the BBC archive.

``evaluate_bbc`` ingests the archive once per run (into a temp folder, or a
kept ``--bbc-store``), asks every selected item, and reports the test half
(gated by ``[tool.qa.eval.bbc]``) with the dev half's figures beside it
(``--split`` changes which half is reported). Beyond the seed set's figures
it measures retrieval alone, ours against the llama-index starter pipeline
(``eval.starter``) built over the same archive in the same run: evidence
recall at 1..k, and ``evidence_recall_lead_over_starter``, the smallest
margin of ours over the starter at any k. No ablation: one BBC ingest takes
minutes. Options are checked by ``eval.harness``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval import gates as gating
from eval.goldset import by_split, split_of
from eval.options import UsageError
from eval.runs import asked, build_index, claim_store, evidence_ranks, retrieved, run_items, run_summary
from eval.scoring import aggregate, recall_curve


def evaluate_bbc(
    ns: argparse.Namespace,
    items: list[dict[str, Any]],
    thresholds: dict[str, float],
    *,
    llm: Any,
    say: Callable[[str], None],
    with_index: Callable[[Path], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The BBC set's result; ``with_index`` (if given) runs on the built index's folder before it is
    removed, its result kept under ``"with_index"`` (the seed set over the archive, ``eval.archive``)."""
    from qa.chunking import DEFAULT_CHUNK_TOKENS

    started = time.perf_counter()
    reported_split = ns.split or "test"
    if ns.split in ("dev", "test"):
        items = by_split(items)[ns.split]
    reported = [it for it in items if reported_split == "all" or split_of(it) == reported_split]
    if not reported:
        raise UsageError(f"{ns.bbc_gold}: no {reported_split} items selected; pass --split dev or --split all")
    with tempfile.TemporaryDirectory(prefix="qa-eval-bbc-") as tmp:
        folder = ns.bbc_store or Path(tmp)
        claim_store(folder, ns.bbc)
        store = build_index(ns.bbc, folder, DEFAULT_CHUNK_TOKENS, say=say, precision=ns.embed_precision)
        store.embedder().get_text_embedding("warm up")  # model load is not a question's latency
        rows, _ = run_items(items, store, k=ns.k, mode=ns.mode, llm=llm)
        for row, item in zip(rows, items, strict=True):
            row["split"] = split_of(item)
        shown_rows = [r for r in rows if reported_split == "all" or r["split"] == reported_split]
        result = aggregate(shown_rows, ns.k)
        dev_rows = [r for r in rows if r["split"] == "dev"]
        if ns.split is None and dev_rows:  # printed beside the test half, never gated
            result["dev"] = {"items": len(dev_rows), **aggregate(dev_rows, ns.k)}
        result["retrieval"] = compare_retrieval(ns, reported, store, folder, say=say)
        result["evidence_recall_lead_over_starter"] = lead(result["retrieval"], ns.k)
        if with_index is not None:
            result["with_index"] = with_index(folder / f"chunks-{DEFAULT_CHUNK_TOKENS}")
        run = run_summary(
            shown_rows,
            mode=ns.mode,
            k=ns.k,
            gold=ns.bbc_gold,
            corpus=ns.bbc,
            store=store,
            chunk_tokens=DEFAULT_CHUNK_TOKENS,
        )
    result["gates"] = gating.apply(result, thresholds, say=say)
    result["run"] = {**run, "split": reported_split, "seconds": round(time.perf_counter() - started, 1)}
    result["items"] = rows
    return result


def compare_retrieval(
    ns: argparse.Namespace, items: list[dict[str, Any]], store: Any, folder: Path, *, say: Callable[[str], None]
) -> dict[str, Any]:
    """Evidence recall at 1..k of retrieval alone: ours (hybrid), and the starter pipeline unless ``--no-starter``."""
    questions = asked(items)
    out: dict[str, Any] = {
        "items": len(questions),
    }
    texts = retrieved(questions, store, k=ns.k)
    out["ours"] = recall_curve(evidence_ranks(texts, questions), ns.k, texts)
    if ns.no_starter or not questions:
        return out
    from eval import starter

    began = time.perf_counter()
    built = starter.build(ns.bbc, persist_dir=folder / "starter", embed_model=starter.embedding_model())
    say(f"starter: {len(built.documents)} documents from {ns.bbc} in {time.perf_counter() - began:.1f} s")
    texts = [built.retrieve(q, k=ns.k) for q, _ in questions]
    out["starter"] = recall_curve(evidence_ranks(texts, questions), ns.k, texts)
    out["starter_seconds"] = round(built.seconds, 1)
    return out


def lead(retrieval: dict[str, Any], k: int) -> float | None:
    """The smallest margin of our recall@j over the starter's, j = 1..k (None without the starter)."""
    ours, theirs = retrieval["ours"], retrieval.get("starter")
    if not theirs or ours["evidence_recall_at_1"] is None:
        return None
    return round(min(ours[f"evidence_recall_at_{j}"] - theirs[f"evidence_recall_at_{j}"] for j in range(1, k + 1)), 4)
