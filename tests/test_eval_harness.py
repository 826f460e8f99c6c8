"""`qa eval` end to end: real indexes built from real bulletins, the real model, subsets of the gold set.

One folder of eval indexes is shared by the module (``--store``), so the corpus
is embedded once; runs use a few gold items each.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from eval.harness import gates, main
from qa.cli import main as qa_main

# Mixed categories: person, factual, numeric, date, conflicting, follow_up, hard_negative, unanswerable.
SUBSET = "q001,q004,q013,q058,q064,q073,q079,q088"
REQUIRED_KEYS = (
    "answer_accuracy",
    "evidence_recall_at_k",
    "mrr",
    "citation_precision",
    "citation_recall",
    "refusal_precision",
    "refusal_recall",
    "unsupported_rate",
    "answerable_refusal_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
UNRELATED_ARTICLES = [
    {
        "title": "Harbour town hosts its first cheese festival",
        "source": "Coastal Courier",
        "date": "2023-05-14",
        "text": "The harbour town of Wellmouth held its first cheese festival on Saturday. "
        "Forty farms brought soft and hard cheeses to the quay, and the mayor judged a contest for the best goat cheese. "
        "Organisers said about two thousand visitors came despite the rain.",
    },
    {
        "title": "Library reopens after roof repairs",
        "source": "Coastal Courier",
        "date": "2023-06-02",
        "text": "The town library reopened on Monday after eight months of roof repairs. "
        "Children's reading hours resume next week, and the local history room now has a new map archive. "
        "The council paid for the work from its maintenance budget.",
    },
    {
        "title": "Rowing club wins regional regatta",
        "source": "Coastal Courier",
        "date": "2023-07-21",
        "text": "Wellmouth Rowing Club won the regional regatta on the river Ashe, taking the coxed fours by two lengths. "
        "The club's coach credited a winter of early training sessions. "
        "The team will race at the national championships in September.",
    },
]


def run_eval(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def without_timing(summary: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in summary.items() if not k.startswith("latency_")}
    data["run"] = {k: v for k, v in summary["run"].items() if k != "seconds"}
    return data


@pytest.fixture(scope="module")
def eval_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("eval-indexes")


@pytest.fixture(scope="module")
def first_run(eval_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    report = tmp_path_factory.mktemp("report")
    code, out, _ = run_eval(
        "--json", "--mode", "extractive", "--ids", SUBSET, "--store", str(eval_store), "--report", str(report)
    )
    by_set = json.loads(out)
    assert set(by_set) == {"seed"}  # the ids are all seed ids, so the BBC set has nothing to ask
    return code, by_set["seed"], report


@pytest.mark.slow
def test_json_output_holds_every_required_metric(first_run: tuple[int, dict[str, Any], Path]) -> None:
    code, summary, _ = first_run
    assert code in (0, 1)  # ran to the end; whether the gates pass on a subset is not the point here
    for key in REQUIRED_KEYS:
        assert isinstance(summary[key], int | float), key
    for key in REQUIRED_KEYS[:-2]:
        assert 0.0 <= summary[key] <= 1.0, key
    assert summary["run"]["items"] == len(SUBSET.split(","))
    assert summary["run"]["answer_modes"] == ["extractive"]
    assert set(summary["per_category"]) == {
        "person",
        "factual",
        "numeric",
        "date",
        "conflicting",
        "follow_up",
        "hard_negative",
        "unanswerable",
    }


@pytest.mark.slow
def test_ablation_compares_three_retrievers_at_two_chunk_sizes(first_run: tuple[int, dict[str, Any], Path]) -> None:
    _, summary, _ = first_run
    configs = {(row["retriever"], row["chunk_tokens"]) for row in summary["ablation"]}
    assert configs == {(r, size) for r in ("dense", "keyword", "hybrid") for size in (120, 240)}
    sizes = {row["chunk_tokens"]: row["chunks"] for row in summary["ablation"]}
    assert sizes[240] < sizes[120]
    for row in summary["ablation"]:
        assert 0.0 <= row["evidence_recall_at_1"] <= row["evidence_recall_at_k"] <= 1.0
        assert 0.0 <= row["mrr"] <= 1.0


@pytest.mark.slow
def test_report_folder_gets_json_markdown_and_chart(first_run: tuple[int, dict[str, Any], Path]) -> None:
    _, summary, report = first_run
    stored = json.loads((report / "metrics.json").read_text(encoding="utf-8"))["seed"]
    assert stored["answer_accuracy"] == summary["answer_accuracy"]
    assert [item["id"] for item in stored["items"]] == SUBSET.split(",")
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert "## Gold set: seed" in markdown
    assert "](chart.svg)" in markdown and "### Retrieval ablation" in markdown
    svg = (report / "chart.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "hybrid @240" in svg and "follow_up" in svg


@pytest.mark.slow
def test_same_input_gives_same_extractive_figures_twice(
    first_run: tuple[int, dict[str, Any], Path], eval_store: Path, tmp_path: Path
) -> None:
    _, first, _ = first_run
    _, out, _ = run_eval(
        "--json", "--mode", "extractive", "--ids", SUBSET, "--store", str(eval_store), "--report", str(tmp_path)
    )
    assert without_timing(json.loads(out)["seed"]) == without_timing(first)


@pytest.mark.slow
def test_gate_fails_when_threshold_is_out_of_reach(eval_store: Path, tmp_path: Path) -> None:
    code, out, _ = run_eval(
        "--mode",
        "extractive",
        "--ids",
        "q004,q088",
        "--no-ablation",
        "--store",
        str(eval_store),
        "--report",
        str(tmp_path),
        "--fail-under",
        "answer_accuracy=1.01",
    )
    assert code == 1
    assert any(re.fullmatch(r"FAIL seed: answer_accuracy [\d.]+ < 1\.01", line) for line in out.splitlines()), out
    assert "metric" in out and "answer_accuracy" in out  # the table is printed too


@pytest.mark.slow
def test_gate_fails_when_index_holds_unrelated_articles(tmp_path: Path) -> None:
    corpus = tmp_path / "unrelated"
    corpus.mkdir()
    (corpus / "courier.jsonl").write_text("\n".join(json.dumps(a) for a in UNRELATED_ARTICLES) + "\n", encoding="utf-8")
    code, out, err = run_eval(
        "--json",
        "--mode",
        "extractive",
        "--corpus",
        str(corpus),
        "--ids",
        "q004,q013,q058",
        "--no-ablation",
        "--store",
        str(tmp_path / "store"),
        "--report",
        str(tmp_path / "report"),
    )
    summary = json.loads(out)["seed"]
    assert code == 1
    assert summary["evidence_recall_at_k"] == 0.0
    assert "FAIL seed: evidence_recall_at_k 0 < " in err


@pytest.mark.parametrize(
    "spec",
    ["no_such_metric=0.5", "answer_accuracy=high", "answer_accuracy", "answer_accuracy=nan", "prompt_tokens=10"],
)
def test_bad_fail_under_spec_exits_2_with_one_line(spec: str, tmp_path: Path) -> None:
    code, out, err = run_eval("--fail-under", spec, "--report", str(tmp_path))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("qa eval: error:")
    assert not any(tmp_path.iterdir())  # failed before doing any work


def test_fail_under_replaces_the_pyproject_gate_on_the_same_metric(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[tool.qa.eval]\nanswer_accuracy = 0.85\nanswerable_refusal_rate_max = 0.05\nevidence_recall_at_k = 0.95\n",
        encoding="utf-8",
    )
    assert gates([], 5, pyproject) == {
        "answer_accuracy": 0.85,
        "answerable_refusal_rate_max": 0.05,
        "evidence_recall_at_k": 0.95,
    }
    assert gates(["answerable_refusal_rate=0.2", "mrr=0.5", "answer_accuracy=0.9"], 5, pyproject) == {
        "evidence_recall_at_k": 0.95,
        "answerable_refusal_rate": 0.2,
        "mrr": 0.5,
        "answer_accuracy": 0.9,
    }


def test_qa_eval_command_passes_its_arguments_to_the_harness(capsys: pytest.CaptureFixture[str]) -> None:
    assert qa_main(["eval", "--", "--fail-under", "no_such_metric=1"]) == 2
    assert "unknown metric 'no_such_metric'" in capsys.readouterr().err


def test_qa_eval_command_accepts_options_without_separator(capsys: pytest.CaptureFixture[str]) -> None:
    assert qa_main(["eval", "--fail-under", "no_such_metric=1"]) == 2
    assert "unknown metric 'no_such_metric'" in capsys.readouterr().err


@pytest.mark.slow
def test_eval_builds_its_index_at_the_precision_the_environment_asks_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa.store import open_store

    monkeypatch.setenv("QA_EMBED_PRECISION", "int8")
    _, out, _ = run_eval(  # the exit code is the gates' verdict on eight items, not what is tested here
        "--json",
        "--mode",
        "extractive",
        "--ids",
        SUBSET,
        "--no-ablation",
        "--store",
        str(tmp_path / "idx"),
        "--report",
        str(tmp_path / "report"),
    )
    assert json.loads(out)["seed"]["run"]["items"] == len(SUBSET.split(","))
    assert open_store(tmp_path / "idx" / "chunks-120", create=False).precision == "int8"


def test_a_model_runs_headline_names_the_reader_and_how_much_it_read() -> None:
    from eval.report import text_tables

    run = {"items": 3, "gold": "g.jsonl", "mode": "llm", "answer_modes": ["llm"], "k": 5, "corpus": "c",
           "chunks": 9, "chunk_tokens": 120, "seconds": 1.0}  # fmt: skip
    plain = text_tables({"seed": {"run": run}})
    read = text_tables({"seed": {"run": run | {"reader": "local qwen", "read_budget": 300}}})
    assert "read by" not in plain
    assert "read by local qwen, 300 tokens of sources" in read.splitlines()[0]


def test_a_kept_eval_index_of_an_earlier_kind_of_vector_is_embedded_again_not_refused(tmp_path: Path) -> None:
    import sqlite3

    from eval.runs import build_index
    from qa.index import DEFAULT_CORPUS, VECTORS, ingest, outdated

    said: list[str] = []
    store = build_index(DEFAULT_CORPUS, tmp_path, 120, say=said.append)
    assert not outdated(store) and not any("earlier kind" in s for s in said)
    with sqlite3.connect(tmp_path / "chunks-120" / "catalog.sqlite") as conn:  # as an index of the earlier kind
        conn.execute("DELETE FROM meta WHERE key = 'vectors'")
    conn.close()

    store = build_index(DEFAULT_CORPUS, tmp_path, 120, say=said.append)
    assert any("earlier kind" in s for s in said)
    assert store.catalog.vector_kind() == VECTORS and not outdated(store)
    assert ingest([DEFAULT_CORPUS], store=store).chunks_embedded == 0  # the user's path takes it as it is now
