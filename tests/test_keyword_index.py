"""The catalog's keyword index, stored sentence vectors and per-store precision.

Real seed index (bundled model, embedded Chroma in tmp_path): the keyword
index answers with filters inside its SQL, user text is never FTS syntax,
term rarity comes from the index, a question reads only the rows it needs and
embeds only itself, and a store written by the previous format says what to
do and is brought up to date by the next ingest.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import qa
from qa.catalog import ChunkRecord, unpack_vectors
from qa.chunking import sentences
from qa.errors import StoreError
from qa.fast_encoder import encode
from qa.guard import withhold_instructions
from qa.index import embedding_input, ingest
from qa.retrieve import make_filters, retrieve
from qa.store import Store, open_store
from qa.support import Idf, content_terms

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who leads ISIS-K in Afghanistan?"


@pytest.fixture
def store(seed_store: Path) -> Store:
    return open_store(seed_store)


@pytest.mark.parametrize(
    "question",
    ['ISIS-K" OR NEAR(leader', "leader* AND ^Ghafari", "column:body ISIS-K", '"""', "(((", "Ghafari -- ; DROP TABLE"],
)
def test_fts_syntax_in_a_question_is_matched_as_words(store: Store, question: str):
    passages = retrieve(store, question, k=5, mode="keyword")
    terms = set(content_terms(question))
    assert all(terms & set(content_terms(p.text + " " + p.title)) for p in passages)


def test_source_and_date_filters_apply_inside_the_keyword_query(store: Store):
    everything = retrieve(store, QUESTION, k=10, mode="keyword")
    sources = {p.source for p in everything}
    assert len(sources) >= 1
    source = sorted(sources)[0]
    only = retrieve(store, QUESTION, k=10, mode="keyword", filters=make_filters(source=source))
    assert only and {p.source for p in only} == {source}
    assert retrieve(store, QUESTION, k=10, mode="keyword", filters=make_filters(since="2999-01-01")) == []


def test_term_rarity_comes_from_the_index_as_counting_the_texts_would_give(store: Store):
    texts = [withhold_instructions(c.text) for c in store.catalog.chunks()]
    counted, indexed = Idf.from_texts(texts), store.idf()
    assert indexed.n_docs == counted.n_docs == len(texts)
    terms = {t for text in texts[:5] for t in content_terms(text)} | {"zzzunknown", "ghafar", "leadership", "afghan"}
    for term in sorted(terms):
        assert indexed(term) == pytest.approx(counted(term)), term
        assert indexed.knows(term) == counted.knows(term), term


def test_answering_reads_rows_by_id_and_embeds_only_the_question(store: Store):
    statements: list[str] = []
    store.catalog._conn().set_trace_callback(statements.append)
    answer = qa.ask(QUESTION, store=store, mode="extractive")
    store.catalog._conn().set_trace_callback(None)

    assert "Ghafari" in answer.text
    reads = [s for s in statements if re.search(r"\bFROM (chunks|articles|sentence_vectors)\b", s)]
    assert reads and not [s for s in reads if "WHERE" not in s], reads
    assert set(store._vectors) == {QUESTION}  # passage sentences come from the index


def test_every_chunk_is_embedded_under_its_headline_with_its_sentence_vectors(store: Store):
    chunk = sorted(store.catalog.chunks(), key=lambda c: c.id)[0]
    article = store.catalog.article(chunk.article_id)
    assert article is not None
    item = embedding_input(chunk, article)
    assert item.text.startswith(article.title[:20]) and item.text.endswith(chunk.text)
    assert [item.text[s:e] for s, e in item.spans] == [s.text for s in sentences(chunk.text)]

    stored = unpack_vectors(store.catalog.sentence_vectors([chunk.id])[chunk.id])
    fresh = encode([s.text for s in sentences(chunk.text)], precision=store.precision)
    assert stored.shape == fresh.shape
    # float16 storage of the same vectors; int8 also scales activations per batch, so a
    # sentence embedded beside other texts moves a little (measured worst 0.988 at batch 32)
    assert np.min(np.sum(stored * fresh, axis=1)) > (0.999 if store.precision == "fp32" else 0.98)


def test_headline_is_cut_so_the_model_reads_the_whole_chunk(store: Store):
    from qa.embed import MAX_WORD_PIECES, word_pieces

    article = store.catalog.article(sorted(store.catalog.article_ids())[0])
    assert article is not None
    long_title = "Headline " * 200
    text = "word " * 240
    chunk = ChunkRecord("x-000", article.id, 0, 0, len(text), text.strip())
    item = embedding_input(chunk, type(article)(**{**article.__dict__, "title": long_title}))
    assert item.text.endswith(chunk.text) and word_pieces(item.text) <= MAX_WORD_PIECES
    assert item.pieces == word_pieces(item.text)


def _make_previous_format(path: Path) -> None:
    with sqlite3.connect(path / "catalog.sqlite") as conn:
        conn.executescript(
            "DROP TABLE chunk_vocab; DROP TABLE chunk_terms; DROP TABLE sentence_vectors;"
            "DELETE FROM meta WHERE key IN ('schema', 'chunks', 'embed_precision');"
        )
    conn.close()


def test_store_of_the_previous_format_asks_for_an_ingest_which_brings_it_up_to_date(
    seed_store: Path, index_ids: Callable[[Store], dict[str, set[str]]]
):
    _make_previous_format(seed_store)
    old = open_store(seed_store)
    with pytest.raises(StoreError, match=r"older version: run `qa ingest`"):
        qa.ask(QUESTION, store=old, mode="extractive")

    report = ingest([ROOT / "corpus"], store=old)

    assert report.chunks_embedded == len(old.catalog.chunk_ids()) > 0  # every chunk, under its headline
    ids = index_ids(old)
    assert ids["catalog"] == ids["keyword"] == ids["sentences"] == ids["chroma"]
    assert "Ghafari" in qa.ask(QUESTION, store=old, mode="extractive").text
    assert ingest([ROOT / "corpus"], store=old).chunks_embedded == 0


def test_store_records_its_precision_and_refuses_another(seed_store: Path, tmp_path: Path):
    recorded = open_store(seed_store).catalog.embed_precision()
    assert recorded in ("fp32", "int8")
    other = "int8" if recorded == "fp32" else "fp32"
    with pytest.raises(StoreError, match=rf"built with {recorded} embeddings, not {other}"):
        open_store(seed_store, embed_precision=other)
    assert open_store(seed_store, embed_precision=recorded).precision == recorded
    with pytest.raises(StoreError, match="not one of"):
        open_store(tmp_path / "new", embed_precision="fp8")
