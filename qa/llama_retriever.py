"""The hybrid retriever as a llama-index ``BaseRetriever``.

For llama-index pipelines (query engines, evaluators) over the project's
store. It adds nothing to ``qa.retrieve.retrieve``: same passages, same order,
as ``NodeWithScore`` with the article metadata and character offsets.
"""

from __future__ import annotations

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from qa.retrieve import DEFAULT_K, Filters, Mode, check_k, retrieve
from qa.store import Store


class HybridRetriever(BaseRetriever):
    """llama-index retriever over the project's store (dense + BM25, fused)."""

    def __init__(
        self, store: Store, *, k: int = DEFAULT_K, filters: Filters | None = None, mode: Mode = "hybrid"
    ) -> None:
        super().__init__()
        self._store, self._k, self._filters, self._mode = store, check_k(k), filters, mode

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = retrieve(self._store, query_bundle.query_str, k=self._k, filters=self._filters, mode=self._mode)
        return [
            NodeWithScore(
                node=TextNode(
                    id_=p.chunk_id,
                    text=p.text,
                    metadata={"article_id": p.article_id, "title": p.title, "source": p.source, "date": p.date},
                    start_char_idx=p.start,
                    end_char_idx=p.end,
                ),
                score=p.score,
            )
            for p in passages
        ]
