"""``qa eval``: run the gold set through ``qa.ask``, score it, gate on thresholds.

What it does, in order: reads the gold set and the gates (pyproject
``[tool.qa.eval]``, then ``--fail-under``); ingests ``corpus/`` into a fresh
index (a temp folder, or ``--store``), so figures never depend on the user's
own store; asks every question (follow-ups with their ``history``); scores the
answers; runs the retrieval ablation (dense / BM25 / hybrid at two chunk
sizes); prints the tables; writes ``metrics.json`` and a Markdown report with
an SVG chart (``eval.report``); exits 1 when a gate fails, 2 on bad arguments.

How answers are judged (the metric functions themselves are ``eval.metrics``):

* Answer accuracy: an answerable item is right when it is not refused and
  every required fact is in the answer text (labels removed); an unanswerable
  one is right when refused.
* Evidence recall@k and MRR: rank of the first of ``Answer.passages`` (what
  the answer was built from) that contains an evidence quote.
* Citation precision (ALCE-style) and the unsupported-sentence rate use the
  project's own support check, ``qa.support.support``, with its semantic
  signal computed as the answer layer's verifier does (best cosine between
  the sentence and any sentence of the passage). ALCE uses an NLI model; the
  project ships none, and sharing the verifier's judgement means the eval and
  the answer layer cannot disagree about what "supported" means.
* Citation recall: share of evidence quotes found in the cited passages,
  averaged over answered answerable items (refusals of those are counted by
  ``answerable_refusal_rate`` instead).
* The optional LLM judge (``--judge``, needs OPENAI_API_KEY) is reported
  separately and never gates.

It deliberately does not tune anything or change the index the user asks
against; it only reads ``qa``'s public behaviour.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NoReturn

from eval import metrics as m
from eval import report

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = ROOT / "eval" / "gold.jsonl"
DEFAULT_CORPUS = ROOT / "corpus"
DEFAULT_REPORT = ROOT / "eval" / "reports" / "latest"
PYPROJECT = ROOT / "pyproject.toml"
DEFAULT_K = 5
DEFAULT_CHUNK_SIZES = (120, 240)
RETRIEVERS: tuple[Literal["dense", "keyword", "hybrid"], ...] = ("dense", "keyword", "hybrid")
LATENCY_KEYS = ("latency_p50_ms", "latency_p95_ms")


class _UsageError(Exception):
    """Bad arguments or gates: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="qa eval", description="Run the gold set, print metrics, write a report, gate on thresholds.")
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold set (JSON lines)")
    p.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="bulletins to index for the eval (default corpus/)"
    )
    p.add_argument("--mode", choices=["auto", "llm", "extractive"], default="auto")
    p.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="folder for metrics.json, report.md, chart.svg")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object (tables go nowhere)")
    p.add_argument(
        "--fail-under",
        action="extend",
        nargs="+",
        default=[],
        metavar="METRIC=VALUE",
        help="add or override a gate; lower-is-better metrics (rates, latency) fail when above VALUE",
    )
    p.add_argument(
        "--store", type=Path, help="keep the eval's indexes in this folder and reuse them (default: a temp folder)"
    )
    p.add_argument("--no-ablation", action="store_true", help="skip the retrieval ablation")
    p.add_argument(
        "--chunk-sizes",
        default=",".join(map(str, DEFAULT_CHUNK_SIZES)),
        help="chunk sizes (tiktoken tokens) for the ablation; the first is the one answers use",
    )
    p.add_argument("--k", type=int, default=DEFAULT_K, help="passages per question (default 5)")
    p.add_argument(
        "--ids", action="extend", nargs="+", default=[], help="only these gold ids (space or comma separated)"
    )
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument("--judge", action="store_true", help="also run the llama-index LLM judge (needs OPENAI_API_KEY)")
    return p


# --- inputs -------------------------------------------------------------------
def load_gold(path: Path, ids: list[str], limit: int | None) -> list[dict[str, Any]]:
    try:
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise _UsageError(f"cannot read the gold set {path}: {exc}") from exc
    wanted = [i for part in ids for i in part.split(",") if i]
    if wanted:
        known = {it["id"] for it in items}
        missing = [i for i in wanted if i not in known]
        if missing:
            raise _UsageError(f"--ids: not in {path.name}: {', '.join(missing)}")
        items = [it for it in items if it["id"] in set(wanted)]
    if limit is not None:
        if limit < 1:
            raise _UsageError("--limit must be at least 1")
        items = items[:limit]
    if not items:
        raise _UsageError(f"{path}: no items to evaluate")
    return items


def metric_names(k: int) -> list[str]:
    """Every metric the run reports at top level (the names gates may use)."""
    from eval.report import LLM_METRICS, MAIN_METRICS

    recall_at = [f"evidence_recall_at_{j}" for j in range(1, k + 1)]
    return [*MAIN_METRICS, *recall_at, *(n for n in LATENCY_KEYS if n not in MAIN_METRICS), *LLM_METRICS]


def gates(specs: list[str], k: int, pyproject: Path = PYPROJECT) -> dict[str, float]:
    """Thresholds: pyproject defaults, then ``--fail-under`` (which replaces a default on the same metric)."""
    known = {name for name in metric_names(k) if m.resolve_threshold(name)}
    try:
        defaults = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("qa", {}).get("eval", {})
    except (OSError, tomllib.TOMLDecodeError):
        defaults = {}
    out: dict[str, float] = {}
    for name, value in defaults.items():
        _check_gate(name, value, known, where=f"{pyproject.name} [tool.qa.eval]")
        out[name] = float(value)
    for spec in specs:
        name, sep, raw = spec.partition("=")
        name = name.strip()
        try:
            value = float(raw) if sep else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise _UsageError(f"--fail-under {spec!r}: expected METRIC=NUMBER, e.g. answer_accuracy=0.85")
        _check_gate(name, value, known, where="--fail-under")
        metric = _bounded(name)
        out = {n: v for n, v in out.items() if _bounded(n) != metric}
        out[name] = value
    return out


def _bounded(threshold_name: str) -> str:
    target = m.resolve_threshold(threshold_name)
    return target[0] if target else threshold_name


def _check_gate(name: str, value: object, known: set[str], *, where: str) -> None:
    target = m.resolve_threshold(name)
    if target is None or target[0] not in known:
        raise _UsageError(
            f"{where}: unknown metric {name!r}; use one of {', '.join(sorted(known))} (optionally _min/_max)"
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _UsageError(f"{where}: {name} must be a number (got {value!r})")


# --- the index ------------------------------------------------------------------
def build_index(corpus: Path, folder: Path, chunk_tokens: int, *, say: Callable[[str], None]) -> Any:
    from qa.index import ingest
    from qa.store import open_store

    store = open_store(folder / f"chunks-{chunk_tokens}")
    started = time.perf_counter()
    result = ingest([corpus], store=store, chunk_tokens=chunk_tokens)
    for warning in result.warnings:
        say(f"warning: {warning}")
    chunks = store.catalog.counts()["chunks"]
    if not chunks:
        raise _UsageError(f"{corpus}: no articles to evaluate against")
    say(f"index: {chunks} chunks of <= {chunk_tokens} tokens from {corpus} in {time.perf_counter() - started:.1f} s")
    return store


def _claim_store(folder: Path, corpus: Path) -> None:
    """A kept --store folder must only ever hold one corpus, or figures would mix."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "eval-corpus.json"
    source = str(corpus.resolve())
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")).get("corpus") != source:
        raise _UsageError(f"--store {folder} was built from another corpus; use an empty folder")
    marker.write_text(json.dumps({"corpus": source}) + "\n", encoding="utf-8")


# --- scoring --------------------------------------------------------------------
class Supports:
    """ALCE support judgement via ``qa.support.support``, memoised per (sentence, passage)."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self._memo: dict[tuple[str, str], bool] = {}

    def __call__(self, sentence: str, passage: str) -> bool:
        key = (sentence, passage)
        if key not in self._memo:
            from qa.chunking import sentences
            from qa.support import cosine, support

            spans = [s.text for s in sentences(passage) if len(s.text) >= 12] or [passage]
            vec, *vecs = self._store.embed([sentence, *spans])
            semantic = max(cosine(vec, v) for v in vecs)
            self._memo[key] = support(sentence, [passage], semantic=semantic).ok
        return self._memo[key]


def score_item(
    item: dict[str, Any], answer: Any, latency_ms: float, supported: Callable[[str, str], bool]
) -> dict[str, Any]:
    from qa import citations as cite
    from qa.answer import UNSUPPORTED_MARK

    text = answer.text.replace(f" {UNSUPPORTED_MARK}", "")  # the verifier's flag, not a claim
    bare = cite.strip_labels(text)
    answerable, evidence = bool(item["answerable"]), list(item.get("evidence") or [])
    correct = (not answer.refused and m.facts_present(bare, item["facts"])) if answerable else answer.refused
    by_n = {c.n: c.text for c in answer.citations}
    pairs = (
        []
        if answer.refused
        else [(cite.strip_labels(s), [by_n[n] for n in cite.parse(s) if n in by_n]) for s in cite.split_sentences(text)]
    )
    usage = answer.usage or {}
    return {
        "id": item["id"],
        "category": item["category"],
        "answerable": answerable,
        "question": item["question"],
        "expected": item.get("answer", ""),
        "answer": answer.text,
        "refused": answer.refused,
        "mode": answer.mode,
        "correct": bool(correct),
        "fact_coverage": (0.0 if answer.refused else m.fact_coverage(bare, item["facts"])) if answerable else None,
        "evidence_rank": m.evidence_rank([p.text for p in answer.passages], evidence)
        if answerable and evidence
        else None,
        "has_evidence": answerable and bool(evidence),
        "citation_precision": m.citation_precision(pairs, supported) if pairs else None,
        "citation_recall": m.citation_recall(list(by_n.values()), evidence)
        if pairs and answerable and evidence
        else None,
        "sentences": len(pairs),
        "unsupported": sum(1 for s, cited in pairs if not cited or not supported(s, "\n".join(cited))),
        "llm_fallback": any(n.startswith("LLM failed") for n in answer.notices),
        "latency_ms": round(latency_ms, 1),
        "prompt_tokens": int(usage.get("prompt_tokens", 0)),
        "completion_tokens": int(usage.get("completion_tokens", 0)),
        "cost_usd": float(usage.get("cost_usd", 0.0)),
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def recall_curve(ranks: list[int | None], k: int) -> dict[str, float | None]:
    if not ranks:
        return {"evidence_recall_at_k": None, **{f"evidence_recall_at_{j}": None for j in range(1, k + 1)}, "mrr": None}
    curve = {f"evidence_recall_at_{j}": round(m.recall_at_k(ranks, j), 4) for j in range(1, k + 1)}
    return {"evidence_recall_at_k": curve[f"evidence_recall_at_{k}"], **curve, "mrr": round(m.mrr(ranks), 4)}


def aggregate(rows: list[dict[str, Any]], k: int) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    refused, should = [r["refused"] for r in rows], [r["answerable"] for r in rows]
    latencies = [r["latency_ms"] for r in rows]
    out: dict[str, Any] = {
        "answer_accuracy": _mean([float(r["correct"]) for r in rows]),
        # the targets: required facts in the answer, and the evidence passage cited,
        # per answerable question (a refusal counts as a miss)
        "answerable_accuracy": _mean([float(r["correct"]) for r in answerable]),
        "evidence_cited": _mean([float(bool(r["citation_recall"])) for r in answerable if r["has_evidence"]]),
        "fact_coverage": _mean([r["fact_coverage"] for r in answerable]),
        **recall_curve([r["evidence_rank"] for r in rows if r["has_evidence"]], k),
        "citation_precision": _mean([r["citation_precision"] for r in rows if r["citation_precision"] is not None]),
        "citation_recall": _mean([r["citation_recall"] for r in rows if r["citation_recall"] is not None]),
        "refusal_precision": round(m.refusal_precision(refused, should), 4),
        "refusal_recall": round(m.refusal_recall(refused, should), 4),
        "answerable_refusal_rate": _mean([float(r["refused"]) for r in answerable]),
        "unsupported_rate": round(
            m.unsupported_rate(sum(r["unsupported"] for r in rows), sum(r["sentences"] for r in rows)), 4
        ),
        "latency_p50_ms": round(m.percentile(latencies, 50), 1),
        "latency_p95_ms": round(m.percentile(latencies, 95), 1),
        "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
        "completion_tokens": sum(r["completion_tokens"] for r in rows),
        "cost_usd": round(sum(r["cost_usd"] for r in rows), 6),
    }
    categories: dict[str, list[bool]] = {}
    for r in rows:
        categories.setdefault(r["category"], []).append(r["correct"])
    out["per_category"] = {c: {"n": len(v), "accuracy": round(sum(v) / len(v), 4)} for c, v in categories.items()}
    return out


# --- runs -----------------------------------------------------------------------
def run_items(
    items: list[dict[str, Any]], store: Any, *, k: int, mode: str, llm: Any
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """One scored row per item, and the cited passage texts per item id (for the judge)."""
    from tqdm import tqdm

    import qa

    supported = Supports(store)
    rows, cited = [], {}
    for item in tqdm(items, desc="gold set", unit="q", file=sys.stderr, disable=None, leave=False):
        started = time.perf_counter()
        answer = qa.ask(item["question"], store=store, k=k, history=item.get("history"), mode=mode, llm=llm)
        rows.append(score_item(item, answer, (time.perf_counter() - started) * 1000, supported))
        cited[item["id"]] = [c.text for c in answer.citations]
    return rows, cited


def ablation(items: list[dict[str, Any]], stores: dict[int, Any], *, k: int) -> list[dict[str, Any]]:
    """Retrieval only: evidence recall and MRR per retriever and chunk size (follow-ups rewritten without an LLM)."""
    from qa.followup import standalone_question
    from qa.retrieve import retrieve

    asked = [
        (standalone_question(it["question"], it.get("history") or []), it["evidence"])
        for it in items
        if it["answerable"] and it.get("evidence")
    ]
    out = []
    for size, store in stores.items():
        vectors = store.embed([q for q, _ in asked]) if asked else []
        for retriever in RETRIEVERS:
            ranks = [
                m.evidence_rank([p.text for p in retrieve(store, q, k=k, mode=retriever, query_vector=vec)], ev)
                for (q, ev), vec in zip(asked, vectors, strict=True)
            ]
            out.append(
                {
                    "retriever": retriever,
                    "chunk_tokens": size,
                    "chunks": store.catalog.counts()["chunks"],
                    "items": len(ranks),
                    **recall_curve(ranks, k),
                }
            )
    return out


def judge(
    items: list[dict[str, Any]], rows: list[dict[str, Any]], cited: dict[str, list[str]], config: Any
) -> dict[str, Any]:
    """llama-index CorrectnessEvaluator / FaithfulnessEvaluator on answered answerable items. Never gates."""
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model=config.model,
        api_key=config.api_key,
        api_base=config.base_url or "https://api.openai.com/v1",
        is_chat_model=True,
        temperature=0.0,
        timeout=config.timeout,
        max_retries=config.max_retries,
    )
    correctness, faithfulness = CorrectnessEvaluator(llm=llm), FaithfulnessEvaluator(llm=llm)
    scores: list[float] = []
    correct: list[bool] = []
    faithful: list[bool] = []
    errors = 0
    for item, row in zip(items, rows, strict=True):
        if not item["answerable"] or row["refused"]:
            continue
        try:
            c = correctness.evaluate(query=item["question"], response=row["answer"], reference=item.get("answer", ""))
            f = faithfulness.evaluate(query=item["question"], response=row["answer"], contexts=cited[item["id"]])
        except Exception:  # a judge failure must not end the run
            errors += 1
            continue
        scores.append(float(c.score or 0.0))
        correct.append(bool(c.passing))
        faithful.append(bool(f.passing))
    return {
        "model": config.model,
        "items": len(scores),
        "errors": errors,
        "correctness_mean_1_to_5": _mean(scores),
        "correctness_pass_rate": _mean([float(x) for x in correct]),
        "faithfulness_pass_rate": _mean([float(x) for x in faithful]),
    }


def evaluate(ns: argparse.Namespace, thresholds: dict[str, float], *, say: Callable[[str], None]) -> dict[str, Any]:
    from qa.api import llm_config
    from qa.settings import Settings

    started = time.perf_counter()
    items = load_gold(ns.gold, ns.ids, ns.limit)
    try:
        sizes = [int(s) for s in str(ns.chunk_sizes).split(",") if s.strip()]
    except ValueError as exc:
        raise _UsageError(f"--chunk-sizes {ns.chunk_sizes!r}: expected numbers like 120,240") from exc
    if not sizes or min(sizes) < 16:
        raise _UsageError("--chunk-sizes: give at least one size of 16 tokens or more")
    if not 1 <= ns.k <= 50:
        raise _UsageError("--k must be from 1 to 50")
    llm = llm_config(Settings.from_env())
    if ns.mode == "llm" and llm is None:
        raise _UsageError("--mode llm needs OPENAI_API_KEY (and OPENAI_BASE_URL for a local server)")
    if not ns.corpus.is_dir() and not ns.corpus.is_file():
        raise _UsageError(f"--corpus {ns.corpus}: no such file or folder")
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        folder = ns.store or Path(tmp)
        _claim_store(folder, ns.corpus)
        stores = {
            size: build_index(ns.corpus, folder, size, say=say) for size in (sizes if not ns.no_ablation else sizes[:1])
        }
        store = stores[sizes[0]]
        chunks = store.catalog.counts()["chunks"]
        store.embedder().get_text_embedding("warm up")  # model load is not a question's latency
        rows, cited = run_items(items, store, k=ns.k, mode=ns.mode, llm=llm)
        result = aggregate(rows, ns.k)
        result["ablation"] = [] if ns.no_ablation else ablation(items, stores, k=ns.k)
        if ns.judge:
            if llm is None:
                say("judge skipped: OPENAI_API_KEY is not set")
            else:
                result["judge"] = judge(items, rows, cited, llm)
    unmeasured = [n for n in thresholds if result.get(_bounded(n), 0) is None]
    for name in unmeasured:
        say(f"gate skipped: no item in this run measures {_bounded(name)}")
    applied = {n: v for n, v in thresholds.items() if n not in unmeasured}
    failures = m.check_thresholds({n: v for n, v in result.items() if isinstance(v, int | float)}, applied)
    result["gates"] = {"thresholds": applied, "skipped": unmeasured, "failures": failures}
    modes = sorted({r["mode"] for r in rows})
    result["run"] = {
        "items": len(rows),
        "mode": ns.mode,
        "answer_modes": modes,
        "k": ns.k,
        "gold": _shown(ns.gold),
        "corpus": _shown(ns.corpus),
        "chunk_tokens": sizes[0],
        "chunks": chunks,
        "llm_fallbacks": sum(r["llm_fallback"] for r in rows),
        "seconds": round(time.perf_counter() - started, 1),
    }
    result["items"] = rows
    return result


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:  # `qa eval -- --json` passes the separator through
        args = args[1:]
    try:
        ns = build_parser().parse_args(args)
        thresholds = gates(ns.fail_under, ns.k)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except _UsageError as exc:
        print(f"qa eval: error: {exc}", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    try:
        result = evaluate(ns, thresholds, say=say)
    except _UsageError as exc:
        print(f"qa eval: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from qa.errors import QAError

        if not isinstance(exc, QAError):
            raise
        print(f"qa eval: error: {exc}", file=sys.stderr)
        return 1
    written = report.write(result, ns.report)
    summary = {key: value for key, value in result.items() if key != "items"}
    out = sys.stderr if ns.json else sys.stdout
    if ns.json:
        print(json.dumps(summary, indent=2))
    else:
        print(report.text_tables(summary))
    for failure in result["gates"]["failures"]:
        print(f"FAIL {failure}", file=out)
    print(f"report: {_shown(written)}", file=out)
    return 1 if result["gates"]["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
