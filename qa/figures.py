"""Do two sentences give different figures for the same thing?

"The sources give different figures" is only honest when both figures are
about the same subject (the same firm, country or person), measure the same
thing (the same focus word: profit, executions) over the same period (no
clash of years or months), and differ. A sentence that opens with "Its" or
"The company" takes its subject from the sentence before it; one that names
another organisation is about that one. This module compares; which
sentences are chosen is ``qa.extractive``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.focus import Qualifier, named_in
from qa.support import MONTHS, NUMBER_WORDS, content_terms, stem

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_PRONOUN_LED = re.compile(
    r"\W*(?:It|Its|They|Their|He|His|She|Her|The (?:firm|company|group|club|bank|airline|team|side|carmaker|retailer))\b"
)
_SUBJECT_LABELS = ("ORG", "GPE", "PERSON", "NORP")


def subject(
    text: str,
    quals: Sequence[Qualifier],
    *,
    context: str,
    previous: str | None,
    entities: Callable[[str], list[str]],
    depth: int = 0,
) -> frozenset[str]:
    """What a figure-bearing sentence is about: qualifiers it names, else its own entities, else its article's."""
    own = frozenset(q.text for q in quals if not q.year and named_in(q, text))
    if own:
        return own
    if _PRONOUN_LED.match(text):
        if previous is None or depth > 0:
            return frozenset()
        return subject(previous, quals, context=context, previous=None, entities=entities, depth=1)
    named = frozenset(e.lower() for e in entities(text))
    if named:
        return frozenset("~" + n for n in named)  # about something the question did not name
    return frozenset(q.text for q in quals if not q.year and named_in(q, context))


def same_period(a: str, b: str) -> bool:
    ya, yb = set(_YEAR.findall(a)), set(_YEAR.findall(b))
    ma = {m for m in MONTHS if re.search(r"\b" + m + r"\b", a, re.I)}
    mb = {m for m in MONTHS if re.search(r"\b" + m + r"\b", b, re.I)}
    return (not ya or not yb or bool(ya & yb)) and (not ma or not mb or bool(ma & mb))


def same_measure(a: str, b: str, focus: Sequence[str]) -> bool:
    ta, tb = set(content_terms(a)), set(content_terms(b))
    return any(_has(t, ta) and _has(t, tb) for t in focus if not t[0].isdigit())


def _has(term: str, found: set[str]) -> bool:
    return term in found or any(
        len(f) >= 4 and len(term) >= 4 and (f.startswith(term) or term.startswith(f)) for f in found
    )


_FORECAST = re.compile(r"\b(?:predict(?:s|ed)?|forecasts?|projected|expected to|set to|on (?:course|track) to)\b", re.I)
_FIGURE = re.compile(r"\b\d(?:[\d,.]*\d)?\b|\b[A-Za-z]+\b")
_NOT_COUNTED = frozenset("more than of the a an per cent percent bn m k new".split())


def counted(text: str) -> dict[str, str]:
    """Each figure of ``text`` (digits only, or a number word) -> what it counts, as a stem:
    "200,000 players signed up" -> {"200000": "player"}; a figure followed by no noun is left out."""
    out: dict[str, str] = {}
    for m in _FIGURE.finditer(text):
        figure = m.group().lower()
        if not (figure[0].isdigit() or figure in NUMBER_WORDS):
            continue
        after = [w.lower().strip("'’-") for w in text[m.end() : m.end() + 60].split()[:4]]
        noun = next((w for w in after if w not in _NOT_COUNTED and w not in NUMBER_WORDS), None)
        if noun is not None and noun.isalpha():
            out.setdefault(re.sub(r"[^\d.]", "", figure) or figure, stem(noun))
    return out


def same_count(a: str, fa: set[str], b: str, fb: set[str]) -> bool:
    """Whether differing figures count the same thing: "81 people" and "100 people" do, "200,000 players"
    and "400,000 people" (a count of buyers) do not, nor a tally and a forecast ("72,000 copies were sold",
    "is predicted to sell 300,000 copies"). Unknown (a bare figure) counts as the same."""
    if bool(_FORECAST.search(a)) != bool(_FORECAST.search(b)):
        return False
    ca, cb = counted(a), counted(b)
    na = {ca.get(f) for f in fa - fb}
    nb = {cb.get(f) for f in fb - fa}
    if None in na or None in nb:
        return True
    return bool(na & nb)


def differ(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and not (a <= b or b <= a)


def subject_entities(tagged: Callable[[str], Sequence[tuple[str, str]]]) -> Callable[[str], list[str]]:
    """Adapt a tagger returning (text, label) pairs to the subject labels used here."""
    return lambda text: [t for t, label in tagged(text) if label in _SUBJECT_LABELS]
