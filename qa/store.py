"""Open the index: a store folder (catalog, lock) plus a Chroma collection.

Chroma is either embedded (``PersistentClient`` under ``<store>/chroma``) or a
server (``HttpClient`` for ``--chroma-url``); everything else is the same code
path. Each catalog names its own collection, so two stores on one server
never delete each other's vectors. We always pass our own embeddings: Chroma's
default embedding function would try to download a model. A store records
the embedding precision that built it, and every later ingest and question
embeds at that precision. Nothing here holds the catalog in memory: rows,
keyword matches and term counts are read from SQLite per question. This
module opens and locks; ingesting and retrieving live in ``qa.index`` and
``qa.retrieve``.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from qa.catalog import SCHEMA_VERSION, Catalog
from qa.errors import StoreError
from qa.precision import PRECISIONS
from qa.precision import default_precision as default_precision

if TYPE_CHECKING:
    from qa.support import Idf

DEFAULT_STORE = Path(".qa_store")
VECTOR_CACHE = 20_000
DELETE_BATCH = 5_000


def query_encoder(precision: str) -> Any:
    """The bundled model at ``precision``, shared by every store of that precision."""
    from qa import fast_encoder  # not via llama-index: asking stays light to import

    return fast_encoder.encoder(precision=precision)


def store_precision(recorded: str | None, requested: str | None) -> str:
    """A store's embedding precision: the one it recorded, else the one asked for, else the CPU's default."""
    return recorded or requested or default_precision()


@dataclass
class Store:
    path: Path
    chroma_url: str | None
    catalog: Catalog
    collection: Any
    requested_precision: str | None = None
    _embedder: Any = field(default=None, repr=False)
    _vectors: dict[str, list[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _vector_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def where(self) -> str:
        return self.chroma_url or str(self.path)

    @property
    def precision(self) -> str:
        """The embedding precision of this store's vectors (``store_precision``)."""
        return store_precision(self.catalog.embed_precision(), self.requested_precision)

    def embedder(self) -> Any:
        """A llama-index embedding of the bundled model (for llama-index pipelines and warm-up)."""
        with self._lock:
            if self._embedder is None:
                from qa.embed import BundledEmbedding

                self._embedder = BundledEmbedding()
            return self._embedder

    def encoder(self) -> Any:
        """The fast encoder at this store's precision."""
        return query_encoder(self.precision)

    def readable(self) -> None:
        """Raise a StoreError when this store was written by an older version."""
        if self.catalog.schema() < SCHEMA_VERSION:
            raise StoreError(f"the index at {self.where} was built by an older version: run `qa ingest` to update it")

    def idf(self) -> Idf:
        """Term rarity from the keyword index (looked up per term, inside the caller's read)."""
        from qa.support import Idf

        return Idf(self.catalog)

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embeddings for ``texts``, cached per text (questions repeat)."""
        with self._vector_lock:
            found = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = dict(zip(missing, self.encoder().encode(missing).tolist()))
            found.update(fresh)
            with self._vector_lock:
                for text, vec in fresh.items():
                    if len(self._vectors) >= VECTOR_CACHE:
                        self._vectors.pop(next(iter(self._vectors)))
                    self._vectors[text] = vec
        return [found[t] for t in texts]

    def article_text(self, article_id: str) -> str:
        """An article's whole text ("" for one the catalog no longer holds)."""
        record = self.catalog.article(article_id)
        return record.text if record else ""

    def chroma_ids(self) -> set[str]:
        try:
            return set(self.collection.get(include=[])["ids"])
        except Exception as exc:
            raise chroma_error(exc, self.where) from exc

    def delete_vectors(self, ids: set[str]) -> None:
        """Delete ``ids`` from Chroma in batches (a batch is one request to a server)."""
        ordered = sorted(ids)
        try:
            for i in range(0, len(ordered), DELETE_BATCH):
                self.collection.delete(ids=ordered[i : i + DELETE_BATCH])
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
    """One line for any Chroma failure; a server that went away gets a remedy."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    if _is_connection_error(exc):
        return StoreError(
            f"Chroma server at {where} stopped answering ({first}): restart it with `chroma run` and try again; "
            "the index keeps its last complete ingest"
        )
    return StoreError(f"Chroma at {where} failed: {first}")


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import httpx

        transport: tuple[type[BaseException], ...] = (httpx.TransportError,)
    except ImportError:  # pragma: no cover - chromadb depends on httpx
        transport = ()
    return isinstance(exc, (ConnectionError, TimeoutError, *transport))


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


def open_store(
    path: Path | str | None = None,
    *,
    chroma_url: str | None = None,
    create: bool = True,
    embed_precision: str | None = None,
    warm: bool = False,
) -> Store:
    """Open (or create) the store. Raises StoreError with a remedy when it can't.

    ``embed_precision`` is an explicit choice (QA_EMBED_PRECISION): a new
    store is built with it, and a store built with another one is refused.
    ``warm``: the caller will embed (an ingest, a question), so the model
    loads in a thread of its own while Chroma is imported and opened.
    """
    path = Path(path) if path is not None else DEFAULT_STORE
    if not create and not (path / "catalog.sqlite").exists():
        raise StoreError(f"no index at {path}: run `qa ingest`")
    if embed_precision is not None and embed_precision not in PRECISIONS:
        raise StoreError(f"embedding precision {embed_precision!r} is not one of {', '.join(PRECISIONS)}")
    catalog = Catalog(path / "catalog.sqlite")
    recorded = catalog.embed_precision()
    if embed_precision is not None and recorded is not None and recorded != embed_precision:
        raise StoreError(
            f"the index at {chroma_url or path} was built with {recorded} embeddings, not {embed_precision}: "
            f"unset QA_EMBED_PRECISION (or set it to {recorded}), or ingest into a new store"
        )
    if warm:
        from qa import fast_encoder

        fast_encoder.load_in_background(store_precision(recorded, embed_precision))
    try:
        client = _client(path, chroma_url)
        collection = client.get_or_create_collection(
            catalog.collection_name(), metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
    except StoreError:
        raise
    except Exception as exc:
        where = chroma_url or str(path / "chroma")
        if chroma_url:
            raise StoreError(
                f"Chroma server at {chroma_url} is not reachable ({type(exc).__name__}): start it with `chroma run` or unset QA_CHROMA_URL"
            ) from exc
        raise chroma_error(exc, where) from exc
    return Store(
        path=path, chroma_url=chroma_url, catalog=catalog, collection=collection, requested_precision=embed_precision
    )
