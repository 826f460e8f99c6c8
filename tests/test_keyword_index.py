"""The catalog's keyword index, stored sentence vectors and per-store precision.

Real seed index (bundled model, embedded Chroma in tmp_path): the keyword
index answers with filters inside its SQL, user text is never FTS syntax,
term rarity comes from the index, a question reads only the rows it needs and
embeds only itself, each headline and sentence is read by the model once
and a window's vector is pooled from those passes, a store written by the
previous format says what to do and is brought up to date by the next ingest,
and a store holding another kind of vector is refused or rebuilt on request.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import qa
from qa.catalog import REBUILDING, ChunkRecord, unpack_vectors
from qa.chunking import sentences
from qa.errors import StoreError
from qa.fast_encoder import encode
from qa.guard import withhold_instructions
from qa.index import VECTORS, embedding_input, ingest
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
    assert item.texts() == [article.title, *(s.text for s in sentences(chunk.text))]

    stored = unpack_vectors(store.catalog.sentence_vectors([chunk.id])[chunk.id])
    fresh = encode([s.text for s in sentences(chunk.text)], precision=store.precision)
    assert stored.shape == fresh.shape
    # float16 storage of the same vectors; int8 also scales activations per batch, so a
    # sentence embedded beside other texts moves a little (measured worst 0.988 at batch 32)
    assert np.min(np.sum(stored * fresh, axis=1)) > (0.999 if store.precision == "fp32" else 0.98)


def test_a_window_vector_is_the_mean_of_the_token_states_of_its_headline_and_sentences(store: Store):
    chunks = sorted(store.catalog.chunks(), key=lambda c: c.id)[:3]
    stored = store.collection.get(ids=[c.id for c in chunks], include=["embeddings"])
    by_id = dict(zip(stored["ids"], np.asarray(stored["embeddings"], dtype=np.float32)))
    for chunk in chunks:
        article = store.catalog.article(chunk.article_id)
        assert article is not None
        sums, counts = store.encoder().pooled(embedding_input(chunk, article).texts())
        expected = sums.sum(axis=0) / counts.sum()
        expected /= np.linalg.norm(expected)
        assert float(by_id[chunk.id] @ expected) > (0.9999 if store.precision == "fp32" else 0.98)


def test_an_ingest_reads_each_headline_and_distinct_sentence_of_an_article_once(tmp_path: Path):
    from qa.wordpieces import count

    seen = []
    report = ingest([ROOT / "corpus"], store=tmp_path / "s", progress=lambda status: seen.append(status.word_pieces))
    st = open_store(tmp_path / "s")
    texts = []
    for aid in st.catalog.article_ids():
        article = st.catalog.article(aid)
        assert article is not None
        texts += [t for c in st.catalog.chunks_of(aid) for t in embedding_input(c, article).texts()]
    distinct = dict.fromkeys(texts)  # the seed bulletin is one batch: a text two windows share is read once
    assert len(distinct) < len(texts)  # windows overlap by a sentence and share their headline
    assert report.chunks_embedded > 0 and seen[-1] == sum(count(t) for t in distinct)


def test_headline_is_cut_at_its_share_of_word_pieces(store: Store):
    from qa.embed import word_pieces
    from qa.index import HEADLINE_PIECES

    article = store.catalog.article(sorted(store.catalog.article_ids())[0])
    assert article is not None
    long_title = "Headline " * 200
    text = "word " * 240
    chunk = ChunkRecord("x-000", article.id, 0, 0, len(text), text.strip())
    item = embedding_input(chunk, type(article)(**{**article.__dict__, "title": long_title}))
    assert item.texts() == [item.headline, chunk.text]
    assert long_title.startswith(item.headline) and word_pieces(item.headline) == HEADLINE_PIECES + 2


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


def _set_vector_kind(path: Path, kind: str | None) -> None:
    with sqlite3.connect(path / "catalog.sqlite") as conn:
        conn.execute("DELETE FROM meta WHERE key = 'vectors'")
        if kind is not None:
            conn.execute("INSERT INTO meta VALUES ('vectors', ?)", (kind,))
    conn.close()


@pytest.mark.parametrize(("kind", "said"), [(None, "an earlier version"), (REBUILDING, "a rebuild that did not")])
def test_store_of_another_kind_of_vector_is_refused_in_one_line_and_rebuilt_on_request(
    seed_store: Path, tmp_path: Path, index_ids: Callable[[Store], dict[str, set[str]]], kind: str | None, said: str
):
    _set_vector_kind(seed_store, kind)
    old = open_store(seed_store)
    generation, before = old.catalog.generation(), index_ids(old)
    extra = tmp_path / "extra.txt"
    extra.write_text("Harbour reopens\n\nThe harbour reopened on Monday after repairs to the sea wall.\n")

    with pytest.raises(StoreError, match=rf"{said}.* one index never mixes two kinds: .*rebuild") as refused:
        ingest([extra], store=old)
    assert "\n" not in str(refused.value)
    assert old.catalog.generation() == generation and index_ids(old) == before  # nothing written
    assert "Ghafari" in qa.ask(QUESTION, store=old, mode="extractive").text  # still answers

    report = ingest([ROOT / "corpus", extra], store=old, rebuild=True)

    assert report.chunks_embedded == len(old.catalog.chunk_ids()) > len(before["catalog"])  # every chunk again
    assert old.catalog.vector_kind() == VECTORS
    ids = index_ids(old)
    assert ids["catalog"] == ids["keyword"] == ids["sentences"] == ids["chroma"]
    assert ingest([ROOT / "corpus", extra], store=old).chunks_embedded == 0
