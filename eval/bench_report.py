"""The benchmark's report: targets checked, the printed table, the plot.

``targets`` says which of the issue's targets hold (reported, never failed
on); ``print_table`` prints both pipelines side by side; ``plot`` draws
``bench.png`` when matplotlib is installed. Formats a result; measures nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.bench_common import log

TARGETS = {
    "cold_ask_s": ("cold `qa ask` wall time", "<=", 3.0),
    "warm_ask_p50_ms": ("warm extractive ask p50 (ms)", "<=", 50.0),
    "throughput_ratio": ("embedding tokens/s vs starter (x), all text embedded", ">=", 2.0),
    "reingest_speedup": ("unchanged re-ingest vs starter rebuild (x)", ">=", 50.0),
    "scale_latency_ratio": ("retrieve p50 at 16x / at 1x", "<=", 2.0),
}


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    ours, starter = result["ingest"]["ours"], result["ingest"]["starter"]
    rate = (
        "tokens_per_s_model"
        if ours.get("tokens_per_s_model") and starter.get("tokens_per_s_model")
        else "tokens_per_s_wall"
    )
    values: dict[str, float | None] = {
        "cold_ask_s": result["cold_start"]["wall_s"],
        "warm_ask_p50_ms": result["query"]["latency"]["ours_ask_extractive"]["p50_ms"],
        "throughput_ratio": ours[rate] / starter[rate] if ours["share_not_embedded"] == 0 else 0.0,
        "reingest_speedup": result["reingest"]["starter_rebuild_s"] / max(result["reingest"]["ours_unchanged_s"], 1e-6),
        "scale_latency_ratio": None,
    }
    rows = {r["factor"]: r for r in result["scale"]["rows"]}
    if 1 in rows and 16 in rows:
        values["scale_latency_ratio"] = rows[16]["retrieve"]["p50_ms"] / rows[1]["retrieve"]["p50_ms"]
    out = []
    for key, (label, op, limit) in TARGETS.items():
        value = values[key]
        holds = None if value is None else (value <= limit if op == "<=" else value >= limit)
        out.append(
            {
                "name": key,
                "label": label,
                "value": None if value is None else round(value, 3),
                "target": f"{op} {limit:g}",
                "holds": holds,
            }
        )
    return out


def print_table(result: dict[str, Any]) -> None:
    ours, st = result["ingest"]["ours"], result["ingest"]["starter"]
    re_, q, cold = result["reingest"], result["query"], result["cold_start"]
    lat, rec = q["latency"], q["recall"]

    def n(v: Any, fmt: str = "{:,}") -> str:
        return "-" if v is None else fmt.format(v)

    lines = [
        ("", "ours", "llama-index starter"),
        ("BBC articles ingested", n(ours["articles"]), n(st["articles"])),
        ("chunks embedded", n(ours["chunks"]), n(st["chunks"])),
        ("full ingest wall (s)", n(ours["wall_s"]), n(st["wall_s"])),
        ("word pieces fed to model", n(ours["word_pieces_fed"]), n(st["word_pieces_fed"])),
        ("tokens/s (model time)", n(ours["tokens_per_s_model"]), n(st["tokens_per_s_model"])),
        ("tokens/s (whole ingest)", n(ours["tokens_per_s_wall"]), n(st["tokens_per_s_wall"])),
        ("text never embedded", n(ours["share_not_embedded"], "{:.1%}"), n(st["share_not_embedded"], "{:.1%}")),
        ("unchanged re-ingest (s)", n(re_["ours_unchanged_s"]), f"{re_['starter_rebuild_s']:,} (rebuild)"),
        ("re-ingest after 1 edit (s)", n(re_["ours_edited_s"]), f"{re_['starter_rebuild_s']:,} (rebuild)"),
        (
            "warm retrieve p50 / p95 (ms)",
            f"{lat['ours_retrieve']['p50_ms']} / {lat['ours_retrieve']['p95_ms']}",
            f"{lat['starter_retrieve']['p50_ms']} / {lat['starter_retrieve']['p95_ms']}",
        ),
        (
            "warm extractive ask p50 / p95 (ms)",
            f"{lat['ours_ask_extractive']['p50_ms']} / {lat['ours_ask_extractive']['p95_ms']}",
            "-",
        ),
        ("bulletin chunks in the index", n(rec["ours_chunks"]), n(rec["starter_chunks"])),
        (
            "evidence recall@1 (bulletin gold)",
            n(rec["ours"]["recall_at_1"], "{:.1%}"),
            n(rec["starter"]["recall_at_1"], "{:.1%}"),
        ),
        (
            "evidence recall@5 (bulletin gold)",
            n(rec["ours"]["recall_at_5"], "{:.1%}"),
            n(rec["starter"]["recall_at_5"], "{:.1%}"),
        ),
        ("cold `qa ask`: wall (s) / peak RSS (MB)", f"{cold['wall_s']} / {cold['peak_rss_mb']}", "-"),
    ]
    width = max(len(a) for a, _, _ in lines)
    print()
    for a, b, c in lines:
        print(f"{a:<{width}}  {b:>22}  {c:>22}")
    print("\nscale (ours; copies use precomputed vectors, queries the real path):")
    print(
        f"{'factor':>6} {'articles':>9} {'chunks':>8} {'index MB':>9} {'first query s':>14} {'retrieve p50/p95 ms':>20}"
    )
    for r in result["scale"]["rows"]:
        print(
            f"{r['factor']:>5}x {r['articles']:>9,} {r['chunks']:>8,} {r['index_bytes'] / 1e6:>9.1f} "
            f"{r['first_query_s']:>14} {r['retrieve']['p50_ms']:>9} / {r['retrieve']['p95_ms']:<9}"
        )
    if result.get("encoders"):
        print("\nembedding options (same chunks):")
        for r in result["encoders"]:
            print(
                f"  {r['option']:<32} {r['tokens_per_s']:>8,} tok/s   worst cosine to fp32 {r['worst_cosine_to_fp32']}"
            )
    print("\ntargets:")
    for t in result["targets"]:
        mark = {True: "HOLDS", False: "MISSES", None: "not measured"}[t["holds"]]
        print(f"  {mark:<12} {t['label']}: {n(t['value'])} (target {t['target']})")


def plot(result: dict[str, Any], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib not installed: no plot (pip install matplotlib)")
        return None
    ours, st = result["ingest"]["ours"], result["ingest"]["starter"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    names = ["ours", "starter"]
    axes[0].bar(names, [ours["wall_s"], st["wall_s"]], color=["#2a7", "#999"])
    axes[0].set_title(f"ingest of {result['meta']['bbc_files']:,} BBC files (s)")
    axes[1].bar(
        names,
        [ours["tokens_per_s_model"] or ours["tokens_per_s_wall"], st["tokens_per_s_model"] or st["tokens_per_s_wall"]],
        color=["#2a7", "#999"],
    )
    axes[1].set_title("word pieces embedded per second")
    for i, share in enumerate([ours["share_not_embedded"], st["share_not_embedded"]]):
        axes[1].annotate(
            f"{share:.0%} of text\nnever embedded",
            (i, 0),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    rows = result["scale"]["rows"]
    factors = [r["factor"] for r in rows]
    axes[2].plot(factors, [r["retrieve"]["p50_ms"] for r in rows], "o-", label="retrieve p50 (ms)")
    axes[2].plot(factors, [r["retrieve"]["p95_ms"] for r in rows], "s--", label="retrieve p95 (ms)")
    axes[2].set_xscale("log", base=2)
    axes[2].set_xlabel(f"corpus size (x {result['meta']['bbc_files']:,} BBC files)")
    axes[2].set_title("query latency at scale")
    twin = axes[2].twinx()
    twin.plot(factors, [r["index_bytes"] / 1e6 for r in rows], "^:", color="#c60", label="index MB")
    twin.set_ylabel("index size (MB)")
    axes[2].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"bulletin-qa vs llama-index starter ({result['meta']['mode']} run)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
