"""The benchmark's quick mode runs end to end and writes its report.

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

pytestmark = pytest.mark.slow


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


def test_quick_bench_exits_cleanly_and_prints_the_targets(quick_report):
    _, proc = quick_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "targets:" in proc.stdout


def test_quick_bench_writes_json_with_every_section(quick_report):
    out, _ = quick_report
    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert set(report) >= {"meta", "ingest", "reingest", "query", "cold_start", "scale", "targets"}
    assert report["meta"]["mode"] == "quick"
    for pipeline in ("ours", "starter"):
        assert set(report["ingest"][pipeline]) >= {
            "wall_s",
            "articles",
            "chunks",
            "word_pieces_fed",
            "share_not_embedded",
            "tokens_per_s_wall",
        }
    assert set(report["reingest"]) >= {"ours_unchanged_s", "ours_edited_s", "starter_rebuild_s"}
    assert set(report["query"]["latency"]) == {"ours_retrieve", "ours_ask_extractive", "starter_retrieve"}
    for pipeline in ("ours", "starter"):
        assert set(report["query"]["recall"][pipeline]) == {"recall_at_1", "recall_at_5", "mrr"}
    assert set(report["cold_start"]) >= {"wall_s", "peak_rss_mb"}
    assert [row["factor"] for row in report["scale"]["rows"]] == [1]
    assert {t["name"] for t in report["targets"]} == {
        "cold_ask_s",
        "warm_ask_p50_ms",
        "throughput_ratio",
        "reingest_speedup",
        "scale_latency_ratio",
    }


def test_quick_bench_counts_what_each_pipeline_embeds(quick_report):
    out, _ = quick_report
    ingest = json.loads((out / "bench.json").read_text(encoding="utf-8"))["ingest"]
    assert ingest["starter"]["articles"] == 100
    assert 0 < ingest["ours"]["articles"] <= 100  # identical articles are stored once
    # 120-token windows fit the model; 1,024-token chunks do not
    assert ingest["ours"]["share_not_embedded"] == 0
    assert ingest["starter"]["share_not_embedded"] > 0


def test_quick_bench_writes_a_plot_when_matplotlib_is_installed(quick_report):
    pytest.importorskip("matplotlib")
    out, _ = quick_report
    assert (out / "bench.png").stat().st_size > 0
