"""Retrieval over the seed bulletin's index: real Chroma, real model, real keyword index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.answer import stored_vectors
from qa.catalog import unpack_vectors
from qa.chunking import sentences
from qa.retrieve import MAX_WINDOWS, retrieve
from qa.store import open_store

QUESTIONS = [
    "Who leads ISIS-K in Afghanistan?",
    "How many executions did Iran carry out in August?",
    "What did the Uzbek security chief say about the Taliban?",
]


@pytest.fixture(scope="module")
def store(seed_index: Path):
    return open_store(seed_index)


def _chunk_texts(store, ids) -> dict[str, str]:
    with store.catalog.reading():
        return {cid: row[0].text for cid, row in store.catalog.chunk_rows(list(ids)).items()}


@pytest.mark.parametrize("question", QUESTIONS)
def test_overlapping_windows_of_one_article_come_back_as_one_passage_of_article_text(store, question: str) -> None:
    passages = retrieve(store, question, k=10)
    joined = [p for p in passages if len(p.spans()) > 1]
    assert joined, "the seed bulletin's windows overlap by a sentence, so some must join"
    texts = _chunk_texts(store, [cid for p in joined for cid, _, _ in p.spans()])
    for p in joined:
        assert len(p.spans()) <= MAX_WINDOWS
        assert p.chunk_id == p.spans()[0][0]  # cited by the window that ranked first
        assert p.start == min(s for _, s, _ in p.spans()) and p.end == max(e for _, _, e in p.spans())
        for cid, start, end in p.spans():  # each window is the passage's text at its own offsets
            assert p.text[start - p.start : end - p.start] == texts[cid]
        (_, a0, b0), (_, a1, b1) = sorted(p.spans(), key=lambda s: s[1])[:2]
        assert a1 < b0  # only windows that overlap are joined: no article text is skipped


@pytest.mark.parametrize("question", QUESTIONS)
def test_no_window_is_returned_twice(store, question: str) -> None:
    passages = retrieve(store, question, k=10)
    ids = [cid for p in passages for cid, _, _ in p.spans()]
    assert len(ids) == len(set(ids))
    for i, p in enumerate(passages):
        for q in passages[i + 1 :]:
            if p.article_id == q.article_id:
                inter = min(p.end, q.end) - max(p.start, q.start)
                assert inter <= 0.5 * min(p.end - p.start, q.end - q.start)


def test_joined_passage_takes_each_sentence_vector_from_the_window_that_stored_it(store) -> None:
    passages = retrieve(store, QUESTIONS[0], k=10)
    joined = next(p for p in passages if len(p.spans()) > 1)
    rows = stored_vectors(store, [joined])[joined.chunk_id]
    every = sentences(joined.text)
    assert rows.shape == (len(every), 384)
    blobs = store.catalog.sentence_vectors(cid for cid, _, _ in joined.spans())
    for cid, start, end in joined.spans():
        window = sentences(joined.text[start - joined.start : end - joined.start])
        for sp, row in zip(window, unpack_vectors(blobs[cid]), strict=True):
            at = next(i for i, s in enumerate(every) if joined.start + s.start == start + sp.start)
            assert np.array_equal(rows[at], row)


def test_dense_weight_one_ranks_as_dense_search_and_zero_as_keyword_search(store) -> None:
    question = QUESTIONS[1]
    top = lambda ps: [p.spans()[0][0] for p in ps[:3]]  # noqa: E731
    assert top(retrieve(store, question, k=5, dense_weight=1.0)) == top(retrieve(store, question, k=5, mode="dense"))
    assert top(retrieve(store, question, k=5, dense_weight=0.0)) == top(retrieve(store, question, k=5, mode="keyword"))
    assert top(retrieve(store, question, k=5, mode="dense")) != top(retrieve(store, question, k=5, mode="keyword"))
