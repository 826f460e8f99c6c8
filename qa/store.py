"""Open the index: a store folder (catalog, lock) plus a Chroma collection.

Chroma is either embedded (``PersistentClient`` under ``<store>/chroma``) or a
server (``HttpClient`` for ``--chroma-url``); everything else is the same code
path. We always pass our own embeddings: Chroma's default embedding function
would try to download a model. This module opens and locks; ingesting and
retrieving live in ``qa.index`` and ``qa.retrieve``.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from qa.catalog import Catalog, ChunkRecord
from qa.errors import StoreError

DEFAULT_STORE = Path(".qa_store")
COLLECTION = "bulletin_chunks"


@dataclass
class Store:
    path: Path
    chroma_url: str | None
    catalog: Catalog
    collection: Any
    _keyword: tuple[int, Any] | None = field(default=None, repr=False)
    _embedder: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def where(self) -> str:
        return self.chroma_url or str(self.path)

    def embedder(self) -> Any:
        with self._lock:
            if self._embedder is None:
                from qa.embed import BundledEmbedding

                self._embedder = BundledEmbedding()
            return self._embedder

    def keyword_snapshot(self) -> tuple[int, Any, dict[str, ChunkRecord]]:
        """(generation, KeywordIndex, chunks by id) for one consistent generation."""
        from qa.keyword import KeywordIndex

        with self._lock:
            generation, chunks = self.catalog.snapshot()
            if self._keyword is None or self._keyword[0] != generation:
                by_id = {c.id: c for c in chunks}
                index = KeywordIndex(list(by_id), [c.text for c in by_id.values()])
                self._keyword = (generation, (index, by_id))
            index, by_id = self._keyword[1]
            return generation, index, by_id

    def chroma_ids(self) -> set[str]:
        try:
            return set(self.collection.get(include=[])["ids"])
        except Exception as exc:
            raise chroma_error(exc, self.where) from exc

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Exclusive ingest lock across processes (readers never wait)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "ingest.lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreError(f"another ingest is running on {self.path}: wait for it to finish") from exc
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def chroma_error(exc: BaseException, where: str) -> StoreError:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return StoreError(f"Chroma at {where} failed: {first}")


def _client(path: Path, chroma_url: str | None) -> Any:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        if not url.hostname:
            raise StoreError(f"--chroma-url {chroma_url!r} is not a URL like http://127.0.0.1:8000")
        client = chromadb.HttpClient(
            host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https", settings=settings
        )
        client.heartbeat()
        return client
    return chromadb.PersistentClient(path=str(path / "chroma"), settings=settings)


def open_store(path: Path | str | None = None, *, chroma_url: str | None = None, create: bool = True) -> Store:
    """Open (or create) the store. Raises StoreError with a remedy when it can't."""
    path = Path(path) if path is not None else DEFAULT_STORE
    if not create and not (path / "catalog.sqlite").exists():
        raise StoreError(f"no index at {path}: run `qa ingest`")
    catalog = Catalog(path / "catalog.sqlite")
    try:
        client = _client(path, chroma_url)
        collection = client.get_or_create_collection(
            COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
    except StoreError:
        raise
    except Exception as exc:
        where = chroma_url or str(path / "chroma")
        if chroma_url:
            raise StoreError(f"Chroma server at {chroma_url} is not reachable ({type(exc).__name__}): start it with `chroma run` or unset QA_CHROMA_URL") from exc
        raise chroma_error(exc, where) from exc
    return Store(path=path, chroma_url=chroma_url, catalog=catalog, collection=collection)
