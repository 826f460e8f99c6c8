"""What a question is about: the qualifiers it names and the focus words an answer must match.

"How much profit did Barclays make in 2004?" names two qualifiers (Barclays,
2004) and asks about profit (the focus). A sentence can answer only if its
article names every qualifier (a sentence about another firm, or one that
names 2003 and not 2004, cannot), and only if it matches the focus itself,
not merely the article's lede. Qualifiers are read with regular expressions
(capitalised words and years), so this costs nothing on a question that needs
no entity tagging. Choosing sentences is ``qa.extractive``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from qa.answer_type import asked_noun, met_by_figure
from qa.support import MONTHS, STOPWORDS, WEEKDAYS, Idf, content_terms, stem, words

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_TOKEN = re.compile(r"[A-Za-z0-9][\w'’.&-]*")
_OPENERS = frozenset(
    "what which who whom whose when where why how and so but also is are was were do does did has have had can could "
    "will would should in on at for of to by from the a an i".split()
)
# adjectives of nationality: an article about a "Kenyan athlete" need not say "Kenyan"
_DEMONYM = re.compile(
    r"(?:ish|ian|ese|ean|ch|i)$|^(?:African|American|Mexican|Kenyan|Korean|Cuban|Moroccan|Welsh|Scots|Greek|Thai|Swiss|Dutch)$"
)
_ATTRIBUTION = re.compile(
    r",?\s*\b(?:according to|said|says|reported by|in the view of)\s+(?:[A-Z][\w'’.-]*\s*)+", re.U
)
_THIS_YEAR = re.compile(r"\b(?:this|next|last) (?:year|season)\b|\byear to\b", re.I)
_CALENDAR = frozenset(MONTHS + WEEKDAYS)
_GENERIC = frozenset({"mr", "mrs", "ms", "dr", "sir", "lord", "lady", "st", "the", "of", "and", "uk", "us"})


@dataclass(frozen=True)
class Qualifier:
    text: str
    parts: tuple[str, ...]  # lower-case words that identify it ("glenn", "hoddle")
    year: bool = False
    key: str = ""  # the part that tells it apart ("ryder" of "Ryder Cup"); unweighed: the last part

    @property
    def ident(self) -> str:
        return self.key or self.parts[-1]


def weighed(quals: list[Qualifier], idf: Idf) -> list[Qualifier]:
    """Each name's telling part is its rarest word in the index: "Ryder" of "Ryder Cup", not "Cup"
    (an article about the Davis Cup does not name the Ryder Cup); ties keep the last part (a surname)."""
    return [
        q if q.year or len(q.parts) < 2 else replace(q, key=max(reversed(q.parts), key=lambda p: idf(stem(p))))
        for q in quals
    ]


def qualifiers(question: str) -> list[Qualifier]:
    """Years and capitalised names in ``question`` (not a sentence's opening word, not nationality adjectives)."""
    out = [Qualifier(m.group(), (m.group(),), year=True) for m in _YEAR.finditer(question)]
    question = _ATTRIBUTION.sub("", question)  # "according to Sophos" names a source, not what is asked about
    group: list[str] = []
    tokens = list(_TOKEN.finditer(question))
    for i, m in enumerate([*tokens, None]):
        word = _bare(m.group()) if m is not None else ""
        opening = i == 0 or (m is not None and re.search(r"[.?!]\s*$", question[: m.start()]) is not None)
        capital = bool(word) and word[0].isupper() and not _YEAR.fullmatch(word) and word.lower() != "i"
        if capital and word.lower() in _CALENDAR:
            capital = False
        if capital and opening and (word.lower() in _OPENERS or word.lower() in STOPWORDS or word.endswith("ly")):
            capital = False
        if capital:
            group.append(word)
            continue
        if group and not (len(group) == 1 and _DEMONYM.search(group[0])):
            parts = tuple(p.lower() for p in group if len(p) >= 2 and p.lower() not in _GENERIC)
            if parts:
                out.append(Qualifier(" ".join(group), parts))
        group = []
    return out


def _bare(token: str) -> str:
    """ "Kenya's" -> "Kenya", "NRF-related" -> "NRF"."""
    token = token.removesuffix("'s").removesuffix("’s").rstrip(".")
    head, _, tail = token.partition("-")
    return head if tail and tail.islower() and head[:1].isupper() else token


def met(q: Qualifier, sentence: str, context: str) -> bool:
    """Whether the sentence (for a year) or its article (for a name) satisfies ``q``."""
    if q.year:
        years = set(_YEAR.findall(sentence))
        return not years or q.text in years or bool(_THIS_YEAR.search(sentence))
    return _names_met(q.parts, q.ident, context)


@lru_cache(maxsize=1024)  # every sentence of one article shares its context
def _names_met(parts: tuple[str, ...], key: str, context: str) -> bool:
    found = set(words(context)) | _initials(context)
    hits = [p for p in parts if any(_same(p, w) for w in found)]
    return key in hits or 2 * len(hits) >= len(parts) + (len(parts) > 1)


def _initials(text: str) -> set[str]:
    """ "United Nations" -> "un", "Mittal Steel Company" -> "msc": what an acronym in the question may stand for."""
    out = set()
    for run in re.findall(r"(?:[A-Z][a-z]+\s+(?:(?:of|the|and|for)\s+)?)+[A-Z][a-z]+", text):
        out.add("".join(w[0] for w in run.split() if w[0].isupper()).lower())
    return out


def named_in(q: Qualifier, text: str) -> bool:
    if q.year:
        return q.text in text
    low = set(words(text))
    return any(_same(q.ident, w) for w in low)


def _same(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def focus_terms(question: str, quals: list[Qualifier], *, drop: str | None = None) -> list[str]:
    """The question's content terms that are neither qualifiers nor the noun the answer replaces."""
    named = {t for q in quals for p in q.parts for t in content_terms(p)} | {q.text for q in quals if q.year}
    dropped = set(content_terms(drop)) if drop else set()
    noise = {"name", "call", "happen", "mention", "bulletin", "articl", "accord", "describ", "tell", "go", "get"}
    return [t for t in content_terms(question) if t not in named and t not in dropped and t not in noise]


def question_focus(question: str, idf: Idf | None, *, asked: str | None = None) -> tuple[list[Qualifier], list[str]]:
    """The qualifiers of ``question`` (weighed by ``idf`` when given) and the focus words of ``asked``
    (the question as the user typed it; ``question`` itself by default)."""
    quals = qualifiers(question) if idf is None else weighed(qualifiers(question), idf)
    asked = asked or question
    return quals, focus_terms(asked, quals, drop=asked_noun(asked))


def fact_terms(focus: list[str], lede: str | None) -> list[str]:
    """The focus words the article's opening does not already hold: what the question adds to the story.

    "How much will Hoddle be paid as Wolves manager?" against the lede "Hoddle has been
    appointed manager of Wolves" leaves "paid": the answer must hold that, not "manager".
    """
    if not lede:
        return focus
    opening = set(content_terms(lede))
    rest = [t for t in focus if not (t in opening or any(_same(t, f) for f in opening if len(f) >= 3))]
    return rest or focus


def focus_coverage(terms: list[str], text: str, idf: Idf | None) -> float:
    """IDF-weighted share of the focus ``terms`` that ``text`` holds (one stem starting the other counts,
    and a measure word counts where a figure of its measure stands: "paid" in "the £100,000-a-year job")."""
    if not terms:
        return 1.0
    found = set(content_terms(text))

    def weight(t: str) -> float:
        return idf(t) if idf is not None else 1.0

    def hit(t: str) -> bool:
        return (
            t in found
            or (not t[0].isdigit() and any(_same(t, f) for f in found if len(f) >= 3))
            or met_by_figure(t, text)
        )

    total = sum(weight(t) for t in set(terms))
    return sum(weight(t) for t in set(terms) if hit(t)) / total if total else 1.0


def kin_words(
    terms: list[str],
    question: str,
    sentence: str,
    embed: Callable[[list[str]], np.ndarray],
    floor: float,
) -> list[tuple[str, str]]:
    """Pairs (question word, sentence word) of one family that stemming does not join, by word-vector
    cosine >= ``floor``: "pirated"/"piracy", "paid"/"pays". Only the question's words whose stems are
    ``terms`` count; a pair of synonyms ("searches"/"enquiries", 0.43) stays below a floor of 0.7.
    """
    asked = sorted({w for w in words(question) if w not in STOPWORDS and stem(w.removesuffix("'s")) in terms})
    said = sorted({w for w in words(sentence) if len(w) >= 3 and w not in STOPWORDS and not w[0].isdigit()})
    if not asked or not said:
        return []
    vectors = np.asarray(embed(asked + said), dtype=np.float32)  # L2-normalised rows
    close = vectors[: len(asked)] @ vectors[len(asked) :].T >= floor
    return [(asked[i], said[j]) for i, j in zip(*np.nonzero(close))]
