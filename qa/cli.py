"""The ``qa`` command: ingest, ask, stats, eval, bench.

An edge: settings are read once from the environment here, errors become one
line on stderr and an exit code (2 for usage errors, 1 otherwise), never a
traceback. Heavy modules are imported inside the subcommands.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from qa.errors import QAError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, help="index folder (default: $QA_STORE or .qa_store)")
    p.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (default: $QA_CHROMA_URL)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qa", description="Question answering over news bulletins, with verified citations.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("ingest", help="add bulletin files or folders to the index (default: corpus/)")
    p.add_argument("paths", nargs="*", type=Path)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--rebuild", action="store_true", help="embed every chunk of the index again (an index of an earlier version)"
    )
    _common(p)

    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=None, help="passages to retrieve (default 5)")
    p.add_argument("--since", help="only articles dated on or after YYYY-MM-DD")
    p.add_argument("--until", help="only articles dated on or before YYYY-MM-DD")
    p.add_argument("--source", help="only articles from this source")
    p.add_argument("--mode", choices=["auto", "llm", "extractive"], default="auto")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    _common(p)

    p = sub.add_parser("stats", help="what the index holds")
    _common(p)

    # eval and bench parse their own options (see `qa eval --help`)
    sub.add_parser("eval", help="run the gold set and gate on its metrics", add_help=False)
    sub.add_parser("bench", help="run the benchmarks", add_help=False)
    sub.add_parser("bench-reader", help="the reader model's tokens/s, beside llama.cpp's own figure", add_help=False)
    return parser


def _progress() -> Any:
    from tqdm import tqdm

    bar: dict[str, Any] = {}
    started = time.perf_counter()

    def update(status: Any) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=status.chunks_total, desc="embedding", unit="chunk", file=sys.stderr, leave=False)
        b = bar["bar"]
        b.total, b.n = status.chunks_total, status.chunks_done
        elapsed = max(time.perf_counter() - started, 1e-9)
        b.set_postfix_str(
            f"{status.articles / elapsed:.1f} articles/s, {status.word_pieces / elapsed:,.0f} word pieces/s"
        )
        if status.reading_done and status.chunks_done >= status.chunks_total:
            bar.pop("bar").close()

    return update


def cmd_ingest(ns: argparse.Namespace) -> int:
    from qa.api import get_store, ingest, settings

    store = get_store(
        ns.store, chroma_url=ns.chroma_url or (settings().chroma_url if ns.store is None else None), warm=True
    )
    report = ingest(ns.paths or None, store=store, progress=None if ns.quiet else _progress(), rebuild=ns.rebuild)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(report.summary())
    return 1 if report.files_skipped else 0


def cmd_ask(ns: argparse.Namespace) -> int:
    from qa.answer import NEAREST
    from qa.api import ask, get_store, settings

    s = settings()
    store = get_store(ns.store, chroma_url=ns.chroma_url, warm=True) if (ns.store or ns.chroma_url) else None
    answer = ask(
        ns.question,
        store=store,
        k=ns.k if ns.k is not None else s.k,
        since=ns.since,
        until=ns.until,
        source=ns.source,
        mode=ns.mode,
    )
    if ns.json:
        data = answer.to_dict()
        data.pop("passages", None)
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    for notice in answer.notices:
        print(f"note: {notice}", file=sys.stderr)
    if answer.citations:
        print("\nSources:")
    for c in answer.citations:
        print(f"[{c.n}] {c.title} — {c.source or 'unknown source'}, {c.date or 'undated'}")
        print(f"    \u201c{c.quote or c.text[:200]}\u201d")
    if answer.refused and answer.passages:  # what the search found, for the reader to judge: not sources
        print("\nNearest passages (none of them answers the question):")
        for p in answer.passages[:NEAREST]:
            print(f"- {p.title} — {p.source or 'unknown source'}, {p.date or 'undated'}")
            print(f"    {' '.join(p.text.split())[:200]}")
    return 0


def cmd_stats(ns: argparse.Namespace) -> int:
    from qa.api import get_store

    store = get_store(ns.store, chroma_url=ns.chroma_url)
    counts = store.catalog.counts()
    print(
        f"{counts['articles']} articles, {counts['chunks']} chunks from {counts['files']} files in {store.where}; "
        f"last ingest {store.catalog.last_ingest() or 'never'}"
    )
    return 0


def _project_tool(module: str, args: list[str]) -> int:
    """Run ``eval.<module>.main(args)``: the eval/ folder lives beside qa/, not inside it."""
    root = Path.cwd()
    if not (root / "eval" / f"{module}.py").is_file():
        raise UsageError(
            f"`qa {'eval' if module == 'harness' else module}` runs from the project root (it needs eval/)"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import importlib

    return int(importlib.import_module(f"eval.{module}").main(args) or 0)


COMMANDS = {"ingest": cmd_ingest, "ask": cmd_ask, "stats": cmd_stats}
PASS_THROUGH = {
    "eval": "harness",
    "bench": "bench",
    "bench-reader": "bench_reader",
    "calibrate": "calibrate",
    "probe-judges": "judge_probe",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] in PASS_THROUGH:
            rest = args[1:]
            return _project_tool(PASS_THROUGH[args[0]], rest[1:] if rest[:1] == ["--"] else rest)
        ns = build_parser().parse_args(args)
        return COMMANDS[ns.command](ns)
    except UsageError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qa: interrupted; the index is as it was before this command", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
