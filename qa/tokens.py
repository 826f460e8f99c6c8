"""Token counting with tiktoken, offline.

``tiktoken.get_encoding`` downloads its BPE file unless a cache is present;
llama-index-core ships one, so we point ``TIKTOKEN_CACHE_DIR`` at it (unless
the user set their own). This module only counts and truncates: chunk sizing
and prompt budgets live with their callers.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

ENCODING = "cl100k_base"


def _bundled_cache_dir() -> str | None:
    """llama-index-core's tiktoken cache, found without importing llama-index (about 0.1 s)."""
    spec = PathFinder.find_spec("llama_index")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / "core" / "_static" / "tiktoken_cache"
        if path.is_dir():
            return str(path)
    return None


@lru_cache(maxsize=1)
def encoding() -> Any:
    cache = _bundled_cache_dir()
    if cache and "TIKTOKEN_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = cache
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def truncate_to_tokens(text: str, max_tokens: int) -> str:
    """Return the longest prefix of ``text`` that fits in ``max_tokens``."""
    ids = encoding().encode(text, disallowed_special=())
    if len(ids) <= max_tokens:
        return text
    return encoding().decode(ids[: max(max_tokens, 0)])
