"""Ingest: turn bulletin files into chunks, embeddings and catalog records.

Incremental by construction: article ids are content hashes and chunk ids
derive from them, so an unchanged file embeds nothing, a changed article
embeds only its own chunks, and the same article from two files is stored
once. A file that corrects the metadata of its own article (a date in its
front matter or manifest) updates the catalog and Chroma's metadata without
embedding; the same text arriving in another file keeps the metadata it has.

Order of writes makes a killed ingest harmless: vectors are added first
(invisible until the catalog lists them), the catalog commits in one
transaction, and only then are stale vectors deleted. The next ingest removes
any leftovers, reuses vectors a killed run already stored, and re-embeds any
chunk the catalog lists but Chroma lost (a server restarted on empty data).

This module writes the index; searching it is ``qa.retrieve``'s job.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qa.catalog import ArticleMeta, ArticleRecord, Catalog, ChunkRecord
from qa.chunking import DEFAULT_CHUNK_TOKENS, chunk_spans
from qa.corpus import Article, ParsedFile, discover, parse_file
from qa.errors import CorpusError, QAError
from qa.guard import withhold_instructions
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
    parsed: dict[str, ParsedFile] = {}
    for path, meta, problem in discover(paths):
        if problem:
            report.warnings.append(problem)
            report.files_skipped += 1
            continue
        resolved = str(path.resolve())
        if resolved in parsed:  # named twice, or reached through a symlink
            continue
        try:
            pf = parse_file(path, meta)
        except CorpusError as exc:
            report.warnings.append(str(exc))
            report.files_skipped += 1
            continue
        report.warnings.extend(pf.warnings)
        pf.path = resolved
        parsed[resolved] = pf
        report.files_read += 1
    return list(parsed.values()), [p.resolve() for p in paths if p.is_dir()]


@dataclass
class _Plan:
    """What an ingest will change, worked out before anything is written."""

    files: dict[str, tuple[str, dict[int, str]]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    fresh: dict[str, ArticleRecord] = field(default_factory=dict)  # new text
    relabelled: dict[str, ArticleRecord] = field(default_factory=dict)  # known text, new metadata
    replaced: set[str] = field(default_factory=set)  # old ids whose slot now holds new text

    @property
    def changes_catalog(self) -> bool:
        return bool(self.files or self.dropped or self.relabelled)


def _meta(a: ArticleRecord | ArticleMeta) -> tuple[object, ...]:
    return (a.title, a.title_generated, a.source, a.date, a.url)


def _plan(catalog: Catalog, parsed: list[ParsedFile], folders: list[Path], report: IngestReport) -> _Plan:
    plan = _Plan()
    known = catalog.article_meta()
    seen = {pf.path for pf in parsed}
    plan.dropped = [p for f in folders for p in catalog.files_under(str(f)) if p not in seen and not Path(p).exists()]
    counted: set[str] = set()
    for pf in parsed:
        old_slots = catalog.file_articles(pf.path)
        new_ids = {a.id for a in pf.articles}
        slots: dict[int, str] = {}
        for a in pf.articles:
            if a.id in slots.values():
                report.warnings.append(f"{pf.path}: article {a.position + 1} repeats an earlier one, stored once")
                continue
            slots[a.position] = a.id
            if a.id in counted:  # the same article from another file: stored once, counted once
                continue
            counted.add(a.id)
            record = _record(a)
            if a.id in known:
                # a file may correct its own articles' metadata; a copy elsewhere does not overrule it
                if a.id in old_slots.values() and _meta(record) != _meta(known[a.id]):
                    plan.relabelled[a.id] = record
                    report.articles_updated += 1
                else:
                    report.articles_unchanged += 1
                continue
            plan.fresh[a.id] = record
            old = old_slots.get(a.position)
            if old is not None and old not in new_ids:
                plan.replaced.add(old)
                report.articles_updated += 1
            else:
                report.articles_added += 1
        if catalog.file_sha(pf.path) != pf.sha256 or old_slots != slots:
            plan.files[pf.path] = (pf.sha256, slots)
    return plan


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
        catalog = st.catalog
        parsed, folders = _read(roots, report)
        plan = _plan(catalog, parsed, folders, report)
        chunks = [c for r in plan.fresh.values() for c in chunk_article(r, max_tokens=chunk_tokens)]
        stored = st.chroma_ids()
        listed = catalog.chunk_ids()
        lost_ids = listed - stored
        lost = [c for c in catalog.chunks() if c.id in lost_ids] if lost_ids else []
        if lost:
            report.warnings.append(
                f"{len(lost)} chunks the catalog lists were missing from Chroma at {st.where}; embedded them again"
            )
        todo = [c for c in chunks if c.id not in stored] + lost
        st.delete_vectors(stored - listed - {c.id for c in chunks})  # left by a killed ingest
        try:
            _embed_and_add(st, todo, _articles(catalog, plan, todo), progress)
            _relabel(st, plan.relabelled)
        except QAError:
            raise
        except Exception as exc:
            raise chroma_error(exc, st.where) from exc
        report.chunks_embedded = len(todo)
        if plan.changes_catalog:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            gone = catalog.commit(
                files=plan.files,
                dropped_files=plan.dropped,
                articles=[*plan.fresh.values(), *plan.relabelled.values()],
                chunks=chunks,
                timestamp=stamp,
            )
            report.articles_removed = len(set(gone) - plan.replaced)
        _remove_stale(st, report)
    report.seconds = time.perf_counter() - started
    return report


def _articles(catalog: Catalog, plan: _Plan, chunks: list[ChunkRecord]) -> dict[str, ArticleRecord]:
    """The (new) article record for every chunk about to be embedded."""
    out = {**plan.fresh, **plan.relabelled}
    for aid in {c.article_id for c in chunks} - out.keys():
        record = catalog.article(aid)
        if record is not None:
            out[aid] = record
    return out


def _relabel(st: Store, articles: dict[str, ArticleRecord]) -> None:
    """New metadata on the vectors of known articles (no embedding)."""
    for aid, record in articles.items():
        chunks = st.catalog.chunks_of(aid)
        if chunks:
            st.collection.update(ids=[c.id for c in chunks], metadatas=[chunk_metadata(c, record) for c in chunks])


def _remove_stale(st: Store, report: IngestReport) -> None:
    """Delete vectors the catalog no longer lists (old versions, killed runs)."""
    try:
        stale = st.chroma_ids() - st.catalog.chunk_ids()
        st.delete_vectors(stale)
    except QAError:  # invisible to queries; the next ingest retries
        report.warnings.append(f"stale vectors may be left in {st.where}; the next ingest removes them")


def _embed_and_add(
    st: Store, todo: list[ChunkRecord], by_article: dict[str, ArticleRecord], progress: Progress | None
) -> None:
    if progress:
        progress("embedding", 0, len(todo))
    if not todo:
        return
    embedder = st.embedder()
    for i in range(0, len(todo), EMBED_BATCH):
        batch = todo[i : i + EMBED_BATCH]
        # text addressed to a model is kept for display but not matched on
        vectors = embedder.get_text_embedding_batch([withhold_instructions(c.text) for c in batch])
        st.collection.add(
            ids=[c.id for c in batch],
            embeddings=vectors,
            documents=[c.text for c in batch],
            metadatas=[chunk_metadata(c, by_article[c.article_id]) for c in batch],
        )
        if progress:
            progress("embedding", min(i + EMBED_BATCH, len(todo)), len(todo))
