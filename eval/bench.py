"""Benchmark the project against the llama-index starter pipeline, in one run.

    python eval/bench.py [--quick] [--out DIR] [--bbc PATH] [--encoders]

Measures full ingest of the BBC dataset (wall time, word pieces fed to the
model per second, share of the text never embedded), unchanged and one-edit
re-ingest, warm retrieve/ask latency and evidence recall@5 on the bundled
bulletin, a cold ``qa ask`` in a new process, and query latency and index
size at 1x/4x/16x the BBC corpus. Prints a table, checks the targets (it
reports them; it never fails on them) and writes ``bench.json`` and
``bench.png`` under ``--out``.

The scale copies are not re-embedded: each copy's chunks get the 1x vectors
plus a little noise, through the real ``ingest`` (with a lookup embedding),
and queries then go through the real retrieval path with the real model.

The sections live beside it (``eval/bench_ingest.py``, ``bench_queries``,
``bench_scale``, ``bench_encoders``, ``bench_report``); this script runs them
in order. The pipelines live in ``qa`` and ``eval/starter.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from eval.bench_common import DEFAULT_BBC, DEFAULT_OUT, load_gold, log  # noqa: E402
from eval.bench_ingest import QUICK_PER_TOPIC, EmbedTimer, copy_bbc, ingest_ours, ingest_starter, reingest  # noqa: E402
from eval.bench_queries import cold_start, queries_and_recall  # noqa: E402
from eval.bench_report import plot, print_table, targets  # noqa: E402
from eval.bench_scale import BBC_QUESTIONS, scale  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="100 BBC articles, 1x only, few queries (for CI)")
    p.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT.relative_to(ROOT)})"
    )
    p.add_argument("--bbc", type=Path, default=DEFAULT_BBC, help="the BBC dataset folder (default ../shared/data/bbc)")
    p.add_argument("--encoders", action="store_true", help="also compare embedding runtimes (adds ~2 minutes)")
    p.add_argument("--factors", help="scale factors, e.g. 1,4,16 (default: 1 with --quick, else 1,4,16)")
    p.add_argument("--keep", action="store_true", help="keep the temporary stores (their path is printed)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.bbc.is_dir():
        print(f"bench: error: no BBC dataset at {args.bbc}: pass --bbc PATH", file=sys.stderr)
        return 2
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    log(f"working in {work}")
    try:
        # imports first, so neither pipeline's timing pays for them
        import chromadb  # noqa: F401
        import llama_index.core  # noqa: F401
        import sentence_transformers  # noqa: F401

        import qa  # noqa: F401
        from eval import starter  # noqa: F401

        timer = EmbedTimer()
        corpus = work / "bbc"
        n_articles = copy_bbc(args.bbc, corpus, per_topic=QUICK_PER_TOPIC if args.quick else None)
        result: dict[str, Any] = {
            "meta": {
                "mode": "quick" if args.quick else "full",
                "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                "bbc_files": n_articles,
                "cpus": os.cpu_count(),
                "machine": platform.processor() or platform.machine(),
                "python": platform.python_version(),
            }
        }
        log(f"ours: full ingest of {n_articles} BBC files")
        result["ingest"] = {"ours": ingest_ours(corpus, work / "ours", timer)}
        log("starter: full ingest")
        result["ingest"]["starter"], model = ingest_starter(corpus, work / "starter", timer)
        log("re-ingest: unchanged, then one edited article")
        build_s = result["ingest"]["starter"]["wall_s"] if args.quick else None
        result["reingest"] = reingest(corpus, work / "ours", work / "starter", model, build_s=build_s)
        log("warm queries and evidence recall on the bundled bulletin")
        gold = load_gold()
        result["query"] = queries_and_recall(
            work / "bulletin", work / "starter-bulletin", model, gold, n=15 if args.quick else len(gold)
        )
        log("cold start: `python -m qa ask` in new processes")
        result["cold_start"] = cold_start(work / "bulletin", runs=1 if args.quick else 3)
        factors = [int(f) for f in args.factors.split(",")] if args.factors else [1] if args.quick else [1, 4, 16]
        queries = BBC_QUESTIONS[:6] if args.quick else BBC_QUESTIONS
        result["scale"] = scale(work / "ours", work, factors, queries=queries)
        if args.encoders:
            from eval.bench_encoders import encoder_options
            from qa.store import open_store

            chunks = [c.text for c in open_store(work / "ours", create=False).catalog.chunks()][:800]
            result["encoders"] = encoder_options(chunks, work)
        result["targets"] = targets(result)
        result["meta"]["seconds"] = round(time.perf_counter() - started, 1)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        png = plot(result, args.out / "bench.png")
        print_table(result)
        print(
            f"\nwrote {args.out / 'bench.json'}"
            + (f" and {png}" if png else "")
            + f" in {result['meta']['seconds']:.0f} s"
        )
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    random.seed(0)
    sys.exit(main())
