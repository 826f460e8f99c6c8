"""A ``qa ingest`` killed with SIGKILL halfway leaves the previous index working.

The ingest runs as a real subprocess over a copy of the seed index and is
killed once its progress shows that a batch of vectors reached Chroma and the
catalog's sentence vectors, so the kill lands between "vectors added" and
"catalog committed". Then the seed
still answers, the leftover vectors are invisible, and the next ingest
completes, reusing them, with no chunk duplicated or orphaned.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import qa
from qa.catalog import Catalog
from qa.corpus import parse_file
from qa.index import ingest
from qa.store import Store, open_store

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who leads ISIS-K in Afghanistan?"
CRASH_FILES = 120  # ~700 chunks: the kill lands after the first of three batches
_PROGRESS = re.compile(r"embedding:[^\r\n]*?\|\s*(\d+)/(\d+)")


def _kill_when_vectors_are_stored(proc: subprocess.Popen[bytes], *, timeout: float = 600.0) -> str:
    """Read the progress bar on stderr; SIGKILL the process once a batch is stored."""
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 1.0)
        if not ready:
            continue
        data = os.read(proc.stderr.fileno(), 65536)
        if not data:
            raise AssertionError(f"the ingest ended before it could be killed: {seen.decode(errors='replace')[-2000:]}")
        seen += data
        if any(int(done) > 0 for done, _ in _PROGRESS.findall(seen.decode(errors="replace"))):
            proc.kill()
            proc.wait(timeout=60)
            return seen.decode(errors="replace")
    proc.kill()
    raise AssertionError("no embedding progress within the time limit")


def test_killed_ingest_keeps_the_previous_answers_and_the_next_ingest_completes(
    seed_store: Path, bbc_subset: Callable[..., Path], index_ids: Callable[[Store], dict[str, set[str]]]
):
    subset = bbc_subset(CRASH_FILES)
    catalog = Catalog(seed_store / "catalog.sqlite")
    seed_chunks, generation = catalog.chunk_ids(), catalog.generation()
    catalog.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa", "ingest", str(subset), "--store", str(seed_store)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _kill_when_vectors_are_stored(proc)
    assert proc.returncode == -9

    store = open_store(seed_store)
    assert (store.catalog.generation(), store.catalog.chunk_ids()) == (generation, seed_chunks)
    ids = index_ids(store)
    leftovers = ids["chroma"] - ids["catalog"]
    assert ids["keyword"] == seed_chunks and seed_chunks <= ids["chroma"]
    assert leftovers, "the kill should land after vectors were stored"
    # a chunk whose sentence vectors were stored too is whole; one the kill cut in between is embedded again
    whole = leftovers & ids["sentences"]
    assert whole

    answer = qa.ask(QUESTION, store=store, mode="extractive")
    assert "Ghafari" in answer.text
    assert answer.citations and all(c.chunk_id in seed_chunks for c in answer.citations)

    report = ingest([subset], store=store)
    unique = {a.id for f in subset.glob("*/*.txt") for a in parse_file(f).articles}  # the BBC set repeats a few
    assert (report.articles_added, report.files_read, report.files_skipped) == (len(unique), CRASH_FILES, 0)
    ids = index_ids(store)
    assert ids["catalog"] == ids["keyword"] == ids["sentences"] == ids["chroma"]
    assert store.collection.count() == len(ids["catalog"])  # nothing stored twice
    new = ids["catalog"] - seed_chunks
    assert leftovers <= new
    assert report.chunks_embedded == len(new) - len(whole)  # the killed run's vectors were reused
    assert "Ghafari" in qa.ask(QUESTION, store=store, mode="extractive").text
