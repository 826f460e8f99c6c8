"""Hand-made cases for the pure evaluation metrics in eval/metrics.py."""

from __future__ import annotations

import math

import pytest

from eval.metrics import (
    check_thresholds,
    citation_precision,
    citation_recall,
    evidence_covered,
    evidence_rank,
    fact_coverage,
    facts_present,
    mrr,
    normalize,
    percentile,
    recall_at_k,
    refusal_precision,
    refusal_recall,
    resolve_threshold,
    unsupported_rate,
)

# --------------------------------------------------------------------------
# normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   \n\t ", ""),
        ("Hello   World", "hello world"),
        ("The NRF’s statement", "the nrf's statement"),
        ("The NRF's statement", "the nrf's statement"),
        ("“jihadi” images", "jihadi images"),
        ('"jihadi" images', "jihadi images"),
        ("4,000 to 6,000", "4000 to 6000"),
        ("1,234,567 people", "1234567 people"),
        ("six percent", "six percent"),
        ("2022, 45 people", "2022 45 people"),
        ("3.5 million", "3.5 million"),
        ("4–5 September", "4-5 september"),
        ("4—5 September", "4-5 september"),
        ("ISIS-K (an Iraqi national).", "isis-k an iraqi national"),
        ("Taloqan, Takhar; Kabul Gate.", "taloqan takhar kabul gate"),
        ("at least 402.", "at least 402"),
        ("word — dash", "word dash"),
        ("non\u00a0breaking", "non breaking"),
    ],
)
def test_normalize_produces_canonical_form(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_is_idempotent() -> None:
    text = "Iran Human Rights: “at least 100” executions (6%) — 4,000!"
    assert normalize(normalize(text)) == normalize(text)


# --------------------------------------------------------------------------
# facts_present / fact_coverage


@pytest.mark.parametrize(
    ("answer", "facts", "expected"),
    [
        ("At least 81 people were executed.", [["81"]], True),
        ("At least 181 people were executed.", [["81"]], False),
        ("At least 810 people were executed.", [["81"]], False),
        ("It was the 81st report.", [["81"]], False),
        ("About 1.81 percent.", [["81"]], False),
        ("Between 4000 and 6000 fighters.", [["4,000"], ["6,000"]], True),
        ("Between 4,000 and 6,000 fighters.", [["4000"], ["6000"]], True),
        ("Between 14,000 and 6,000 fighters.", [["4,000"], ["6,000"]], False),
        ("Eighteen people.", [["eight"]], False),
        ("Eight Baluch citizens.", [["eight", "8"]], True),
        ("8 Baluch citizens.", [["eight", "8"]], True),
        ("The NRF’s statement", [["NRF's statement"]], True),
        ("Sanaullah Ghafari leads it.", [["Sanaullah Ghafari", "Ghafari"]], True),
        ("GHAFARI leads it.", [["Sanaullah Ghafari", "Ghafari"]], True),
        ("ISIS-K is the largest threat.", [["ISIS"]], True),
        ("ISIS-K is the largest threat.", [["ISIS"], ["Europe"]], False),
        ("They called it an exaggeration.", [["exaggerat"]], True),
        ("Anything at all.", [], True),
        ("", [["81"]], False),
        ("81 people", ["81"], True),
        ("81 people", [[""]], False),
        ("8-year sentence", [["8"]], True),
        ("Sept 4-5", [["4-5"]], True),
    ],
)
def test_facts_present_requires_every_fact(answer: str, facts: list[list[str]], expected: bool) -> None:
    assert facts_present(answer, facts) is expected


@pytest.mark.parametrize(
    ("answer", "facts", "expected"),
    [
        ("Iran Human Rights says 100; UN experts say 81.", [["100"], ["81"]], 1.0),
        ("Iran Human Rights says at least 100.", [["100"], ["81"]], 0.5),
        ("Nobody knows.", [["100"], ["81"]], 0.0),
        ("Nobody knows.", [], 1.0),
        ("Kunar and Herat", [["Kunar"], ["Herat"], ["Nimroz"], ["Badakhshan"]], 0.5),
    ],
)
def test_fact_coverage_is_share_of_facts_present(answer: str, facts: list[list[str]], expected: float) -> None:
    assert fact_coverage(answer, facts) == pytest.approx(expected)


# --------------------------------------------------------------------------
# evidence_covered / evidence_rank / recall_at_k / mrr

QUOTE = (
    "Nevertheless, the Security Council’s Monitoring Team, in its new report, "
    "estimated that the number of ISIS fighters ranges from 4,000 to 6,000."
)


@pytest.mark.parametrize(
    ("passage", "quote", "expected"),
    [
        # exact, modulo quotes, case and number formatting
        (QUOTE, QUOTE, True),
        (
            "Intro. the Security Council's Monitoring Team, in its new report, "
            "estimated that the number of ISIS fighters ranges from 4000 to 6000. "
            "More.",
            QUOTE,
            True,
        ),
        # chunk boundary cut off the first two words (>= 80% remain in a run)
        (QUOTE.split(" ", 2)[2], QUOTE, True),
        # chunk boundary cut off the last three words (still >= 80%)
        (QUOTE.rsplit(" ", 3)[0], QUOTE, True),
        # only the first half of the quote is in the passage
        (QUOTE[: len(QUOTE) // 2], QUOTE, False),
        # same words but a different number: not a contiguous 80% run
        (
            "at least 100 people were executed in Iran",
            "at least 81 people were executed in Iran",
            False,
        ),
        # containment respects token boundaries
        ("at least 181 people", "81 people", False),
        ("", QUOTE, False),
        (QUOTE, "", False),
    ],
)
def test_evidence_covered_allows_chunk_boundaries_only(passage: str, quote: str, expected: bool) -> None:
    assert evidence_covered(passage, quote) is expected


@pytest.mark.parametrize(
    ("retrieved", "evidence", "expected"),
    [
        (["about Taloqan", QUOTE, QUOTE], [QUOTE], 2),
        ([QUOTE], [QUOTE], 1),
        (["a", "b", "c"], [QUOTE], None),
        ([], [QUOTE], None),
        ([QUOTE], [], None),
        (["x", "y", "the 81 people"], ["no match here", "the 81 people"], 3),
        (["the 181 people"], ["the 81 people"], None),
    ],
)
def test_evidence_rank_is_first_covering_passage(
    retrieved: list[str], evidence: list[str], expected: int | None
) -> None:
    assert evidence_rank(retrieved, evidence) == expected


@pytest.mark.parametrize(
    ("ranks", "k", "expected"),
    [
        ([1, 2, 3, None], 1, 0.25),
        ([1, 2, 3, None], 2, 0.5),
        ([1, 2, 3, None], 10, 0.75),
        ([None, None], 5, 0.0),
        ([], 5, 0.0),
    ],
)
def test_recall_at_k_counts_ranks_within_k(ranks: list[int | None], k: int, expected: float) -> None:
    assert recall_at_k(ranks, k) == pytest.approx(expected)


@pytest.mark.parametrize("k", [0, -1])
def test_recall_at_k_rejects_non_positive_k(k: int) -> None:
    with pytest.raises(ValueError, match="k must be"):
        recall_at_k([1], k)


@pytest.mark.parametrize(
    ("ranks", "expected"),
    [
        ([1, 2, 4, None], (1 + 0.5 + 0.25 + 0) / 4),
        ([1], 1.0),
        ([None], 0.0),
        ([], 0.0),
    ],
)
def test_mrr_averages_reciprocal_ranks(ranks: list[int | None], expected: float) -> None:
    assert mrr(ranks) == pytest.approx(expected)


# --------------------------------------------------------------------------
# citations


@pytest.mark.parametrize(
    ("cited", "evidence", "expected"),
    [
        (["Azizov spoke. " + QUOTE], [QUOTE], 1.0),
        (["unrelated"], [QUOTE], 0.0),
        ([QUOTE], [QUOTE, "at least 81 people were executed in Iran"], 0.5),
        ([], [QUOTE], 0.0),
        ([], [], 1.0),
        (["anything"], [], 1.0),
    ],
)
def test_citation_recall_is_share_of_evidence_covered(cited: list[str], evidence: list[str], expected: float) -> None:
    assert citation_recall(cited, evidence) == pytest.approx(expected)


def _all_words_support(sentence: str, passage: str) -> bool:
    """Toy support judgement: every word of the sentence is in the passage."""
    return set(normalize(sentence).split()) <= set(normalize(passage).split())


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        # one citation that supports its sentence
        ([("ghafari leads", ["ghafari leads isis-k"])], 1.0),
        # one supporting and one irrelevant citation
        ([("ghafari leads", ["ghafari leads isis-k", "weather in paris"])], 0.5),
        # two citations that only support the sentence jointly: both needed
        ([("ghafari leads madani", ["ghafari leads", "madani"])], 1.0),
        # citations that do not support the sentence even together
        ([("ghafari leads madani", ["ghafari", "paris"])], 0.0),
        # redundant duplicates each support alone
        ([("ghafari leads", ["ghafari leads", "ghafari leads"])], 1.0),
        # across sentences, including an uncited one that adds no citations
        (
            [
                ("ghafari leads", ["ghafari leads"]),
                ("madani commands", ["paris"]),
                ("no citation here", []),
            ],
            0.5,
        ),
        # nothing claimed, nothing cited
        ([], 1.0),
        # claims made but nothing cited
        ([("ghafari leads", [])], 0.0),
    ],
)
def test_citation_precision_follows_alce(pairs: list[tuple[str, list[str]]], expected: float) -> None:
    assert citation_precision(pairs, _all_words_support) == pytest.approx(expected)


# --------------------------------------------------------------------------
# refusals


@pytest.mark.parametrize(
    ("pred_refused", "answerable", "precision", "recall"),
    [
        # refused both unanswerable items and one answerable item
        ([True, True, True, False], [False, False, True, True], 2 / 3, 1.0),
        # refused one of two unanswerable items, nothing else
        ([True, False, False], [False, False, True], 1.0, 0.5),
        # no refusals, nothing to refuse
        ([False, False], [True, True], 1.0, 1.0),
        # no refusals although something should have been refused
        ([False, False], [False, True], 0.0, 0.0),
        # refusals although nothing should have been refused
        ([True, False], [True, True], 0.0, 1.0),
        # empty evaluation
        ([], [], 1.0, 1.0),
    ],
)
def test_refusal_precision_and_recall_treat_refusal_as_positive(
    pred_refused: list[bool],
    answerable: list[bool],
    precision: float,
    recall: float,
) -> None:
    assert refusal_precision(pred_refused, answerable) == pytest.approx(precision)
    assert refusal_recall(pred_refused, answerable) == pytest.approx(recall)


@pytest.mark.parametrize("fn", [refusal_precision, refusal_recall])
def test_refusal_metrics_reject_length_mismatch(fn) -> None:
    with pytest.raises(ValueError, match="differ in length"):
        fn([True], [True, False])


# --------------------------------------------------------------------------
# percentile / unsupported_rate


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 50, 0.0),
        ([], 95, 0.0),
        ([7.0], 95, 7.0),
        ([1, 2, 3, 4], 50, 2.5),
        ([4, 1, 3, 2], 50, 2.5),
        ([1, 2, 3, 4, 5], 50, 3.0),
        ([10, 20], 95, 19.5),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 9.55),
        ([1, 2, 3], 0, 1.0),
        ([1, 2, 3], 100, 3.0),
    ],
)
def test_percentile_interpolates_linearly(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == pytest.approx(expected)


@pytest.mark.parametrize("p", [-1, 100.5])
def test_percentile_rejects_out_of_range_p(p: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], p)


@pytest.mark.parametrize(
    ("unsupported", "total", "expected"),
    [(0, 0, 0.0), (0, 5, 0.0), (1, 4, 0.25), (3, 3, 1.0)],
)
def test_unsupported_rate_is_share_of_sentences(unsupported: int, total: int, expected: float) -> None:
    assert unsupported_rate(unsupported, total) == pytest.approx(expected)


@pytest.mark.parametrize(("unsupported", "total"), [(5, 4), (-1, 3), (0, -1)])
def test_unsupported_rate_rejects_impossible_counts(unsupported: int, total: int) -> None:
    with pytest.raises(ValueError):
        unsupported_rate(unsupported, total)


# --------------------------------------------------------------------------
# check_thresholds


@pytest.mark.parametrize(
    ("metrics", "thresholds", "expected"),
    [
        ({"answer_accuracy": 0.72}, {"answer_accuracy": 0.85}, ["answer_accuracy 0.72 < 0.85"]),
        ({"answer_accuracy": 0.85}, {"answer_accuracy": 0.85}, []),
        ({"answer_accuracy": 0.9, "mrr": 0.1}, {"answer_accuracy": 0.85}, []),
        ({"recall_at_5": 0.5}, {"recall_at_5": 0.9}, ["recall_at_5 0.5 < 0.9"]),
        ({"unsupported_rate": 0.2}, {"unsupported_rate": 0.1}, ["unsupported_rate 0.2 > 0.1"]),
        ({"unsupported_rate": 0.05}, {"unsupported_rate": 0.1}, []),
        ({"latency_p95_ms": 5200.0}, {"latency_p95_ms": 4000}, ["latency_p95_ms 5200 > 4000"]),
        ({}, {"mrr": 0.5}, ["mrr missing (threshold 0.5)"]),
        ({"mrr": math.nan}, {"mrr": 0.5}, ["mrr is NaN (threshold 0.5)"]),
        ({"fact_coverage": 2 / 3}, {"fact_coverage": 0.7}, ["fact_coverage 0.6667 < 0.7"]),
        (
            {"citation_precision": 0.5, "refusal_recall": 0.4},
            {"citation_precision": 0.8, "refusal_recall": 0.9},
            ["citation_precision 0.5 < 0.8", "refusal_recall 0.4 < 0.9"],
        ),
        ({"answer_accuracy": 0.1}, {}, []),
        # names used in the project's [tool.qa.eval] gates
        ({"evidence_recall_at_k": 0.9}, {"evidence_recall_at_k": 0.95}, ["evidence_recall_at_k 0.9 < 0.95"]),
        ({"evidence_recall_at_5": 1.0}, {"evidence_recall_at_5": 0.95}, []),
        (
            {"answerable_refusal_rate": 0.08},
            {"answerable_refusal_rate_max": 0.05},
            ["answerable_refusal_rate 0.08 > 0.05"],
        ),
        ({"answerable_refusal_rate": 0.05}, {"answerable_refusal_rate_max": 0.05}, []),
        # explicit suffixes override the default direction
        ({"answer_accuracy": 0.95}, {"answer_accuracy_max": 0.9}, ["answer_accuracy 0.95 > 0.9"]),
        ({"unsupported_rate": 0.01}, {"unsupported_rate_min": 0.02}, ["unsupported_rate 0.01 < 0.02"]),
    ],
)
def test_check_thresholds_describes_each_failure(
    metrics: dict[str, float], thresholds: dict[str, float], expected: list[str]
) -> None:
    assert check_thresholds(metrics, thresholds) == expected


@pytest.mark.parametrize(
    "name", ["accuracy", "recall_at_0", "recall_at_", "p95", "accuracy_max", "answer_accuracy_avg"]
)
def test_check_thresholds_rejects_unknown_metric_names(name: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        check_thresholds({name: 1.0}, {name: 0.5})
    message = str(excinfo.value)
    assert name in message
    assert "answer_accuracy" in message and "recall_at_<k>" in message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("answer_accuracy", ("answer_accuracy", "min")),
        ("evidence_recall_at_k", ("evidence_recall_at_k", "min")),
        ("recall_at_3", ("recall_at_3", "min")),
        ("unsupported_rate", ("unsupported_rate", "max")),
        ("answerable_refusal_rate_max", ("answerable_refusal_rate", "max")),
        ("answer_accuracy_max", ("answer_accuracy", "max")),
        ("latency_p95_ms_min", ("latency_p95_ms", "min")),
        ("accuracy", None),
        ("recall_at_0", None),
        ("answer_accuracy_avg", None),
    ],
)
def test_resolve_threshold_names_the_bounded_metric_and_direction(name: str, expected: tuple[str, str] | None) -> None:
    assert resolve_threshold(name) == expected
