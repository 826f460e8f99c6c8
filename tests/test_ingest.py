"""Incremental ingest with the real model and an embedded Chroma in tmp_path.

Each test starts from a private copy of the seed index and checks, after every
ingest, that the catalog, its keyword index, its sentence vectors and Chroma
hold the same chunks.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.corpus import parse_file
from qa.index import chunk_article, ingest
from qa.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
BULLETINS = Path(__file__).parent / "data" / "bulletins"
IdSets = Callable[[Store], dict[str, set[str]]]


def assert_in_step(store: Store, index_ids: IdSets) -> set[str]:
    ids = index_ids(store)
    assert ids["catalog"] == ids["keyword"] == ids["sentences"] == ids["chroma"]
    return ids["catalog"]


@pytest.fixture
def store(seed_store: Path) -> Store:
    return open_store(seed_store)


@pytest.fixture
def news(tmp_path: Path) -> Path:
    """A folder with a two-article bulletin and a front-matter article."""
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(BULLETINS / "harbour.txt", folder)
    shutil.copy(BULLETINS / "ferry.md", folder)
    return folder


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_reingest_of_unchanged_seed_embeds_nothing(store: Store, index_ids: IdSets):
    generation = store.catalog.generation()
    report = ingest([ROOT / "corpus"], store=store)
    assert (report.chunks_embedded, report.articles_unchanged, report.articles_added) == (0, 6, 0)
    assert store.catalog.generation() == generation  # readers keep their snapshot
    assert_in_step(store, index_ids)


def test_every_format_in_a_folder_is_ingested_once(store: Store, index_ids: IdSets):
    before = assert_in_step(store, index_ids)
    report = ingest([BULLETINS], store=store)
    assert report.files_read == 4 and not report.warnings
    assert (report.articles_added, report.articles_unchanged) == (6, 0)
    new = assert_in_step(store, index_ids) - before
    assert report.chunks_embedded == len(new) > 0
    again = ingest([BULLETINS], store=store)
    assert (again.chunks_embedded, again.articles_unchanged) == (0, 6)
    ferry = next(a for a in parse_file(BULLETINS / "ferry.md").articles)
    record = store.catalog.article(ferry.id)
    assert record is not None
    assert (record.title, record.source, record.date, record.url) == (
        "Solar Ferry Starts Service On Lake Morrow",
        "Lakeside Gazette",
        "2024-10-02",
        "https://example.org/lakeside/solar-ferry",
    )


def test_changed_article_reembeds_only_its_own_chunks(store: Store, news: Path, index_ids: IdSets):
    ingest([news], store=store)
    before = assert_in_step(store, index_ids)
    old = parse_file(news / "harbour.txt").articles[1]
    _replace(news / "harbour.txt", "8 million euros", "9 million euros")
    new = parse_file(news / "harbour.txt").articles[1]

    report = ingest([news], store=store)

    assert (report.articles_updated, report.articles_added, report.articles_removed) == (1, 0, 0)
    assert report.articles_unchanged == 2  # the bulletin's first article and the ferry
    after = assert_in_step(store, index_ids)
    new_chunks = {c.id for c in chunk_article(new)}
    assert report.chunks_embedded == len(new_chunks)
    assert after == (before - {c.id for c in chunk_article(old)}) | new_chunks
    assert store.catalog.article(old.id) is None


def test_article_gone_from_a_file_is_removed_everywhere(store: Store, news: Path, index_ids: IdSets):
    ingest([news], store=store)
    gone = parse_file(news / "harbour.txt").articles[1]
    text = (news / "harbour.txt").read_text(encoding="utf-8")
    (news / "harbour.txt").write_text(text[: text.index("The Eastport water board")].rstrip() + "\n")

    report = ingest([news / "harbour.txt"], store=store)

    assert (report.articles_removed, report.articles_added, report.chunks_embedded) == (1, 0, 0)
    ids = assert_in_step(store, index_ids)
    assert not {c.id for c in chunk_article(gone)} & ids
    assert store.catalog.article(gone.id) is None


def test_same_article_from_two_files_is_stored_once(store: Store, tmp_path: Path, index_ids: IdSets):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(BULLETINS / "harbour.txt", tmp_path / name / "harbour.txt")
    articles = store.catalog.counts()["articles"]

    report = ingest([tmp_path / "a", tmp_path / "b"], store=store)

    assert (report.articles_added, report.articles) == (2, 2)
    assert store.catalog.counts()["articles"] == articles + 2
    assert_in_step(store, index_ids)
    # deleting one copy keeps the article: the other file still holds it
    (tmp_path / "a" / "harbour.txt").unlink()
    report = ingest([tmp_path / "a"], store=store)
    assert report.articles_removed == 0
    assert store.catalog.counts()["articles"] == articles + 2
    assert_in_step(store, index_ids)


def test_file_deleted_from_an_ingested_folder_is_removed_on_reingest(store: Store, news: Path, index_ids: IdSets):
    ingest([news], store=store)
    ferry = parse_file(news / "ferry.md").articles[0]
    (news / "ferry.md").unlink()

    report = ingest([news], store=store)

    assert (report.articles_removed, report.articles_unchanged, report.chunks_embedded) == (1, 2, 0)
    assert store.catalog.article(ferry.id) is None
    assert not any(p.endswith("ferry.md") for p in store.catalog.files_under(str(news.resolve())))
    assert not {c.id for c in chunk_article(ferry)} & assert_in_step(store, index_ids)


def test_folder_differing_only_in_case_is_another_folder(store: Store, tmp_path: Path):
    (tmp_path / "news").mkdir()
    (tmp_path / "NEWS").mkdir()
    shutil.copy(BULLETINS / "ferry.md", tmp_path / "news")
    ingest([tmp_path / "news"], store=store)
    (tmp_path / "news" / "ferry.md").unlink()
    report = ingest([tmp_path / "NEWS"], store=store)  # must not drop what news/ held
    assert report.articles_removed == 0
    assert store.catalog.counts()["files"] == 2


def test_corrected_date_updates_catalog_and_chroma_without_embedding(store: Store, news: Path, index_ids: IdSets):
    ingest([news], store=store)
    ferry = parse_file(news / "ferry.md").articles[0]
    _replace(news / "ferry.md", "date: 2024-10-02", "date: 2024-10-03")

    report = ingest([news], store=store)

    assert (report.articles_updated, report.chunks_embedded) == (1, 0)
    record = store.catalog.article(ferry.id)
    assert record is not None and record.date == "2024-10-03"
    stored = store.collection.get(where={"article_id": ferry.id}, include=["metadatas"])["metadatas"]
    assert stored and all(m["date"] == "2024-10-03" and m["date_int"] == 20241003 for m in stored)
    assert_in_step(store, index_ids)


def test_chunk_text_is_kept_once_in_the_catalog_and_chroma_holds_vectors_and_metadata(store: Store):
    ids = sorted(store.chroma_ids())[:5]
    got = store.collection.get(ids=ids, include=["documents", "metadatas"])
    assert got["documents"] == [None] * len(ids)  # no second copy, and no full-text index of one in Chroma
    rows = store.catalog.chunk_rows(ids)
    for cid, meta in zip(got["ids"], got["metadatas"]):
        record, _ = rows[cid]
        assert record.text.strip() and meta["article_id"] == record.article_id
        assert store.article_text(record.article_id)[meta["start"] : meta["end"]] == record.text


def test_a_copy_with_other_metadata_does_not_overrule_the_original(store: Store, news: Path, tmp_path: Path):
    ingest([news], store=store)
    (tmp_path / "other").mkdir()
    shutil.copy(news / "ferry.md", tmp_path / "other")
    _replace(tmp_path / "other" / "ferry.md", "date: 2024-10-02", "date: 2023-01-01")

    report = ingest([tmp_path / "other"], store=store)

    assert (report.articles_unchanged, report.articles_updated) == (1, 0)
    record = store.catalog.article(parse_file(news / "ferry.md").articles[0].id)
    assert record is not None and record.date == "2024-10-02"


def test_chunks_lost_from_chroma_are_embedded_again(store: Store, index_ids: IdSets):
    lost = sorted(store.chroma_ids())[:3]
    store.collection.delete(ids=lost)

    report = ingest([ROOT / "corpus"], store=store)

    assert report.chunks_embedded == 3
    assert any("missing from Chroma" in w for w in report.warnings)
    assert set(lost) <= assert_in_step(store, index_ids)


def test_vectors_left_by_a_killed_ingest_are_removed_by_the_next(store: Store, index_ids: IdSets):
    vector = store.collection.get(ids=[sorted(store.chroma_ids())[0]], include=["embeddings"])["embeddings"][0]
    store.collection.add(ids=["aorphan-000"], embeddings=[vector], documents=["left behind"])
    report = ingest([ROOT / "corpus"], store=store)
    assert report.chunks_embedded == 0
    assert "aorphan-000" not in assert_in_step(store, index_ids)


def test_ingest_refuses_while_another_holds_the_lock(store: Store):
    from qa.errors import StoreError

    with store.writer(), pytest.raises(StoreError, match="another ingest is running"):
        ingest([ROOT / "corpus"], store=open_store(store.path))


def test_leftover_vectors_do_not_crowd_out_real_passages(store: Store):
    from qa.retrieve import retrieve

    question = "Who leads ISIS-K in Afghanistan?"
    vec = store.embed([question])[0]
    # a killed ingest's leftovers that match the question better than anything real
    store.collection.add(
        ids=[f"orphan-{i}" for i in range(30)],
        embeddings=[vec] * 30,
        documents=["leftover"] * 30,
        metadatas=[{"article_id": "gone", "date_int": 0, "source": ""}] * 30,
    )
    passages = retrieve(store, question, k=5, mode="dense")
    assert len(passages) == 5 and not any(p.chunk_id.startswith("orphan") for p in passages)


def test_progress_is_reported_on_the_callers_thread_and_ends_with_every_chunk(tmp_path: Path, monkeypatch):
    import threading

    import qa.index

    monkeypatch.setattr(qa.index, "FIRST_BATCH", 4)  # several batches, so the writer thread stores some
    monkeypatch.setattr(qa.index, "EMBED_BATCH", 8)
    calls: list[tuple[str, int, int]] = []

    def progress(status: qa.index.IngestProgress) -> None:  # a page's progress bar only works on its own thread
        calls.append((threading.current_thread().name, status.chunks_done, status.chunks_total))

    report = ingest([ROOT / "corpus", BULLETINS], store=tmp_path / "s", progress=progress)

    assert len(calls) >= 3
    assert {name for name, _, _ in calls} == {threading.current_thread().name}
    done = [d for _, d, _ in calls]
    assert done == sorted(done) and calls[-1][1] == calls[-1][2] == report.chunks_embedded


def test_a_store_is_outdated_exactly_when_ingest_would_refuse_it(tmp_path: Path):
    from qa.errors import StoreError
    from qa.index import REBUILDING, outdated

    fresh = open_store(tmp_path / "new")
    assert not outdated(fresh)
    ingest([ROOT / "corpus"], store=fresh)
    assert not outdated(fresh)

    killed = open_store(tmp_path / "killed")  # a rebuild killed before any chunk was listed
    killed.catalog.set_vector_kind(REBUILDING)
    assert outdated(killed)
    with pytest.raises(StoreError, match="did not finish"):
        ingest([ROOT / "corpus"], store=killed)
    assert killed.catalog.counts()["chunks"] == 0  # nothing written
    ingest([ROOT / "corpus"], store=killed, rebuild=True)
    assert not outdated(killed)
