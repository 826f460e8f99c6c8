"""The keyword (BM25) side of the index, built from the catalog's chunks.

bm25s with an English stemmer; the index is rebuilt in memory whenever the
catalog generation changes, so it always holds exactly the catalog's chunks
(the same set Chroma holds once an ingest has committed). Building it for the
whole BBC corpus (~10k chunks) takes about a second, far less than embedding.

This module scores text; it does not filter by date or fuse with vectors.
"""

from __future__ import annotations

from typing import Any

_STOPWORDS = "en"


def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover - PyStemmer is a dependency
        return None


class KeywordIndex:
    def __init__(self, ids: list[str], texts: list[str]) -> None:
        import bm25s

        self.ids = ids
        self._stem = _stemmer()
        self._bm25: Any = None
        if ids:
            tokens = bm25s.tokenize(texts, stopwords=_STOPWORDS, stemmer=self._stem, show_progress=False)
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, *, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, score) with score > 0, restricted to ``allowed`` ids."""
        if self._bm25 is None or not query.strip():
            return []
        import bm25s

        tokens = bm25s.tokenize([query], stopwords=_STOPWORDS, stemmer=self._stem, show_progress=False)
        if not tokens.vocab:
            return []
        mask = None
        if allowed is not None:  # filtered out before ranking, so the top k are all allowed
            import numpy as np

            mask = np.fromiter((cid in allowed for cid in self.ids), dtype=np.float32, count=len(self.ids))
        docs, scores = self._bm25.retrieve(
            tokens, k=min(k, len(self.ids)), show_progress=False, n_threads=1, weight_mask=mask
        )
        return [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]
