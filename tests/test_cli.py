"""The `qa` command as a user runs it: a real process, a real index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def qa_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "QA_"))}
    full_env["QA_LOCAL_MODEL"] = "off"  # the bundled model's own tests turn it on
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli") / "store"
    done = qa_cli("ingest", "--store", str(path), "--quiet")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("6 articles: 6 added")
    return str(path)


def test_ask_prints_the_answer_then_numbered_sources_with_quotes(store: str) -> None:
    done = qa_cli("ask", "Who leads ISIS-K in Afghanistan?", "--store", store)
    assert done.returncode == 0, done.stderr
    answer, _, sources = done.stdout.partition("\nSources:\n")
    assert "Sanaullah Ghafari" in answer and "[1]" in answer
    assert sources.startswith("[1] ") and "Afghanistan International, 2024-09-05" in sources
    assert "“The report states that Sanaullah Ghafari remains the leader" in sources


def test_ask_json_is_one_object_with_citations(store: str) -> None:
    done = qa_cli("ask", "How many executions did Iran carry out in August?", "--store", store, "--json")
    data = json.loads(done.stdout)
    assert data["mode"] == "extractive" and not data["refused"]
    assert {c["n"] for c in data["citations"]} == {1, 2}


@pytest.mark.parametrize(
    ("dates", "said"),
    [
        (("--since", "2030-01-01", "--until", "2030-12-31"), "dated from 2030-01-01 to 2030-12-31"),
        (("--until", "2020-01-01"), "dated on or before 2020-01-01"),
    ],
)
def test_date_range_without_articles_says_which_dates_the_index_covers(
    store: str, dates: tuple[str, ...], said: str
) -> None:
    done = qa_cli("ask", "Who leads ISIS-K in Afghanistan?", "--store", store, *dates)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip()
        == f"No indexed article is {said}: every dated article is from 2024-09-05. Widen or clear the dates."
    )
    assert "nothing retrieved" not in done.stdout + done.stderr


def test_refusal_prints_the_refusal_then_the_nearest_passages_as_no_sources(store: str) -> None:
    done = qa_cli("ask", "How many people died in the Kerman attack?", "--store", store)
    assert done.returncode == 0
    refusal, _, rest = done.stdout.partition("\n\n")
    assert refusal == "The bulletins don't cover this." and "Sources" not in done.stdout
    lines = rest.splitlines()
    assert lines[0] == "Nearest passages (none of them answers the question):"
    assert len([line for line in lines if line.startswith("- ")]) == 3 and "[1]" not in rest


@pytest.mark.parametrize(
    "args",
    [
        ["ask", ""],
        ["ask", "   "],
        ["ask", "Who?", "--k", "-3"],
        ["ask", "Who?", "--since", "2024-02-30"],
        ["ask", "Who?", "--until", "next week"],
        ["ask", "Who?", "--mode", "oracle"],
        ["ask"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2_with_one_line_and_no_traceback(store: str, args: list[str]) -> None:
    done = qa_cli(*args, "--store", store) if args[0] == "ask" and len(args) > 1 else qa_cli(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: error:")
    assert "Traceback" not in done.stderr


def test_llm_mode_with_no_model_is_a_usage_error(store: str) -> None:
    done = qa_cli("ask", "Who leads ISIS-K?", "--store", store, "--mode", "llm")
    assert done.returncode == 2 and "OPENAI_API_KEY" in done.stderr


@pytest.mark.parametrize(
    "question",
    [
        "¿Quién dirige ISIS-K en Afganistán?",
        "داعش خراسان را چه کسی رهبری می‌کند؟",
        "ISIS-K 的领导人是谁？",
        "\u202eWho leads ISIS-K?",
    ],
)
def test_non_english_and_odd_script_questions_get_an_answer_or_a_refusal(store: str, question: str) -> None:
    done = qa_cli("ask", question, "--store", store, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["refused"] or data["citations"]


def test_ask_on_a_missing_store_with_a_dead_chroma_server_is_one_line(tmp_path: Path) -> None:
    done = qa_cli("ask", "Who leads ISIS-K?", "--store", str(tmp_path / "s"), "--chroma-url", "http://127.0.0.1:9")
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Chroma" in done.stderr


def test_stats_reports_what_the_index_holds(store: str) -> None:
    done = qa_cli("stats", "--store", store)
    assert done.returncode == 0 and done.stdout.startswith("6 articles, 34 chunks from 1 files")


def test_default_store_is_filled_from_corpus_on_first_ask(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    for f in (ROOT / "corpus").iterdir():
        (tmp_path / "corpus" / f.name).write_bytes(f.read_bytes())
    done = qa_cli("ask", "Who leads ISIS-K in Afghanistan?", cwd=tmp_path, env={"PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "Ghafari" in done.stdout and (tmp_path / ".qa_store" / "catalog.sqlite").exists()


def test_calibrate_command_is_wired_and_refits_on_dev_only() -> None:
    done = qa_cli("calibrate", "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())  # argparse wraps the description to the terminal's width
    assert "dense weight" in text and "dev half" in text and "--dry-run" in text


@pytest.mark.slow
def test_calibrate_dry_run_scores_the_dev_half_and_leaves_the_calibration_file_alone() -> None:
    from qa import calibration

    before = calibration.PATH.read_bytes()
    done = qa_cli("calibrate", "--dry-run")
    assert done.returncode == 0, done.stderr
    dev = sum(1 for line in (ROOT / "eval" / "gold.jsonl").read_text().splitlines() if line.strip()) // 2
    assert f"gold.jsonl ({dev})" in done.stdout and "before" in done.stdout and "after" in done.stdout
    assert calibration.PATH.read_bytes() == before


def test_ingest_refuses_an_index_of_an_earlier_version_in_one_line_and_rebuild_brings_it_up_to_date(
    tmp_path: Path,
) -> None:
    import sqlite3

    path = tmp_path / "old"
    assert qa_cli("ingest", "--store", str(path), "--quiet").returncode == 0
    with sqlite3.connect(path / "catalog.sqlite") as conn:  # as an index written before the kind was recorded
        conn.execute("DELETE FROM meta WHERE key = 'vectors'")
    conn.close()

    refused = qa_cli("ingest", "--store", str(path), "--quiet")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "qa ingest --rebuild" in refused.stderr

    rebuilt = qa_cli("ingest", "--store", str(path), "--quiet", "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "34 chunks embedded" in rebuilt.stdout  # every chunk again
    again = qa_cli("ingest", "--store", str(path), "--quiet")
    assert again.returncode == 0 and "0 chunks embedded" in again.stdout, again.stdout


def test_ingesting_a_file_never_loads_the_answer_path_llama_index_or_openai(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from qa.cli import main\n"
        f"code = main(['ingest', {str(ROOT / 'corpus')!r}, '--store', {str(tmp_path / 'store')!r}, '--quiet'])\n"
        "loaded = sorted(m for m in ('qa.answer', 'qa.reader', 'qa.extractive', 'llama_index', 'openai') "
        "if m in sys.modules)\n"
        "print(code, loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "QA_"))}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "0 []"
    # the public names still load on first use
    asked = subprocess.run(
        [sys.executable, "-c", "import qa; print(qa.ask.__module__, qa.Answer.__name__, qa.IngestReport.__name__)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert asked.stdout.split() == ["qa.api", "Answer", "IngestReport"], asked.stderr
