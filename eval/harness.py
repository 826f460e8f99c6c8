"""``qa eval``: run the gold sets through ``qa.ask``, score them, gate on thresholds.

What it does, in order: reads the options (``eval.options``), the gold sets
(``eval.goldset``) and each set's gates (``eval.gates``: pyproject
``[tool.qa.eval]`` for the seed set, ``[tool.qa.eval.bbc]`` for the BBC set,
then ``--fail-under``); evaluates the seed set over ``corpus/``
(``eval.seed``) and the BBC set over the BBC archive (``eval.bbc``), each in
a fresh index so figures never depend on the user's own store, then the seed
set again over the archive with the bulletin added (``eval.archive``,
``[tool.qa.eval.archive]``; ``--no-archive`` skips it); prints one
section per set; writes ``metrics.json`` and a Markdown report with SVG
charts (``eval.report``); exits 1 when a gate fails, 2 on bad arguments.

A missing BBC archive is one line on stderr and the BBC set is skipped,
unless ``--gold-set`` asked for it. It deliberately does not tune anything
or change the index the user asks against; it only reads ``qa``'s public
behaviour.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval import report
from eval.archive import evaluate_archive
from eval.bbc import evaluate_bbc
from eval.gates import gates, table
from eval.goldset import SAMPLE, read_gold, select, stratified, wanted_ids
from eval.options import GOLD_SETS, UsageError, build_parser
from eval.runs import shown
from eval.seed import evaluate_seed

__all__ = ["build_parser", "evaluate", "gates", "main", "plan"]


def plan(ns: argparse.Namespace, *, say: Callable[[str], None]) -> dict[str, list[dict[str, Any]]]:
    """The items each gold set of this run evaluates, by set name (a set left out is said why)."""
    names = GOLD_SETS if ns.gold_set in (None, "all") else (ns.gold_set,)
    found: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        if name == "seed":
            found[name] = read_gold(ns.gold)
            continue
        missing = ns.bbc if not ns.bbc.is_dir() else ns.bbc_gold if not ns.bbc_gold.is_file() else None
        if missing is None:
            found[name] = read_gold(ns.bbc_gold)
        elif ns.gold_set is None:
            say(f"BBC gold set skipped: {missing} does not exist (pass --bbc DIR and --bbc-gold FILE)")
        else:
            raise UsageError(f"--gold-set {ns.gold_set}: {missing} does not exist (pass --bbc DIR and --bbc-gold FILE)")
    wanted = wanted_ids(ns.ids)
    unknown = [i for i in wanted if all(i not in {it["id"] for it in items} for items in found.values())]
    if unknown:
        files = ", ".join((ns.gold if n == "seed" else ns.bbc_gold).name for n in found)
        raise UsageError(f"--ids: not in {files}: {', '.join(unknown)}")
    chosen = {name: select(items, wanted, ns.limit) for name, items in found.items()}
    if ns.sample:
        chosen = {name: stratified(items, *SAMPLE[name]) for name, items in chosen.items()}
    for name, items in chosen.items():
        if not items and not wanted:
            raise UsageError(f"{ns.gold if name == 'seed' else ns.bbc_gold}: no items to evaluate")
    return {name: items for name, items in chosen.items() if items}


def evaluate(ns: argparse.Namespace, *, say: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """One result per gold set, each with its figures, gates, ``run`` and per-item rows."""
    from qa.api import llm_config
    from qa.settings import Settings

    try:
        sizes = [int(s) for s in str(ns.chunk_sizes).split(",") if s.strip()]
    except ValueError as exc:
        raise UsageError(f"--chunk-sizes {ns.chunk_sizes!r}: expected numbers like 120,240") from exc
    if not sizes or min(sizes) < 16:
        raise UsageError("--chunk-sizes: give at least one size of 16 tokens or more")
    if not 1 <= ns.k <= 50:
        raise UsageError("--k must be from 1 to 50")
    settings = Settings.from_env()
    llm = llm_config(settings)
    ns.embed_precision = settings.embed_precision  # QA_EMBED_PRECISION, as the CLI reads it
    if ns.mode == "llm" and llm is None:
        raise UsageError("--mode llm needs OPENAI_API_KEY (and OPENAI_BASE_URL for a local server)")
    if not ns.corpus.is_dir() and not ns.corpus.is_file():
        raise UsageError(f"--corpus {ns.corpus}: no such file or folder")
    chosen = plan(ns, say=say)
    results: dict[str, dict[str, Any]] = {}
    if "seed" in chosen:
        thresholds = gates(ns.fail_under, ns.k, gold_set=table("seed", ns.mode))
        results["seed"] = evaluate_seed(ns, chosen["seed"], thresholds, sizes=sizes, llm=llm, say=say)
    if "bbc" in chosen:
        thresholds = gates(ns.fail_under, ns.k, gold_set=table("bbc", ns.mode))
        archive = None
        if "seed" in chosen and not ns.no_archive:

            def archive(index: Path) -> dict[str, Any]:
                limits = gates(ns.fail_under, ns.k, gold_set=table("archive", ns.mode))
                return evaluate_archive(ns, chosen["seed"], index, limits, alone=results["seed"], llm=llm, say=say)

        results["bbc"] = evaluate_bbc(ns, chosen["bbc"], thresholds, llm=llm, say=say, with_index=archive)
        if "with_index" in results["bbc"]:
            results["archive"] = results["bbc"].pop("with_index")
    if llm is not None and ns.mode != "extractive":
        from qa.reader import DEFAULT_BUDGET

        for result in results.values():  # which model read, and how much of the sources it was given
            result["run"] |= {"reader": llm.label, "read_budget": llm.read_budget or DEFAULT_BUDGET}
    return results


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--"]:  # `qa eval -- --json` passes the separator through
        args = args[1:]
    try:
        ns = build_parser().parse_args(args)
        for name in (*GOLD_SETS, "archive"):  # every table is checked before any work
            gates(ns.fail_under, ns.k, gold_set=table(name, ns.mode))
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except UsageError as exc:
        print(f"qa eval: error: {exc}", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    try:
        results = evaluate(ns, say=say)
    except UsageError as exc:
        print(f"qa eval: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from qa.errors import QAError

        if not isinstance(exc, QAError):
            raise
        print(f"qa eval: error: {exc}", file=sys.stderr)
        return 1
    written = report.write(results, ns.report)
    summary = {name: {k: v for k, v in result.items() if k != "items"} for name, result in results.items()}
    out = sys.stderr if ns.json else sys.stdout
    print(json.dumps(summary, indent=2) if ns.json else report.text_tables(summary))
    failures = [f"{name}: {failure}" for name, result in results.items() for failure in result["gates"]["failures"]]
    for failure in failures:
        print(f"FAIL {failure}", file=out)
    print(f"report: {shown(written)}", file=out)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
