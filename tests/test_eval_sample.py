"""The CI's model run: a fixed, stratified sample of each test half, gated by its own tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.gates import gates, table
from eval.goldset import SAMPLE, read_gold, stratified
from eval.options import UsageError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("name", "path"), [("seed", "eval/gold.jsonl"), ("bbc", "eval/gold/bbc.jsonl")])
def test_the_sample_is_fixed_stratified_and_drawn_from_the_test_half(name: str, path: str) -> None:
    items = read_gold(ROOT / path)
    answerable, unanswerable, follow_ups = SAMPLE[name]
    picked = stratified(items, answerable, unanswerable, follow_ups)
    assert picked == stratified(items, answerable, unanswerable, follow_ups)
    assert all(it.get("split", "test") == "test" for it in picked)
    assert sum(1 for it in picked if it.get("history")) == follow_ups
    assert sum(1 for it in picked if not it["answerable"] and not it.get("history")) == unanswerable
    assert sum(1 for it in picked if it["answerable"] and not it.get("history")) == answerable


def test_the_samples_together_meet_the_ci_minimums() -> None:
    total = [sum(counts) for counts in SAMPLE.values()]
    assert sum(total) >= 40
    assert sum(u for _, u, _ in SAMPLE.values()) >= 10 and sum(f for _, _, f in SAMPLE.values()) >= 5


def test_a_stratum_too_small_for_the_sample_is_a_usage_error() -> None:
    items = read_gold(ROOT / "eval" / "gold.jsonl")
    with pytest.raises(UsageError, match="--sample"):
        stratified(items, 1, 1, 500)


def test_the_models_answers_have_their_own_gate_tables() -> None:
    assert table("bbc", "llm") == "llm_bbc" and table("bbc", "extractive") == "bbc" and table("seed", "auto") == "seed"
    for name in ("seed", "bbc"):
        limits = gates([], 5, gold_set=table(name, "llm"))
        assert {"model_answer_share", "evidence_read", "answerable_accuracy"} <= set(limits)
        assert limits != gates([], 5, gold_set=name)
