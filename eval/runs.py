"""Runs: build an eval index, ask every gold question, and the retrieval ablation.

``build_index`` ingests a corpus into a folder of its own (``claim_store``
keeps a reused ``--store`` to one corpus); ``run_items`` asks every item
through ``qa.ask`` (follow-ups with their ``history``) and scores it
(``eval.scoring``); ``ablation`` measures retrieval alone per retriever and
chunk size. Nothing here tunes the index or touches the user's own store.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from eval import metrics as m
from eval.options import UsageError
from eval.scoring import Supports, recall_curve, score_item

Retriever = Literal["dense", "keyword", "hybrid"]
RETRIEVERS: tuple[Retriever, ...] = ("dense", "keyword", "hybrid")


def build_index(
    corpus: Path, folder: Path, chunk_tokens: int, *, say: Callable[[str], None], precision: str | None = None
) -> Any:
    """Index ``corpus`` (or bring a kept index up to date) at ``precision`` (None: the default for this CPU).

    A kept index is the eval's own cache: one whose vectors are of an earlier kind is embedded again
    (a user's index is refused instead, see ``qa.index``)."""
    from qa.index import ingest, outdated
    from qa.store import open_store

    store = open_store(folder / f"chunks-{chunk_tokens}", embed_precision=precision)
    started = time.perf_counter()
    rebuild = outdated(store)
    if rebuild:
        say(f"index: {store.where} holds vectors of an earlier kind: embedding every chunk again")
    result = ingest([corpus], store=store, chunk_tokens=chunk_tokens, rebuild=rebuild)
    for warning in result.warnings:
        say(f"warning: {warning}")
    chunks = store.catalog.counts()["chunks"]
    if not chunks:
        raise UsageError(f"{corpus}: no articles to evaluate against")
    say(f"index: {chunks} chunks of <= {chunk_tokens} tokens from {corpus} in {time.perf_counter() - started:.1f} s")
    return store


def claim_store(folder: Path, corpus: Path) -> None:
    """A kept --store folder must only ever hold one corpus, or figures would mix."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "eval-corpus.json"
    source = str(corpus.resolve())
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")).get("corpus") != source:
        raise UsageError(f"--store {folder} was built from another corpus; use an empty folder")
    marker.write_text(json.dumps({"corpus": source}) + "\n", encoding="utf-8")


def run_items(
    items: list[dict[str, Any]], store: Any, *, k: int, mode: str, llm: Any
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """One scored row per item, and the cited passage texts per item id (for the judge)."""
    from tqdm import tqdm

    import qa

    supported = Supports(store)
    if llm is not None and llm.local and mode != "extractive":  # the model server's start is not a question's latency
        from qa import model_server

        model_server.shared()
    rows, cited = [], {}
    for item in tqdm(items, desc="gold set", unit="q", file=sys.stderr, disable=None, leave=False):
        started = time.perf_counter()
        answer = qa.ask(item["question"], store=store, k=k, history=item.get("history"), mode=mode, llm=llm)
        rows.append(score_item(item, answer, (time.perf_counter() - started) * 1000, supported))
        cited[item["id"]] = [c.text for c in answer.citations]
    return rows, cited


def asked(items: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(standalone question, evidence) per answerable item with evidence; follow-ups rewritten without an LLM."""
    from qa.followup import standalone_question

    return [
        (standalone_question(it["question"], it.get("history") or []), it["evidence"])
        for it in items
        if it["answerable"] and it.get("evidence")
    ]


def retrieved(
    questions: list[tuple[str, list[str]]],
    store: Any,
    *,
    k: int,
    retriever: Retriever = "hybrid",
    vectors: list[list[float]] | None = None,
    dense_weight: float | None = None,
) -> list[list[str]]:
    """The texts of each question's top ``k`` passages from ``qa.retrieve`` alone (no answer step).

    ``vectors`` are the questions' embeddings if already made; ``dense_weight`` overrides the calibrated one.
    """
    from qa.retrieve import retrieve

    if vectors is None:
        vectors = store.embed([q for q, _ in questions]) if questions else []
    return [
        [p.text for p in retrieve(store, q, k=k, mode=retriever, query_vector=vec, dense_weight=dense_weight)]
        for (q, _), vec in zip(questions, vectors, strict=True)
    ]


def evidence_ranks(texts: list[list[str]], questions: list[tuple[str, list[str]]]) -> list[int | None]:
    """Per question, the rank of the first of its retrieved ``texts`` that holds its evidence (None: none)."""
    return [m.evidence_rank(found, ev) for found, (_, ev) in zip(texts, questions, strict=True)]


def retrieval_ranks(
    questions: list[tuple[str, list[str]]], store: Any, *, k: int, retriever: Retriever = "hybrid"
) -> list[int | None]:
    """Evidence rank of each question's top ``k`` passages from ``qa.retrieve`` alone (no answer step)."""
    return evidence_ranks(retrieved(questions, store, k=k, retriever=retriever), questions)


def ablation(items: list[dict[str, Any]], stores: dict[int, Any], *, k: int) -> list[dict[str, Any]]:
    """Retrieval only: evidence recall and MRR per retriever and chunk size."""
    questions = asked(items)
    out = []
    for size, store in stores.items():
        for retriever in RETRIEVERS:
            ranks = retrieval_ranks(questions, store, k=k, retriever=retriever)
            out.append(
                {
                    "retriever": retriever,
                    "chunk_tokens": size,
                    "chunks": store.catalog.counts()["chunks"],
                    "items": len(ranks),
                    **recall_curve(ranks, k),
                }
            )
    return out


def shown(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it (reports stay machine-neutral)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_summary(
    rows: list[dict[str, Any]], *, mode: str, k: int, gold: Path, corpus: Path, store: Any, chunk_tokens: int
) -> dict[str, Any]:
    """The ``run`` entry of a result: what was asked of which index (``seconds`` is added by the caller)."""
    return {
        "items": len(rows),
        "mode": mode,
        "answer_modes": sorted({r["mode"] for r in rows}),
        "k": k,
        "gold": shown(gold),
        "corpus": shown(corpus),
        "chunk_tokens": chunk_tokens,
        "chunks": store.catalog.counts()["chunks"],
        "llm_fallbacks": sum(r["llm_fallback"] for r in rows),
    }
