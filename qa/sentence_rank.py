"""Which of the sentences that could answer is the answer: a learned order.

The sentence score (embedding similarity and term coverage, ``qa.support``)
decides whether a question can be answered at all; ``qa.extractive`` keeps
that decision. Among the sentences that pass the same checks, the one to
answer with is the first in this order: a logistic model over five features,
fitted on the dev halves of the gold sets by ``qa calibrate`` (weights in
``qa/calibration.json``):

- ``rel``: the sentence's score over the best score among the candidates;
- ``passage``: log(1 + its passage's rank in retrieval) - the top passage is
  more often the right article's right window than a lower one that happens to
  share more words;
- ``focus``: the IDF-weighted share of the question's focus words it holds;
- ``length``: log of its word count - a long sentence shares words by chance;
- ``quote``: it holds a quotation mark - quotes tend to restate the story.

Features are cheap (no tagging, no embedding). This module orders; fitting
is ``eval.calibrate``'s job.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from qa.focus import focus_coverage
from qa.support import Idf

FEATURES = ("rel", "passage", "focus", "length", "quote")
HEAD = 30  # candidates (by score) the order considers, and the fit is trained on


class _Sentence(Protocol):
    @property
    def passage(self) -> int: ...
    @property
    def text(self) -> str: ...


S = TypeVar("S", bound=_Sentence)


def features(c: _Sentence, score: float, top: float, focus: list[str], idf: Idf | None) -> list[float]:
    return [
        score / top if top > 0 else 0.0,
        math.log1p(c.passage),
        focus_coverage(focus, c.text, idf),
        math.log(len(c.text.split()) + 1),
        float('"' in c.text or "“" in c.text or "”" in c.text),
    ]


def learned(row: Sequence[float], weights: Sequence[float]) -> float:
    return sum(w * x for w, x in zip(weights, row, strict=True))


def order(
    cands: list[S],
    score: Callable[[S], float],
    *,
    top: float,
    focus: list[str],
    idf: Idf | None,
    weights: Sequence[float],
) -> list[S]:
    """The first ``HEAD`` of ``cands`` (best score first), most likely answer first; ``top`` is the best
    score among all candidates."""
    head = cands[:HEAD]
    value = {id(c): learned(features(c, score(c), top, focus, idf), weights) for c in head}
    return sorted(head, key=lambda c: -value[id(c)])


def reading_order(
    scored: Callable[[S], float], *, focus: list[str], idf: Idf | None, weights: Sequence[float]
) -> Callable[[list[S]], list[S]]:
    """Candidates best first for a reader: the learned order over the ``HEAD`` best-scoring ones, then the rest by score.

    The same order that picks the extractive answer puts the sentence most likely to hold the fact
    first; it finds the evidence within a prompt's budget more often than the score alone.
    """

    def best_first(cands: list[S]) -> list[S]:
        ranked = sorted(cands, key=lambda c: -scored(c))
        if not ranked or not any(weights):
            return ranked
        head = order(ranked, scored, top=scored(ranked[0]), focus=focus, idf=idf, weights=weights)
        return head + ranked[len(head) :]

    return best_first
