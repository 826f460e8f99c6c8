"""Hybrid retrieval: dense (Chroma) and BM25 scores fused by a weighted sum.

Date and source filters are pushed down to Chroma's ``where`` and into the
keyword index's SQL (typed values only, never strings spliced into a query).
Only chunks the committed catalog lists are returned, so a half-finished
ingest is invisible; all catalog reads of one retrieval share one read
transaction, and only the fused candidates' rows are read. Each side's
scores are scaled to 0..1 over its candidates and summed with the dense
weight from ``qa.calibration`` (fitted on the dev questions by ``qa
calibrate``). Two retrieved windows of one article that overlap become one
passage (at most ``MAX_WINDOWS`` windows), so the sentence that answers is
not cut off from the one that matched the question; a window mostly inside
a passage already chosen, and an identical passage from another article,
are collapsed. ``qa.llama_retriever`` wraps this as a llama-index
``BaseRetriever``; the answer layer calls ``retrieve()`` directly so asking
a question never pays for importing llama-index. This module ranks
passages; it does not judge whether they answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from qa import calibration
from qa.catalog import RowFilter
from qa.errors import UsageError
from qa.keyword import search
from qa.store import Store, chroma_error

Mode = Literal["hybrid", "dense", "keyword"]
DEFAULT_K = 5
MAX_K = 50
CANDIDATES = 40  # fetched from each side (at least 2k): the scaling of scores depends on it, not on k
MAX_WINDOWS = 2  # overlapping windows of one article joined into one passage


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    article_id: str
    title: str
    source: str
    date: str
    url: str
    text: str
    start: int
    end: int
    score: float  # fused score
    dense: float  # cosine similarity to the question (0 when not computed)
    keyword: float  # BM25 score (0 when not matched)
    windows: tuple[tuple[str, int, int], ...] = ()  # (chunk id, start, end) of each window joined; () = just this one

    def spans(self) -> tuple[tuple[str, int, int], ...]:
        """The windows this passage is made of, in the order they were retrieved."""
        return self.windows or ((self.chunk_id, self.start, self.end),)


@dataclass(frozen=True)
class Filters:
    since: int = 0
    until: int = 0
    source: str | None = None

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.since:
            clauses.append({"date_int": {"$gte": self.since}})
        if self.until:
            clauses.append({"date_int": {"$lte": self.until}})
        if self.source:
            clauses.append({"source": {"$eq": self.source}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def rows(self) -> RowFilter:
        return RowFilter(self.since, self.until, self.source)


def parse_date(value: str | date | None, *, name: str) -> int:
    """'YYYY-MM-DD' (or a date) as YYYYMMDD; raises UsageError otherwise."""
    if value in (None, ""):
        return 0
    if isinstance(value, date):
        return int(value.strftime("%Y%m%d"))
    try:
        return int(date.fromisoformat(str(value).strip()).strftime("%Y%m%d"))
    except ValueError as exc:
        raise UsageError(f"{name} date {value!r} is not a date like 2024-09-05") from exc


def make_filters(
    since: str | date | None = None, until: str | date | None = None, source: str | None = None
) -> Filters:
    f = Filters(parse_date(since, name="since"), parse_date(until, name="until"), (source or "").strip() or None)
    if f.since and f.until and f.since > f.until:
        raise UsageError(f"the since date {since} is after the until date {until}")
    return f


def check_k(k: int) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1 or k > MAX_K:
        raise UsageError(f"k must be a whole number from 1 to {MAX_K} (got {k!r})")
    return k


def _dense(store: Store, query_vec: list[float], n: int, filters: Filters) -> list[tuple[str, float]]:
    total = store.catalog.chunk_count()
    if not total:
        return []
    want = min(n, total)
    hits = _query(store, query_vec, want, filters)
    listed = store.catalog.listed(cid for cid, _ in hits)  # only what the committed catalog lists
    kept = [(cid, sim) for cid, sim in hits if cid in listed]
    if len(kept) < want and len(hits) == want:
        # vectors a killed ingest left behind (invisible until the next ingest removes
        # them) took some of the places: ask again for that many more
        try:
            extra = store.collection.count() - total
        except Exception as exc:
            raise chroma_error(exc, store.where) from exc
        if extra > 0:
            hits = _query(store, query_vec, want + extra, filters)
            listed = store.catalog.listed(cid for cid, _ in hits)
            kept = [(cid, sim) for cid, sim in hits if cid in listed][:want]
    return kept


def _query(store: Store, query_vec: list[float], n: int, filters: Filters) -> list[tuple[str, float]]:
    try:
        res = store.collection.query(
            query_embeddings=[query_vec], n_results=n, where=filters.chroma_where(), include=["distances"]
        )
    except Exception as exc:
        raise chroma_error(exc, store.where) from exc
    return [(cid, 1.0 - float(dist)) for cid, dist in zip(res["ids"][0], res["distances"][0])]


def _fuse(dense: list[tuple[str, float]], keyword: list[tuple[str, float]], dense_weight: float) -> dict[str, float]:
    """``dense_weight`` x the scaled similarity + the rest x the scaled BM25 score; a side that missed a chunk adds 0."""
    fused: dict[str, float] = {}
    for ranked, weight in ((dense, dense_weight), (keyword, 1.0 - dense_weight)):
        if not ranked:
            continue
        hi, lo = max(s for _, s in ranked), min(s for _, s in ranked)
        for cid, score in ranked:
            fused[cid] = fused.get(cid, 0.0) + weight * ((score - lo) / (hi - lo) if hi > lo else 1.0)
    return fused


def _place(chosen: list[Passage], p: Passage) -> None:
    """Add the window ``p`` to ``chosen``: collapsed if the passages of its article already hold most of it,
    else joined to an overlapping passage with room, else a new passage."""
    same = [i for i, q in enumerate(chosen) if q.article_id == p.article_id and q.start < p.end and p.start < q.end]
    covered = _covered(p, [chosen[i] for i in same])
    if covered > 0.5 * (p.end - p.start):
        i = max(same, key=lambda i: min(chosen[i].end, p.end) - max(chosen[i].start, p.start))
        if p.dense > chosen[i].dense:  # keep the rank, remember the better similarity
            chosen[i] = replace(chosen[i], dense=p.dense)
        return
    room = next((i for i in same if len(chosen[i].spans()) < MAX_WINDOWS), None)
    if room is None:
        chosen.append(p)
    else:
        chosen[room] = _join(chosen[room], p)


def _covered(p: Passage, others: list[Passage]) -> int:
    """How many of ``p``'s characters lie inside ``others``."""
    cut, total = p.start, 0
    for q in sorted(others, key=lambda q: q.start):
        lo, hi = max(q.start, cut), min(q.end, p.end)
        if hi > lo:
            total, cut = total + hi - lo, hi
    return total


def _join(q: Passage, p: Passage) -> Passage:
    """``q`` widened to cover the overlapping window ``p`` of the same article (texts are slices of it)."""
    start, end = min(q.start, p.start), max(q.end, p.end)
    text = p.text[: q.start - p.start] + q.text if p.start < q.start else q.text
    if p.end > q.end:
        text += p.text[len(p.text) - (p.end - q.end) :]
    return replace(q, text=text, start=start, end=end, dense=max(q.dense, p.dense), windows=q.spans() + p.spans())


def retrieve(
    store: Store,
    question: str,
    *,
    k: int = DEFAULT_K,
    filters: Filters | None = None,
    mode: Mode = "hybrid",
    query_vector: list[float] | None = None,
    dense_weight: float | None = None,
) -> list[Passage]:
    """Top ``k`` passages for ``question``, best first, near-duplicates collapsed.

    ``dense_weight`` overrides the calibrated weight (``qa calibrate`` fits it).
    """
    check_k(k)
    filters = filters or Filters()
    store.readable()
    n = max(CANDIDATES, 2 * k)
    weight = calibration.current().dense_weight if dense_weight is None else dense_weight
    vec: list[float] | None = None
    if mode in ("hybrid", "dense"):
        vec = query_vector if query_vector is not None else store.embed([question])[0]
    with store.catalog.reading():  # one generation for every read below
        dense = _dense(store, vec, n, filters) if vec is not None else []
        keyword = search(store.catalog, question, k=n, where=filters.rows()) if mode in ("hybrid", "keyword") else []
        fused = _fuse(dense, keyword, weight)
        rows = store.catalog.chunk_rows(fused)
    dense_of, keyword_of = dict(dense), dict(keyword)
    chosen: list[Passage] = []
    texts: dict[str, str] = {}  # a window's text, whitespace squashed -> its article
    for cid in sorted(fused, key=lambda c: (-fused[c], c)):
        if cid not in rows:  # removed by an ingest that committed between Chroma and the catalog read
            continue
        c, a = rows[cid]
        if texts.setdefault(" ".join(c.text.split()), c.article_id) != c.article_id:
            continue  # the same text in another article (a story filed twice)
        _place(
            chosen,
            Passage(
                cid,
                c.article_id,
                a.title,
                a.source,
                a.date,
                a.url,
                c.text,
                c.start,
                c.end,
                fused[cid],
                dense_of.get(cid, 0.0),
                keyword_of.get(cid, 0.0),
            ),
        )
    return chosen[:k]
