"""Lexical matching: does an answer hold a fact, does a passage hold a quote.

* ``normalize`` puts text into a canonical form for comparison (lowercase,
  straight quotes, ASCII hyphens, single spaces, "4,000" -> "4000",
  punctuation stripped from the edges of each token).
* ``fact_variant_present`` / ``facts_present`` / ``fact_coverage`` check that
  required facts (each a list of acceptable variants) occur in an answer.
* ``evidence_covered`` says whether a passage contains an evidence quote,
  tolerating a chunk boundary that cuts the quote's first or last words.

What it deliberately does not do: no I/O, no model calls, no imports from the
rest of the project. No semantic matching either: paraphrases ("front lines"
vs "frontlines") and number words vs digits ("six" vs "6") are NOT equal; the
gold sets list such variants explicitly instead. Ranking and rates built on
these judgements are ``eval.metrics``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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
