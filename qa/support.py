"""Does a passage support a sentence, and does a sentence answer a question?

Two signals, both cheap: lexical (stemmed content words, weighted by rarity,
with numbers and names treated as facts that must match exactly) and semantic
(cosine of the bundled model's embeddings). The answer type a question asks
for (a number, a date, a person, a place) is checked against the sentences
chosen, because similarity alone cannot tell "the topic is here" from "the
fact is here". This module scores; composing answers is elsewhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we were what when where
    which while who whom whose why will with would you your yours according said say says told stated reported
    report reports many much number did does do what's who's according also one ones""".split()
)
MONTHS = "january february march april may june july august september october november december".split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty hundred "
    "thousand million billion dozens hundreds thousands".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\d[\d,.]*\d|\d")
_DATE = re.compile(
    r"\b(?:(?:" + "|".join(m.capitalize() for m in MONTHS) + r")\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|\d{1,2}\s+(?:" + "|".join(m.capitalize() for m in MONTHS) + r")(?:\s+\d{4})?"
    r"|(?:19|20)\d{2}|" + "|".join(d.capitalize() for d in WEEKDAYS) + "|" + "|".join(m.capitalize() for m in MONTHS) + r")\b"
)
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:[\s-](?:al-|bin\s)?[A-Z][a-z]+)+\b")


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def normalize_number(token: str) -> str:
    return token.replace(",", "").rstrip(".")


def words(text: str) -> list[str]:
    return [m.group().strip("'’-").lower() for m in _WORD.finditer(text)]


def content_terms(text: str) -> list[str]:
    """Stemmed content words; numbers kept verbatim (without thousands separators)."""
    out = []
    for w in words(text):
        if not w or w in STOPWORDS:
            continue
        out.append(normalize_number(w) if w[0].isdigit() else stem(w.replace("’", "'").removesuffix("'s")))
    return out


def numbers(text: str) -> set[str]:
    """Numbers that are quantities (days and years of dates excluded)."""
    masked = _DATE.sub(" ", text)
    return {normalize_number(n) for n in _NUMBER.findall(masked)}


def names(text: str) -> set[str]:
    return {m.group() for m in _NAME.finditer(text)}


# --- the answer type a question asks for -----------------------------------
_TYPE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("number", re.compile(r"\bhow (many|much|large|big)\b|\bwhat (number|percentage|share|proportion|figure|toll)\b|\bnumber of\b|\bdeath toll\b|\bhow many\b", re.I)),
    ("date", re.compile(r"^\W*(and\s+)?when\b|\bwhat (date|day|year|month|time)\b|\bon (which|what) (day|date)\b|\bwhich (day|date|month|year)\b", re.I)),
    ("person", re.compile(r"^\W*(and\s+)?who\b|\bwhose\b|\bwhich (person|official|leader|minister|commander|individual)\b|\bname of the (person|leader|commander|official|director|head)\b", re.I)),
    ("place", re.compile(r"^\W*(and\s+)?where\b|\bwhich (city|country|countries|province|provinces|town|place)\b|\bin what (city|country|province)\b", re.I)),
]


def answer_type(question: str) -> str | None:
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return kind
    return None


def has_type(sentence: str, kind: str | None) -> bool:
    if kind is None:
        return True
    if kind == "number":
        return bool(numbers(sentence)) or any(w in NUMBER_WORDS for w in words(_DATE.sub(" ", sentence)))
    if kind == "date":
        return bool(_DATE.search(sentence)) or bool(re.search(r"\b(yesterday|today|last week|this week)\b", sentence, re.I))
    if kind == "person":
        return bool(names(sentence)) or bool(re.search(r"\b(?!The\b|A\b)[A-Z][a-z]{3,}\b", sentence[1:]))
    return bool(re.search(r"\b[A-Z][a-z]{2,}\b", sentence[1:]))


# --- scoring ----------------------------------------------------------------
@dataclass(frozen=True)
class Idf:
    """Inverse document frequency over the indexed chunks, by stemmed term."""

    df: dict[str, int]
    n_docs: int

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Idf:
        df: dict[str, int] = {}
        n = 0
        for text in texts:
            n += 1
            for term in set(content_terms(text)):
                df[term] = df.get(term, 0) + 1
        return cls(df, n)

    def __call__(self, term: str) -> float:
        return math.log(1 + (self.n_docs + 1) / (self.df.get(term, 0) + 0.5))


def coverage(question_terms: list[str], text: str, idf: Idf) -> float:
    """IDF-weighted share of the question's terms found in ``text``."""
    terms = set(question_terms)
    if not terms:
        return 0.0
    found = set(content_terms(text))
    total = sum(idf(t) for t in terms)
    return sum(idf(t) for t in terms if t in found or _prefix_match(t, found)) / total


def _prefix_match(term: str, found: set[str]) -> bool:
    # "lead" ~ "leader", "execut" ~ "execution": stems that share a 4+ letter prefix
    return len(term) >= 4 and not term[0].isdigit() and any(f.startswith(term) or term.startswith(f) for f in found if len(f) >= 4)


def cosine(a: list[float], b: list[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b)))


@dataclass(frozen=True)
class Support:
    lexical: float
    semantic: float
    missing_facts: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing_facts and (self.lexical >= 0.5 or self.semantic >= 0.75)


def support(sentence: str, passages: list[str], *, semantic: float) -> Support:
    """How well the cited ``passages`` back ``sentence`` (numbers and names must appear)."""
    joined = " ".join(passages)
    found = set(content_terms(joined))
    terms = set(content_terms(sentence))
    lexical = (sum(1 for t in terms if t in found or _prefix_match(t, found)) / len(terms)) if terms else 1.0
    missing = [n for n in numbers(sentence) if n not in numbers(joined) and n not in joined]
    low = joined.lower()
    missing += [n for n in names(sentence) if not all(part.lower() in low for part in n.split())]
    return Support(lexical, semantic, tuple(missing))
