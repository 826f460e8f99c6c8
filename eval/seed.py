"""The seed gold set: ``eval/gold.jsonl`` asked against a fresh index of ``corpus/``.

``evaluate_seed`` ingests the bulletins at each ``--chunk-sizes`` size (the
first is the one answers use), asks every item, scores the answers, runs the
retrieval ablation (dense / BM25 / hybrid at each size) and the optional LLM
judge, and applies the ``[tool.qa.eval]`` gates. Options are checked by
``eval.harness``; the BBC set is ``eval.bbc``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval import gates as gating
from eval.judge import judge
from eval.runs import ablation, build_index, claim_store, run_items, run_summary
from eval.scoring import aggregate


def evaluate_seed(
    ns: argparse.Namespace,
    items: list[dict[str, Any]],
    thresholds: dict[str, float],
    *,
    sizes: list[int],
    llm: Any,
    say: Callable[[str], None],
) -> dict[str, Any]:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        folder = ns.store or Path(tmp)
        claim_store(folder, ns.corpus)
        stores = {
            size: build_index(ns.corpus, folder, size, say=say, precision=ns.embed_precision)
            for size in (sizes if not ns.no_ablation else sizes[:1])
        }
        store = stores[sizes[0]]
        store.embedder().get_text_embedding("warm up")  # model load is not a question's latency
        rows, cited = run_items(items, store, k=ns.k, mode=ns.mode, llm=llm)
        result = aggregate(rows, ns.k)
        result["ablation"] = [] if ns.no_ablation else ablation(items, stores, k=ns.k)
        if ns.judge:
            if llm is None:
                say("judge skipped: OPENAI_API_KEY is not set")
            else:
                result["judge"] = judge(items, rows, cited, llm)
        run = run_summary(
            rows, mode=ns.mode, k=ns.k, gold=ns.gold, corpus=ns.corpus, store=store, chunk_tokens=sizes[0]
        )
    result["gates"] = gating.apply(result, thresholds, say=say)
    result["run"] = {**run, "seconds": round(time.perf_counter() - started, 1)}
    result["items"] = rows
    return result
