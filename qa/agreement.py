"""Questions that ask whether the sources agree, and the fact each one is about.

"How many executions did Iran carry out in August, and do the sources agree?" asks two things: a figure, and
whether the articles give the same one. Searched and read whole, the frame ("sources", "agree") pulls in
sentences about sources, and a small model answers it ("..., and the sources agree") or declines. So the fact
alone ("How many executions did Iran carry out in August?") is what is searched for and what the model reads
for; whether the sources differ is read from the sentences (``qa.answer.differing``), never from the model.
"""

from __future__ import annotations

import re

_SOURCES = (
    r"(?:the |all (?:the |of the )?|both |different |various |these |those |the two )?"
    r"(?:sources|reports|articles|bulletins|accounts|outlets|stories|they)"
)
_VERB = r"(?:agree|disagree|differ|conflict|contradict|match|tally)\w*"
_ON = r"(?:on|about|over|as to|regarding|concerning)"

_PATTERNS = (
    # "How many executions did Iran carry out in August, and do the sources agree?"
    re.compile(
        rf"^(?P<fact>.+?)[,;:]?\s+(?:and|but)\s+(?:do|does|did)\s+{_SOURCES}\s+{_VERB}"
        r"(?:\s+on (?:this|that|it|the (?:figure|number|facts?)))?\W*$",
        re.I,
    ),
    # "Do the sources agree on who leads ISIS-K?", "Do Iran Human Rights and the UN agree on the toll?"
    re.compile(rf"^(?:do|does|did)\s+(?P<who>.+?)\s+{_VERB}\s+(?:with each other\s+)?{_ON}\s+(?P<fact>.+?)\W*$", re.I),
    # "Is there any disagreement about how many jobs will go?"
    re.compile(
        r"^(?:is|are|was|were)\s+there\s+(?:any\s+)?(?:dis)?(?:agreement|conflict|discrepanc\w+|differences?|contradictions?)"
        rf"(?:\s+(?:between|among)\s+{_SOURCES})?\s+{_ON}\s+(?P<fact>.+?)\W*$",
        re.I,
    ),
)
_ASKS = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|has|have|had|can|will)\b", re.I
)
_MEASURE = re.compile(
    r"^(?:the |last \w+'s |this \w+'s )?(?:\w+ )?(?:number|figure|toll|count|cost|amount|total|size|date|price|sum)\b",
    re.I,
)


def fact_asked(question: str) -> str | None:
    """The fact a question about whether the sources agree is about, as a question of its own ("Do the
    reports agree on the death toll?" -> "What is the death toll?"); None for any other question."""
    text = " ".join(question.split())
    for pattern in _PATTERNS:
        if not (m := pattern.match(text)):
            continue
        fact = m.group("fact").strip(" ,;:")
        who = m.groupdict().get("who")
        if who and not re.fullmatch(_SOURCES, who, re.I) and not (_ASKS.match(fact) or _MEASURE.match(fact)):
            return None  # "Do the two sides agree on a ceasefire?" asks about the parties, not the sources
        if len(fact.split()) < 2:
            return None
        if not _ASKS.match(fact):  # a noun phrase: "last month's execution toll in Iran"
            fact = f"What is {fact}"
        return fact[0].upper() + fact[1:] + "?"
    return None
