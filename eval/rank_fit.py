"""Fit the sentence ranker's weights (``qa.sentence_rank``) on the dev questions ``qa calibrate`` prepared.

Each answerable dev question with evidence gives the first ``HEAD`` candidate
sentences (by score) with their features, labelled by whether the sentence
holds an evidence quote. A class-balanced, L2-regularised logistic regression
(Newton's method, numpy only) is fitted over all questions' rows; its figure
of merit is top-1: the share of questions whose first sentence in the learned
order holds the evidence, against the share for the score order. Reported
cross-validated (five folds over questions), so the figure is one the fit did
not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from eval.textmatch import evidence_covered

Rows = list[tuple[list[float], bool]]  # one question: (features, holds the evidence) per candidate


def question_rows(prepared: Sequence[Any], cal: Any) -> list[Rows]:
    """Per answerable dev question with evidence (one part), its candidates' features and labels;
    questions whose candidates never hold the evidence are left out (no order can help them)."""
    from qa import sentence_rank
    from qa.focus import question_focus

    out = []
    for p in prepared:
        evidence = p.item.get("evidence") or []
        if not p.item.get("answerable", True) or not evidence or len(p.parts) != 1:
            continue
        part = p.parts[0]

        def score(c: Any) -> float:
            return float(c.scored(cal.semantic_weight))

        ranked = sorted(part.cands, key=lambda c: -score(c))[: sentence_rank.HEAD]
        if not ranked:
            continue
        _, focus = question_focus(part.asked, part.idf)
        top = score(ranked[0])
        rows = [
            (
                sentence_rank.features(c, score(c), top, focus, part.idf),
                any(evidence_covered(c.text, e) for e in evidence),
            )
            for c in ranked
        ]
        if any(label for _, label in rows):
            out.append(rows)
    return out


def fit(questions: Sequence[Rows], *, l2: float = 1.0, steps: int = 100) -> list[float]:
    """Logistic-regression weights (no intercept: it does not change an order)."""
    x = np.array([f for rows in questions for f, _ in rows], dtype=float)
    y = np.array([label for rows in questions for _, label in rows], dtype=float)
    w = logistic(x, y, l2=l2, steps=steps)
    return [round(float(v), 4) for v in w[:-1]]


def logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, steps: int = 100) -> np.ndarray:
    """Class-balanced, L2-regularised logistic regression by Newton's method: weights over ``[x, 1]``
    (the intercept last, not shrunk)."""
    x = np.hstack([x, np.ones((len(x), 1))])
    positives = max(y.sum(), 1.0)
    negatives = max(len(y) - y.sum(), 1.0)
    weight = np.where(y > 0, len(y) / (2 * positives), len(y) / (2 * negatives))
    penalty = np.eye(x.shape[1]) * l2
    penalty[-1, -1] = 0.0  # the intercept is not shrunk
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (weight * (p - y)) + penalty @ w
        hess = (x * (weight * p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def top1(questions: Sequence[Rows], weights: Sequence[float] | None) -> float:
    """Share of questions whose first sentence holds the evidence: in the learned order, or by score (None)."""
    if not questions:
        return float("nan")
    from qa.sentence_rank import learned

    hits = 0
    for rows in questions:
        first = 0 if weights is None else max(range(len(rows)), key=lambda i: learned(rows[i][0], weights))
        hits += rows[first][1]
    return round(hits / len(questions), 4)


def cross_validated_top1(questions: Sequence[Rows], *, folds: int = 5, seed: int = 0) -> float:
    """Top-1 of weights fitted without each fold's questions, over all folds."""
    order = np.random.default_rng(seed).permutation(len(questions))
    hits = 0.0
    for part in np.array_split(order, folds):
        held = set(part.tolist())
        weights = fit([q for i, q in enumerate(questions) if i not in held])
        hits += top1([questions[i] for i in part], weights) * len(part) if len(part) else 0.0
    return round(hits / len(questions), 4) if questions else float("nan")
