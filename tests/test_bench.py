"""The benchmark's quick mode runs end to end and reports every target.

Only the shape of the report is checked: timings are printed by the
benchmark, never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "data" / "bbc"
sys.path.insert(0, str(ROOT))

from eval.bench_report import target_rows  # noqa: E402

pytestmark = pytest.mark.slow
TARGETS = [row["name"] for row in target_rows({"meta": {"scale": 2}})]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    if not BBC.is_dir():
        pytest.skip(f"the BBC dataset is not at {BBC}")
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, "eval/bench.py", "--quick", "--out", str(out), "--bbc", str(BBC)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return out, proc


def test_every_target_has_a_row_even_with_nothing_measured():
    rows = target_rows({"meta": {"scale": 16}})
    assert len(TARGETS) == len(set(TARGETS)) == 15
    assert all(row["holds"] is None for row in rows)


def test_quick_bench_prints_one_row_per_target(quick_report):
    out, proc = quick_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    table = proc.stdout[proc.stdout.index("targets (quick run") :]
    assert "ours 1x" in table and "ours 2x" in table and "starter" in table
    for row in report["targets"]:
        assert row["label"] in table


def test_quick_bench_json_holds_every_target_at_1x_and_the_scale_copy(quick_report):
    out, _ = quick_report
    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert report["meta"]["mode"] == "quick" and report["meta"]["scale"] == 2
    assert [row["name"] for row in report["targets"]] == TARGETS
    rows = {row["name"]: row for row in report["targets"]}
    for name in ("cold_ask_s", "warm_answer_p50_ms", "ask_peak_rss_mb", "answering_peak_rss_mb"):
        assert rows[name]["ours_1x"] is not None and rows[name]["ours_scale"] is not None, name
        assert rows[name]["starter"] is not None, name
    for name in (
        "add_article_cli_s",
        "add_article_in_process_s",
        "next_question_extra_ms",
        "ingest_wall_s",
        "ingest_model_s",
        "ingest_wall_vs_model",
    ):
        assert rows[name]["ours_1x"] is not None, name
    assert rows["embed_precision"]["ours_1x"].split()[0] in {"fp32", "int8"}


def test_quick_bench_scale_copy_holds_twice_the_chunks(quick_report):
    out, _ = quick_report
    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    built = report["scale"]["store"]
    assert built["base_chunks"] >= report["ingest"]["ours"]["chunks"]  # plus the articles added at 1x
    assert built["chunks"] == 2 * built["base_chunks"]


def test_quick_bench_embeds_all_of_our_text_and_not_all_of_the_starters(quick_report):
    out, _ = quick_report
    ingest = json.loads((out / "bench.json").read_text(encoding="utf-8"))["ingest"]
    assert ingest["starter"]["articles"] == 120
    assert ingest["ours"]["share_not_embedded"] == 0
    assert ingest["starter"]["share_not_embedded"] > 0


def test_quick_bench_writes_markdown_and_a_plot(quick_report):
    out, _ = quick_report
    assert "| target |" in (out / "bench.md").read_text(encoding="utf-8")
    pytest.importorskip("matplotlib")
    assert (out / "bench.png").stat().st_size > 0
