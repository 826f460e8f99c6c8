"""The judge probe's own arithmetic: folds, the logistic fit and the comparisons it reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eval import judge_probe as jp


def test_folds_never_split_a_conversation_and_cover_every_question() -> None:
    groups = ["c1", "c1", "c2", "q3", "c1", "c2", "q4", "q5", "q6", "q7"]
    parts = jp.folds_by_group(groups, folds=3)
    assert sorted(i for part in parts for i in part) == list(range(len(groups)))
    for part in parts:
        inside = {groups[i] for i in part}
        assert all(groups[i] not in inside for other in parts if other is not part for i in other)


def test_logistic_fit_orders_rows_by_the_feature_that_separates_them() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([np.r_[rng.normal(2, 0.5, 40), rng.normal(-2, 0.5, 40)], rng.normal(0, 1, 80)])
    y = np.r_[np.ones(40), np.zeros(40)]
    w = jp.fit_logistic(x, y)
    values = jp.logit(w, x)
    assert values[:40].min() > values[40:].max()
    assert abs(w[0]) > abs(w[1])


def test_out_of_fold_values_come_from_fits_that_did_not_see_the_row() -> None:
    # each group's label is the opposite of what its feature says elsewhere: a fit that saw the row
    # would learn it, a fit that did not gets it wrong
    x = np.array([[1.0], [1.0], [-1.0], [-1.0], [1.0], [-1.0]] * 4)
    y = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0] * 4)
    y[0], y[1] = 0.0, 0.0  # one group contradicts the rest
    groups = ["odd"] * 2 + [f"g{i}" for i in range(len(y) - 2)]
    values = jp.out_of_fold(x, y, groups)
    assert values[0] > 0 and values[1] > 0  # scored by the rest, which say positive


def test_same_cost_comparison_counts_unanswerable_below_the_line() -> None:
    values = np.array([0.9, 0.8, 0.2, 0.7, 0.1, 0.5, 0.85])
    right = np.array([True, True, True, True, False, False, False])
    unanswerable = ~right
    # refusing one right answer (the 0.2) puts the line at 0.7: 0.1 and 0.5 are refused, 0.85 is not
    assert jp.refused_at_same_cost(values, right, unanswerable, 1) == 2
    assert jp.refused_at_same_cost(values, right, unanswerable, 0) == 1


def test_top1_skips_questions_no_candidate_answers_and_auc_counts_ties_half() -> None:
    share, asked = jp.top1([[(0.9, True), (0.1, False)], [(0.9, False), (0.5, True)], [(0.3, False)]])
    assert (share, asked) == (0.5, 2)
    assert jp.auc([1.0, 0.5], [0.5, 0.0]) == 0.875


def test_probe_command_measures_the_seed_dev_half_against_the_thresholds() -> None:
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "qa", "probe-judges"], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    dev = sum(1 for line in (root / "eval" / "gold.jsonl").read_text().splitlines() if line.strip()) // 2
    assert f"{dev} dev questions probed" in done.stderr
    feats = dict(re.findall(r"(\w+) ([\d.]+)", done.stdout.split("features:")[1].splitlines()[0]))
    assert int(feats["questions"]) == int(feats["right_answers"]) + int(feats["unanswerable"])
    assert int(feats["unanswerable_refused_by_judge_at_same_cost"]) <= int(feats["unanswerable"])
    emb = dict(re.findall(r"(\w+) ([\d.]+)", done.stdout.split("embeddings:")[1].splitlines()[0]))
    assert 0.0 <= float(emb["top1_embedding_judge"]) <= 1.0 and 0.5 <= float(emb["top1_by_score"]) <= 1.0


def test_cross_encoder_judge_scores_every_candidate_out_of_fold() -> None:
    # ten questions, two candidates each; by score the answer is first in six of them
    probes = [
        jp.Probe(
            group=f"q{i}",
            answerable=i < 8,
            rules_refuse=False,
            right_if_answered=i < 8,
            judged=None,
            asked=f"Who runs firm number {i}?",
            cands=[
                (f"Firm {i} is run by Ann {i}.", 0.9 if i < 6 else 0.4, True, i < 8),
                (f"Firm {i} makes chairs.", 0.5, True, False),
            ],
        )
        for i in range(10)
    ]
    said: list[str] = []
    result = jp.cross_encoder_judge(probes, epochs=1, say=said.append)
    assert len(said) == jp.FOLDS
    assert result["questions"] == 8 and result["top1_by_score"] == 0.75
    assert 0.0 <= result["top1_cross_encoder"] <= 1.0
    assert 0.0 <= result["auc_best_sentence_answerable_vs_unanswerable"] <= 1.0


def test_a_mistyped_store_or_gold_set_is_one_line_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-store"
    gold = Path(__file__).resolve().parents[1] / "eval" / "gold" / "bbc.jsonl"
    assert jp.main(["--no-seed", "--set", f"{gold}={missing}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no index at" in err[0] and not missing.exists()
    assert jp.main(["--no-seed", "--set", f"{tmp_path / 'nope.jsonl'}={missing}"]) == 2
    assert capsys.readouterr().err.strip() == f"no gold set at {tmp_path / 'nope.jsonl'}"
