"""The same ingest and ask against a real ``chroma run`` server on loopback.

The server is killed between ingest and ask, and in the middle of an ingest:
each time the caller gets one line saying what happened, the committed index
is untouched, and after the server restarts on the same data the next ingest
completes with catalog, keyword index, sentence vectors and Chroma in step.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qa
from qa import index
from qa.cli import main
from qa.errors import StoreError
from qa.index import ingest
from qa.store import Store, open_store
from tests.support.llm_server import free_port

ROOT = Path(__file__).resolve().parent.parent
BULLETINS = Path(__file__).parent / "data" / "bulletins"
QUESTION = "Who leads ISIS-K in Afghanistan?"
IdSets = Callable[[Store], dict[str, set[str]]]


@pytest.fixture
def served(chroma_server, tmp_path: Path) -> Store:
    """A store whose vectors live on the server, holding the seed bulletin."""
    store = open_store(tmp_path / "store", chroma_url=chroma_server.url)
    report = ingest([ROOT / "corpus"], store=store)
    assert (report.articles_added, report.chunks_embedded) == (6, 34)
    return store


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def _cites_ghafari(answer: qa.Answer) -> bool:
    return "Ghafari" in answer.text and any("Ghafari" in c.text for c in answer.citations)


def test_ingest_and_ask_through_a_chroma_server(served: Store, index_ids: IdSets):
    ids = index_ids(served)
    assert ids["catalog"] == ids["keyword"] == ids["chroma"] and len(ids["chroma"]) == 34
    assert not (served.path / "chroma").exists()  # no embedded copy: the vectors are on the server
    assert _cites_ghafari(qa.ask(QUESTION, store=served, mode="extractive"))


def test_server_killed_between_ingest_and_ask_gives_one_line_and_recovers(
    served: Store, chroma_server, index_ids: IdSets, capsys: pytest.CaptureFixture[str]
):
    chroma_server.kill()

    with pytest.raises(StoreError) as err:
        qa.ask(QUESTION, store=served, mode="extractive")
    line = _one_line(str(err.value))
    assert chroma_server.url in line and "chroma run" in line
    for argv in (
        ["ask", QUESTION, "--mode", "extractive"],
        ["ingest", str(BULLETINS / "harbour.txt"), "--quiet"],
    ):
        capsys.readouterr()
        assert main([*argv, "--store", str(served.path), "--chroma-url", chroma_server.url]) == 1
        assert chroma_server.url in _one_line(capsys.readouterr().err)

    chroma_server.start()  # same --path, same port
    ids = index_ids(served)
    assert ids["catalog"] == ids["keyword"] == ids["chroma"] and len(ids["chroma"]) == 34
    assert _cites_ghafari(qa.ask(QUESTION, store=served, mode="extractive"))
    report = ingest([BULLETINS / "harbour.txt"], store=served)
    assert report.articles_added == 2
    ids = index_ids(served)
    assert ids["catalog"] == ids["keyword"] == ids["chroma"]


def test_server_killed_during_ingest_leaves_the_index_as_it_was(
    served: Store, chroma_server, index_ids: IdSets, monkeypatch: pytest.MonkeyPatch
):
    before = index_ids(served)
    generation, counts = served.catalog.generation(), served.catalog.counts()
    monkeypatch.setattr(index, "EMBED_BATCH", 2)  # several batches (whole articles) from a few small files
    written: list[int] = []

    class KilledAfterFirstBatch:
        """The store's real collection; the server dies as soon as the first batch's vectors are written
        (when that is seen through the progress report depends on the threads' timing)."""

        def __init__(self, collection: Any) -> None:
            self.collection = collection

        def __getattr__(self, name: str) -> Any:
            return getattr(self.collection, name)

        def upsert(self, **batch: Any) -> None:
            self.collection.upsert(**batch)
            if not written:
                written.append(len(batch["ids"]))
                chroma_server.kill()

    monkeypatch.setattr(served, "collection", KilledAfterFirstBatch(served.collection))
    with pytest.raises(StoreError) as err:
        ingest([BULLETINS], store=served)
    assert chroma_server.url in _one_line(str(err.value))
    assert (served.catalog.generation(), served.catalog.counts()) == (generation, counts)

    chroma_server.start()
    after = index_ids(served)
    assert after["catalog"] == before["catalog"] == after["keyword"]
    leftovers = after["chroma"] - after["catalog"]
    assert after["catalog"] <= after["chroma"] and len(leftovers) == written[0]  # the first batch, invisible to queries
    answer = qa.ask(QUESTION, store=served, mode="extractive")
    assert _cites_ghafari(answer) and all(c.chunk_id in after["catalog"] for c in answer.citations)

    report = ingest([BULLETINS], store=served)
    assert report.articles_added == 6
    final = index_ids(served)
    assert final["catalog"] == final["keyword"] == final["sentences"] == final["chroma"]
    assert leftovers <= final["chroma"]
    assert report.chunks_embedded == len(final["catalog"] - before["catalog"]) - len(leftovers)


def test_dead_server_url_at_the_start_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError) as err:
        open_store(tmp_path / "store", chroma_url=url)
    assert url in _one_line(str(err.value))
    assert main(["ingest", str(ROOT / "corpus"), "--store", str(tmp_path / "store"), "--chroma-url", url]) == 1
    assert url in _one_line(capsys.readouterr().err)


def test_two_stores_on_one_server_keep_their_own_vectors(chroma_server, tmp_path: Path, index_ids: IdSets):
    first = open_store(tmp_path / "first", chroma_url=chroma_server.url)
    second = open_store(tmp_path / "second", chroma_url=chroma_server.url)
    ingest([BULLETINS / "harbour.txt"], store=first)
    kept = index_ids(first)
    ingest([BULLETINS / "ferry.md"], store=second)
    assert index_ids(first) == kept
    for store in (first, second):
        ids = index_ids(store)
        assert ids["catalog"] == ids["keyword"] == ids["chroma"]
