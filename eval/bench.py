"""Benchmark the issue's speed targets at 1x and Nx the BBC corpus, beside the llama-index starter.

    python eval/bench.py [--quick] [--scale N] [--store DIR] [--no-starter] [--out DIR]

One run measures: full BBC ingest by both pipelines (walls, ours in a new
process; each beside its model's own time for the same text, and the
ratio; word pieces embedded and per second, share of the text never
embedded, the embedding precision and the CPU flags that chose it); a cold ``qa ask`` in new
processes on the seed store, the BBC store and its Nx copy (wall, peak
RSS); warm extractive answers to the BBC gold set's dev questions in a new
process at 1x and Nx (p50, peak RSS); adding one article at 1x with
``qa ingest FILE`` in a new process and in-process, and what the next
question pays. The starter answers the same questions with its retriever.
It prints one table of targets (ours 1x, ours Nx, starter, target, holds or
misses; reported, never failed on) and writes ``bench.json``, ``bench.md``
and ``bench.png`` under ``--out``. ``--quick`` (CI) uses 120 BBC files,
a 2x copy and six questions, and prints the same table.

The Nx copy is not embedded again (``eval/bench_scale.py``). The sections
live beside this script (``bench_ingest``, ``bench_queries``,
``bench_child``, ``bench_scale``, ``bench_report``); the pipelines in
``qa`` and ``eval/starter.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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

from eval.bench_common import BULLETIN, DEFAULT_BBC, DEFAULT_OUT, log, reader_questions  # noqa: E402
from eval.bench_ingest import QUICK_PER_TOPIC, EmbedTimer, copy_bbc, ingest_ours, ingest_starter, recount_ours  # noqa: E402
from eval.bench_queries import add_by_cli, cold_ask, new_article, starter_answers, starter_cold, warm_answers  # noqa: E402
from eval.bench_report import markdown, plot, print_table, target_rows  # noqa: E402
from eval.bench_scale import scale_store  # noqa: E402

INGEST_RECORD = "bench-ingest.json"  # kept beside a store the benchmark built, for --store


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="120 BBC files, a 2x copy, six questions (for CI)")
    p.add_argument("--scale", type=int, help="size of the scale copy, x the BBC store (default 16; 2 with --quick)")
    p.add_argument("--store", type=Path, help="reuse a built BBC store (copied first; its ingest figures if recorded)")
    p.add_argument("--no-starter", action="store_true", help="skip the llama-index starter pipeline")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report folder (default eval/reports/bench)")
    p.add_argument("--bbc", type=Path, default=DEFAULT_BBC, help="the BBC dataset folder (default ../shared/data/bbc)")
    p.add_argument("--encoders", action="store_true", help="also compare embedding runtimes (adds ~2 minutes)")
    p.add_argument("--keep", action="store_true", help="keep the working folder (its path is printed)")
    return p.parse_args(argv)


def build_stores(args: argparse.Namespace, work: Path) -> tuple[dict[str, Any], Path | None, int]:
    """The 1x store at work/ours and the starter's index: their ingest figures, the starter's folder, file count."""
    ingest: dict[str, Any] = {}
    persist: Path | None = None
    record = args.store / INGEST_RECORD if args.store else None
    if args.store:
        log(f"reusing the store at {args.store}")
        shutil.copytree(args.store, work / "ours", ignore=shutil.ignore_patterns("ingest.lock"))
        if record is not None and record.exists():
            saved = json.loads(record.read_text(encoding="utf-8"))
            log("counting the word pieces the reused store embedded")
            ingest["ours"] = recount_ours(saved["ours"], work / "ours")
            if not args.no_starter and saved.get("starter") and Path(saved.get("starter_persist", "")).is_dir():
                ingest["starter"], persist = saved["starter"], Path(saved["starter_persist"])
            n_files = int(saved.get("bbc_files", 0))
            if persist is not None or args.no_starter:
                return ingest, persist, n_files
    timer = EmbedTimer()
    n_files = copy_bbc(args.bbc, work / "bbc", per_topic=QUICK_PER_TOPIC if args.quick else None)
    if not args.store:
        log(f"ours: full ingest of {n_files:,} BBC files")
        ingest["ours"] = ingest_ours(work / "bbc", work / "ours")
    if not args.no_starter:
        log("starter: full ingest")
        ingest["starter"], _ = ingest_starter(work / "bbc", work / "starter", timer)
        persist = work / "starter"
    saved = {**ingest, "bbc_files": n_files, "starter_persist": str(persist) if persist else ""}
    (work / "ours" / INGEST_RECORD).write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    return ingest, persist, n_files


def measure(
    store: Path, args: argparse.Namespace, qs: dict[str, list[str]], work: Path, *, add: bool
) -> dict[str, Any]:
    """Cold ask, warm answers (and at 1x the added article) on one store."""
    out: dict[str, Any] = {"cold": cold_ask(store, qs["dev"][0], runs=1 if args.quick else 3)}
    if add:
        template = sorted(args.bbc.rglob("*.txt"))[0]
        log("adding one article with `qa ingest FILE` in a new process")
        out["add_cli"] = add_by_cli(store, new_article(template, work / "new" / "cli.txt", "added by qa ingest"))
        extra = new_article(template, work / "new" / "in-process.txt", "added in-process")
    log(f"warm answers to {len(qs['dev'])} reader questions")
    out["warm"] = warm_answers(
        store, qs["dev"], warmup=qs["warmup"], work=work / "child", add=extra if add else None, after=qs["after"]
    )
    return out


def write_report(result: dict[str, Any], out: Path, started: float, *, final: bool) -> None:
    """bench.json and bench.md (after each section, so a cut-short run leaves its figures); at the end the plot and table."""
    result["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    result["meta"]["complete"] = final
    result["targets"] = target_rows(result)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / "bench.md").write_text(markdown(result), encoding="utf-8")
    if not final:
        print_table(result, file=sys.stderr)
        log(f"figures so far in {out / 'bench.md'}")
        return
    png = plot(result, out / "bench.png")
    print_table(result)
    print(
        f"\nwrote {out / 'bench.json'}, bench.md"
        + (", bench.png" if png else "")
        + f" in {result['meta']['seconds']:.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.bbc.is_dir():
        print(f"bench: error: no BBC dataset at {args.bbc}: pass --bbc PATH", file=sys.stderr)
        return 2
    if args.store and not (args.store / "catalog.sqlite").exists():
        print(f"bench: error: no store at {args.store}: build one with `qa ingest` or drop --store", file=sys.stderr)
        return 2
    factor = args.scale or (2 if args.quick else 16)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    log(f"working in {work}")
    try:
        # imports first, so neither pipeline's timing pays for them
        import chromadb  # noqa: F401
        import llama_index.core  # noqa: F401

        import qa
        from eval import starter  # noqa: F401

        dev, test = reader_questions("dev"), reader_questions("test")
        qs = {"dev": dev[:6] if args.quick else dev, "warmup": test[: 2 if args.quick else 5], "after": test[5:8]}
        ingest, persist, n_files = build_stores(args, work)
        result: dict[str, Any] = {
            "meta": {
                "mode": "quick" if args.quick else "full",
                "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                "bbc_files": n_files,
                "scale": factor,
                "reused_store": str(args.store) if args.store else None,
                "questions": len(qs["dev"]),
                "cpus": os.cpu_count(),
                "machine": platform.processor() or platform.machine(),
                "python": platform.python_version(),
            },
            "ingest": ingest,
        }
        log("seed store: ingest the bundled bulletin, then a cold ask")
        qa.ingest([BULLETIN], store=work / "seed")
        result["seed"] = {"cold": cold_ask(work / "seed", qs["dev"][0], runs=1 if args.quick else 3)}
        log("1x: cold ask, one added article, warm answers")
        result["x1"] = measure(work / "ours", args, qs, work, add=True)
        write_report(result, args.out, started, final=False)
        if factor > 1:
            log(f"{factor}x: building the copy (no embedding)")
            built = scale_store(work / "ours", work / f"x{factor}", factor)
            result["scale"] = {"store": built, **measure(work / f"x{factor}", args, qs, work, add=False)}
            write_report(result, args.out, started, final=False)
        if persist is not None:
            log("starter: warm and cold retrieval")
            result["starter"] = {
                "warm": starter_answers(persist, qs["dev"], warmup=qs["warmup"], work=work / "child-starter"),
                "cold": starter_cold(persist, qs["dev"][0], work / "child-starter-cold"),
            }
        if args.encoders:
            from eval.bench_encoders import encoder_options
            from qa.store import open_store

            chunks = [c.text for c in open_store(work / "ours", create=False).catalog.chunks()][:800]
            result["encoders"] = encoder_options(chunks, work)
        write_report(result, args.out, started, final=True)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
