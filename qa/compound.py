"""Split a two-part question into parts that each stand on their own.

"Where were UK interest rates held by the Bank of England, and what did
Australia raise its rate to?" asks two things that two articles answer.
Retrieved and answered as one question, the passages of one part crowd out
the other's. A question is split only at "and" followed by a question word
("..., and what ...", "... and at how much ..."), and only when the second
part names its own subject: a pronoun or "that ..." with no name before it
in that part points back ("and how rare was it?"), a short tail needs the
first part ("and for which film?"), and a yes/no tail ("and do the sources
agree?") has no question word; all of these stay whole. This module only
splits text; ``qa.answer`` answers each part.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(
    r",?\s+and\s+(?=(?:(?:at|in|on|for|by|to|from|with)\s+)?(?:what|which|who|whom|where|when|how|why)\b)", re.I
)
_BACK = re.compile(r"\b(?:it|its|he|him|his|she|her|they|them|their|this|that|these|those|there|the same)\b", re.I)
_NAME = re.compile(r"\b[A-Z][\w'’-]*")
MIN_WORDS = 5  # a part shorter than this leans on the other ("and on what dates?")


def parts(question: str) -> list[str]:
    """``[question]``, or its two parts, each ending in "?"."""
    m = _SPLIT.search(question)
    if m is None:
        return [question]
    first, second = question[: m.start()].strip().rstrip(",;:"), question[m.end() :].strip()
    if len(first.split()) < MIN_WORDS or len(second.split()) < MIN_WORDS or _points_back(second):
        return [question]
    return [first.rstrip("?") + "?", second[0].upper() + second[1:]]


def _points_back(part: str) -> bool:
    """A pronoun with no name before it in ``part``: it stands for something in the other part."""
    back = _BACK.search(part)
    return back is not None and _NAME.search(part, 1, back.start()) is None
