"""Bulletin QA: answers about news bulletins, every claim cited and checked.

Pipeline: ``corpus`` (parse) → ``index`` (chunk, embed, store) → ``retrieve``
(hybrid search) → ``answer`` (LLM or extractive, citations verified) →
callers (``cli``, the Streamlit page, ``eval``).

The public names load on first use, so a process that only ingests (``qa
ingest FILE``) never imports the answer path.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from qa.errors import CorpusError, LLMError, ModelError, QAError, StoreError, UsageError

if _typing.TYPE_CHECKING:
    from qa.answer import Answer, Citation, Preview
    from qa.api import ask, ask_stream, ingest
    from qa.index import IngestReport

_LAZY = {
    "Answer": "qa.answer",
    "Citation": "qa.answer",
    "Preview": "qa.answer",
    "ask": "qa.api",
    "ask_stream": "qa.api",
    "ingest": "qa.api",
    "IngestReport": "qa.index",
}


def __getattr__(name: str) -> _typing.Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(_importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
