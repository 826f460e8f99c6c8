"""Benchmark questions: cold ``qa ask``, warm answers, one added article, peak RSS.

``cold_ask`` runs ``python -m qa ask`` in new processes (wall time, peak
RSS; the first run only fills the OS file cache). ``warm_answers`` runs
``eval.bench_child`` in a new process: the reader questions once each after
a warm-up, optionally one article added in-process and the questions after
it. ``add_by_cli`` times ``qa ingest FILE`` in a new process. ``new_article``
writes a file holding one article no store has seen. Measures only; the
stores come from ``eval.bench_ingest`` and ``eval.bench_scale``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.bench_common import ROOT, latency


def _env(changes: dict[str, str | None] | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("OPENAI_API_KEY", None)  # extractive answers: no network in a benchmark
    for key, value in (changes or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_process(cmd: list[str], *, env: dict[str, str | None] | None = None) -> dict[str, Any]:
    """Run ``cmd`` (``env``: variables to set, or with None to unset): wall time, peak RSS (MB), exit code and output.

    Linux carries a parent's peak RSS into a child it forks and execs, so a
    child of this (large) process would report at least our own peak: the
    command runs under GNU time, a small process whose children start clean.
    Without it the figure is an upper bound.
    """
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "rss"
        wrap = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] if Path("/usr/bin/time").exists() else []
        with open(Path(tmp) / "out", "w+b") as out, open(Path(tmp) / "err", "w+b") as err:
            started = time.perf_counter()
            proc = subprocess.Popen([*wrap, *cmd], cwd=ROOT, env=_env(env), stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
        lines = rss_file.read_text().split() if wrap and rss_file.exists() else []
        kib = int(lines[-1]) if lines and lines[-1].isdigit() else usage.ru_maxrss  # KiB on Linux
        return {
            "wall_s": wall,
            "peak_rss_mb": kib / 1024,
            "code": os.waitstatus_to_exitcode(status),
            "stdout": stdout,
            "stderr": stderr[-1500:],
        }


def cold_ask(store: Path, question: str, *, runs: int) -> dict[str, Any]:
    """``qa ask`` in ``runs`` new processes (plus one discarded): median wall, peak RSS."""
    cmd = [sys.executable, "-m", "qa", "ask", question, "--store", str(store), "--mode", "extractive"]
    results = [run_process(cmd) for _ in range(runs + 1)][1:]
    walls = sorted(r["wall_s"] for r in results)
    return {
        "wall_s": round(walls[len(walls) // 2], 3),
        "wall_s_runs": [round(r["wall_s"], 3) for r in results],
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in results), 1),
        "exit_codes": [r["code"] for r in results],
        "output_tail": (results[-1]["stdout"] or results[-1]["stderr"]).strip()[-300:],
    }


def _child(args: list[str], questions: list[str], warmup: list[str], work: Path) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    (work / "questions.txt").write_text("\n".join(questions) + "\n", encoding="utf-8")
    (work / "warmup.txt").write_text("\n".join(warmup) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "eval.bench_child", *args, "--questions", str(work / "questions.txt")]
    cmd += ["--warmup", str(work / "warmup.txt")] if warmup else []
    run = run_process(cmd)
    if run["code"] != 0:
        raise RuntimeError(f"bench_child failed ({run['code']}): {run['stderr']}")
    out = json.loads(run["stdout"].strip().splitlines()[-1])
    out["process_peak_rss_mb"] = round(run["peak_rss_mb"], 1)
    out["process_wall_s"] = round(run["wall_s"], 2)
    return out


def warm_answers(
    store: Path,
    questions: list[str],
    *,
    warmup: list[str],
    work: Path,
    add: Path | None = None,
    after: list[str] | None = None,
) -> dict[str, Any]:
    """Extractive answers in one new process: warm latency, peak RSS, optionally an in-process add."""
    args = ["ours", "--store", str(store)]
    if add is not None:
        args += ["--add", str(add), "--after", *(after or questions[:2])]
    got = _child(args, questions, warmup, work)
    result: dict[str, Any] = {"answer": latency(got["seconds"]), "peak_rss_mb": got["process_peak_rss_mb"]}
    if add is not None:
        warm_ms = result["answer"]["p50_ms"]
        result.update(
            add_in_process_s=round(got["add_s"], 3),
            add_chunks_embedded=got["add_chunks_embedded"],
            first_after_add_ms=round(got["first_after_add_s"] * 1000, 1),
            warm_after_add_ms=[round(s * 1000, 1) for s in got["warm_after_add_s"]],
            next_question_extra_ms=round(got["first_after_add_s"] * 1000 - warm_ms, 1),
        )
    return result


def starter_answers(persist: Path, questions: list[str], *, warmup: list[str], work: Path) -> dict[str, Any]:
    """The starter's retriever (it has no answer step) on the same questions, in a new process."""
    got = _child(["starter", "--persist", str(persist)], questions, warmup, work)
    return {"retrieve": latency(got["seconds"]), "peak_rss_mb": got["process_peak_rss_mb"]}


def starter_cold(persist: Path, question: str, work: Path) -> dict[str, Any]:
    """A new process that opens the starter's index and retrieves for one question."""
    got = _child(["starter", "--persist", str(persist)], [question], [], work)
    return {"wall_s": got["process_wall_s"], "peak_rss_mb": got["process_peak_rss_mb"]}


def new_article(template: Path, dest: Path, tag: str) -> Path:
    """A file with one article no store holds: a BBC article with a dated line added."""
    lines = template.read_text(encoding="utf-8", errors="replace").splitlines()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    lines[0] = f"{lines[0].strip()} ({tag})"
    lines.append(f"The figures were checked again at {stamp} ({tag}).")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def add_by_cli(store: Path, path: Path) -> dict[str, Any]:
    """``qa ingest FILE`` in a new process: wall time (the CLI's whole run) and its summary line."""
    run = run_process([sys.executable, "-m", "qa", "ingest", str(path), "--store", str(store), "--quiet"])
    return {
        "wall_s": round(run["wall_s"], 3),
        "peak_rss_mb": round(run["peak_rss_mb"], 1),
        "code": run["code"],
        "summary": run["stdout"].strip()[-200:],
    }
