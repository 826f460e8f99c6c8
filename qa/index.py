"""Ingest: turn bulletin files into chunks, embeddings and catalog records.

Incremental by construction: article ids are content hashes and chunk ids
derive from them, so an unchanged file embeds nothing, a changed article
embeds only its own chunks, and the same article from two files is stored
once. A file that corrects the metadata of its own article (a date in its
front matter or manifest) updates the catalog and Chroma's metadata without
embedding (a new headline is embedded again: every chunk carries it); the
same text arriving in another file keeps the metadata it has.

Pipelined: a reader thread reads, parses, plans and chunks, the main thread
runs the model, and a writer thread stores each batch's vectors while the
model reads the next (ONNX Runtime releases the GIL); a batch holds whole
articles. Every word is read by the model once: each distinct sentence of a
batch, and each headline, is one text of a forward pass, and both kinds of
vector come from those token states (``embed_chunks``): a sentence's vector
is the mean of its own (stored, so a question embeds only itself), a
window's the mean of its headline's and all its sentences'.

Order of writes makes a killed ingest harmless: vectors are added first
(Chroma, then the sentence vectors; both invisible until the catalog lists
their chunks), the catalog and its keyword index commit in one transaction,
and only then are stale vectors deleted. The next ingest removes any
leftovers, reuses vectors a killed run already stored, and re-embeds any
chunk the catalog lists but Chroma lost (a server restarted on empty data).
A store written before the keyword table and sentence vectors existed is
brought up to date by its next ingest (every chunk embedded again). A store
whose windows were embedded another way (a forward pass per window, before
``VECTORS``) is refused, or re-embedded whole on request (``rebuild=True``),
so one store never mixes two kinds of vector; the kind is recorded as
"rebuilding" until the rebuild commits, so a killed rebuild is refused too.

This module writes the index; searching it is ``qa.retrieve``'s job.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa import wordpieces
from qa.catalog import REBUILDING, SCHEMA_VERSION, ArticleMeta, ArticleRecord, Catalog, ChunkRecord, pack_vectors
from qa.chunking import DEFAULT_CHUNK_TOKENS, chunk_spans, sentences
from qa.corpus import Article, ParsedFile, discover, parse_file
from qa.errors import CorpusError, QAError, StoreError
from qa.fast_encoder import mean_pool
from qa.guard import INSTRUCTION_PLACEHOLDER, looks_like_instruction
from qa.keyword import document_terms
from qa.store import Store, chroma_error, open_store

DEFAULT_CORPUS = Path("corpus")
EMBED_BATCH = 256  # chunks a batch holds at least (whole articles, so a shared sentence is read once)
FIRST_BATCH = 32  # the first is smaller: the model starts while the reader is still on the first files
QUEUE_BATCHES = 4  # batches prepared ahead of the embedder
# The kind of vector this version writes, recorded in each store: windows pooled from the token
# states of their headline's and sentences' own passes. Stores without it hold a pass per window.
VECTORS = "sentence-passes-1"


@dataclass
class IngestProgress:
    articles: int = 0  # articles whose chunks were embedded (or found stored)
    chunks_done: int = 0
    chunks_total: int = 0  # known so far: grows while files are still being read
    word_pieces: int = 0  # embedded
    reading_done: bool = False


Progress = Callable[[IngestProgress], None]


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


def chunk_metadata(chunk: ChunkRecord, article: ArticleRecord | ArticleMeta) -> dict[str, str | int]:
    return {
        "article_id": chunk.article_id,
        "title": article.title,
        "source": article.source,
        "date": article.date,
        "date_int": article.date_int,
        "position": chunk.position,
        "start": chunk.start,
        "end": chunk.end,
    }


def _read(paths: list[Path], report: IngestReport) -> Iterator[ParsedFile]:
    seen: set[str] = set()
    for path, meta, problem in discover(paths):
        if problem:
            report.warnings.append(problem)
            report.files_skipped += 1
            continue
        resolved = str(path.resolve())
        if resolved in seen:  # named twice, or reached through a symlink
            continue
        try:
            pf = parse_file(path, meta)
        except CorpusError as exc:
            report.warnings.append(str(exc))
            report.files_skipped += 1
            continue
        report.warnings.extend(pf.warnings)
        pf.path = resolved
        seen.add(resolved)
        report.files_read += 1
        yield pf


def _meta(a: ArticleRecord | ArticleMeta) -> tuple[object, ...]:
    return (a.title, a.title_generated, a.source, a.date, a.url)


@dataclass
class _Plan:
    """What an ingest will change, worked out file by file before anything is committed."""

    catalog: Catalog
    report: IngestReport
    files: dict[str, tuple[str, dict[int, str]]] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    fresh: dict[str, ArticleRecord] = field(default_factory=dict)  # new text
    relabelled: dict[str, ArticleRecord] = field(default_factory=dict)  # known text, new metadata
    replaced: set[str] = field(default_factory=set)  # old ids whose slot now holds new text
    seen: set[str] = field(default_factory=set)  # files read
    counted: set[str] = field(default_factory=set)  # articles counted

    @property
    def changes_catalog(self) -> bool:
        return bool(self.files or self.dropped or self.relabelled)

    def add(self, pf: ParsedFile) -> list[ArticleRecord]:
        """Plan one file; returns its articles whose text is new."""
        catalog, report = self.catalog, self.report
        self.seen.add(pf.path)
        known = catalog.article_meta(a.id for a in pf.articles)
        old_slots = catalog.file_articles(pf.path)
        new_ids = {a.id for a in pf.articles}
        slots: dict[int, str] = {}
        out = []
        for a in pf.articles:
            if a.id in slots.values():
                report.warnings.append(f"{pf.path}: article {a.position + 1} repeats an earlier one, stored once")
                continue
            slots[a.position] = a.id
            if a.id in self.counted:  # the same article from another file: stored once, counted once
                continue
            self.counted.add(a.id)
            record = _record(a)
            if a.id in known:
                # a file may correct its own articles' metadata; a copy elsewhere does not overrule it
                if a.id in old_slots.values() and _meta(record) != _meta(known[a.id]):
                    self.relabelled[a.id] = record
                    report.articles_updated += 1
                else:
                    report.articles_unchanged += 1
                continue
            self.fresh[a.id] = record
            out.append(record)
            old = old_slots.get(a.position)
            if old is not None and old not in new_ids:
                self.replaced.add(old)
                report.articles_updated += 1
            else:
                report.articles_added += 1
        if catalog.file_sha(pf.path) != pf.sha256 or old_slots != slots:
            self.files[pf.path] = (pf.sha256, slots)
        return out

    def finish(self, folders: list[Path]) -> None:
        """Files the catalog lists under the folders read that are gone from disk."""
        self.dropped = [
            p for f in folders for p in self.catalog.files_under(str(f)) if p not in self.seen and not Path(p).exists()
        ]


def ingest(
    paths: Iterable[Path | str] | None = None,
    *,
    store: Store | Path | str | None = None,
    chroma_url: str | None = None,
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
    progress: Progress | None = None,
    embed_precision: str | None = None,
    rebuild: bool = False,
) -> IngestReport:
    """Add or update the given files and folders (default ``corpus/``) in the index.

    ``rebuild`` re-embeds every chunk the store holds: the way to bring a store
    whose vectors are of an earlier kind up to date (without it such a store
    is refused with a StoreError, before anything is written).
    """
    started = time.perf_counter()
    report = IngestReport()
    roots = [Path(p) for p in (paths or [DEFAULT_CORPUS])]
    st = (
        store
        if isinstance(store, Store)
        else open_store(store, chroma_url=chroma_url, embed_precision=embed_precision, warm=True)
    )
    with st.writer():
        catalog = st.catalog
        catalog.set_embed_precision(st.precision)
        redo_all = catalog.schema() < SCHEMA_VERSION or _rebuilding(st, rebuild)
        plan = _Plan(catalog, report)
        stored = st.chroma_ids()
        status = IngestProgress()
        added: set[str] = set()
        chunks: list[ChunkRecord] = []
        terms: dict[str, tuple[str, str]] = {}
        writer = _Writer(st, status, progress)
        try:
            for batch in _produce(roots, plan, chunk_tokens, status, meanwhile=st.encoder):
                chunks.extend(it.chunk for it in batch)
                terms.update((it.chunk.id, it.terms) for it in batch)
                have = catalog.with_sentence_vectors(it.chunk.id for it in batch)
                todo = [it for it in batch if it.chunk.id not in stored or it.chunk.id not in have]
                _embed_and_add(st, todo, writer, skipped=len(batch) - len(todo))
                added.update(it.chunk.id for it in todo)
                report.chunks_embedded += len(todo)
            status.reading_done = True
            again, again_terms = _embed_again(st, plan, stored, redo_all, report)
            terms.update(again_terms)
            for part in _whole_articles(again):
                _embed_and_add(st, part, writer)
            added.update(it.chunk.id for it in again)
            report.chunks_embedded += len(again)
            writer.finish()  # every vector written before the catalog lists its chunk
            if progress:
                progress(status)
            _relabel(st, plan.relabelled)
        except QAError:
            raise
        except Exception as exc:
            raise chroma_error(exc, st.where) from exc
        finally:
            writer.finish(raising=False)
        if plan.changes_catalog or terms or redo_all:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            gone = catalog.commit(
                files=plan.files,
                dropped_files=plan.dropped,
                articles=[*plan.fresh.values(), *plan.relabelled.values()],
                chunks=chunks,
                terms=terms,
                timestamp=stamp,
                vectors=VECTORS,
            )
            report.articles_removed = len(set(gone) - plan.replaced)
        _remove_stale(st, stored | added, report)
    report.seconds = time.perf_counter() - started
    return report


def outdated(st: Store) -> bool:
    """Whether the store holds vectors of an earlier kind (or a rebuild that did not finish): ``ingest``
    refuses it unless asked to rebuild. A new store (no kind recorded, no chunk) is not outdated."""
    kind = st.catalog.vector_kind()
    return kind != VECTORS and (kind is not None or bool(st.catalog.chunk_count()))


def _rebuilding(st: Store, rebuild: bool) -> bool:
    """Whether every chunk must be embedded again; refuses a store of another kind of vector unless ``rebuild``."""
    catalog = st.catalog
    kind = catalog.vector_kind()
    if not outdated(st):
        if kind is None:
            catalog.set_vector_kind(VECTORS)  # a new store
            return False
        return rebuild
    if not rebuild:
        what = "a rebuild that did not finish" if kind == REBUILDING else "an earlier version (a pass per window)"
        raise StoreError(
            f"the index at {st.where} holds vectors from {what} and one index never mixes two kinds: "
            f"rebuild it (`qa ingest --rebuild PATH ...`, or qa.ingest(..., rebuild=True)) or ingest into a new folder"
        )
    catalog.set_vector_kind(REBUILDING)  # until the commit: a killed rebuild is refused, not mixed
    return True


def _whole_articles(items: list[ChunkInput]) -> Iterator[list[ChunkInput]]:
    """``items`` (in article order) in batches of at least EMBED_BATCH chunks that never split an article."""
    batch: list[ChunkInput] = []
    for i, it in enumerate(items):
        batch.append(it)
        last_of_article = i + 1 == len(items) or items[i + 1].chunk.article_id != it.chunk.article_id
        if len(batch) >= EMBED_BATCH and last_of_article:
            yield batch
            batch = []
    if batch:
        yield batch


def _produce(
    roots: list[Path], plan: _Plan, chunk_tokens: int, status: IngestProgress, *, meanwhile: Callable[[], object]
) -> Iterator[list[ChunkInput]]:
    """Batches of chunks ready to embed, prepared by a producer thread while the caller embeds
    (and, before the first batch, runs ``meanwhile``: loading the model)."""
    out: queue.Queue[list[ChunkInput] | BaseException | None] = queue.Queue(maxsize=QUEUE_BATCHES)
    stop = threading.Event()

    def put(item: list[ChunkInput] | BaseException | None) -> None:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def work() -> None:
        try:
            pending: list[ChunkInput] = []
            size = min(FIRST_BATCH, EMBED_BATCH)  # smaller, never larger
            for pf in _read(roots, plan.report):
                for record in plan.add(pf):
                    pending.extend(embedding_input(c, record) for c in chunk_article(record, max_tokens=chunk_tokens))
                    status.chunks_total = status.chunks_done + len(pending) + out.qsize() * EMBED_BATCH
                if len(pending) >= size:  # at a file's end: whole articles
                    put(pending)
                    pending, size = [], EMBED_BATCH
            plan.finish([p.resolve() for p in roots if p.is_dir()])
            if pending:
                put(pending)
            put(None)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
        finally:
            plan.catalog.close()  # this thread's own connection

    thread = threading.Thread(target=work, name="ingest-reader", daemon=True)
    thread.start()
    try:
        meanwhile()
        while True:
            item = out.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=60)


def _embed_again(
    st: Store, plan: _Plan, stored: set[str], redo_all: bool, report: IngestReport
) -> tuple[list[ChunkInput], dict[str, tuple[str, str]]]:
    """Known chunks to embed again, and the keyword rows to rewrite.

    Embedded again: chunks Chroma lost, chunks without sentence vectors,
    every chunk of a store of the previous format or being rebuilt, and the chunks of an
    article with a new headline. Rewritten: those, plus every chunk of an
    article with new metadata (its date is in the keyword index).
    """
    catalog = st.catalog
    listed = catalog.chunk_ids()
    lost = listed - stored
    if lost:
        report.warnings.append(
            f"{len(lost)} chunks the catalog lists were missing from Chroma at {st.where}; embedded them again"
        )
    redo = listed if redo_all else lost | catalog.without_sentence_vectors()
    retitled = {aid for aid, new in plan.relabelled.items() if (old := catalog.article(aid)) and old.title != new.title}
    inputs, terms = [], {}
    for aid in sorted({cid.rsplit("-", 1)[0] for cid in redo} | set(plan.relabelled)):
        record = plan.relabelled.get(aid) or catalog.article(aid)
        if record is None:
            continue
        for c in catalog.chunks_of(aid):
            if c.id in redo or aid in plan.relabelled:
                item = embedding_input(c, record)
                terms[c.id] = item.terms
                if c.id in redo or aid in retitled:
                    inputs.append(item)
    return inputs, terms


def _relabel(st: Store, articles: dict[str, ArticleRecord]) -> None:
    """New metadata on the vectors of known articles (no embedding)."""
    for aid, record in articles.items():
        chunks = st.catalog.chunks_of(aid)
        if chunks:
            st.collection.update(ids=[c.id for c in chunks], metadatas=[chunk_metadata(c, record) for c in chunks])


def _remove_stale(st: Store, held: set[str], report: IngestReport) -> None:
    """Delete vectors the catalog no longer lists (old versions, killed runs).

    ``held`` is what Chroma holds: its ids when the ingest began plus those it
    added (the ingest lock keeps any other writer out).
    """
    try:
        stale = held - st.catalog.chunk_ids()
        st.delete_vectors(stale)
        st.catalog.drop_unlisted_sentence_vectors()
    except QAError:  # invisible to queries; the next ingest retries
        report.warnings.append(f"stale vectors may be left in {st.where}; the next ingest removes them")


def _embed_and_add(st: Store, todo: list[ChunkInput], writer: _Writer, *, skipped: int = 0) -> None:
    """Embed ``todo`` and hand its vectors to the writer (``skipped``: chunks of the batch already stored)."""
    if todo:
        vectors, sentences, pieces = embed_chunks(st, todo)
        writer.put(todo, vectors, [pack_vectors(s) for s in sentences], pieces, skipped)
    elif skipped:
        writer.put([], [], [], 0, skipped)


class _Writer:
    """Writes a batch's vectors (Chroma, then the sentence vectors) in a thread of its own while the
    model reads the next batch; ``finish`` waits for every write and raises the first failure.
    Progress is reported from the caller's thread, at each ``put``, for the batches written so far:
    a caller's progress bar (the page's) belongs to that thread and cannot be drawn from this one."""

    def __init__(self, st: Store, status: IngestProgress, progress: Progress | None) -> None:
        self.st, self.status, self.progress = st, status, progress
        self._reported = -1
        self.failed: BaseException | None = None
        self.queue: queue.Queue[tuple[list[ChunkInput], list[list[float]], list[bytes], int, int] | None]
        self.queue = queue.Queue(2)
        self.thread: threading.Thread | None = None

    def put(
        self, todo: list[ChunkInput], vectors: list[list[float]], sentences: list[bytes], pieces: int, skipped: int
    ) -> None:
        if self.failed is not None:
            self.finish()
        if self.progress and self.status.chunks_done != self._reported:
            self._reported = self.status.chunks_done
            self.progress(self.status)
        if self.thread is None:
            self.thread = threading.Thread(target=self._work, name="ingest-writer", daemon=True)
            self.thread.start()
        self.queue.put((todo, vectors, sentences, pieces, skipped))

    def _work(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                if self.failed is None:  # after a failure: drain, so put() never blocks
                    self._write(*item)
        finally:
            self.st.catalog.close()  # this thread's own connection

    def _write(
        self, todo: list[ChunkInput], vectors: list[list[float]], sentences: list[bytes], pieces: int, skipped: int
    ) -> None:
        try:
            if todo:
                # no documents: the catalog holds the text, and Chroma would index a second copy for its own
                # full-text search, which nothing here uses (a third of the upserts' CPU, 28 % of the store's size)
                self.st.collection.upsert(
                    ids=[it.chunk.id for it in todo],
                    embeddings=vectors,
                    metadatas=[chunk_metadata(it.chunk, it.article) for it in todo],
                )
                self.st.catalog.put_sentence_vectors([(it.chunk.id, s) for it, s in zip(todo, sentences)])
            status = self.status
            status.chunks_done += len(todo) + skipped
            status.word_pieces += pieces
            status.articles += len({it.chunk.article_id for it in todo if it.chunk.position == 0})
            status.chunks_total = max(status.chunks_total, status.chunks_done)
        except BaseException as exc:
            self.failed = exc

    def finish(self, *, raising: bool = True) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        if raising and self.failed is not None:
            failed, self.failed = self.failed, None
            raise failed


def spoken_date(iso: str) -> str:
    """'2024-09-05' as '5 September 2024' (the words a question uses); '' when unknown."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return ""
    return f"{d.day} {d.strftime('%B')} {d.year}"


# --- what the model reads ----------------------------------------------------
HEADLINE_PIECES = 32  # a headline longer than this is cut (it weighs in each window as at most this many)


@dataclass(frozen=True)
class ChunkInput:
    """A chunk as the model reads it (its headline and each sentence, a text apiece), and as the keyword index holds it."""

    chunk: ChunkRecord
    article: ArticleRecord | ArticleMeta
    text: str  # the chunk text with instruction-like sentences withheld
    spans: list[tuple[int, int]]  # each sentence of ``text`` (qa.chunking.sentences), offsets into it
    headline: str  # the article's headline, cut at HEADLINE_PIECES word pieces
    terms: tuple[str, str]  # keyword index columns: (headline and date, body) as stemmed terms

    def texts(self) -> list[str]:
        """The texts the model reads for this chunk: the headline (if any), then each sentence."""
        own = [self.text[s:e] for s, e in self.spans] or [self.text]
        return [self.headline, *own] if self.headline else own


def embedding_input(chunk: ChunkRecord, article: ArticleRecord | ArticleMeta) -> ChunkInput:
    """The chunk's sentences and its headline, as the model reads them; sentences addressed to a model are withheld."""
    body, spans, pos = "", [], 0
    for sp in sentences(chunk.text):  # the same text qa.guard.withhold_instructions gives, with offsets
        body += chunk.text[pos : sp.start]
        shown = INSTRUCTION_PLACEHOLDER if looks_like_instruction(sp.text) else sp.text
        spans.append((len(body), len(body) + len(shown)))
        body += shown
        pos = sp.end
    body += chunk.text[pos:]
    terms = (document_terms(f"{article.title} {spoken_date(article.date)}"), document_terms(body))
    return ChunkInput(chunk, article, body, spans, headline(article.title), terms)


@lru_cache(maxsize=4096)
def headline(title: str) -> str:
    """``title`` cut after HEADLINE_PIECES word pieces."""
    head = wordpieces.tokenizer().encode(title, add_special_tokens=False)
    return title if len(head.ids) <= HEADLINE_PIECES else title[: head.offsets[HEADLINE_PIECES - 1][1]]


def embed_chunks(st: Store, items: list[ChunkInput]) -> tuple[list[list[float]], list[np.ndarray], int]:
    """Chunk vectors, per chunk one vector per sentence (rows in ``spans`` order), and the word pieces read.

    Each distinct text of the batch (a sentence, a headline) is one text of a
    forward pass, so no word piece is read twice: two overlapping windows share
    their sentence's pass, and an article's windows their headline's. A
    sentence's vector is the mean of its token states, as a question's is; a
    window's is the mean of the token states of its headline and all its
    sentences (the model's own mean pooling over the window, each sentence
    read in its own pass rather than beside its neighbours).

    Measured before (README, "Sentence vectors and precision"): sentence vectors
    pooled from a pass over the whole window lowered the seed set's answers
    (facts 0.896 -> 0.857, cited below its gate), so sentences keep passes of
    their own; windows composed this way moved BBC dev recall@1 by two
    questions and halved the word pieces read (2.45M -> 1.06M).
    """
    texts = list(dict.fromkeys(t for it in items for t in it.texts()))
    sums, counts = st.encoder().pooled(texts)
    row = {t: i for i, t in enumerate(texts)}
    unit = mean_pool(sums, counts)
    chunk_vectors, sentence_vectors = [], []
    for it in items:
        idx = [row[t] for t in it.texts()]
        sentence_vectors.append(unit[idx[1:] if it.headline else idx] if it.spans else unit[[]])
        chunk_vectors.append(mean_pool(sums[idx].sum(axis=0)[None], counts[idx].sum(keepdims=True))[0].tolist())
    return chunk_vectors, sentence_vectors, int(counts.sum())
