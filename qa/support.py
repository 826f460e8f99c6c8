"""Does a passage support a sentence, and does a sentence answer a question?

Two signals, both cheap: lexical (stemmed content words, weighted by rarity,
with numbers and names treated as facts that must match exactly) and semantic
(cosine of the bundled model's embeddings). Also the text primitives those
need (content words, numbers, names, dates). Which kind of fact a question
asks for is ``qa.answer_type``; composing answers is ``qa.extractive``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

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
DATE = re.compile(
    r"\b(?:(?:"
    + "|".join(m.capitalize() for m in MONTHS)
    + r")\s+\d{1,2}(?:st|nd|rd|th)?(?:\s*(?:and|-|–|to)\s*\d{1,2}(?!\d))?(?:,?\s+\d{4})?"
    r"|\d{1,2}\s+(?:" + "|".join(m.capitalize() for m in MONTHS) + r")(?:\s+\d{4})?"
    r"|\d{1,2}(?::\d{2})?\s?(?:am|pm)|(?:19|20)\d{2}|"
    + "|".join(d.capitalize() for d in WEEKDAYS)
    + "|"
    + "|".join(m.capitalize() for m in MONTHS)
    + r")\b"
)
# a number ends in a digit and may carry a unit: "5,000m" -> "5,000", "£4.6bn" -> "4.6", "21st" -> "21"
_NUMBER = re.compile(r"\b\d(?:[\d,.]*\d)?(?=\b|[A-Za-z])")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[\s-](?:al-|bin\s)?[A-Z][a-z]+)+\b")


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
    return list(_content_terms(text))


@lru_cache(maxsize=20_000)  # a sentence is scored against several terms and questions
def _content_terms(text: str) -> tuple[str, ...]:
    out = []
    for w in words(text):
        if not w or w in STOPWORDS:
            continue
        out.append(normalize_number(w) if w[0].isdigit() else stem(w.replace("’", "'").removesuffix("'s")))
    return tuple(out)


def numbers(text: str) -> set[str]:
    """Numbers that are quantities (days and years of dates excluded)."""
    masked = DATE.sub(" ", text)
    return {normalize_number(n) for n in _NUMBER.findall(masked)}


def names(text: str) -> set[str]:
    """Runs of two or more capitalised words, without a leading function word ("The", "According")."""
    out = set()
    for m in _NAME.finditer(text):
        parts = m.group().split()
        while parts and parts[0].lower() in STOPWORDS | _LEADERS:
            parts.pop(0)
        if len(parts) >= 2:
            out.add(" ".join(parts))
    return out


_LEADERS = frozenset(
    {
        "recently",
        "meanwhile",
        "however",
        "previously",
        "currently",
        "despite",
        "following",
        "since",
        "while",
        "mullah",
        "nevertheless",
        "many",
        "reliable",
        "local",
        "witnesses",
        "sources",
    }
)


# --- scoring ----------------------------------------------------------------
class TermCounts(Protocol):
    """Document frequencies of stemmed terms over the indexed chunks (the catalog's keyword index)."""

    def doc_freq(self, term: str) -> int: ...

    def has_term_starting(self, prefix: str) -> bool: ...

    def chunk_count(self) -> int: ...


class _Counted:
    """``TermCounts`` over texts held in memory (small sets: tests, a single passage list)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.df: dict[str, int] = {}
        self.n = 0
        for text in texts:
            self.n += 1
            for term in set(content_terms(text)):
                self.df[term] = self.df.get(term, 0) + 1

    def doc_freq(self, term: str) -> int:
        return self.df.get(term, 0)

    def has_term_starting(self, prefix: str) -> bool:
        return any(t.startswith(prefix) for t in self.df)

    def chunk_count(self) -> int:
        return self.n


class Idf:
    """Inverse document frequency by stemmed term, looked up (and remembered) one term at a time."""

    def __init__(self, counts: TermCounts) -> None:
        self._counts = counts
        self.n_docs = counts.chunk_count()
        self._df: dict[str, int] = {}
        self._prefix: dict[str, bool] = {}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Idf:
        return cls(_Counted(texts))

    def df(self, term: str) -> int:
        if term not in self._df:
            self._df[term] = self._counts.doc_freq(term)
        return self._df[term]

    def _starts(self, prefix: str) -> bool:
        if prefix not in self._prefix:
            self._prefix[prefix] = self._counts.has_term_starting(prefix)
        return self._prefix[prefix]

    def knows(self, term: str) -> bool:
        """Whether the indexed text has ``term`` or a close form of it (as ``_prefix_match`` decides)."""
        if self.df(term):
            return True
        if len(term) < 4 or term[0].isdigit():
            return False
        # a known stem that starts this one ("lead" for "leader"), 4+ letters long
        if any(self.df(term[:n]) for n in range(4, min(len(term), 6))):
            return True
        # one that this one starts, or that shares its first 6 letters
        return self._starts(term[:6] if len(term) >= 6 else term)

    def __call__(self, term: str) -> float:
        return math.log(1 + (self.n_docs + 1) / (self.df(term) + 0.5))


def coverage(question_terms: list[str], text: str, idf: Idf) -> float:
    """IDF-weighted share of the question's terms found in ``text``."""
    terms = set(question_terms)
    if not terms:
        return 0.0
    found = set(content_terms(text))
    total = sum(idf(t) for t in terms)
    return sum(idf(t) for t in terms if t in found or _prefix_match(t, found)) / total


def _prefix_match(term: str, found: Iterable[str]) -> bool:
    # "lead" ~ "leader" (one stem starts the other), "dissatisfact" ~ "dissatisfi" (6+ letters shared)
    if len(term) < 4 or term[0].isdigit():
        return False
    return any(
        f.startswith(term) or term.startswith(f) or (len(f) >= 6 and len(term) >= 6 and _shared(term, f) >= 6)
        for f in found
        if len(f) >= 4
    )


def _shared(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


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


def support(sentence: str, passages: list[str], *, semantic: float, given: str = "") -> Support:
    """How well the cited ``passages`` back ``sentence`` (numbers and names must appear).

    Words of ``given`` (the question) are not the sentence's to back, unless it has no others, and a
    name or figure ``given`` holds is never missing: "Ken Bates bought a 50% stake in Leeds United" is
    backed by "Bates bought a 50% stake in 2005" when the question names him and the club.
    """
    joined = " ".join(passages)
    found = set(content_terms(joined))
    terms = set(content_terms(sentence))
    terms = (terms - set(content_terms(given))) or terms
    lexical = (sum(1 for t in terms if t in found or _prefix_match(t, found)) / len(terms)) if terms else 1.0
    missing = [n for n in numbers(sentence) if n not in numbers(joined) and n not in joined]
    low = joined.lower()
    missing += [n for n in names(sentence) if not all(part.lower() in low for part in n.split())]
    asked = given.lower()
    return Support(lexical, semantic, tuple(n for n in missing if not (asked and n.lower() in asked)))


# --- what is not a sentence ---------------------------------------------------
_LIST_LINE = re.compile(r"^\s*(?:[-*•–·>]|\d+[.)]|\(?[a-z]\))\s")
_HEADING_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def looks_like_fragment(text: str) -> bool:
    """A question, heading, list line or scrap of web text, not a sentence that can answer.

    ("Who directed X and Y?", "Crew List ; Director.", "- Best film: The Aviator"). Verbless
    fragments with ordinary capitalisation need a tagger; ``qa.entities`` reports those.
    """
    stripped = text.strip().strip('"“”’')
    if stripped.endswith("?") or " ; " in stripped or _LIST_LINE.match(text) or stripped.endswith(":"):
        return True
    tokens = _HEADING_WORD.findall(stripped)
    if len(tokens) < 4:
        return True
    content = [w for w in tokens if w.lower() not in STOPWORDS]
    capitalised = sum(1 for w in content if w[0].isupper())
    return len(content) >= 2 and capitalised >= 0.8 * len(content) and len(tokens) <= 14
