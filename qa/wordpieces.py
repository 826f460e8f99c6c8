"""Count the word pieces all-MiniLM-L6-v2 reads, without loading the model.

Only the bundled ``tokenizer.json`` and the ``tokenizers`` library: chunking
and ingest planning ask this for every sentence, and importing the model's
llama-index wrapper (``qa.embed``) for it would cost seconds per process.
This module counts; embedding is ``qa.fast_encoder``'s job.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from qa.fast_encoder import MAX_WORD_PIECES, model_path

__all__ = ["MAX_WORD_PIECES", "count", "tokenizer"]


@lru_cache(maxsize=1)
def tokenizer() -> Any:
    """The model's WordPiece tokenizer, with neither padding nor truncation."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def count(text: str) -> int:
    """How many word pieces the model sees for ``text`` (special tokens included)."""
    return len(tokenizer().encode(text).ids)
