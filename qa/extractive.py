"""Offline answers: pick the best-supported sentences of the retrieved passages.

Every sentence of the top passages is scored against the question (embedding
similarity plus IDF-weighted term coverage). The answer is one to three of
those sentences, verbatim, each with its passage's label. The same scores
decide refusal: the question's answer type must be present in the chosen
sentence, and the sentence must be close enough to the question. When the
question asks for a figure and the chosen sentences give different figures,
the answer says the sources differ and cites each.

This module selects sentences; it does not retrieve, call an LLM or render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.chunking import sentences
from qa.retrieve import Passage
from qa.support import Idf, answer_type, content_terms, cosine, coverage, has_type, names, numbers

MAX_SENTENCES = 3
# Calibrated on eval/gold.jsonl (see the eval report); change with the eval.
MIN_SCORE = 0.42
MIN_SEMANTIC = 0.30
EXTRA_RATIO = 0.80
SEMANTIC_WEIGHT = 0.5
CONFLICT_LEAD = "The sources give different figures:"
_QUESTION_NOISE = frozenset({"name", "call", "happen", "mention", "bulletin", "articl", "accord", "describ", "tell"})


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages list
    text: str
    start: int  # offsets into the passage text
    end: int
    semantic: float
    lexical: float

    @property
    def score(self) -> float:
        return SEMANTIC_WEIGHT * self.semantic + (1 - SEMANTIC_WEIGHT) * self.lexical


@dataclass(frozen=True)
class Selection:
    chosen: list[Candidate]
    refused: bool
    reason: str
    conflict: bool = False


def question_terms(question: str) -> list[str]:
    return [t for t in content_terms(question) if t not in _QUESTION_NOISE]


def candidates(question: str, passages: list[Passage], *, embed: object, idf: Idf) -> list[Candidate]:
    """All distinct sentences of ``passages`` with their scores."""
    terms = question_terms(question)
    seen: set[tuple[str, int]] = set()
    spans: list[tuple[int, int, int, str]] = []
    for i, p in enumerate(passages):
        for s in sentences(p.text):
            key = (p.article_id, p.start + s.start)
            if key in seen or len(s.text) < 12:
                continue
            seen.add(key)
            spans.append((i, s.start, s.end, s.text))
    if not spans:
        return []
    vectors = embed([question] + [s[3] for s in spans])  # type: ignore[operator]
    q = vectors[0]
    return [
        Candidate(i, text, start, end, cosine(q, v), coverage(terms, text, idf))
        for (i, start, end, text), v in zip(spans, vectors[1:])
    ]


def select(question: str, cands: list[Candidate]) -> Selection:
    if not cands:
        return Selection([], True, "nothing retrieved")
    kind = answer_type(question)
    ranked = sorted(cands, key=lambda c: -c.score)
    best = ranked[0]
    typed = [c for c in ranked if _answers_type(c.text, kind, question)]
    if not typed:
        return Selection([], True, f"no sentence gives a {kind}")
    if typed[0] is not best and typed[0].score < EXTRA_RATIO * best.score:
        return Selection([], True, f"the closest sentences give no {kind}")
    best = typed[0]
    if best.score < MIN_SCORE or best.semantic < MIN_SEMANTIC:
        return Selection([], True, f"closest sentence scores {best.score:.2f}")
    chosen = [best]
    covered = set(content_terms(best.text))
    for c in typed[1:] if kind else ranked[1:]:
        if len(chosen) >= MAX_SENTENCES or c.score < EXTRA_RATIO * best.score:
            break
        new_terms = set(question_terms(question)) - covered
        adds_terms = bool(new_terms & set(content_terms(c.text)))
        new_figure = kind == "number" and bool(numbers(c.text) - _figures(chosen))
        if adds_terms or new_figure or _asks_for_comparison(question):
            chosen.append(c)
            covered |= set(content_terms(c.text))
    conflict = kind == "number" and len({frozenset(numbers(c.text)) for c in chosen}) > 1 and len(chosen) > 1
    return Selection(chosen, False, "", conflict)


def _figures(chosen: list[Candidate]) -> set[str]:
    return set().union(*(numbers(c.text) for c in chosen))


def _answers_type(text: str, kind: str | None, question: str) -> bool:
    if not has_type(text, kind):
        return False
    if kind == "person":  # the name must be news: not one the question already gives
        q = question.lower()
        return any(not all(part.lower() in q for part in n.split()) for n in names(text))
    return True


def _asks_for_comparison(question: str) -> bool:
    return bool(re.search(r"\b(agree|differ|compare|both|and what|versus|vs)\b", question, re.I))
