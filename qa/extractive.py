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
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qa.answer_type import answer_type, new_facts
from qa.chunking import sentences
from qa.guard import looks_like_instruction
from qa.retrieve import Passage
from qa.support import STOPWORDS, Idf, content_terms, coverage, numbers

MAX_SENTENCES = 3
# Calibrated on eval/gold.jsonl (see the eval report); change with the eval.
MIN_SCORE = 0.31
MIN_TYPED_LEXICAL = 0.20
PARAPHRASE_SEMANTIC = 0.60
TYPED_RATIO = 0.50
EXTRA_RATIO = 0.80
TWO_SIDED_RATIO = 0.75
CONTINUATION_RATIO = 0.60
PRECISE_DATE_RATIO = 0.75
SEMANTIC_WEIGHT = 0.5
CONTEXT_WEIGHT = 0.25
CONFLICT_LEAD = "The sources give different figures:"
_UNDISCLOSED = re.compile(r"\bnot (?:been )?(?:disclosed|named|identified|revealed|released|made public)\b", re.I)
_CONTINUES = re.compile(r"(However|But|Nevertheless|Yet|He|She|They|It|This|These|The organisation|The group)\b")
_HOW_MANY = re.compile(
    r"\bhow (?:many|much)\s+((?:[\w-]+\s+){0,2}?[\w-]+?)(?=\s+(?:are|were|is|was|do|does|did|have|has|had|will|in|of|on|at|for)\b|\s*\?|$)",
    re.I,
)
_DAY_DATE = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2}\b|"
    r"\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December))"
)
_QUESTION_NOISE = frozenset({"name", "call", "happen", "mention", "bulletin", "articl", "accord", "describ", "tell"})


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages list
    text: str
    start: int  # offsets into the passage text
    end: int
    semantic: float
    lexical: float
    article_id: str = ""
    article_start: int = 0  # offset of the sentence in its article

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


def candidates(
    question: str,
    passages: list[Passage],
    *,
    embed: object,
    idf: Idf,
    sentence_vectors: Mapping[str, np.ndarray] | None = None,
) -> list[Candidate]:
    """All distinct sentences of ``passages`` with their scores.

    ``sentence_vectors`` maps a chunk id to the vectors the index stored for
    its sentences (one row per ``qa.chunking.sentences`` of its text); only
    the question, and any sentence without a stored vector, is embedded.
    """
    terms = question_terms(question)
    stored = sentence_vectors or {}
    seen: set[tuple[str, int]] = set()
    spans: list[tuple[int, int, int, str]] = []
    found: list[np.ndarray | None] = []
    for i, p in enumerate(passages):
        every = sentences(p.text)
        rows = stored.get(p.chunk_id)
        if rows is not None and len(rows) != len(every):
            rows = None  # stored for other text: embed these sentences afresh
        for j, s in enumerate(every):
            key = (p.article_id, p.start + s.start)
            if key in seen or len(s.text) < 12 or looks_like_instruction(s.text):
                continue
            seen.add(key)
            spans.append((i, s.start, s.end, s.text))
            found.append(rows[j] if rows is not None else None)
    if not spans:
        return []
    missing = [s[3] for s, v in zip(spans, found) if v is None]
    fresh = iter(embed([question] + missing))  # type: ignore[operator]
    q = np.asarray(next(fresh), dtype=np.float32)
    vectors = [v if v is not None else np.asarray(next(fresh), dtype=np.float32) for v in found]
    sims = (np.vstack(vectors) @ q).tolist()
    # a sentence inherits a little of its passage's coverage: "The statement revealed
    # 81 ..." answers a question about the UN experts named one sentence earlier
    passage_cover = [coverage(terms, p.text, idf) for p in passages]
    return [
        Candidate(
            i,
            text,
            start,
            end,
            sim,
            (1 - CONTEXT_WEIGHT) * coverage(terms, text, idf) + CONTEXT_WEIGHT * passage_cover[i],
            passages[i].article_id,
            passages[i].start + start,
        )
        for (i, start, end, text), sim in zip(spans, sims)
    ]


def _continuation(best: Candidate, cands: list[Candidate]) -> Candidate | None:
    """The sentence right after ``best`` in its passage, if it continues it ("However, ...")."""
    after = [c for c in cands if c.article_id == best.article_id and c.article_start > best.article_start]
    nxt = min(after, key=lambda c: c.article_start, default=None)
    return nxt if nxt is not None and _CONTINUES.match(nxt.text) else None


def counted_noun(question: str) -> str | None:
    """The thing a "how many" question counts: "How many members does the CIS have?" -> "members"."""
    m = _HOW_MANY.search(question)
    nouns = [w for w in m.group(1).split() if w.lower() not in STOPWORDS] if m else []
    return nouns[-1] if nouns else None


def select(question: str, cands: list[Candidate], *, asked: str | None = None, idf: Idf | None = None) -> Selection:
    """Choose the answer sentences, or refuse.

    ``asked`` is the question as the user typed it (a follow-up before it was
    rewritten): a name the user did not type is news even if the rewrite added it.
    """
    asked = asked or question
    if not cands:
        return Selection([], True, "nothing retrieved")
    kind = answer_type(question)
    noun = counted_noun(asked)
    if idf is not None and noun and not any(idf.knows(t) for t in content_terms(noun)):
        return Selection([], True, f"the bulletins never mention {noun}")
    ranked = sorted(cands, key=lambda c: -c.score)
    best = ranked[0]
    typed = [c for c in ranked if _answers_type(c.text, kind, asked)]
    if kind == "date":  # "when" is best answered by the most precise date close enough to the question
        top = typed[0].score if typed else 0.0
        typed.sort(key=lambda c: (-(c.score >= PRECISE_DATE_RATIO * top and bool(_DAY_DATE.search(c.text))), -c.score))
    if not typed:
        return Selection([], True, f"no sentence gives a {kind}")
    # few shared words are fine when the typed sentence is also the closest in meaning ("wounded
    # ... taken for treatment" vs "injured ... transported to the central hospital")
    paraphrase = typed[0] is best and best.semantic >= PARAPHRASE_SEMANTIC
    if typed[0].score < TYPED_RATIO * best.score or (kind and typed[0].lexical < MIN_TYPED_LEXICAL and not paraphrase):
        return Selection([], True, f"the closest sentences give no {kind}")
    best = typed[0]
    if _UNDISCLOSED.search(best.text) and (kind or re.match(r"\W*(which|what)\b", question, re.I)):
        return Selection([], True, "the bulletins say this was not disclosed")
    if best.score < MIN_SCORE:
        return Selection([], True, f"closest sentence scores {best.score:.2f}")
    chosen = [best]
    covered = set(content_terms(best.text))
    nxt = _continuation(best, cands)
    if nxt is not None and nxt.score >= CONTINUATION_RATIO * best.score and _answers_type(nxt.text, kind, asked):
        chosen.append(nxt)
        covered |= set(content_terms(nxt.text))
    two_sided = _asks_for_comparison(question)
    ratio = TWO_SIDED_RATIO if two_sided else EXTRA_RATIO
    wanted = set(question_terms(question))
    for c in typed[1:] if kind else ranked[1:]:
        if len(chosen) >= MAX_SENTENCES or c.score < ratio * best.score:
            break
        if c in chosen:
            continue
        new_terms = wanted - covered
        adds_terms = bool(new_terms & set(content_terms(c.text)))
        new_figure = kind == "number" and bool(numbers(c.text) - _figures(chosen))
        if adds_terms or new_figure or two_sided:
            chosen.append(c)
            covered |= set(content_terms(c.text))
    conflict = kind == "number" and len({frozenset(numbers(c.text)) for c in chosen}) > 1 and len(chosen) > 1
    return Selection(chosen, False, "", conflict)


def _figures(chosen: list[Candidate]) -> set[str]:
    return set().union(*(numbers(c.text) for c in chosen))


def _answers_type(text: str, kind: str | None, question: str) -> bool:
    # the number, date or name must be news: not one the question already gives
    return kind is None or bool(new_facts(text, question, kind))


def _asks_for_comparison(question: str) -> bool:
    """Questions whose honest answer may need two sides: comparisons and yes/no questions."""
    return bool(
        re.search(r"\b(agree|differ|compare|both|and what|versus|vs|conflict|actually)\b", question, re.I)
        or re.match(r"\W*(is|are|was|were|has|have|had|do|does|did|can|will)\b", question, re.I)
    )
