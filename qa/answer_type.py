"""What kind of answer a question asks for, and whether a sentence gives it.

"How many ...?" wants a number, "When ...?" a date, "Who ...?" a person,
"What is the name of ...?" a person's name, "Where ...?" a place. A sentence
answers only if it holds such a fact that the question does not already give:
"executions in August" does not answer "When did the August report come out?".
This module classifies; scoring sentences is ``qa.support``'s job.
"""

from __future__ import annotations

import re

from qa.support import DATE, MONTHS, NUMBER_WORDS, STOPWORDS, WEEKDAYS, names, numbers, words

_TIME = re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)|\b(?:noon|midnight|o'clock)\b", re.I)
_ORG = re.compile(
    r"\b(Organi[sz]ation|Council|Committee|Front|Service|Centre|Center|Ministry|Republic|Nations|House|State|Team|"
    r"Network|Union|Agency|Court|Party|Government|Directorate|Department|International|Congress|Media|Cooperation)\b"
)
_LOCATIVE = re.compile(
    r"\b(?:in|at|to|into|near|inside|outside|from)\s+(?:the\s+|a\s+)?(?:[a-z]+\s+)?"
    r"(?:hospital|prison|camp|base|border|capital|office|headquarters|area|district|village|city|province|region|embassy|airport)s?\b"
)
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]+(?:-[A-Z]+)?\b")


def new_facts(sentence: str, question: str, kind: str | None) -> set[str]:
    """Tokens of the answer type in ``sentence`` that the question does not already give."""
    q = question.lower()
    if kind == "number":
        found = numbers(sentence) | {w for w in words(DATE.sub(" ", sentence)) if w in NUMBER_WORDS}
        return {n for n in found if not re.search(r"\b" + re.escape(n) + r"\b", normalize_number_text(q))}
    if kind == "date":
        found = {m.group() for m in DATE.finditer(sentence)}
        asks_year = bool(re.search(r"\b(which|what) year\b", q))
        return {d for d in found if _new_date_parts(d, q, asks_year=asks_year)}
    if kind == "time":
        return {m.group() for m in _TIME.finditer(sentence)} - {m.group() for m in _TIME.finditer(question)}
    if kind in ("person", "name"):
        people = {n for n in names(sentence) if not _ORG.search(n)}
        found = (
            people if kind == "name" else people or {w for w in _CAPITALISED.findall(sentence[1:]) if _not_calendar(w)}
        )
        asked = words(q)
        return {
            n
            for n in found
            if not all(any(_same_word(part.lower(), a) for a in asked) for part in re.split(r"[\s-]", n) if part)
        }
    if kind == "place":
        found = {w for w in _CAPITALISED.findall(sentence[1:]) if _not_calendar(w)}
        found |= {m.group() for m in _LOCATIVE.finditer(sentence)}
        asked = words(q)
        return {w for w in found if not any(_same_word(w.lower(), a) for a in asked)}
    return set()


def _new_date_parts(found: str, question: str, *, asks_year: bool) -> bool:
    parts = [p for p in re.split(r"[\s,]+", found.lower()) if p and p not in question]
    return any(asks_year or not re.fullmatch(r"(19|20)\d{2}", p) for p in parts)


def _same_word(a: str, b: str) -> bool:
    """'iran' ~ 'iranian': one starts the other (4+ letters), or they are equal."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def _not_calendar(word: str) -> bool:
    return word.lower() not in STOPWORDS and word.lower() not in MONTHS and word.lower() not in WEEKDAYS


def normalize_number_text(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


_TYPE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "number",
        re.compile(
            r"\bhow (many|much|large|big)\b|\bwhat (number|percentage|share|proportion|figure|toll)\b|\bnumber of\b|\btoll\b|\bwhat figures?\b|\bhow many\b",
            re.I,
        ),
    ),
    (
        "name",
        re.compile(r"\bname of\b|\bwhat is the name\b|\bwhat (was|is) (he|she|they) called\b|\bidentify the\b", re.I),
    ),
    ("time", re.compile(r"\b(at )?what time\b|\bat what hour\b", re.I)),
    (
        "date",
        re.compile(
            r"^\W*(and\s+)?when\b|\bwhat (date|day|year|month|time)\b|\bon (which|what) (day|date)\b|\bwhich (day|date|month|year)\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"^\W*(and\s+)?who\b|\bwhose\b|\bwhich (person|official|leader|minister|commander|individual)\b",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(
            r"^\W*(and\s+)?where\b|\bwhich (city|country|countries|province|provinces|town|place)\b|\bin what (city|country|province)\b",
            re.I,
        ),
    ),
]


_WHO_IS_NAME = re.compile(r"^\W*(?i:and\s+)?(?i:who (is|was|are|were)) ([A-Z][\w'’-]+\s*){1,4}\W*$")


def answer_type(question: str) -> str | None:
    if _WHO_IS_NAME.match(question):  # "Who is Naseer Faiq?" asks for a description, not a name
        return None
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return kind
    return None
