"""The keyword (BM25) side of retrieval: a question as an FTS5 query on the catalog.

The index itself lives in the catalog (``qa.catalog``, SQLite FTS5), written
in the same transaction as the chunks it indexes, so it always holds exactly
the committed catalog's chunks. Documents and questions are reduced to the
same stemmed content terms (``qa.support.content_terms``), so the index also
gives sentence scoring its term rarity. A question's terms are each quoted
and joined with OR: nothing a user types is read as FTS5 syntax.

This module builds and runs the query; fusing with vectors is ``qa.retrieve``'s.
"""

from __future__ import annotations

from qa.catalog import Catalog, RowFilter
from qa.support import content_terms

# BM25 column weights: the article's headline (and date), the chunk's own text
CONTEXT_WEIGHT = 1.0
BODY_WEIGHT = 1.0


def document_terms(text: str) -> str:
    """What the index holds for ``text``: its stemmed content terms, space-separated."""
    return " ".join(content_terms(text))


def match_expression(question: str) -> str:
    """The question's stemmed terms, each quoted, joined with OR ('' when it has none)."""
    terms = dict.fromkeys(content_terms(question))
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def search(
    catalog: Catalog,
    question: str,
    *,
    k: int,
    where: RowFilter | None = None,
    weights: tuple[float, float] | None = None,
) -> list[tuple[str, float]]:
    """Top ``k`` (chunk id, BM25 score), best first, among chunks ``where`` allows."""
    match = match_expression(question)
    if not match or k < 1:
        return []
    return catalog.keyword(match, k=k, weights=weights or (CONTEXT_WEIGHT, BODY_WEIGHT), where=where or RowFilter())
