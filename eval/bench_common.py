"""What the benchmark modules share: paths, the question count k, a log line, timers, questions.

No measurement lives here; see ``eval/bench.py`` for the sections.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.metrics import percentile

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "eval" / "reports" / "bench"
DEFAULT_BBC = ROOT.parent / "shared" / "data" / "bbc"
BULLETIN = ROOT / "corpus"
GOLD = ROOT / "eval" / "gold.jsonl"
BBC_GOLD = ROOT / "eval" / "gold" / "bbc.jsonl"
K = 5


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def latency(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {"p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2), "n": len(ms)}


def disk_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_gold() -> list[dict[str, Any]]:
    if not GOLD.exists():
        return []
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def reader_questions(split: str) -> list[str]:
    """The ``question`` of each BBC gold item of ``split`` ("dev" or "test"), in file order."""
    rows = [json.loads(line) for line in BBC_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("split") == split]
