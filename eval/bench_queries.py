"""Benchmark queries on the bundled bulletin, and a cold ``qa ask`` in a new process.

``queries_and_recall`` builds both pipelines over ``corpus/`` and measures
warm retrieve/ask latency and evidence recall@1/@5 on the seed gold set;
``cold_start`` runs ``python -m qa ask`` in fresh processes (wall time, peak
RSS). Measures only; scale is ``eval.bench_scale``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from eval.bench_common import BULLETIN, ROOT, K, latency, timed
from eval.metrics import evidence_rank, mrr, recall_at_k


def passage_texts(results: Iterable[Any]) -> list[str]:
    return [r.text if hasattr(r, "text") else str(r) for r in results]


def queries_and_recall(
    store_dir: Path, persist: Path, model: Any, gold: list[dict[str, Any]], *, n: int
) -> dict[str, Any]:
    """Warm latency and evidence recall@5 on the bundled bulletin, both pipelines."""
    import qa
    from eval import starter
    from qa.api import get_store
    from qa.retrieve import retrieve

    qa.ingest([BULLETIN], store=store_dir)
    st = get_store(store_dir)
    built = starter.build(BULLETIN, persist_dir=persist, embed_model=model)
    # warm up: models, keyword index, Chroma segments
    qa.ask("What happened in Kabul this week?", store=store_dir, k=K, mode="extractive")
    built.retrieve("What happened in Kabul this week?", k=K)

    questions = [g["question"] for g in gold][:n] if gold else ["Who heads Uzbekistan's State Security Service?"]
    t_retrieve, t_ask, t_starter = [], [], []
    for q in questions:
        t_retrieve.append(timed(lambda q=q: retrieve(st, q, k=K))[1])
        t_ask.append(timed(lambda q=q: qa.ask(q, store=store_dir, k=K, mode="extractive"))[1])
        t_starter.append(timed(lambda q=q: built.retrieve(q, k=K))[1])

    answerable = [g for g in gold if g.get("answerable") and g.get("evidence")]
    ours_ranks = [evidence_rank(passage_texts(retrieve(st, g["question"], k=K)), g["evidence"]) for g in answerable]
    starter_ranks = [evidence_rank(built.retrieve(g["question"], k=K), g["evidence"]) for g in answerable]

    def scores(ranks: list[int | None]) -> dict[str, float | None]:
        if not ranks:
            return {"recall_at_1": None, "recall_at_5": None, "mrr": None}
        return {
            "recall_at_1": round(recall_at_k(ranks, 1), 4),
            "recall_at_5": round(recall_at_k(ranks, K), 4),
            "mrr": round(mrr(ranks), 4),
        }

    return {
        "latency": {
            "ours_retrieve": latency(t_retrieve),
            "ours_ask_extractive": latency(t_ask),
            "starter_retrieve": latency(t_starter),
        },
        "recall": {
            "items": len(answerable),
            "ours": scores(ours_ranks),
            "starter": scores(starter_ranks),
            # with few chunks, top 5 is most of the bulletin: recall@5 says little for the starter
            "ours_chunks": st.catalog.counts()["chunks"],
            "starter_chunks": len(starter.embedded_texts(built.documents)),
        },
    }


def cold_start(store_dir: Path, *, runs: int) -> dict[str, Any]:
    """``python -m qa ask`` in a new process: wall time and peak RSS (first run discarded)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("OPENAI_API_KEY", None)
    cmd = [
        sys.executable,
        "-m",
        "qa",
        "ask",
        "Who heads Uzbekistan's State Security Service?",
        "--store",
        str(store_dir),
        "--mode",
        "extractive",
    ]
    walls, peaks, codes = [], [], []
    for i in range(runs + 1):
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            if i == 0:
                out.seek(0)
                first_output = out.read().decode(errors="replace")[-400:]
                continue  # discarded: fills the OS file cache
        walls.append(wall)
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
        codes.append(proc.returncode)
    return {
        "wall_s": round(sorted(walls)[len(walls) // 2], 2),
        "wall_s_runs": [round(w, 2) for w in walls],
        "peak_rss_mb": round(max(peaks), 1),
        "exit_codes": codes,
        "output_tail": first_output.strip()[-200:],
    }
