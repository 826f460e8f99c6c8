"""Ingest: turn bulletin files into chunks, embeddings and catalog records.

Incremental by construction: article ids are content hashes and chunk ids
derive from them, so an unchanged file embeds nothing, a changed article
embeds only its own chunks, and the same article from two files is stored
once. Order of writes makes a killed ingest harmless: vectors are added first
(invisible until the catalog lists them), the catalog commits in one
transaction, and only then are stale vectors deleted. The next ingest removes
any leftovers and reuses vectors a killed run already stored.

This module writes the index; searching it is ``qa.retrieve``'s job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from qa.catalog import ArticleRecord, ChunkRecord
from qa.chunking import DEFAULT_CHUNK_TOKENS, chunk_spans
from qa.corpus import Article, ParsedFile, discover, parse_file
from qa.errors import CorpusError, QAError
from qa.store import Store, chroma_error, open_store

DEFAULT_CORPUS = Path("corpus")
EMBED_BATCH = 256
Progress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    articles_added: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_removed: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    files_read: int = 0
    files_skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def articles(self) -> int:
        return self.articles_added + self.articles_updated + self.articles_unchanged

    def summary(self) -> str:
        return (
            f"{self.articles} articles: {self.articles_added} added, {self.articles_updated} updated, "
            f"{self.articles_unchanged} unchanged, {self.articles_removed} removed; "
            f"{self.chunks_embedded} chunks embedded in {self.seconds:.1f} s"
        )


def chunk_article(article: Article | ArticleRecord, *, max_tokens: int = DEFAULT_CHUNK_TOKENS) -> list[ChunkRecord]:
    return [
        ChunkRecord(f"{article.id}-{i:03d}", article.id, i, span.start, span.end, span.text)
        for i, span in enumerate(chunk_spans(article.text, max_tokens=max_tokens))
    ]


def _record(a: Article) -> ArticleRecord:
    return ArticleRecord(a.id, a.title, a.title_generated, a.source, a.date, a.date_int, a.url, a.language, a.text)


def chunk_metadata(chunk: ChunkRecord, article: ArticleRecord) -> dict[str, str | int]:
    return {
        "article_id": article.id,
        "title": article.title,
        "source": article.source,
        "date": article.date,
        "date_int": article.date_int,
        "position": chunk.position,
        "start": chunk.start,
        "end": chunk.end,
    }


def _read(paths: list[Path], report: IngestReport) -> tuple[list[ParsedFile], list[Path]]:
    parsed: list[ParsedFile] = []
    for path, meta, problem in discover(paths):
        if problem:
            report.warnings.append(problem)
            report.files_skipped += 1
            continue
        try:
            pf = parse_file(path, meta)
        except CorpusError as exc:
            report.warnings.append(str(exc))
            report.files_skipped += 1
            continue
        report.warnings.extend(pf.warnings)
        pf.path = str(path.resolve())
        parsed.append(pf)
        report.files_read += 1
    return parsed, [p.resolve() for p in paths if p.is_dir()]


def ingest(
    paths: Iterable[Path | str] | None = None,
    *,
    store: Store | Path | str | None = None,
    chroma_url: str | None = None,
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
    progress: Progress | None = None,
) -> IngestReport:
    """Add or update the given files and folders (default ``corpus/``) in the index."""
    started = time.perf_counter()
    report = IngestReport()
    roots = [Path(p) for p in (paths or [DEFAULT_CORPUS])]
    st = store if isinstance(store, Store) else open_store(store, chroma_url=chroma_url)
    with st.writer():
        parsed, folders = _read(roots, report)
        catalog = st.catalog
        known_articles = catalog.article_ids()
        seen_paths = {pf.path for pf in parsed}
        dropped = [
            p for folder in folders for p in catalog.files_under(str(folder)) if p not in seen_paths and not Path(p).exists()
        ]
        files: dict[str, tuple[str, dict[int, str]]] = {}
        fresh: dict[str, Article] = {}
        for pf in parsed:
            old_slots = catalog.file_articles(pf.path)
            slots: dict[int, str] = {}
            for a in pf.articles:
                if a.id in slots.values():
                    report.warnings.append(f"{pf.path}: article {a.position + 1} repeats an earlier one, stored once")
                    continue
                slots[a.position] = a.id
                if a.id in known_articles or a.id in fresh:
                    report.articles_unchanged += 1
                elif old_slots.get(a.position) not in (None, a.id):
                    report.articles_updated += 1
                    fresh[a.id] = a
                else:
                    report.articles_added += 1
                    fresh[a.id] = a
            if catalog.file_sha(pf.path) != pf.sha256 or old_slots != slots:
                files[pf.path] = (pf.sha256, slots)
        if not files and not dropped:
            _remove_stale(st, report)
            report.seconds = time.perf_counter() - started
            return report

        records = [_record(a) for a in fresh.values()]
        chunks = [c for r in records for c in chunk_article(r, max_tokens=chunk_tokens)]
        by_article = {r.id: r for r in records}
        stored = st.chroma_ids()
        orphans = stored - catalog.chunk_ids() - {c.id for c in chunks}
        todo = [c for c in chunks if c.id not in stored]
        try:
            if orphans:
                st.collection.delete(ids=sorted(orphans))
            _embed_and_add(st, todo, by_article, progress)
        except QAError:
            raise
        except Exception as exc:
            raise chroma_error(exc, st.where) from exc
        report.chunks_embedded = len(todo)
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        gone = catalog.commit(files=files, dropped_files=dropped, articles=records, chunks=chunks, timestamp=stamp)
        report.articles_removed = max(len(gone) - report.articles_updated, 0)
        _remove_stale(st, report)
    report.seconds = time.perf_counter() - started
    return report


def _remove_stale(st: Store, report: IngestReport) -> None:
    """Delete vectors the catalog no longer lists (old versions, killed runs)."""
    stale = st.chroma_ids() - st.catalog.chunk_ids()
    if stale:
        try:
            st.collection.delete(ids=sorted(stale))
        except Exception:  # invisible to queries; the next ingest retries
            report.warnings.append(f"{len(stale)} stale vectors left in {st.where}; the next ingest removes them")


def _embed_and_add(st: Store, todo: list[ChunkRecord], by_article: dict[str, ArticleRecord], progress: Progress | None) -> None:
    if progress:
        progress("embedding", 0, len(todo))
    if not todo:
        return
    embedder = st.embedder()
    for i in range(0, len(todo), EMBED_BATCH):
        batch = todo[i : i + EMBED_BATCH]
        vectors = embedder.get_text_embedding_batch([c.text for c in batch])
        st.collection.add(
            ids=[c.id for c in batch],
            embeddings=vectors,
            documents=[c.text for c in batch],
            metadatas=[chunk_metadata(c, by_article[c.article_id]) for c in batch],
        )
        if progress:
            progress("embedding", min(i + EMBED_BATCH, len(todo)), len(todo))
