"""The options of ``qa eval``: defaults, the argument parser, and the usage error.

A bad argument or gate raises ``UsageError``; ``eval.harness`` prints its one
line and exits 2. This module parses; it checks nothing that needs a file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = ROOT / "eval" / "gold.jsonl"
DEFAULT_CORPUS = ROOT / "corpus"
DEFAULT_REPORT = ROOT / "eval" / "reports" / "latest"
PYPROJECT = ROOT / "pyproject.toml"
DEFAULT_K = 5
DEFAULT_CHUNK_SIZES = (120, 240)
DEFAULT_BBC_GOLD = ROOT / "eval" / "gold" / "bbc.jsonl"
DEFAULT_BBC = ROOT.parent / "shared" / "data" / "bbc"
GOLD_SETS = ("seed", "bbc")


class UsageError(Exception):
    """Bad arguments or gates: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="qa eval", description="Run the gold sets, print metrics, write a report, gate on thresholds.")
    p.set_defaults(embed_precision=None)  # QA_EMBED_PRECISION, filled in from the settings by eval.harness
    p.add_argument(
        "--gold-set",
        choices=[*GOLD_SETS, "all"],
        help="which gold set to run: the seed bulletin's, the BBC archive's, or both (default all; "
        "a missing BBC archive is then skipped with a note)",
    )
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="the seed gold set (JSON lines)")
    p.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="bulletins to index for the eval (default corpus/)"
    )
    p.add_argument("--bbc-gold", type=Path, default=DEFAULT_BBC_GOLD, help="the BBC gold set (JSON lines)")
    p.add_argument("--bbc", type=Path, default=DEFAULT_BBC, help="the BBC archive (default ../shared/data/bbc)")
    p.add_argument("--bbc-store", type=Path, help="keep the BBC index (and the starter's) in this folder and reuse it")
    p.add_argument(
        "--split",
        choices=["dev", "test", "all"],
        help="BBC items to report and gate (default: test reported and gated, dev printed beside it)",
    )
    p.add_argument("--no-starter", action="store_true", help="skip the llama-index starter pipeline on the BBC set")
    p.add_argument(
        "--no-archive", action="store_true", help="skip the seed set over the BBC index with the bulletin added"
    )
    p.add_argument("--mode", choices=["auto", "llm", "extractive"], default="auto")
    p.add_argument(
        "--report", type=Path, default=DEFAULT_REPORT, help="folder for metrics.json, report.md and the charts"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the metrics as one JSON object, a key per gold set (tables go nowhere)",
    )
    p.add_argument(
        "--fail-under",
        action="extend",
        nargs="+",
        default=[],
        metavar="METRIC=VALUE",
        help="add or override a gate on every gold set; lower-is-better metrics (rates, latency) fail when above VALUE",
    )
    p.add_argument(
        "--store", type=Path, help="keep the seed set's indexes in this folder and reuse them (default: a temp folder)"
    )
    p.add_argument("--no-ablation", action="store_true", help="skip the seed set's retrieval ablation")
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
    p.add_argument(
        "--sample",
        action="store_true",
        help="only a fixed, stratified sample of each test half (answerable, unanswerable, follow-ups): the CI's model run",
    )
    p.add_argument("--judge", action="store_true", help="also run the llama-index LLM judge (needs OPENAI_API_KEY)")
    return p
