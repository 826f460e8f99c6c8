"""`qa eval` over both gold sets: the seed bulletin's and a BBC-style set with dev and test halves.

The BBC set here is a tiny fixture (``tests/data/bbc-gold/gold.jsonl``: three
test items, one of them a follow-up and one unanswerable, and one dev item)
over five BBC articles copied to a temp folder, so no test ingests the whole
archive. One folder of indexes is shared by the module, so each corpus is
embedded once.
"""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from eval.harness import gates, main

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "data" / "bbc"
GOLD = ROOT / "tests" / "data" / "bbc-gold" / "gold.jsonl"
ARTICLES = ("business/001.txt", "entertainment/001.txt", "politics/001.txt", "sport/001.txt", "tech/001.txt")
TEST_IDS, DEV_IDS = ["bbcT-001", "bbcT-003", "bbcT-004"], ["bbcT-005"]


def run_eval(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not (BBC / "business").is_dir():
        pytest.skip(f"the BBC dataset is not at {BBC}")
    root = tmp_path_factory.mktemp("eval-bbc")
    for name in ARTICLES:
        (root / "bbc" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BBC / name, root / "bbc" / name)
    return {"bbc": root / "bbc", "bbc_store": root / "bbc-store", "store": root / "seed-store", "root": root}


def bbc_args(folders: dict[str, Path], *more: str) -> list[str]:
    return [
        "--mode",
        "extractive",
        "--bbc",
        str(folders["bbc"]),
        "--bbc-gold",
        str(GOLD),
        "--bbc-store",
        str(folders["bbc_store"]),
        "--store",
        str(folders["store"]),
        *more,
    ]


@pytest.fixture(scope="module")
def both_sets(folders: dict[str, Path]) -> tuple[int, dict[str, Any], Path]:
    report = folders["root"] / "report"
    ids = ",".join(["q004", "q088", *TEST_IDS, *DEV_IDS])
    code, out, _ = run_eval("--json", *bbc_args(folders, "--ids", ids, "--no-ablation", "--report", str(report)))
    return code, json.loads(out), report


@pytest.mark.slow
def test_one_run_reports_the_seed_set_and_the_bbc_set(both_sets: tuple[int, dict[str, Any], Path]) -> None:
    code, summary, report = both_sets
    assert code in (0, 1)
    assert set(summary) == {"seed", "bbc", "archive"}
    assert summary["seed"]["run"]["items"] == 2
    assert summary["bbc"]["run"]["gold"].endswith("gold.jsonl") and summary["bbc"]["run"]["chunks"] > 0
    stored = json.loads((report / "metrics.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in stored["bbc"]["items"]] == TEST_IDS + DEV_IDS
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert "## Gold set: seed" in markdown and "## Gold set: bbc" in markdown
    assert (report / "chart.svg").is_file() and (report / "chart-bbc.svg").is_file()


@pytest.mark.slow
def test_the_seed_set_is_asked_again_over_the_archive_with_the_bulletin_added(
    folders: dict[str, Path], both_sets: tuple[int, dict[str, Any], Path]
) -> None:
    _, summary, report = both_sets
    archive, seed, bbc = summary["archive"], summary["seed"], summary["bbc"]
    assert archive["run"]["items"] == seed["run"]["items"] == 2
    assert archive["run"]["chunks"] == bbc["run"]["chunks"] + seed["run"]["chunks"]  # a copy of the BBC index
    assert archive["dev"]["label"] == "bulletin alone"
    assert archive["dev"]["answerable_accuracy"] == seed["answerable_accuracy"]
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert "## Gold set: archive" in markdown and "bulletin alone (2 items)" in markdown
    from qa.store import open_store

    kept = open_store(folders["bbc_store"] / "chunks-120")  # the BBC index itself gained no bulletin article
    assert kept.catalog.counts()["chunks"] == bbc["run"]["chunks"]
    code, out, _ = run_eval("--json", *bbc_args(folders, "--ids", "q004,bbcT-001", "--no-ablation", "--no-archive"))
    assert code in (0, 1) and set(json.loads(out)) == {"seed", "bbc"}


@pytest.mark.slow
def test_test_half_is_reported_and_dev_half_beside_it(both_sets: tuple[int, dict[str, Any], Path]) -> None:
    _, summary, _ = both_sets
    bbc = summary["bbc"]
    assert bbc["run"]["split"] == "test" and bbc["run"]["items"] == len(TEST_IDS)
    assert bbc["dev"]["items"] == len(DEV_IDS)
    assert bbc["per_category"]["unanswerable"]["n"] == 1  # only test items in the reported figures
    assert "numeric" in bbc["per_category"] and bbc["per_category"]["numeric"]["n"] == 1


@pytest.mark.slow
def test_bbc_set_reports_per_class_follow_up_and_retrieval_against_the_starter(
    both_sets: tuple[int, dict[str, Any], Path],
) -> None:
    _, summary, _ = both_sets
    bbc = summary["bbc"]
    assert set(bbc["per_class"]) == {"lede_wins", "follow_up", "unanswerable", "near_miss"}
    assert bbc["per_class"]["lede_wins"]["n"] == 1  # the dev item's lede_wins is not counted
    assert 0.0 <= bbc["follow_up_accuracy"] <= 1.0
    retrieval = bbc["retrieval"]
    assert retrieval["items"] == 2  # the answerable test items with evidence
    for pipeline in ("ours", "starter"):
        curve = [retrieval[pipeline][f"evidence_recall_at_{j}"] for j in range(1, 6)]
        assert curve == sorted(curve) and 0.0 <= curve[0] <= curve[-1] <= 1.0
    # what a passage holds is reported beside the recall it buys: one or two windows vs whole-article nodes
    assert 0 < retrieval["ours"]["mean_passage_chars"] <= retrieval["starter"]["mean_passage_chars"]
    margins = [
        retrieval["ours"][f"evidence_recall_at_{j}"] - retrieval["starter"][f"evidence_recall_at_{j}"]
        for j in range(1, 6)
    ]
    assert bbc["evidence_recall_lead_over_starter"] == pytest.approx(min(margins), abs=1e-4)


@pytest.mark.slow
def test_split_dev_reports_only_the_dev_items(folders: dict[str, Path], both_sets: Any) -> None:
    code, out, _ = run_eval(
        "--json",
        *bbc_args(
            folders, "--gold-set", "bbc", "--split", "dev", "--no-starter", "--report", str(folders["root"] / "dev")
        ),
    )
    bbc = json.loads(out)["bbc"]
    assert code in (0, 1)
    assert bbc["run"]["split"] == "dev" and bbc["run"]["items"] == 1 and "dev" not in bbc
    stored = json.loads((folders["root"] / "dev" / "metrics.json").read_text(encoding="utf-8"))["bbc"]
    assert [r["id"] for r in stored["items"]] == DEV_IDS
    assert bbc["evidence_recall_lead_over_starter"] is None and "starter" not in bbc["retrieval"]


@pytest.mark.slow
def test_gate_on_the_bbc_set_can_fail(folders: dict[str, Path], both_sets: Any) -> None:
    code, out, _ = run_eval(
        *bbc_args(
            folders,
            "--gold-set",
            "bbc",
            "--no-starter",
            "--report",
            str(folders["root"] / "gate"),
            "--fail-under",
            "answer_accuracy=1.01",
        )
    )
    assert code == 1
    assert any(line.startswith("FAIL bbc: answer_accuracy ") and line.endswith(" < 1.01") for line in out.splitlines())
    assert "qa eval [bbc]" in out and "qa eval [seed]" not in out


def test_missing_bbc_archive_is_one_line_and_the_seed_set_still_runs(tmp_path: Path) -> None:
    code, out, err = run_eval(
        "--json",
        "--mode",
        "extractive",
        "--ids",
        "q004",
        "--no-ablation",
        "--bbc",
        str(tmp_path / "no-bbc-here"),
        "--store",
        str(tmp_path / "store"),
        "--report",
        str(tmp_path / "report"),
    )
    assert code in (0, 1)
    assert set(json.loads(out)) == {"seed"}
    notes = [line for line in err.splitlines() if "no-bbc-here" in line]
    assert len(notes) == 1 and notes[0].startswith("BBC gold set skipped:")


def test_missing_bbc_archive_asked_for_explicitly_exits_2(tmp_path: Path) -> None:
    code, out, err = run_eval("--gold-set", "bbc", "--bbc", str(tmp_path / "no-bbc-here"), "--report", str(tmp_path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "no-bbc-here" in err
    assert not any(tmp_path.iterdir())


def test_bbc_gates_come_from_their_own_table(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[tool.qa.eval]\nanswer_accuracy = 0.85\n\n"
        "[tool.qa.eval.bbc]\nevidence_recall_at_1 = 0.8\nevidence_recall_lead_over_starter = 0.0\n",
        encoding="utf-8",
    )
    assert gates([], 5, pyproject) == {"answer_accuracy": 0.85}
    assert gates(["mrr=0.5"], 5, pyproject, gold_set="bbc") == {
        "evidence_recall_at_1": 0.8,
        "evidence_recall_lead_over_starter": 0.0,
        "mrr": 0.5,
    }
