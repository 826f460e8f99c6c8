"""The benchmark's answering process: warm questions, one added article, peak RSS.

    python -m eval.bench_child ours --store DIR --questions FILE [--warmup FILE] [--add FILE --after Q...]
    python -m eval.bench_child starter --persist DIR --questions FILE [--warmup FILE]
    python -m eval.bench_child ingest --store DIR --corpus DIR

Run by ``eval.bench_queries`` in a new process, so its peak RSS is that of a
process answering from one store and nothing else. ``ours`` answers the
warm-up questions (untimed), then each question once (timed, extractive),
then, given ``--add``, ingests that file in-process and times the first
question after it (the first ``--after``) and the others, warm. ``starter``
times the starter pipeline's retriever on the same questions. ``ingest``
times ``qa.ingest`` of a folder as a user's new process runs it: the wall
from before ``import qa`` to the report, fixed costs (imports, the model's
session, Chroma) included. Prints one JSON object; measures only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _lines(path: Path | None) -> list[str]:
    return [q for q in path.read_text(encoding="utf-8").splitlines() if q.strip()] if path else []


def _time(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def ours(ns: argparse.Namespace) -> dict[str, Any]:
    import qa

    def ask(q: str) -> Any:
        return qa.ask(q, store=ns.store, mode="extractive")

    for q in _lines(ns.warmup):
        ask(q)
    out: dict[str, Any] = {"seconds": [_time(lambda q=q: ask(q)) for q in _lines(ns.questions)]}
    if ns.add:
        started = time.perf_counter()
        report = qa.ingest([ns.add], store=ns.store)
        out["add_s"] = time.perf_counter() - started
        out["add_chunks_embedded"] = report.chunks_embedded
        first, *rest = ns.after
        out["first_after_add_s"] = _time(lambda: ask(first))
        out["warm_after_add_s"] = [_time(lambda q=q: ask(q)) for q in rest]
    return out


def ingest(ns: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    import qa

    report = qa.ingest([ns.corpus], store=ns.store)
    return {
        "wall_s": time.perf_counter() - started,
        "articles": report.articles,
        "chunks": report.chunks_embedded,
        "warnings": len(report.warnings),
    }


def starter(ns: argparse.Namespace) -> dict[str, Any]:
    import chromadb
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from eval.starter import COLLECTION, embedding_model

    collection = chromadb.PersistentClient(path=str(ns.persist)).get_collection(COLLECTION)
    index = VectorStoreIndex.from_vector_store(
        ChromaVectorStore(chroma_collection=collection), embed_model=embedding_model()
    )
    retriever = index.as_retriever(similarity_top_k=5)
    for q in _lines(ns.warmup):
        retriever.retrieve(q)
    return {"seconds": [_time(lambda q=q: retriever.retrieve(q)) for q in _lines(ns.questions)]}


def _peak_rss_mb() -> float:
    """This process's own high-water RSS (VmHWM; getrusage would include what a forking parent had)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    p = argparse.ArgumentParser(prog="bench_child")
    p.add_argument("pipeline", choices=["ours", "starter", "ingest"])
    p.add_argument("--store", type=Path)
    p.add_argument("--persist", type=Path)
    p.add_argument("--corpus", type=Path)
    p.add_argument("--questions", type=Path)
    p.add_argument("--warmup", type=Path)
    p.add_argument("--add", type=Path)
    p.add_argument("--after", nargs="+", default=[""], help="the first question after --add, then warm ones")
    ns = p.parse_args(argv)
    out = {"ours": ours, "starter": starter, "ingest": ingest}[ns.pipeline](ns)
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
