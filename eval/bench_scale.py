"""Benchmark scale: query latency and index size at 1x/4x/16x the BBC corpus.

The copies are not re-embedded: each copy's chunks get the 1x vectors plus a
little noise (``LookupEmbedding``), inserted through the real ``ingest``;
queries then go through the real retrieval path with the real model.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from eval.bench_common import K, disk_bytes, latency, log, timed

COPY_SUFFIX = re.compile(r" \(copy \d+\)$")
NOISE = 0.01

BBC_QUESTIONS = [
    "How much profit did the bank report?",
    "Who won the Australian Open?",
    "What did the chancellor say about the economy?",
    "Which film won the most Oscars?",
    "What did the prime minister say about the general election?",
    "How many mobile phones were sold last year?",
    "Why did the airline's shares fall?",
    "Who was named the new England coach?",
    "What is the government's plan for ID cards?",
    "Which band topped the UK singles chart?",
    "How fast is the new broadband service?",
    "What did the report say about oil prices?",
    "Who scored the winning try against Wales?",
    "What happened to the dollar against the euro?",
    "Which games console sold best at Christmas?",
    "What did the Conservatives promise on tax?",
]


def _lookup_embedding_class() -> Any:
    import numpy as np
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class LookupEmbedding(BaseEmbedding):
        """Vectors of already-embedded chunks plus noise; never used for questions."""

        _table: dict[str, Any] = PrivateAttr(default_factory=dict)
        _by_prefix: dict[str, Any] = PrivateAttr(default_factory=dict)
        _rng: Any = PrivateAttr(default=None)
        misses: int = 0

        def __init__(self, table: dict[str, Any]) -> None:
            super().__init__(model_name="lookup", embed_batch_size=256)
            self._table = table
            self._by_prefix = {t[:80]: v for t, v in table.items()}
            self._rng = np.random.default_rng(0)

        def _vector(self, text: str) -> list[float]:
            base = COPY_SUFFIX.sub("", text)
            vec = self._table.get(base)
            if vec is None:
                vec = self._by_prefix.get(base[:80])
            if vec is None:
                self.misses += 1
                vec = self._rng.normal(size=384)
            noisy = vec + self._rng.normal(scale=NOISE, size=vec.shape)
            return (noisy / np.linalg.norm(noisy)).astype("float32").tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [self._vector(t) for t in texts]

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._vector(text)

        def _get_query_embedding(self, query: str) -> list[float]:
            raise RuntimeError("the lookup embedding is for building the scale index only")

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return LookupEmbedding


def write_copies(store_dir: Path, dest: Path, copies: range) -> None:
    """One .jsonl per copy of the 1x articles; copy c > 0 gets "(copy c)" appended."""
    from qa.store import open_store

    catalog = open_store(store_dir, create=False).catalog
    articles = [catalog.article(aid) for aid in sorted(catalog.article_ids())]
    dest.mkdir(parents=True, exist_ok=True)
    for c in copies:
        with open(dest / f"copy-{c:02d}.jsonl", "w", encoding="utf-8") as fh:
            for a in articles:
                if a is None:
                    continue
                suffix = f" (copy {c})" if c else ""
                rec = {"title": a.title + suffix, "text": a.text + suffix, "source": f"BBC copy {c}"}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def scale(base_store: Path, work: Path, factors: list[int], *, queries: list[str]) -> dict[str, Any]:
    import numpy as np

    from qa.index import ingest
    from qa.retrieve import retrieve
    from qa.store import open_store

    base = open_store(base_store, create=False)
    got = base.collection.get(include=["embeddings", "documents"])
    pairs = zip(got["documents"], got["embeddings"], strict=True)
    table = {doc: np.asarray(vec, dtype=np.float64) for doc, vec in pairs}
    lookup = _lookup_embedding_class()(table)

    store_dir = work / "scale-store"
    builder = open_store(store_dir)
    builder._embedder = lookup  # the one non-public touch: vectors come from the table
    rows, done = [], 0
    for factor in factors:
        write_copies(base_store, work / "scale-copies", range(done, factor))
        log(f"scale {factor}x: ingesting copies {done}..{factor - 1} with precomputed vectors")
        report, wall = timed(lambda f=factor: ingest(sorted((work / "scale-copies").glob("*.jsonl")), store=builder))
        done = factor
        reader = open_store(store_dir, create=False)  # the real query path: real model, fresh caches
        first = timed(lambda r=reader: retrieve(r, queries[0], k=K))[1]  # builds the keyword index
        for q in queries:  # warm: model, Chroma segments, caches
            retrieve(reader, q, k=K)
        samples = [timed(lambda q=q, r=reader: retrieve(r, q, k=K))[1] for q in queries]
        counts = reader.catalog.counts()
        rows.append(
            {
                "factor": factor,
                "articles": counts["articles"],
                "chunks": counts["chunks"],
                "index_bytes": disk_bytes(store_dir),
                "chroma_bytes": disk_bytes(store_dir / "chroma"),
                "build_s": round(wall, 1),
                "first_query_s": round(first, 3),
                "retrieve": latency(samples),
            }
        )
    return {
        "rows": rows,
        "lookup_misses": lookup.misses,
        "note": "copies use the 1x vectors plus N(0, 0.01) noise, inserted through ingest; queries use the real model",
    }
