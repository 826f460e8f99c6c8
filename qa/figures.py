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
from qa.support import MONTHS, content_terms

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


def differ(a: set[str], b: set[str]) -> bool:
    return bool(a) and bool(b) and not (a <= b or b <= a)


def subject_entities(tagged: Callable[[str], Sequence[tuple[str, str]]]) -> Callable[[str], list[str]]:
    """Adapt a tagger returning (text, label) pairs to the subject labels used here."""
    return lambda text: [t for t, label in tagged(text) if label in _SUBJECT_LABELS]
