"""The catalog: which files, articles and chunks the index holds (SQLite).

The catalog is the index's source of truth. Chroma holds the chunk vectors;
the catalog holds everything a question reads besides them: the chunk and
article rows (read by id, never all at once), the keyword index (SQLite FTS5
over the project's own stemmed terms, so the same index gives sentence
scoring its document frequencies) and each chunk's sentence vectors.

A chunk that exists in Chroma but not in the catalog (left by a killed
ingest) is never returned and is removed by the next ingest, and a chunk the
catalog lists but Chroma lost is embedded again. Each ingest that changes
anything commits rows and keyword index in one transaction and bumps
``generation``, so readers see either the old or the new state. Sentence
vectors are keyed by chunk id and written before that commit, like Chroma's
vectors: rows of unlisted chunks are never read and the next ingest drops them.

This module stores and looks up records; it does not parse, chunk or embed.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import StoreError

LEGACY_COLLECTION = "bulletin_chunks"
REBUILDING = "rebuilding"  # the vector kind while every chunk is being embedded again
SCHEMA_VERSION = 2  # 1: no keyword table, no sentence vectors
# Terms arrive stemmed (qa.support): no porter here, and the characters a term
# may hold inside it (o'brien, isis-k, 1.5) stay part of the token.
_TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '-.'''"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, ingested_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS file_articles (
    path TEXT NOT NULL, article_id TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (path, article_id));
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, title_generated INTEGER NOT NULL,
    source TEXT NOT NULL, date TEXT NOT NULL, date_int INTEGER NOT NULL,
    url TEXT NOT NULL, language TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, article_id TEXT NOT NULL, position INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5(context, body, tokenize="{_TOKENIZE}");
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vocab USING fts5vocab(chunk_terms, 'col');
CREATE TABLE IF NOT EXISTS sentence_vectors (chunk_id TEXT PRIMARY KEY, vectors BLOB NOT NULL);
"""
_IN_BATCH = 500  # ids per IN (...) list, well under SQLite's variable limit


@dataclass(frozen=True)
class ChunkRecord:
    id: str
    article_id: str
    position: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ArticleRecord:
    id: str
    title: str
    title_generated: bool
    source: str
    date: str
    date_int: int
    url: str
    language: str
    text: str


@dataclass(frozen=True)
class ArticleMeta:
    title: str
    title_generated: bool
    source: str
    date: str
    date_int: int
    url: str


@dataclass(frozen=True)
class RowFilter:
    """Date (YYYYMMDD, 0 = open) and source limits, applied inside the SQL."""

    since: int = 0
    until: int = 0
    source: str | None = None

    def sql(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        args: list[object] = []
        if self.since:
            clauses.append("a.date_int >= ?")
            args.append(self.since)
        if self.until:
            clauses.append("a.date_int > 0 AND a.date_int <= ?")
            args.append(self.until)
        if self.source:
            clauses.append("a.source = ?")
            args.append(self.source)
        return "".join(f" AND {c}" for c in clauses), args


def pack_vectors(vectors: np.ndarray) -> bytes:
    """Sentence vectors as stored: float16, row after row."""
    return np.asarray(vectors, dtype=np.float16).tobytes()


def unpack_vectors(blob: bytes, dims: int = 384) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).reshape(-1, dims).astype(np.float32)


def _batches(ids: Iterable[str]) -> Iterator[list[str]]:
    ordered = list(dict.fromkeys(ids))
    for i in range(0, len(ordered), _IN_BATCH):
        yield ordered[i : i + _IN_BATCH]


class Catalog:
    """One SQLite file; a connection per thread, WAL so reads never block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._conn() as conn:
                conn.executescript(SCHEMA)
                if not conn.execute("SELECT 1 FROM chunks LIMIT 1").fetchone():  # nothing to migrate
                    conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.Error as exc:
            raise StoreError(
                f"catalog {path} cannot be opened ({exc}): remove the store folder and run `qa ingest`"
            ) from exc

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction (re-entrant per thread): every read inside sees one generation."""
        conn = self._conn()
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            conn.execute("BEGIN")
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0 and conn.in_transaction:
                conn.execute("COMMIT")

    # --- reads -------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def generation(self) -> int:
        return int(self._meta("generation") or 0)

    def schema(self) -> int:
        return int(self._meta("schema") or 1)

    def embed_precision(self) -> str | None:
        """The precision that embedded this store's vectors (None before the first ingest)."""
        return self._meta("embed_precision")

    def set_embed_precision(self, precision: str) -> str:
        """Record ``precision`` unless one is recorded already; returns the recorded one."""
        conn = self._conn()
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('embed_precision', ?)", (precision,))
        return str(self._meta("embed_precision"))

    def vector_kind(self) -> str | None:
        """Which kind of vector the store holds (``qa.index.VECTORS``; None: a store from before the record)."""
        return self._meta("vectors")

    def set_vector_kind(self, kind: str) -> None:
        self._conn().execute("INSERT OR REPLACE INTO meta VALUES ('vectors', ?)", (kind,))

    def collection_name(self) -> str:
        """This catalog's own Chroma collection, so stores sharing a server never touch each other's vectors."""
        conn = self._conn()
        row = conn.execute("SELECT value FROM meta WHERE key='collection'").fetchone()
        if row:
            return str(row[0])
        has_chunks = conn.execute("SELECT 1 FROM chunks LIMIT 1").fetchone()
        name = LEGACY_COLLECTION if has_chunks else f"{LEGACY_COLLECTION}-{uuid.uuid4().hex[:12]}"
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('collection', ?)", (name,))
        return str(conn.execute("SELECT value FROM meta WHERE key='collection'").fetchone()[0])

    def last_ingest(self) -> str:
        return self._meta("last_ingest") or ""

    def file_sha(self, path: str) -> str | None:
        row = self._conn().execute("SELECT sha256 FROM files WHERE path=?", (path,)).fetchone()
        return row[0] if row else None

    def files_under(self, folder: str) -> list[str]:
        prefix = folder.rstrip("/") + "/"  # compared exactly: LIKE would ignore case
        rows = self._conn().execute("SELECT path FROM files WHERE substr(path, 1, ?) = ?", (len(prefix), prefix))
        return [r[0] for r in rows]

    def file_articles(self, path: str) -> dict[int, str]:
        rows = self._conn().execute("SELECT position, article_id FROM file_articles WHERE path=?", (path,))
        return {int(p): a for p, a in rows}

    def article_ids(self) -> set[str]:
        return {r[0] for r in self._conn().execute("SELECT id FROM articles")}

    def chunk_ids(self) -> set[str]:
        return {r[0] for r in self._conn().execute("SELECT id FROM chunks")}

    def chunks_of(self, article_id: str) -> list[ChunkRecord]:
        rows = self._conn().execute(
            "SELECT id, article_id, position, start, end, text FROM chunks WHERE article_id=? ORDER BY position",
            (article_id,),
        )
        return [ChunkRecord(*r) for r in rows]

    def chunks(self) -> list[ChunkRecord]:
        """Every chunk (for ingest bookkeeping and tools; questions read by id)."""
        rows = self._conn().execute("SELECT id, article_id, position, start, end, text FROM chunks ORDER BY id")
        return [ChunkRecord(*r) for r in rows]

    def article(self, article_id: str) -> ArticleRecord | None:
        row = (
            self._conn()
            .execute(
                "SELECT id, title, title_generated, source, date, date_int, url, language, text FROM articles WHERE id=?",
                (article_id,),
            )
            .fetchone()
        )
        return ArticleRecord(row[0], row[1], bool(row[2]), *row[3:]) if row else None

    def counts(self) -> dict[str, int]:
        conn = self._conn()
        return {
            "files": conn.execute("SELECT COUNT(*) FROM files").fetchone()[0],
            "articles": conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
            "chunks": conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0],
        }

    def date_span(self, limits: RowFilter | None = None) -> tuple[str, str, int, int]:
        """(first date, last date, undated articles, articles within ``limits``) of the catalog."""
        conn = self._conn()
        first, last, undated = conn.execute(
            "SELECT MIN(CASE WHEN date_int > 0 THEN date END), MAX(CASE WHEN date_int > 0 THEN date END), "
            "SUM(date_int <= 0) FROM articles"
        ).fetchone()
        where, args = (limits or RowFilter()).sql()
        inside = conn.execute(f"SELECT COUNT(*) FROM articles a WHERE 1=1{where}", args).fetchone()[0]
        return first or "", last or "", int(undated or 0), int(inside)

    def chunk_count(self) -> int:
        value = self._meta("chunks")
        return int(value) if value is not None else self.counts()["chunks"]

    def article_meta(self, ids: Iterable[str] | None = None) -> dict[str, ArticleMeta]:
        """Metadata of the articles ``ids`` (all of them when None: ingest planning only)."""
        sql = "SELECT id, title, title_generated, source, date, date_int, url FROM articles"
        conn = self._conn()
        if ids is None:
            rows = list(conn.execute(sql))
        else:
            rows = list(self._where_in(f"{sql} WHERE id IN ({{marks}})", ids))
        return {r[0]: ArticleMeta(r[1], bool(r[2]), r[3], r[4], r[5], r[6]) for r in rows}

    def _where_in(self, sql: str, ids: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        """Rows of ``sql`` whose ``{marks}`` is filled by ``ids``, a batch of placeholders at a time."""
        conn = self._conn()
        for b in _batches(ids):
            yield from conn.execute(sql.format(marks=",".join("?" * len(b))), b)

    def listed(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` the catalog lists."""
        return {r[0] for r in self._where_in("SELECT id FROM chunks WHERE id IN ({marks})", ids)}

    def chunk_rows(self, ids: Iterable[str]) -> dict[str, tuple[ChunkRecord, ArticleMeta]]:
        """The chunks ``ids`` with their articles' metadata (unlisted ids are left out)."""
        rows = self._where_in(
            "SELECT c.id, c.article_id, c.position, c.start, c.end, c.text, "
            "a.title, a.title_generated, a.source, a.date, a.date_int, a.url "
            "FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id IN ({marks})",
            ids,
        )
        return {r[0]: (ChunkRecord(*r[:6]), ArticleMeta(r[6], bool(r[7]), *r[8:])) for r in rows}

    def keyword(
        self, match: str, *, k: int, weights: tuple[float, float], where: RowFilter = RowFilter()
    ) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, BM25) for an FTS5 ``match`` expression built by the caller."""
        extra, args = where.sql()
        # rank and cut inside the full-text table first, then look up the k ids: joining every
        # matching row to its chunk before the LIMIT cost 40 ms a question at 16x BBC
        join = " JOIN chunks c ON c.rowid = chunk_terms.rowid JOIN articles a ON a.id = c.article_id" if extra else ""
        rows = self._conn().execute(
            "SELECT c.id, t.score FROM ("
            "SELECT chunk_terms.rowid AS rid, -bm25(chunk_terms, ?, ?) AS score FROM chunk_terms"
            f"{join} WHERE chunk_terms MATCH ?{extra} ORDER BY score DESC, rid LIMIT ?"
            ") t JOIN chunks c ON c.rowid = t.rid ORDER BY t.score DESC, t.rid",
            [*weights, match, *args, k],
        )
        return [(r[0], float(r[1])) for r in rows]

    def doc_freq(self, term: str) -> int:
        """Chunks whose body holds ``term`` (a stemmed term)."""
        row = self._conn().execute("SELECT doc FROM chunk_vocab WHERE col='body' AND term=?", (term,)).fetchone()
        return int(row[0]) if row else 0

    def has_term_starting(self, prefix: str) -> bool:
        row = (
            self._conn()
            .execute(
                "SELECT 1 FROM chunk_vocab WHERE col='body' AND term >= ? AND term < ? LIMIT 1",
                (prefix, prefix + "\U0010ffff"),
            )
            .fetchone()
        )
        return row is not None

    def sentence_vectors(self, ids: Iterable[str]) -> dict[str, bytes]:
        return dict(self._where_in("SELECT chunk_id, vectors FROM sentence_vectors WHERE chunk_id IN ({marks})", ids))

    def with_sentence_vectors(self, ids: Iterable[str]) -> set[str]:
        return {r[0] for r in self._where_in("SELECT chunk_id FROM sentence_vectors WHERE chunk_id IN ({marks})", ids)}

    def without_sentence_vectors(self) -> set[str]:
        """Listed chunks whose sentence vectors are missing (a killed ingest, an old store)."""
        rows = self._conn().execute("SELECT id FROM chunks WHERE id NOT IN (SELECT chunk_id FROM sentence_vectors)")
        return {r[0] for r in rows}

    # --- writes -------------------------------------------------------------
    def put_sentence_vectors(self, rows: list[tuple[str, bytes]]) -> None:
        """Store chunks' sentence vectors ahead of the commit that lists the chunks."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO sentence_vectors VALUES (?,?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def drop_unlisted_sentence_vectors(self) -> None:
        self._conn().execute("DELETE FROM sentence_vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)")

    def commit(
        self,
        *,
        files: dict[str, tuple[str, dict[int, str]]],
        dropped_files: list[str],
        articles: list[ArticleRecord],
        chunks: list[ChunkRecord],
        terms: dict[str, tuple[str, str]],
        timestamp: str,
        vectors: str,
    ) -> list[str]:
        """Record the new state of ``files`` in one transaction.

        ``files`` maps path -> (sha256, {position: article_id}). ``articles``
        are new or have new metadata (a row per id, replaced); ``chunks`` are
        inserted. ``terms`` maps chunk id -> (context, body) keyword text and
        replaces those chunks' keyword rows. Articles no longer referenced by
        any file are deleted with their chunks. ``vectors`` is the kind of
        vector every listed chunk now has. Returns the ids of deleted articles.
        """
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for path in dropped_files:
                conn.execute("DELETE FROM files WHERE path=?", (path,))
                conn.execute("DELETE FROM file_articles WHERE path=?", (path,))
            for path, (sha, slots) in files.items():
                conn.execute("INSERT OR REPLACE INTO files VALUES (?,?,?)", (path, sha, timestamp))
                conn.execute("DELETE FROM file_articles WHERE path=?", (path,))
                conn.executemany(
                    "INSERT OR IGNORE INTO file_articles VALUES (?,?,?)",
                    [(path, aid, pos) for pos, aid in slots.items()],
                )
            conn.executemany(
                "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (a.id, a.title, int(a.title_generated), a.source, a.date, a.date_int, a.url, a.language, a.text)
                    for a in articles
                ],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO chunks VALUES (?,?,?,?,?,?)",
                [(c.id, c.article_id, c.position, c.start, c.end, c.text) for c in chunks],
            )
            # the keyword row shares its chunk's rowid (the catalog is never VACUUMed)
            rowids = [(cid, conn.execute("SELECT rowid FROM chunks WHERE id=?", (cid,)).fetchone()) for cid in terms]
            conn.executemany("DELETE FROM chunk_terms WHERE rowid=?", [(r[0],) for _, r in rowids if r])
            conn.executemany(
                "INSERT INTO chunk_terms(rowid, context, body) VALUES (?,?,?)",
                [(r[0], *terms[cid]) for cid, r in rowids if r],
            )
            gone = [
                r[0]
                for r in conn.execute("SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM file_articles)")
            ]
            for aid in gone:
                conn.execute(
                    "DELETE FROM chunk_terms WHERE rowid IN (SELECT rowid FROM chunks WHERE article_id=?)", (aid,)
                )
                conn.execute(
                    "DELETE FROM sentence_vectors WHERE chunk_id IN (SELECT id FROM chunks WHERE article_id=?)", (aid,)
                )
            conn.executemany("DELETE FROM chunks WHERE article_id=?", [(a,) for a in gone])
            conn.executemany("DELETE FROM articles WHERE id=?", [(a,) for a in gone])
            n_chunks = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            for key, value in (
                ("generation", self.generation() + 1),
                ("last_ingest", timestamp),
                ("chunks", n_chunks),
                ("schema", SCHEMA_VERSION),
                ("vectors", vectors),
            ):
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return gone

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
