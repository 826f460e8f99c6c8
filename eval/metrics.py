"""Lexical evaluation metrics for the bulletin question-answering assistant.

What this module does:

* ``normalize`` puts text into a canonical form for comparison (lowercase,
  straight quotes, ASCII hyphens, single spaces, "4,000" -> "4000",
  punctuation stripped from the edges of each token).
* Answer metrics: ``facts_present`` / ``fact_coverage`` check that required
  facts (each a list of acceptable variants) occur in an answer.
* Retrieval metrics: ``evidence_rank``, ``recall_at_k`` and ``mrr``.
* Citation metrics in the spirit of ALCE (Gao et al., 2023):
  ``citation_recall`` and ``citation_precision``.
* Refusal metrics: ``refusal_precision`` / ``refusal_recall``, where the
  positive class is "should refuse" (the question is not answerable).
* ``percentile`` for latency summaries, ``unsupported_rate`` and
  ``check_thresholds`` for turning metric values into pass/fail messages
  (``resolve_threshold`` says which metric a threshold name bounds, and how).

What it deliberately does not do:

* No I/O, no model calls, no imports from the rest of the project: every
  function is pure and works on plain strings, lists and numbers.
* No semantic matching. Matching is lexical after normalisation, so
  paraphrases ("front lines" vs "frontlines") and number words vs digits
  ("six" vs "6") are NOT treated as equal; the gold set lists such
  variants explicitly instead.
* No entailment model. ``citation_precision`` takes the support judgement
  as a ``support_fn`` argument, so the caller decides how support is judged.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence

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

#: Share of a quote's tokens that must appear as one contiguous run in a
#: passage for the passage to count as containing the quote. Below 1.0 so a
#: chunk boundary that cuts the last word or two of a quote still counts.
DEFAULT_MIN_SHARE = 0.8

_QUOTE_MAP = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent used as apostrophe
    "`": "'",
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # left guillemet
    "\u00bb": '"',  # right guillemet
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
}
_TRANSLATION = str.maketrans(_QUOTE_MAP)

# A comma between digit groups: "4,000" -> "4000", "1,234,567" -> "1234567".
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")

_NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve
    thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty
    thirty forty fifty sixty seventy eighty ninety hundred thousand million
    billion""".split()
)


def _strip_edges(token: str) -> str:
    """Remove punctuation and symbol characters from both ends of a token."""
    start, end = 0, len(token)
    while start < end and unicodedata.category(token[start])[0] in "PS":
        start += 1
    while end > start and unicodedata.category(token[end - 1])[0] in "PS":
        end -= 1
    return token[start:end]


def normalize(text: str) -> str:
    """Return a canonical form of ``text`` for lexical comparison.

    Steps: Unicode NFKC; curly quotes, primes and guillemets become straight
    quotes and all dash variants become "-"; lowercase; thousands separators
    inside numbers are removed ("4,000" -> "4000"); the text is split on
    whitespace, punctuation is stripped from both ends of every token, empty
    tokens are dropped and the rest are joined with single spaces.

    Number words are left alone ("six" stays "six"); punctuation inside a
    token is kept ("isis-k", "taliban's", "3.5").
    """
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATION).lower()
    text = _THOUSANDS_COMMA.sub("", text)
    tokens = (_strip_edges(tok) for tok in text.split())
    return " ".join(tok for tok in tokens if tok)


def _is_numeric_token(token: str) -> bool:
    if not token:
        return False
    return token[0].isdigit() or token[-1].isdigit() or token in _NUMBER_WORDS


def _variant_pattern(norm_variant: str) -> re.Pattern[str]:
    """Regex for a normalised variant; numeric edges must sit on boundaries.

    A variant that starts (ends) with a number - digits or a number word -
    must not be preceded (followed) by a letter or digit, nor by a decimal
    point or comma attached to a digit. So "81" does not match "181", "81st"
    or "1.81", and "eight" does not match "eighteen". Other edges are plain
    substring matches ("isis" matches "isis-k", "exaggerat" matches
    "exaggeration").
    """
    tokens = norm_variant.split(" ")
    prefix = r"(?<!\w)(?<!\d[.,])" if _is_numeric_token(tokens[0]) else ""
    suffix = r"(?!\w)(?![.,]\d)" if _is_numeric_token(tokens[-1]) else ""
    return re.compile(prefix + re.escape(norm_variant) + suffix)


def fact_variant_present(answer_text: str, variant: str) -> bool:
    """True if one variant of a fact occurs in ``answer_text``.

    Both are normalised first; an empty variant never matches.
    """
    norm_variant = normalize(variant)
    if not norm_variant:
        return False
    return _variant_pattern(norm_variant).search(normalize(answer_text)) is not None


def _as_variants(fact: Sequence[str] | str) -> list[str]:
    return [fact] if isinstance(fact, str) else list(fact)


def _fact_present(norm_answer: str, fact: Sequence[str] | str) -> bool:
    for variant in _as_variants(fact):
        norm_variant = normalize(variant)
        if norm_variant and _variant_pattern(norm_variant).search(norm_answer):
            return True
    return False


def facts_present(answer_text: str, facts: Sequence[Sequence[str] | str]) -> bool:
    """True if every fact has at least one variant present in the answer.

    ``facts`` is a list of facts, each a list of acceptable variants (a bare
    string is accepted as a one-variant fact). An empty list of facts is
    trivially satisfied.
    """
    norm_answer = normalize(answer_text)
    return all(_fact_present(norm_answer, fact) for fact in facts)


def fact_coverage(answer_text: str, facts: Sequence[Sequence[str] | str]) -> float:
    """Share of facts with at least one variant present in the answer.

    Returns 1.0 when there are no facts (nothing was required).
    """
    if not facts:
        return 1.0
    norm_answer = normalize(answer_text)
    hits = sum(_fact_present(norm_answer, fact) for fact in facts)
    return hits / len(facts)


def _longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest contiguous token run shared by ``a`` and ``b``."""
    best = 0
    prev = [0] * (len(b) + 1)
    for tok_a in a:
        cur = [0] * (len(b) + 1)
        for j, tok_b in enumerate(b, start=1):
            if tok_a == tok_b:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def evidence_covered(passage: str, quote: str, min_share: float = DEFAULT_MIN_SHARE) -> bool:
    """True if ``passage`` contains ``quote`` (after normalisation).

    A passage also counts when at least ``min_share`` of the quote's tokens
    appear in it as one contiguous run, which tolerates a chunk boundary
    cutting the start or end of the quote. A contiguous run (rather than a
    bag of words) is required so that "at least 81 people were executed"
    is not found in "at least 100 people were executed". An empty quote is
    never covered.
    """
    norm_quote = normalize(quote)
    if not norm_quote:
        return False
    norm_passage = normalize(passage)
    if f" {norm_quote} " in f" {norm_passage} ":
        return True
    quote_tokens = norm_quote.split(" ")
    passage_tokens = norm_passage.split(" ") if norm_passage else []
    run = _longest_common_run(quote_tokens, passage_tokens)
    return run / len(quote_tokens) >= min_share


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
    """The ``p``-th percentile (0..100) with linear interpolation.

    Same definition as NumPy's default ("linear"): the value at fractional
    rank ``p / 100 * (n - 1)`` of the sorted values. Returns 0.0 for an
    empty sequence. Raises ValueError if ``p`` is outside [0, 100].
    """
    if not 0 <= p <= 100:
        raise ValueError(f"p must be between 0 and 100, got {p}")
    if not values:
        return 0.0
    ordered = sorted(float(v) for v in values)
    pos = p / 100 * (len(ordered) - 1)
    lower = math.floor(pos)
    upper = min(lower + 1, len(ordered) - 1)
    frac = pos - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * frac


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


#: Metrics whose value must be at least the threshold.
HIGHER_IS_BETTER = frozenset(
    {
        "answer_accuracy",
        "answerable_accuracy",
        "evidence_cited",
        "fact_coverage",
        "mrr",
        "evidence_mrr",
        "citation_precision",
        "citation_recall",
        "refusal_precision",
        "refusal_recall",
    }
)

#: Metrics whose value must be at most the threshold.
LOWER_IS_BETTER = frozenset(
    {
        "unsupported_rate",
        "answerable_refusal_rate",
        "latency_p50_ms",
        "latency_p95_ms",
        "latency_p50_s",
        "latency_p95_s",
    }
)

# recall_at_5, evidence_recall_at_10, evidence_recall_at_k, ...: higher is better.
_RECALL_AT_K = re.compile(r"(?:evidence_)?recall_at_(?:[1-9]\d*|k)")


def _direction(metric: str) -> str | None:
    if metric in HIGHER_IS_BETTER or _RECALL_AT_K.fullmatch(metric):
        return "min"
    if metric in LOWER_IS_BETTER:
        return "max"
    return None


def resolve_threshold(threshold_name: str) -> tuple[str, str] | None:
    """Map a threshold name to (metric name, "min" | "max"), or None if unknown.

    "min" means the metric must be at least the threshold, "max" at most.

    A plain metric name uses the metric's own direction. A "_min" or "_max"
    suffix states the bound explicitly: "answerable_refusal_rate_max" is an
    upper bound on "answerable_refusal_rate".
    """
    for suffix, bound in (("_min", "min"), ("_max", "max")):
        if threshold_name.endswith(suffix):
            metric = threshold_name[: -len(suffix)]
            if _direction(metric) is not None:
                return metric, bound
    direction = _direction(threshold_name)
    return None if direction is None else (threshold_name, direction)


def _fmt(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def check_thresholds(metrics: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    """Compare metric values with thresholds and describe every failure.

    Metrics in ``HIGHER_IS_BETTER`` (and ``recall_at_<k>`` /
    ``evidence_recall_at_<k>``) fail when below their threshold
    ("answer_accuracy 0.72 < 0.85"); metrics in ``LOWER_IS_BETTER`` fail when
    above it ("latency_p95_ms 5200 > 4000"). A threshold name may carry a
    "_min" or "_max" suffix to state the bound explicitly
    ("answerable_refusal_rate_max": 0.05 checks metric
    "answerable_refusal_rate" <= 0.05). A thresholded metric missing from
    ``metrics``, or NaN, is a failure too. Metrics without a threshold are
    ignored. Returns an empty list when all thresholds are met, failures in
    the order of ``thresholds`` otherwise.

    Raises ValueError if ``thresholds`` names an unknown metric; the message
    lists the valid names.
    """
    resolved = {name: resolve_threshold(name) for name in thresholds}
    unknown = [name for name, target in resolved.items() if target is None]
    if unknown:
        valid = sorted(HIGHER_IS_BETTER | LOWER_IS_BETTER) + ["recall_at_<k>", "evidence_recall_at_<k>"]
        raise ValueError(
            f"unknown metric name(s) in thresholds: {', '.join(unknown)}; "
            f"valid names: {', '.join(valid)} (optionally suffixed _min or _max)"
        )
    failures: list[str] = []
    for name, limit in thresholds.items():
        metric, bound = resolved[name] or (name, "min")  # never None here
        if metric not in metrics:
            failures.append(f"{metric} missing (threshold {_fmt(limit)})")
            continue
        value = metrics[metric]
        if math.isnan(value):
            failures.append(f"{metric} is NaN (threshold {_fmt(limit)})")
        elif bound == "min" and value < limit:
            failures.append(f"{metric} {_fmt(value)} < {_fmt(limit)}")
        elif bound == "max" and value > limit:
            failures.append(f"{metric} {_fmt(value)} > {_fmt(limit)}")
    return failures
