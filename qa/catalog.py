"""The catalog: which files, articles and chunks the index holds (SQLite).

The catalog is the index's source of truth. Chroma holds the vectors and the
keyword index is rebuilt from the catalog's chunk texts; a chunk that exists
in Chroma but not in the catalog (left by a killed ingest) is never returned
and is removed by the next ingest, and a chunk the catalog lists but Chroma
lost is embedded again. Each ingest that changes anything commits in one
transaction and bumps ``generation``, so readers see either the old or the
new state.

This module stores records; it does not parse, chunk or embed.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from qa.errors import StoreError

LEGACY_COLLECTION = "bulletin_chunks"

SCHEMA = """
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
"""


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


class Catalog:
    """One SQLite file; a connection per thread, WAL so reads never block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._conn() as conn:
                conn.executescript(SCHEMA)
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

    # --- reads -------------------------------------------------------------
    def generation(self) -> int:
        row = self._conn().execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

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
        row = self._conn().execute("SELECT value FROM meta WHERE key='last_ingest'").fetchone()
        return row[0] if row else ""

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

    def article_meta(self) -> dict[str, ArticleMeta]:
        rows = self._conn().execute("SELECT id, title, title_generated, source, date, date_int, url FROM articles")
        return {r[0]: ArticleMeta(r[1], bool(r[2]), r[3], r[4], r[5], r[6]) for r in rows}

    def snapshot(self) -> tuple[int, list[ChunkRecord], dict[str, ArticleMeta]]:
        """Generation, chunks and article metadata read in one transaction (no torn reads)."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            return self.generation(), self.chunks(), self.article_meta()
        finally:
            conn.execute("COMMIT")

    # --- the one write ----------------------------------------------------
    def commit(
        self,
        *,
        files: dict[str, tuple[str, dict[int, str]]],
        dropped_files: list[str],
        articles: list[ArticleRecord],
        chunks: list[ChunkRecord],
        timestamp: str,
    ) -> list[str]:
        """Record the new state of ``files`` in one transaction.

        ``files`` maps path -> (sha256, {position: article_id}). ``articles``
        are new or have new metadata (a row per id, replaced); ``chunks`` are
        inserted. Articles no longer referenced by any file are deleted with
        their chunks. Returns the ids of deleted articles.
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
            gone = [
                r[0]
                for r in conn.execute("SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM file_articles)")
            ]
            conn.executemany("DELETE FROM chunks WHERE article_id=?", [(a,) for a in gone])
            conn.executemany("DELETE FROM articles WHERE id=?", [(a,) for a in gone])
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(self.generation() + 1),))
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('last_ingest', ?)", (timestamp,))
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
