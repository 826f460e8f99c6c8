"""Refit retrieval's dense weight and the answer selector's thresholds on the dev half: ``qa calibrate``.

First the dense weight of ``qa.retrieve``'s fusion is chosen from
``DENSE_WEIGHTS`` by the mean reciprocal rank of the evidence in the top k
(retrieval alone, every dev question with evidence; a tie keeps the current
value). Then each dev question is run once through the pipeline up to the scored
candidate sentences (follow-up rewrite, retrieval, sentence scores); the
sentence ranker's weights are fitted on them (``eval.rank_fit``); then a
coordinate search tries values for every threshold of ``qa.calibration``,
re-running only ``qa.extractive.select`` (cheap) and scoring each try with the
eval's own measures: required facts present and evidence cited for answerable
questions, refusal for unanswerable ones. The best values are written to
``qa/calibration.json`` with the dev figures before and after.

Only items whose ``split`` is "dev" are used, and items without a split whose
id number is odd; an item whose split is "test" is dropped as soon as it is
read and never asked. ``context_weight`` is baked into the candidates'
scores, so it is kept, not searched. Questions are prepared and answered by
``qa.answer``'s own functions (a two-part question answered part by part).
This module fits; the values are applied by ``qa.retrieve`` and ``qa.extractive``.

    python -m eval.calibrate                        # seed gold set on a fresh index of corpus/
    python -m eval.calibrate --set eval/gold/bbc.jsonl=STORE     # and the BBC set's dev half on a built index
    python -m eval.calibrate --dry-run              # print figures, write nothing
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eval import metrics as m
from eval import rank_fit
from eval.options import DEFAULT_CORPUS, DEFAULT_GOLD
from eval.runs import build_index
from qa import sentence_rank

# values tried for each threshold (the current value is always tried as well)
GRID: dict[str, list[float]] = {
    "min_score": [0.22, 0.25, 0.28, 0.31, 0.34, 0.37],
    "min_typed_lexical": [0.05, 0.10, 0.15, 0.20, 0.25, 0.30],
    "paraphrase_semantic": [0.45, 0.50, 0.55, 0.60, 0.65, 0.70],
    "typed_ratio": [0.35, 0.45, 0.50, 0.55, 0.65, 0.75],
    "extra_ratio": [0.70, 0.75, 0.80, 0.85, 0.90, 0.95],
    "two_sided_ratio": [0.60, 0.70, 0.75, 0.80, 0.90],
    "continuation_ratio": [0.40, 0.50, 0.60, 0.70, 0.80],
    "precise_date_ratio": [0.60, 0.70, 0.75, 0.80, 0.90],
    "semantic_weight": [0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65],
    "focus_min": [0.01, 0.10, 0.20, 0.30, 0.40],
    "focus_semantic": [0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.70],
    "focus_kin": [0.60, 0.65, 0.70, 0.75, 0.80, 1.01],
}
PASSES = 2
DENSE_WEIGHTS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]


@dataclass
class Prepared:
    item: dict[str, Any]
    gold: str
    question: str
    parts: list[Any]  # qa.answer.Part: the question, or each part of a two-part one (its first reading)
    readings: list[tuple[str, list[Any]]]  # each standalone reading of a follow-up, with its parts


def is_dev(item: dict[str, Any]) -> bool:
    split = item.get("split")
    if split is not None:
        return split == "dev"
    number = re.search(r"(\d+)\s*$", str(item.get("id", "")))
    return bool(number) and int(number.group(1)) % 2 == 1


def dev_items(path: Path) -> list[dict[str, Any]]:
    import json

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            if item.get("split") != "test" and is_dev(item):
                out.append(item)
    return out


def fit_dense_weight(sets: list[tuple[list[dict[str, Any]], Any]], current: float, *, k: int) -> dict[float, float]:
    """Evidence MRR in the top ``k`` for the current weight and each of ``DENSE_WEIGHTS`` over the sets' dev items."""
    from eval.runs import asked, evidence_ranks, retrieved

    questions = [(store, asked(items)) for items, store in sets]
    vectors = [store.embed([q for q, _ in qs]) if qs else [] for store, qs in questions]

    def mrr(weight: float) -> float:
        ranks = [
            rank
            for (store, qs), vecs in zip(questions, vectors, strict=True)
            for rank in evidence_ranks(retrieved(qs, store, k=k, vectors=vecs, dense_weight=weight), qs)
        ]
        return round(m.mrr(ranks), 4)

    return {w: mrr(w) for w in [current, *(w for w in DENSE_WEIGHTS if w != current)]}


def best_weight(scores: dict[float, float]) -> float:
    """The weight with the highest MRR; the first listed (the current one) wins a tie."""
    return max(scores, key=lambda w: (scores[w], w == next(iter(scores))))


def prepare(items: list[dict[str, Any]], gold: str, store: Any, *, k: int, dense_weight: float) -> list[Prepared]:
    """Each question as ``qa.answer`` prepares it (follow-up rewrite, two-part split, retrieval, sentence
    scores), with the candidates of both wordings scored up front so selection can be re-run cheaply."""
    from qa.answer import clean_question, scored_parts
    from qa.followup import standalone_questions

    out = []
    for item in items:
        q, _ = clean_question(item["question"])
        readings = []
        with store.catalog.reading():
            for standalone in standalone_questions(q, item.get("history") or []):
                parts = scored_parts(store, q, standalone, k=k, dense_weight=dense_weight)
                for part in parts:
                    part.standalone_cands()
                readings.append((standalone, parts))
        out.append(Prepared(item, gold, q, readings[0][1], readings))
    return out


def answer(p: Prepared, cal: Any) -> tuple[bool, str, list[str]]:
    """(refused, answer text, cited passage texts) as ``qa.ask`` would give them in extractive mode."""
    from qa.answer import first_answered

    _, passages, sel, _ = first_answered(p.readings, cal)
    return answered(p, passages, sel)


def answered(p: Prepared, passages: list[Any], sel: Any) -> tuple[bool, str, list[str]]:
    """``answer``'s result for a selection already made."""
    from qa import citations as cite
    from qa.answer import extractive_answer

    if sel.refused:
        return True, "", []
    ans = extractive_answer(p.question, passages, sel)
    return False, cite.strip_labels(ans.text), [c.text for c in ans.citations]


def figures(prepared: list[Prepared], cal: Any) -> dict[str, float]:
    facts, cited, refused_ok, refused_bad = [], [], [], []
    for p in prepared:
        refused, text, passages = answer(p, cal)
        if p.item["answerable"]:
            facts.append(not refused and m.facts_present(text, p.item["facts"]))
            refused_bad.append(refused)
            if p.item.get("evidence"):
                cited.append(bool(passages) and bool(m.citation_recall(passages, p.item["evidence"])))
        else:
            refused_ok.append(refused)

    def mean(xs: list[bool]) -> float:
        return round(sum(xs) / len(xs), 4) if xs else float("nan")

    return {
        "n": len(prepared),
        "facts": mean(facts),
        "evidence_cited": mean(cited),
        "unanswerable_refused": mean(refused_ok),
        "answerable_refused": mean(refused_bad),
    }


def objective(f: dict[str, float]) -> float:
    """Facts and refusing what can't be answered weigh the same (a near miss answered is as bad as a fact
    missed), then evidence; refusing answerable ones beyond 1 in 20 costs double."""
    parts = {k: (0.0 if v != v else v) for k, v in f.items()}
    return (
        parts["facts"]
        + 1.0 * parts["unanswerable_refused"]
        + 0.3 * parts["evidence_cited"]
        - 2.0 * max(0.0, parts["answerable_refused"] - 0.05)
    )


def _holds(prepared: list[Prepared], cal: Any, floor: dict[str, dict[str, float]]) -> tuple[float, bool]:
    """The objective over all dev items, and whether no gold set loses facts or refuses more answerable ones."""
    groups = {g: figures([p for p in prepared if p.gold == g], cal) for g in floor}
    ok = all(
        groups[g]["facts"] >= floor[g]["facts"] and groups[g]["answerable_refused"] <= floor[g]["answerable_refused"]
        for g in floor
    )
    return objective(figures(prepared, cal)), ok


def search(prepared: list[Prepared], start: Any, *, say: Any) -> Any:
    """Coordinate search; a value is kept only if it raises the objective without any gold set losing facts
    or refusing more answerable questions (the seed set's gates must keep holding)."""
    floor = {g: figures([p for p in prepared if p.gold == g], start) for g in sorted({p.gold for p in prepared})}
    best, best_score = start, objective(figures(prepared, start))
    for _ in range(PASSES):
        improved = False
        for name, values in GRID.items():
            for value in sorted(set(values) | {getattr(best, name)}):
                trial = replace(best, **{name: value})
                score, ok = _holds(prepared, trial, floor)
                if ok and score > best_score + 1e-9:
                    best, best_score, improved = trial, score, True
                    say(f"  {name} = {value}: objective {score:.4f}")
        if not improved:
            break
    return best


def say(line: str) -> None:
    """Progress, on standard error."""
    print(line, file=sys.stderr, flush=True)


def add_set_options(p: argparse.ArgumentParser) -> None:
    """The options that say which gold sets' dev halves a command reads (``dev_sets``)."""
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="GOLD=STORE",
        help="a gold set and an index already built from its articles (repeatable)",
    )
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold set answered from a fresh index of --corpus")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--no-seed", action="store_true", help="use only the --set gold sets")
    p.add_argument("--k", type=int, default=5)


def dev_sets(ns: argparse.Namespace, tmp: Path, say: Any) -> list[tuple[str, list[dict[str, Any]], Any]] | None:
    """(gold file name, its dev items, a store to ask) for the seed set over a fresh index of ``--corpus``
    in ``tmp`` (unless ``--no-seed``) and for each ``--set GOLD=STORE``; None (said why) for a bad ``--set``."""
    from qa.errors import StoreError
    from qa.settings import Settings
    from qa.store import open_store

    specs = [] if ns.no_seed else [(ns.gold, None)]
    for spec in ns.set:
        gold, _, folder = spec.partition("=")
        if not folder:
            say(f"--set {spec}: expected GOLD=STORE")
            return None
        specs.append((Path(gold), folder))
    for gold, _ in specs:
        if not gold.is_file():
            say(f"no gold set at {gold}")
            return None
    sets: list[tuple[str, list[dict[str, Any]], Any]] = []
    for gold, folder in specs:
        try:  # an existing index only: a mistyped folder must not become a new, empty store
            store = (
                build_index(ns.corpus, tmp, 120, say=say, precision=Settings.from_env().embed_precision)
                if folder is None
                else open_store(folder, create=False)
            )
        except StoreError as exc:
            say(f"--set {gold}={folder}: {exc}")
            return None
        sets.append((gold.name, dev_items(gold), store))
    return sets


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qa calibrate", description=__doc__.split("\n\n")[0])
    add_set_options(p)
    p.add_argument("--dry-run", action="store_true", help="print the figures, leave qa/calibration.json as it is")
    p.add_argument(
        "--weights-only",
        action="store_true",
        help="refit the dense weight and the sentence ranker, keep the thresholds",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    from qa import calibration

    ns = build_parser().parse_args(argv)

    started = time.perf_counter()
    before_cal = calibration.current()
    prepared: list[Prepared] = []
    with tempfile.TemporaryDirectory(prefix="qa-calibrate-") as tmp:
        sets = dev_sets(ns, Path(tmp), say)
        if sets is None:
            return 2
        mrr = fit_dense_weight([(items, store) for _, items, store in sets], before_cal.dense_weight, k=ns.k)
        weight = best_weight(mrr)
        say("retrieval MRR by dense weight: " + ", ".join(f"{w}: {v:.4f}" for w, v in sorted(mrr.items())))
        for gold, items, store in sets:
            prepared += prepare(items, gold, store, k=ns.k, dense_weight=weight)
    if not prepared:
        say("no dev items to calibrate on")
        return 2
    say(f"{len(prepared)} dev questions prepared in {time.perf_counter() - started:.0f} s")
    start_cal = replace(before_cal, dense_weight=weight)
    questions = rank_fit.question_rows(prepared, start_cal)
    ranker = rank_fit.fit(questions)
    start_cal = replace(start_cal, **{f"rank_{n}": w for n, w in zip(sentence_rank.FEATURES, ranker, strict=True)})
    ranking = {
        "questions": len(questions),
        "top1_by_score": rank_fit.top1(questions, None),
        "top1_learned_cross_validated": rank_fit.cross_validated_top1(questions),
        "top1_learned_in_sample": rank_fit.top1(questions, ranker),
    }
    say("sentence ranker: " + ", ".join(f"{k} {v}" for k, v in ranking.items()))
    by_gold = sorted({p.gold for p in prepared})
    before = {g: figures([p for p in prepared if p.gold == g], start_cal) for g in by_gold}
    after_cal = start_cal if ns.weights_only else search(prepared, start_cal, say=say)
    after = {g: figures([p for p in prepared if p.gold == g], after_cal) for g in by_gold}
    print(
        f"retrieval MRR@{ns.k} (all dev items): dense weight {before_cal.dense_weight} {mrr[before_cal.dense_weight]:.4f}"
        f" -> {weight} {mrr[weight]:.4f}"
    )
    print(f"{'gold (dev items)':28s} {'':7s} facts  evidence  unans.refused  ans.refused")
    for g in by_gold:
        for label, f in (("before", before[g]), ("after", after[g])):
            print(
                f"{g + ' (' + str(f['n']) + ')':28s} {label:7s} {f['facts']:.2f}   {f['evidence_cited']:.2f}      "
                f"{f['unanswerable_refused']:.2f}           {f['answerable_refused']:.2f}"
            )
    changed = {k: (v, after_cal.to_dict()[k]) for k, v in before_cal.to_dict().items() if after_cal.to_dict()[k] != v}
    print("changed: " + (", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items()) or "nothing"))
    if not ns.dry_run:
        calibration.write(
            after_cal,
            fitted_on={
                "dev_items": {g: before[g]["n"] for g in by_gold},
                "retrieval_mrr_by_dense_weight": {str(w): v for w, v in sorted(mrr.items())},
                "sentence_ranker": ranking,
                "before": before,
                "after": after,
            },
        )
        print(f"wrote {calibration.PATH.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
