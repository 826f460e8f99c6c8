"""Rewrite a follow-up question into a standalone one, using the conversation.

With an LLM configured, the model rewrites it; otherwise (or if the model
fails) the names and acronyms of the previous turn are appended, which is
what retrieval and sentence scoring need ("And who commands its external
operations?" after a question about ISIS-K). A question that already stands
alone is returned unchanged. This module does not retrieve or answer.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa import prompts
from qa.errors import LLMError
from qa.support import names

if TYPE_CHECKING:
    from qa.llm import LLMClient

_REFERRING = re.compile(
    r"^\s*(and|but|also|what about|how about|so)\b|\b(it|its|he|him|his|she|her|they|them|their|this|that|these|those|there|the same)\b",
    re.I,
)
_ACRONYM = re.compile(r"\b[A-Z]{2,}(?:-[A-Z]+)?\b")
MAX_CONTEXT_ITEMS = 6
HISTORY_TURNS = 4


def is_follow_up(question: str) -> bool:
    return bool(_REFERRING.search(question))


def context_terms(history: list[dict[str, str]]) -> list[str]:
    """Names and acronyms of the last user turn and the last answer, most recent first."""
    turns = [t.get("content", "") for t in history[-2:]][::-1]
    out: list[str] = []
    for text in turns:
        for item in sorted(names(text), key=text.find) + _ACRONYM.findall(text):
            if item not in out and not any(item in o for o in out):
                out.append(item)
    return out[:MAX_CONTEXT_ITEMS]


def standalone_question(question: str, history: list[dict[str, str]], *, client: LLMClient | None = None) -> str:
    if not history or not is_follow_up(question):
        return question
    if client is not None:
        convo = "\n".join(f"{t.get('role', 'user')}: {t.get('content', '')}" for t in history[-HISTORY_TURNS:])
        try:
            rewritten, _ = client.complete(
                [
                    {"role": "system", "content": prompts.REWRITE_SYSTEM},
                    {"role": "user", "content": f"{convo}\nuser: {question}\n\nRewritten question:"},
                ]
            )
            rewritten = " ".join(rewritten.split())
            if 0 < len(rewritten) <= 3 * len(question) + 200:
                return rewritten
        except LLMError:
            pass
    terms = context_terms(history)
    return f"{question} ({', '.join(terms)})" if terms else question
