"""``qa eval``: run the gold set through ``qa.ask``, score it, gate on thresholds.

What it does, in order: reads the gold set (``eval.goldset``) and the gates
(``eval.gates``: pyproject ``[tool.qa.eval]``, then ``--fail-under``);
ingests ``corpus/`` into a fresh index (a temp folder, or ``--store``), so
figures never depend on the user's own store; asks every question and runs
the retrieval ablation (``eval.runs``); scores the answers
(``eval.scoring``); prints the tables; writes ``metrics.json`` and a Markdown
report with an SVG chart (``eval.report``); exits 1 when a gate fails, 2 on
bad arguments. The optional LLM judge (``--judge``, ``eval.judge``) is
reported separately and never gates.

It deliberately does not tune anything or change the index the user asks
against; it only reads ``qa``'s public behaviour.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval import gates as gating
from eval import report
from eval.gates import gates
from eval.goldset import load_gold
from eval.judge import judge
from eval.options import UsageError, build_parser
from eval.runs import ablation, build_index, claim_store, run_items
from eval.scoring import aggregate

__all__ = ["build_parser", "evaluate", "gates", "main"]


def evaluate(ns: argparse.Namespace, thresholds: dict[str, float], *, say: Callable[[str], None]) -> dict[str, Any]:
    from qa.api import llm_config
    from qa.settings import Settings

    started = time.perf_counter()
    items = load_gold(ns.gold, ns.ids, ns.limit)
    try:
        sizes = [int(s) for s in str(ns.chunk_sizes).split(",") if s.strip()]
    except ValueError as exc:
        raise UsageError(f"--chunk-sizes {ns.chunk_sizes!r}: expected numbers like 120,240") from exc
    if not sizes or min(sizes) < 16:
        raise UsageError("--chunk-sizes: give at least one size of 16 tokens or more")
    if not 1 <= ns.k <= 50:
        raise UsageError("--k must be from 1 to 50")
    llm = llm_config(Settings.from_env())
    if ns.mode == "llm" and llm is None:
        raise UsageError("--mode llm needs OPENAI_API_KEY (and OPENAI_BASE_URL for a local server)")
    if not ns.corpus.is_dir() and not ns.corpus.is_file():
        raise UsageError(f"--corpus {ns.corpus}: no such file or folder")
    with tempfile.TemporaryDirectory(prefix="qa-eval-") as tmp:
        folder = ns.store or Path(tmp)
        claim_store(folder, ns.corpus)
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
    result["gates"] = gating.apply(result, thresholds, say=say)
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
    except UsageError as exc:
        print(f"qa eval: error: {exc}", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    try:
        result = evaluate(ns, thresholds, say=say)
    except UsageError as exc:
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
