"""Eight threads ask while the main thread ingests: no errors, no torn reads.

The ingest adds BBC files and changes one article the askers are asking
about, so the catalog moves from one generation to the next under them. Every
answer must be well formed and every citation must match, chunk for chunk,
one whole generation: the one before the ingest or the one after it.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import qa
from qa.catalog import ArticleMeta, ChunkRecord
from qa.index import ingest
from qa.store import Store, open_store

pytestmark = pytest.mark.slow

BULLETINS = Path(__file__).parent / "data" / "bulletins"
ASKERS = 8
QUESTIONS = (
    "Who leads ISIS-K in Afghanistan?",
    "How much did the Eastport filtration plant cost?",
    "How many ISIS fighters are there in Afghanistan?",
    "Who is the head of Uzbekistan's State Security Service?",
)
State = tuple[dict[str, ChunkRecord], dict[str, ArticleMeta]]


def _state(store: Store) -> State:
    with store.catalog.reading():
        return {c.id: c for c in store.catalog.chunks()}, store.catalog.article_meta()


def _matches(answer: qa.Answer, state: State) -> bool:
    """Every cited passage is one window of ``state``, or two overlapping windows of one article joined."""
    chunks, articles = state
    for c in answer.citations:
        chunk = chunks.get(c.chunk_id)
        if chunk is None or chunk.article_id != c.article_id or articles[chunk.article_id].title != c.title:
            return False
        if c.text != chunk.text and not any(
            o.article_id == chunk.article_id and o.id != chunk.id and _joined(chunk, o) == c.text
            for o in chunks.values()
        ):
            return False
    return True


def _joined(a: ChunkRecord, b: ChunkRecord) -> str | None:
    lo, hi = sorted((a, b), key=lambda r: r.start)
    if hi.start >= lo.end:
        return None
    return lo.text + hi.text[lo.end - hi.start :] if hi.end > lo.end else lo.text


def test_eight_threads_ask_while_an_ingest_runs(
    seed_store: Path, bbc_subset: Callable[..., Path], tmp_path: Path, index_ids: Callable[[Store], dict[str, set[str]]]
):
    news = tmp_path / "news"
    news.mkdir()
    shutil.copy(BULLETINS / "harbour.txt", news)
    store = open_store(seed_store)
    ingest([news], store=store)
    before = _state(store)
    harbour = news / "harbour.txt"
    harbour.write_text(harbour.read_text(encoding="utf-8").replace("8 million euros", "9 million euros"))
    bbc_subset(20, news / "bbc")

    warmed = threading.Barrier(ASKERS + 1)  # every asker has answered once before the ingest starts
    done = threading.Event()
    errors: list[BaseException] = []
    answers: list[tuple[bool, qa.Answer]] = []  # (asked while the ingest ran, answer)

    def ask(i: int) -> None:
        target: Store | Path = store if i % 2 == 0 else seed_store  # the shared object, or the path
        try:
            n = 0
            while n < 1 or not done.is_set():
                during = n > 0 and not done.is_set()  # asks after the barrier start while the ingest runs
                answers.append((during, qa.ask(QUESTIONS[(i + n) % len(QUESTIONS)], store=target, mode="extractive")))
                if n == 0:
                    warmed.wait(timeout=300)
                n += 1
        except BaseException as exc:
            errors.append(exc)
            warmed.abort()

    askers = [threading.Thread(target=ask, args=(i,)) for i in range(ASKERS)]
    for t in askers:
        t.start()
    warmed.wait(timeout=300)
    try:
        ingest([news], store=store)
    finally:
        done.set()
        for t in askers:
            t.join(timeout=300)
    assert not any(t.is_alive() for t in askers)
    assert not errors, errors

    after = _state(store)
    assert after[0].keys() != before[0].keys()
    assert sum(during for during, _ in answers) >= ASKERS
    for _, answer in answers:
        assert answer.text.strip()
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
        assert answer.refused or answer.citations
        assert _matches(answer, before) or _matches(answer, after), answer
    ids = index_ids(store)
    assert ids["catalog"] == ids["keyword"] == ids["chroma"] == set(after[0])
