"""Shared fixtures for tests that need a real index or a real Chroma server.

- ``seed_index``: a store holding the seed bulletin (``corpus/``), embedded
  once per session with the bundled model. Read it; never change it.
- ``seed_store``: a private, writable copy of ``seed_index`` (a file copy, so
  no embedding).
- ``bbc_subset``: copies the first ``n`` files of the BBC dataset (taken in
  turn from its five topic folders) into a fresh folder.
- ``chroma_server``: ``chroma run`` on a free loopback port with its data in
  ``tmp_path``; it can be killed and started again on the same data and port.
- ``index_ids``: the chunk ids held by the catalog, its keyword index, its
  sentence vectors and Chroma, which must always agree once an ingest has
  finished (a keyword row whose chunk is gone shows as ``#<rowid>``).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qa.store import Store
from tests.support.llm_server import free_port

# The bundled model reads by default; a test that is about it turns it on (test_local_model.py, the
# browser test). Everything else is about the retrieval and the extractive answer, which need no server.
os.environ.setdefault("QA_LOCAL_MODEL", "off")

ROOT = Path(__file__).resolve().parent.parent
SEED_FOLDER = ROOT / "corpus"
BBC = ROOT.parent / "shared" / "data" / "bbc"
BBC_TOPICS = ("business", "entertainment", "politics", "sport", "tech")


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qa.index import ingest

    path = tmp_path_factory.mktemp("seed-index") / "store"
    ingest([SEED_FOLDER], store=path)
    return path


@pytest.fixture
def seed_store(seed_index: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "store"
    shutil.copytree(seed_index, dest, ignore=shutil.ignore_patterns("ingest.lock"))
    return dest


@pytest.fixture(scope="session")
def bbc_dir() -> Path:
    if not (BBC / "business").is_dir():
        pytest.skip(f"the BBC dataset is not at {BBC}")
    return BBC


@pytest.fixture
def bbc_subset(bbc_dir: Path, tmp_path: Path) -> Callable[..., Path]:
    def copy(n: int, dest: Path | None = None) -> Path:
        dest = dest or tmp_path / f"bbc-{n}"
        listings = [sorted((bbc_dir / topic).glob("*.txt")) for topic in BBC_TOPICS]
        picked = [files[i] for i in range(max(map(len, listings))) for files in listings if i < len(files)][:n]
        for src in picked:
            (dest / src.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / src.parent.name / src.name)
        return dest

    return copy


def _ids(store: Store) -> dict[str, set[str]]:
    with sqlite3.connect(store.path / "catalog.sqlite") as conn:
        keyword = conn.execute(
            "SELECT coalesce(c.id, '#' || t.rowid) FROM chunk_terms t LEFT JOIN chunks c ON c.rowid = t.rowid"
        )
        ids = {"keyword": {r[0] for r in keyword}}
        ids["sentences"] = {r[0] for r in conn.execute("SELECT chunk_id FROM sentence_vectors")}
    conn.close()
    return {"catalog": store.catalog.chunk_ids(), **ids, "chroma": store.chroma_ids()}


@pytest.fixture
def index_ids() -> Callable[[Store], dict[str, set[str]]]:
    return _ids


class ChromaServer:
    """A real ``chroma run`` subprocess on 127.0.0.1."""

    def __init__(self, data: Path, port: int, log: Path) -> None:
        self.data, self.port, self.log = data, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 90.0) -> ChromaServer:
        chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [chroma, "run", "--path", str(self.data), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"chroma run did not answer within {timeout:.0f} s")

    def kill(self) -> None:
        """Stop it the hard way (SIGKILL), as a crash or a pulled plug would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    if not (shutil.which("chroma") or (Path(sys.executable).parent / "chroma").exists()):
        pytest.skip("the `chroma` command is not installed")
    folder = tmp_path / "chroma-server"
    folder.mkdir()
    server = ChromaServer(folder / "data", free_port(), folder / "chroma.log").start()
    yield server
    server.stop()
