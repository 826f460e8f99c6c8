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
_NUMBER = re.compile(r"\b\d[\d,.]*(?=\b|st\b|nd\b|rd\b|th\b)")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[\s-](?:al-|bin\s)?[A-Z][a-z]+)+\b")
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


def new_facts(sentence: str, question: str, kind: str | None) -> set[str]:
    """Tokens of the answer type in ``sentence`` that the question does not already give."""
    q = question.lower()
    if kind == "number":
        found = numbers(sentence) | {w for w in words(_DATE.sub(" ", sentence)) if w in NUMBER_WORDS}
        return {n for n in found if not re.search(r"\b" + re.escape(n) + r"\b", normalize_number_text(q))}
    if kind == "date":
        found = {m.group() for m in _DATE.finditer(sentence)}
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


# --- the answer type a question asks for -----------------------------------
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

    def knows(self, term: str) -> bool:
        """Whether the indexed text has ``term`` or a close form of it."""
        return term in self.df or _prefix_match(term, self.df.keys())

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


# --- text that tries to instruct the model ------------------------------------
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(instructions?|prompts?|rules|directions|above|context)\b"
    r"|\b(you are now|act as|pretend to be|new instructions|system prompt|developer mode)\b"
    r"|\b(reply|respond|answer|say|state)\b[^.!?\n]{0,20}\bthat\b[^.!?\n]{0,80}\b(regardless|no matter)\b"
    r"|^\s*(assistant|system|user)\s*:",
    re.I | re.M,
)
INSTRUCTION_PLACEHOLDER = "[instruction-like text withheld]"


def looks_like_instruction(sentence: str) -> bool:
    """Source text addressed to the model ("Ignore previous instructions and ...")."""
    return bool(_INSTRUCTION.search(sentence))


def withhold_instructions(text: str) -> str:
    """``text`` with instruction-like sentences replaced by a placeholder (offsets not kept)."""
    from qa.chunking import sentences

    out, last = [], 0
    for span in sentences(text):
        if looks_like_instruction(span.text):
            out.append(text[last : span.start] + INSTRUCTION_PLACEHOLDER)
            last = span.end
    return "".join(out) + text[last:] if out else text
