"""Hybrid retrieval: dense (Chroma) and BM25 results fused by reciprocal rank.

Date and source filters are pushed down to Chroma's ``where`` and into the
keyword index's SQL (typed values only, never strings spliced into a query).
Only chunks the committed catalog lists are returned, so a half-finished
ingest is invisible; all catalog reads of one retrieval share one read
transaction, and only the fused candidates' rows are read. Article-level
evidence (the best dense and keyword rank of any of an article's chunks)
is fused with the chunk ranks, so the right window of the right article
wins. Overlapping windows of the same article and identical passages are
collapsed. ``qa.llama_retriever`` wraps this as a
llama-index ``BaseRetriever``; the answer layer calls ``retrieve()`` directly
so asking a question never pays for importing llama-index. This module ranks
passages; it does not judge whether they answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from qa.catalog import RowFilter
from qa.errors import UsageError
from qa.keyword import search
from qa.store import Store, chroma_error

Mode = Literal["hybrid", "dense", "keyword"]
DEFAULT_K = 5
RRF_K = 60
MAX_K = 50
_CANDIDATES = 4  # fetch k * this from each side before fusing and collapsing
# Article rank (its best chunk's dense and keyword ranks) added to each chunk's fused
# score. Off: on the BBC dev questions every weight tried (0.1 to 2) kept recall@1
# and lowered recall@5 (it fills the top 5 with one article); the headline in each
# chunk's vector and keyword row carries the article's context instead.
ARTICLE_WEIGHT = 0.0


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


def _article_of(cid: str) -> str:
    return cid.rsplit("-", 1)[0]  # chunk ids are "<article id>-<position>"


def _fuse(dense: list[tuple[str, float]], keyword: list[tuple[str, float]]) -> dict[str, float]:
    """Reciprocal-rank fusion of the chunk ranks, plus each chunk's article rank."""
    fused: dict[str, float] = {}
    article: dict[str, float] = {}
    for ranked in (dense, keyword):
        seen: list[str] = []
        for rank, (cid, _) in enumerate(ranked):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
            aid = _article_of(cid)
            if aid not in seen:  # an article ranks where its best chunk ranks
                seen.append(aid)
                article[aid] = article.get(aid, 0.0) + 1.0 / (RRF_K + len(seen))
    return {cid: score + ARTICLE_WEIGHT * article[_article_of(cid)] for cid, score in fused.items()}


def _overlaps(a: Passage, b: Passage) -> bool:
    if a.article_id != b.article_id:
        return " ".join(a.text.split()) == " ".join(b.text.split())
    inter = min(a.end, b.end) - max(a.start, b.start)
    return inter > 0.5 * min(a.end - a.start, b.end - b.start)


def retrieve(
    store: Store,
    question: str,
    *,
    k: int = DEFAULT_K,
    filters: Filters | None = None,
    mode: Mode = "hybrid",
    query_vector: list[float] | None = None,
) -> list[Passage]:
    """Top ``k`` passages for ``question``, best first, near-duplicates collapsed."""
    check_k(k)
    filters = filters or Filters()
    store.readable()
    n = k * _CANDIDATES
    vec: list[float] | None = None
    if mode in ("hybrid", "dense"):
        vec = query_vector if query_vector is not None else store.embed([question])[0]
    with store.catalog.reading():  # one generation for every read below
        dense = _dense(store, vec, n, filters) if vec is not None else []
        keyword = search(store.catalog, question, k=n, where=filters.rows()) if mode in ("hybrid", "keyword") else []
        fused = _fuse(dense, keyword)
        rows = store.catalog.chunk_rows(fused)
    dense_of, keyword_of = dict(dense), dict(keyword)
    chosen: list[Passage] = []
    for cid in sorted(fused, key=lambda c: (-fused[c], c)):
        if cid not in rows:  # removed by an ingest that committed between Chroma and the catalog read
            continue
        c, a = rows[cid]
        p = Passage(
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
        )
        dup = next((i for i, q in enumerate(chosen) if _overlaps(q, p)), None)
        if dup is None:
            chosen.append(p)
        elif p.dense > chosen[dup].dense:  # keep the fused rank, remember the better similarity
            chosen[dup] = replace(chosen[dup], dense=p.dense)
        if len(chosen) >= k:
            break
    return chosen
