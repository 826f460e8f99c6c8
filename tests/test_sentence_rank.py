"""Which sentence answers: the learned order (qa.sentence_rank), its fit (eval.rank_fit) and its place in
``qa.extractive.select`` - it chooses among sentences that pass the checks, it never turns a refusal into
an answer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from eval import rank_fit
from qa import calibration, sentence_rank
from qa.extractive import Candidate, select

QUESTION = "Who will coach Valencia now that they have sacked Claudio Ranieri?"  # no succession verb: see test_answer_selection
# the lede repeats the question's words, from a lower passage, long and quoting; the answer is short, in passage 0
LEDE = Candidate(
    3,
    'Valencia have sacked Claudio Ranieri as coach, saying "the results were not good enough" after a run of '
    "defeats that left the club out of the Champions League and the Uefa Cup this season.",
    0,
    0,
    semantic=0.70,
    lexical=0.75,
)
ANSWER = Candidate(0, "Former assistant Antonio Lopez will take over as the new coach.", 0, 0, 0.55, 0.55)


def test_the_shipped_weights_put_the_top_passages_short_answer_before_a_long_quoting_lede() -> None:
    cal = calibration.current()
    assert all(cal.rank_weights), "qa calibrate fits every weight"

    def score(c: Candidate) -> float:
        return cal.semantic_weight * c.semantic + (1 - cal.semantic_weight) * c.lexical

    first = sentence_rank.order([LEDE, ANSWER], score, top=score(LEDE), focus=[], idf=None, weights=cal.rank_weights)
    assert first == [ANSWER, LEDE]


def test_select_answers_with_the_ranked_sentence_and_the_score_order_without_weights() -> None:
    cal = calibration.current()
    assert "Antonio Lopez" in select(QUESTION, [LEDE, ANSWER], cal=cal).chosen[0].text
    unranked = replace(cal, **{f"rank_{n}": 0.0 for n in sentence_rank.FEATURES})
    assert select(QUESTION, [LEDE, ANSWER], cal=unranked).chosen[0] is LEDE


def test_the_ranker_never_picks_a_sentence_the_checks_would_refuse() -> None:
    cal = calibration.current()
    weak = replace(ANSWER, semantic=0.2, lexical=0.2)  # under min_score: ranked first, but not an answer alone
    assert select(QUESTION, [LEDE, weak], cal=cal).chosen[0] is LEDE
    assert select(QUESTION, [weak], cal=cal).refused


def _question(answer_at: int, rng: np.random.Generator, n: int = 12) -> rank_fit.Rows:
    """Candidates by score; the evidence one comes from passage 0 and is short, the rest from anywhere."""
    rows = []
    for i in range(n):
        holds = i == answer_at
        rel = 1.0 - 0.04 * i
        passage = 0 if holds else int(rng.integers(0, 6))
        words = 12 if holds else int(rng.integers(15, 45))
        rows.append(([rel, float(np.log1p(passage)), 0.5, float(np.log(words + 1)), 0.0], holds))
    return rows


def test_the_fit_learns_what_tells_the_evidence_and_says_so_on_held_out_questions() -> None:
    rng = np.random.default_rng(1)
    questions = [_question(int(rng.integers(0, 5)), rng) for _ in range(60)]
    weights = rank_fit.fit(questions)
    assert weights[1] < 0 and weights[3] < 0  # a lower passage and a longer sentence are less likely
    by_score = rank_fit.top1(questions, None)
    assert rank_fit.cross_validated_top1(questions) > by_score + 0.3
