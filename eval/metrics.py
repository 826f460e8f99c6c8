"""Evaluation metrics for the bulletin question-answering assistant.

What this module does:

* Retrieval metrics: ``evidence_rank``, ``recall_at_k`` and ``mrr``.
* Citation metrics in the spirit of ALCE (Gao et al., 2023):
  ``citation_recall`` and ``citation_precision``.
* Refusal metrics: ``refusal_precision`` / ``refusal_recall``, where the
  positive class is "should refuse" (the question is not answerable).
* ``percentile`` for latency summaries and ``unsupported_rate``.
* It re-exports the lexical matching of ``eval.textmatch`` (``normalize``,
  ``facts_present``, ``evidence_covered``, ...) and the gate checks of
  ``eval.thresholds``, so one import gives every metric.

What it deliberately does not do:

* No I/O, no model calls, no imports from the rest of the project: every
  function is pure and works on plain strings, lists and numbers.
* No entailment model. ``citation_precision`` takes the support judgement
  as a ``support_fn`` argument, so the caller decides how support is judged.
* Not llama-index's ``HitRate`` / ``MRR`` (``llama_index.core.evaluation``):
  those compare retrieved node ids with expected ids, while a gold item here
  names an evidence quote that any chunking may split differently, so
  relevance is "the passage text covers the quote" (``evidence_rank``); given
  the ranks, recall@k and MRR are one line each, and importing llama-index
  would add seconds to every ``qa eval``. ``percentile`` is NumPy's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from eval.textmatch import (
    DEFAULT_MIN_SHARE,
    evidence_covered,
    fact_coverage,
    fact_variant_present,
    facts_present,
    normalize,
)
from eval.thresholds import HIGHER_IS_BETTER, LOWER_IS_BETTER, check_thresholds, resolve_threshold

__all__ = [
    "DEFAULT_MIN_SHARE",
    "HIGHER_IS_BETTER",
    "LOWER_IS_BETTER",
    "check_thresholds",
    "citation_precision",
    "citation_recall",
    "evidence_covered",
    "evidence_rank",
    "fact_coverage",
    "fact_variant_present",
    "facts_present",
    "mrr",
    "normalize",
    "percentile",
    "recall_at_k",
    "refusal_precision",
    "refusal_recall",
    "resolve_threshold",
    "unsupported_rate",
]


def evidence_rank(
    retrieved_texts: Sequence[str],
    evidence: Sequence[str],
    min_share: float = DEFAULT_MIN_SHARE,
) -> int | None:
    """1-based rank of the first retrieved passage covering any evidence quote.

    Coverage is judged by ``evidence_covered``. Returns None if no passage
    covers any quote, including when either list is empty.
    """
    for rank, text in enumerate(retrieved_texts, start=1):
        if any(evidence_covered(text, quote, min_share) for quote in evidence):
            return rank
    return None


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of queries whose evidence rank is within the top ``k``.

    ``ranks`` holds one ``evidence_rank`` result per query (None = not
    found). Returns 0.0 for an empty list. Raises ValueError if ``k < 1``.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank; None counts as 0. Returns 0.0 for an empty list."""
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def citation_recall(
    cited_texts: Sequence[str],
    evidence: Sequence[str],
    min_share: float = DEFAULT_MIN_SHARE,
) -> float:
    """Share of evidence quotes covered by at least one cited passage.

    Coverage is judged by ``evidence_covered``. Returns 1.0 when there is no
    evidence to cover (e.g. an unanswerable question), whatever was cited.
    """
    if not evidence:
        return 1.0
    covered = sum(1 for quote in evidence if any(evidence_covered(text, quote, min_share) for text in cited_texts))
    return covered / len(evidence)


def citation_precision(
    sentences_with_cited_texts: Sequence[tuple[str, Sequence[str]]],
    support_fn: Callable[[str, str], bool],
) -> float:
    """Share of citations that support their sentence, following ALCE.

    ``sentences_with_cited_texts`` pairs each answer sentence with the texts
    of the passages it cites. ``support_fn(sentence, passage)`` decides
    whether a passage supports a sentence. As in ALCE, for each sentence:

    * if the concatenation of all its cited passages (joined by newlines)
      does not support the sentence, every one of its citations is imprecise;
    * otherwise a citation is precise if it supports the sentence on its
      own, or if the remaining citations without it no longer support the
      sentence (it is a necessary part of a joint support); a citation that
      neither supports alone nor is needed is imprecise.

    Zero-division behaviour: with no citations at all, returns 1.0 if there
    are no sentences (nothing was claimed) and 0.0 otherwise (claims were
    made but nothing was cited).
    """
    total = 0
    precise = 0
    for sentence, cited in sentences_with_cited_texts:
        cited = list(cited)
        if not cited:
            continue
        total += len(cited)
        if not support_fn(sentence, "\n".join(cited)):
            continue
        for i, passage in enumerate(cited):
            if support_fn(sentence, passage):
                precise += 1
                continue
            rest = cited[:i] + cited[i + 1 :]
            if not rest or not support_fn(sentence, "\n".join(rest)):
                precise += 1
    if total == 0:
        return 1.0 if not sentences_with_cited_texts else 0.0
    return precise / total


def _check_same_length(pred_refused: Sequence[bool], answerable: Sequence[bool]) -> None:
    if len(pred_refused) != len(answerable):
        raise ValueError(f"pred_refused and answerable differ in length: {len(pred_refused)} != {len(answerable)}")


def refusal_precision(pred_refused: Sequence[bool], answerable: Sequence[bool]) -> float:
    """Of the questions the system refused, the share that should be refused.

    The positive class is "should refuse", i.e. ``not answerable``.
    Zero-division behaviour: when the system refused nothing, returns 1.0 if
    there was nothing to refuse (every question answerable, or no questions)
    and 0.0 otherwise. Raises ValueError if the lists differ in length.
    """
    _check_same_length(pred_refused, answerable)
    refused = [not ans for pred, ans in zip(pred_refused, answerable, strict=True) if pred]
    if not refused:
        return 1.0 if all(answerable) else 0.0
    return sum(refused) / len(refused)


def refusal_recall(pred_refused: Sequence[bool], answerable: Sequence[bool]) -> float:
    """Of the questions that should be refused, the share the system refused.

    The positive class is "should refuse", i.e. ``not answerable``.
    Zero-division behaviour: returns 1.0 when there was nothing to refuse.
    Raises ValueError if the lists differ in length.
    """
    _check_same_length(pred_refused, answerable)
    should_refuse = [pred for pred, ans in zip(pred_refused, answerable, strict=True) if not ans]
    if not should_refuse:
        return 1.0
    return sum(1 for pred in should_refuse if pred) / len(should_refuse)


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100) with linear interpolation (NumPy's default method).

    Returns 0.0 for an empty sequence. Raises ValueError if ``p`` is outside [0, 100].
    """
    if not 0 <= p <= 100:
        raise ValueError(f"p must be between 0 and 100, got {p}")
    if not values:
        return 0.0
    return float(np.percentile(np.asarray(values, dtype=np.float64), p))


def unsupported_rate(n_unsupported_sentences: int, n_sentences: int) -> float:
    """Share of answer sentences not supported by their citations.

    Returns 0.0 when there are no sentences. Raises ValueError for negative
    counts or more unsupported sentences than sentences.
    """
    if n_unsupported_sentences < 0 or n_sentences < 0:
        raise ValueError("counts must be non-negative")
    if n_unsupported_sentences > n_sentences:
        raise ValueError(f"n_unsupported_sentences ({n_unsupported_sentences}) > n_sentences ({n_sentences})")
    if n_sentences == 0:
        return 0.0
    return n_unsupported_sentences / n_sentences
