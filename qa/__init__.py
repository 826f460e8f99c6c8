"""Bulletin QA: answers about news bulletins, every claim cited and checked.

Pipeline: ``corpus`` (parse) → ``index`` (chunk, embed, store) → ``retrieve``
(hybrid search) → ``answer`` (LLM or extractive, citations verified) →
callers (``cli``, the Streamlit page, ``eval``).
"""

from __future__ import annotations

from qa.answer import Answer, Citation, Preview
from qa.api import ask, ask_stream, ingest
from qa.errors import CorpusError, LLMError, ModelError, QAError, StoreError, UsageError
from qa.index import IngestReport

__all__ = [
    "Answer",
    "Citation",
    "CorpusError",
    "IngestReport",
    "LLMError",
    "ModelError",
    "Preview",
    "QAError",
    "StoreError",
    "UsageError",
    "ask",
    "ask_stream",
    "ingest",
]
