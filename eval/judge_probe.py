"""Can a judge learned from the dev half tell an answer from a near miss? ``qa probe-judges``.

The extractive answer refuses by thresholds and rules written on the dev half,
and the held-out half shows the rules catch the kinds of near miss they were
written for and few others. This probe asks whether a learned judge, fitted on
the same dev questions, would generalise better, and reports it cross-validated
(five folds over questions, a conversation's turns kept in one fold), so every
figure is one the fit did not see:

1. ``features``: a logistic regression over what the answer already knows of
   the sentence it would give with every threshold off (score, its share of the
   best score, embedding similarity, term coverage, passage rank, lede, focus
   coverage, qualifiers named, typed question). Compared with the thresholds at
   the same count of right answers refused: how many unanswerable questions
   each refuses.
2. ``embeddings``: a logistic regression over the question's and each candidate
   sentence's embeddings (their product and difference), ranking the sentences
   that could answer: top-1 against the score order.
3. ``cross-encoder`` (``--cross-encoder``, about 15 min on 2 cores): the bundled
   MiniLM fine-tuned on (question, sentence) pairs, labelled by whether the
   sentence holds the gold facts: top-1 against the score order, and how well
   its best sentence's value separates answerable from unanswerable questions
   (AUC).

Only dev items are read (``eval.calibrate.dev_items``). This module measures;
it changes nothing the answer uses.

    python -m eval.judge_probe --set eval/gold/bbc.jsonl=STORE [--cross-encoder]
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from eval import calibrate, rank_fit
from eval.textmatch import fact_coverage, facts_present

FOLDS = 5
HEAD = 20  # candidate sentences per question, best score first
POSITIVE = 0.5  # share of the gold facts a sentence must hold to count as an answer


@dataclass
class Probe:
    """One dev question as the probe sees it."""

    group: str  # the conversation (or the question): folds never split one
    answerable: bool
    rules_refuse: bool  # the shipped thresholds refuse it
    right_if_answered: bool  # with every threshold off, the answer holds the gold facts
    judged: list[float] | None  # features of the sentence answered with thresholds off (None: refused anyway)
    asked: str
    cands: list[tuple[str, float, bool, bool]]  # (sentence, score, could answer by type, holds the facts)


def group_of(item: dict[str, Any]) -> str:
    return str(item.get("conversation") or item["id"])


def folds_by_group(groups: Sequence[str], folds: int = FOLDS, seed: int = 0) -> list[list[int]]:
    """Indices split into ``folds`` parts; the indices of one group always fall in the same part."""
    names = sorted(set(groups))
    random.Random(seed).shuffle(names)
    part = {g: i % folds for i, g in enumerate(names)}
    return [[i for i, g in enumerate(groups) if part[g] == f] for f in range(folds)]


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """``eval.rank_fit.logistic`` on standardised columns; returns weights over ``[x, 1]`` with the column
    means and scales folded in."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    w = rank_fit.logistic((x - mean) / scale, y, l2=l2, steps=steps)
    return np.concatenate([w[:-1] / scale, [w[-1] - float((w[:-1] / scale) @ mean)]])


def logit(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.asarray(x @ w[:-1] + w[-1])


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: Sequence[str], *, l2: float = 1.0) -> np.ndarray:
    """Each row's value from a fit that did not see its group."""
    out = np.zeros(len(y))
    for part in folds_by_group(groups):
        held = np.zeros(len(y), dtype=bool)
        held[part] = True
        if part and (~held).any():
            out[held] = logit(fit_logistic(x[~held], y[~held], l2=l2), x[held])
    return out


def refused_at_same_cost(values: np.ndarray, right: np.ndarray, unanswerable: np.ndarray, cost: int) -> int:
    """Unanswerable questions refused when the judge refuses its lowest values down to ``cost`` right answers."""
    if not right.any():
        return 0
    ranked = np.sort(values[right])
    line = ranked[cost] if cost < len(ranked) else np.inf
    return int((values[unanswerable] < line).sum())


def top1(per_question: Sequence[Sequence[tuple[float, bool]]]) -> tuple[float, int]:
    """Share of questions (with an answering candidate) whose highest-valued candidate answers."""
    asked = [c for c in per_question if any(ok for _, ok in c)]
    hits = sum(max(c, key=lambda v: v[0])[1] for c in asked)
    return (round(hits / len(asked), 4) if asked else float("nan")), len(asked)


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    if not positive or not negative:
        return float("nan")
    return round(float(np.mean([[float(p > n) + 0.5 * float(p == n) for n in negative] for p in positive])), 4)


def probe(prepared: Sequence[calibrate.Prepared], cal: Any) -> list[Probe]:
    """Each dev question answered twice: under the shipped thresholds, and with every threshold off."""
    from qa.answer import first_answered
    from qa.answer_type import answer_type, new_facts
    from qa.extractive import LEDE_CHARS
    from qa.focus import focus_coverage, named_in, question_focus

    off = replace(
        cal, min_score=-1.0, min_typed_lexical=-1.0, paraphrase_semantic=-1.0, typed_ratio=0.0, focus_min=-1.0
    )
    out = []
    for p in prepared:
        item = p.item
        rules_refuse = calibrate.answer(p, cal)[0]
        _, passages, sel, _ = first_answered(p.readings, off)
        refused, text, _ = calibrate.answered(p, passages, sel)
        right = bool(item["answerable"]) and not refused and facts_present(text, item["facts"])
        part = p.parts[0]
        kind = answer_type(part.asked)
        quals, focus = question_focus(part.asked, part.idf)

        def score(c: Any) -> float:
            return float(c.scored(off.semantic_weight))

        best = max((score(c) for c in part.cands), default=0.0)
        judged = None
        if not sel.refused and len(p.parts) == 1:
            c = sel.chosen[0]
            judged = [
                score(c),
                score(c) / best if best > 0 else 0.0,
                c.semantic,
                c.lexical,
                math.log1p(c.passage),
                float(c.article_start < LEDE_CHARS),
                focus_coverage(focus, c.text, part.idf),
                sum(named_in(q, c.text) for q in quals) / len(quals) if quals else 1.0,
                float(kind is not None),
            ]
        ranked = sorted(part.cands, key=lambda c: -score(c))[:HEAD]
        cands = [
            (
                c.text,
                score(c),
                kind is None or bool(new_facts(c.text, part.asked, kind)),
                bool(item["answerable"]) and fact_coverage(c.text, item["facts"]) >= POSITIVE,
            )
            for c in ranked
        ]
        out.append(Probe(group_of(item), bool(item["answerable"]), rules_refuse, right, judged, part.asked, cands))
    return out


def feature_judge(probes: Sequence[Probe]) -> dict[str, float]:
    """Judge 1: the thresholds against a learned judge over the answered sentence's features."""
    rows = [p for p in probes if p.judged is not None and (p.right_if_answered or not p.answerable)]
    x = np.array([p.judged for p in rows], dtype=float)
    y = np.array([float(p.answerable) for p in rows])
    values = out_of_fold(x, y, [p.group for p in rows])
    right, unanswerable = y > 0, y == 0
    rules = np.array([p.rules_refuse for p in rows])
    cost = int(rules[right].sum())
    return {
        "questions": len(rows),
        "right_answers": int(right.sum()),
        "unanswerable": int(unanswerable.sum()),
        "right_refused_by_thresholds": cost,
        "unanswerable_refused_by_thresholds": int(rules[unanswerable].sum()),
        "unanswerable_refused_by_judge_at_same_cost": refused_at_same_cost(values, right, unanswerable, cost),
        "auc_judge": auc(list(values[right]), list(values[unanswerable])),
    }


def typed_candidates(probes: Sequence[Probe]) -> list[tuple[int, str, str, float, bool]]:
    """(question, question text, sentence, score, holds the facts) for every candidate that could answer by type."""
    return [(i, p.asked, t, s, ok) for i, p in enumerate(probes) for t, s, typed, ok in p.cands if typed]


def embedding_judge(probes: Sequence[Probe], embed: Callable[[list[str]], Any]) -> dict[str, float]:
    """Judge 2: candidates ranked by a logistic regression over question and sentence embeddings."""
    rows = typed_candidates(probes)
    texts = sorted({r[1] for r in rows} | {r[2] for r in rows})
    vec = dict(zip(texts, np.asarray(embed(texts), dtype=float), strict=True))
    q = np.array([vec[r[1]] for r in rows])
    s = np.array([vec[r[2]] for r in rows])
    x = np.hstack([q * s, np.abs(q - s), np.array([[r[3]] for r in rows])])
    y = np.array([float(r[4]) for r in rows])
    groups = [probes[r[0]].group for r in rows]
    values = out_of_fold(x, y, groups, l2=10.0)
    by_score, n = top1(_per_question(rows, [r[3] for r in rows]))
    learned, _ = top1(_per_question(rows, list(values)))
    return {"questions": n, "top1_by_score": by_score, "top1_embedding_judge": learned}


def _per_question(
    rows: Sequence[tuple[int, str, str, float, bool]], values: Sequence[float]
) -> list[list[tuple[float, bool]]]:
    out: dict[int, list[tuple[float, bool]]] = {}
    for r, v in zip(rows, values, strict=True):
        out.setdefault(r[0], []).append((float(v), r[4]))
    return list(out.values())


def cross_encoder_judge(probes: Sequence[Probe], *, epochs: int = 2, say: Callable[[str], None]) -> dict[str, float]:
    """Judge 3: the bundled MiniLM fine-tuned as a cross-encoder on (question, sentence) pairs, out of fold."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from qa.fast_encoder import model_path

    torch.manual_seed(0)
    rows = typed_candidates(probes)
    tok = AutoTokenizer.from_pretrained(model_path())

    def batch(chunk: Sequence[tuple[int, str, str, float, bool]]) -> Any:
        return tok(
            [r[1] for r in chunk],
            [r[2] for r in chunk],
            truncation=True,
            max_length=128,
            padding=True,
            return_tensors="pt",
        )

    class Judge(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(model_path())
            self.head = torch.nn.Linear(self.enc.config.hidden_size, 1)

        def forward(self, b: Any) -> Any:
            return self.head(self.enc(**b).last_hidden_state[:, 0]).squeeze(-1)

    values = np.zeros(len(rows))
    groups = [probes[r[0]].group for r in rows]
    for n, part in enumerate(folds_by_group(groups)):
        held = set(part)
        train = [r for i, r in enumerate(rows) if i not in held]
        model = Judge()
        opt = torch.optim.AdamW(model.parameters(), lr=3e-5)
        model.train()
        for _ in range(epochs):
            random.Random(n).shuffle(train)
            for i in range(0, len(train), 16):
                chunk = train[i : i + 16]
                y = torch.tensor([float(r[4]) for r in chunk])
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    model(batch(chunk)), y, pos_weight=torch.tensor(3.0)
                )
                opt.zero_grad()
                loss.backward()
                opt.step()
        model.eval()
        with torch.no_grad():
            for i in range(0, len(part), 64):
                idx = part[i : i + 64]
                values[idx] = model(batch([rows[j] for j in idx])).numpy()
        say(f"  cross-encoder fold {n + 1}/{FOLDS} done")
    by_score, n_q = top1(_per_question(rows, [r[3] for r in rows]))
    learned, _ = top1(_per_question(rows, list(values)))
    best: dict[int, float] = {}
    for r, v in zip(rows, values, strict=True):
        best[r[0]] = max(best.get(r[0], -np.inf), float(v))
    right = [v for i, v in best.items() if probes[i].right_if_answered]
    unanswerable = [v for i, v in best.items() if not probes[i].answerable]
    return {
        "questions": n_q,
        "top1_by_score": by_score,
        "top1_cross_encoder": learned,
        "auc_best_sentence_answerable_vs_unanswerable": auc(right, unanswerable),
    }


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa probe-judges", description=__doc__.split("\n\n")[0])
    calibrate.add_set_options(p)
    p.add_argument("--cross-encoder", action="store_true", help="also fine-tune and probe a cross-encoder (slow)")
    return p


def main(argv: list[str] | None = None) -> int:
    from qa import calibration

    ns = build_parser().parse_args(argv)
    say = calibrate.say

    started = time.perf_counter()
    cal = calibration.current()
    probes: list[Probe] = []
    embed = None
    with tempfile.TemporaryDirectory(prefix="qa-probe-") as tmp:
        sets = calibrate.dev_sets(ns, Path(tmp), say)
        if sets is None:
            return 2
        for name, items, store in sets:
            prepared = calibrate.prepare(items, name, store, k=ns.k, dense_weight=cal.dense_weight)
            probes += probe(prepared, cal)
            embed = store.embed
    if not probes or embed is None:
        say("no dev items to probe")
        return 2
    say(f"{len(probes)} dev questions probed in {time.perf_counter() - started:.0f} s")
    results = {"features": feature_judge(probes), "embeddings": embedding_judge(probes, embed)}
    if ns.cross_encoder:
        results["cross-encoder"] = cross_encoder_judge(probes, say=say)
    for name, figures in results.items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
