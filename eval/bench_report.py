"""The benchmark's report: one table of the issue's targets, as text, Markdown, JSON and a plot.

``target_rows`` turns a result into rows (target, ours at 1x, ours at the
scale factor, the starter where it applies, the target value, holds or
misses); ``print_table`` / ``markdown`` format them, ``plot`` draws cold
ask and warm p50 against their targets and both ingest walls. A target is
reported, never failed on. Formats a result; measures nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from eval.bench_common import log

COLD_1X_S, COLD_SCALE_S, COLD_VS_SEED = 1.5, 2.0, 1.2
WARM_1X_MS, WARM_SCALE_MS = 30.0, 60.0
ADD_S, NEXT_EXTRA_MS, RSS_MB = 2.0, 100.0, 1024.0
INGEST_VS_STARTER, INGEST_VS_MODEL = 1.25, 1.3


def _get(d: dict[str, Any] | None, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or d.get(k) is None:
            return None
        d = d[k]
    return d


def _le(value: Any, limit: float) -> bool | None:
    return None if value is None else bool(value <= limit)


def _all(*checks: bool | None) -> bool | None:
    known = [c for c in checks if c is not None]
    return None if not known else all(known)


def target_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target: name, label, ours_1x, ours_scale, starter, target, holds (None: not measured / no target)."""
    one, big, st = result.get("x1") or {}, result.get("scale") or {}, result.get("starter") or {}
    ours_in, st_in = _get(result, "ingest", "ours") or {}, _get(result, "ingest", "starter") or {}
    seed = _get(result, "seed", "cold", "wall_s")
    c1, cs = _get(one, "cold", "wall_s"), _get(big, "cold", "wall_s")
    w1, ws = _get(one, "warm", "answer", "p50_ms"), _get(big, "warm", "answer", "p50_ms")
    ratio = round(c1 / seed, 2) if c1 and seed else None
    walls = ours_in.get("wall_s"), st_in.get("wall_s")
    files = _get(result, "meta", "bbc_files")
    ratio_in = ours_in.get("wall_vs_model")
    rows = [
        ("cold_ask_s", "cold `qa ask` wall (s)", c1, cs, _get(st, "cold", "wall_s"),
         f"<= {COLD_1X_S:g} at 1x, <= {COLD_SCALE_S:g} at scale", _all(_le(c1, COLD_1X_S), _le(cs, COLD_SCALE_S))),
        ("cold_ask_vs_seed", f"cold ask vs the seed store's ({seed} s)", ratio, None, None,
         f"<= {COLD_VS_SEED:g}x", _le(ratio, COLD_VS_SEED)),
        ("warm_answer_p50_ms", "warm answer p50, reader questions (ms)", w1, ws,
         _get(st, "warm", "retrieve", "p50_ms"), f"<= {WARM_1X_MS:g} at 1x, <= {WARM_SCALE_MS:g} at scale",
         _all(_le(w1, WARM_1X_MS), _le(ws, WARM_SCALE_MS))),
        ("add_article_cli_s", "add one article: `qa ingest FILE`, new process (s)", _get(one, "add_cli", "wall_s"),
         None, None, f"<= {ADD_S:g}", _le(_get(one, "add_cli", "wall_s"), ADD_S)),
        ("add_article_in_process_s", "add one article in-process (s)", _get(one, "warm", "add_in_process_s"),
         None, None, f"<= {ADD_S:g}", _le(_get(one, "warm", "add_in_process_s"), ADD_S)),
        ("next_question_extra_ms", "next question after the add: extra (ms)",
         _get(one, "warm", "next_question_extra_ms"), None, None, f"<= {NEXT_EXTRA_MS:g}",
         _le(_get(one, "warm", "next_question_extra_ms"), NEXT_EXTRA_MS)),
        ("ingest_wall_s", f"ingest wall, {files or 0:,} BBC files (s)", walls[0], None, walls[1],
         f"<= {INGEST_VS_STARTER:g}x starter's",
         None if None in walls else walls[0] <= INGEST_VS_STARTER * walls[1]),
        ("ingest_model_s", "model-only time for the same text (s)", ours_in.get("model_s"), None,
         st_in.get("model_s"), "report", None),
        ("ingest_wall_vs_model", "ingest wall / model-only time", ratio_in, None, st_in.get("wall_vs_model"),
         f"<= {INGEST_VS_MODEL:g}", _le(ratio_in, INGEST_VS_MODEL)),
        ("share_not_embedded", "share of the text never embedded", ours_in.get("share_not_embedded"), None,
         st_in.get("share_not_embedded"), "0", None if not ours_in else ours_in["share_not_embedded"] == 0),
        ("word_pieces_embedded", "word pieces embedded", ours_in.get("word_pieces_fed"), None,
         st_in.get("word_pieces_fed"), "report", None),
        ("word_pieces_per_s", "word pieces embedded per second of ingest", ours_in.get("tokens_per_s_wall"), None,
         st_in.get("tokens_per_s_wall"), "report", None),
        ("embed_precision", "embedding precision (CPU flags)", _precision(ours_in), None, "fp32 (torch)", "report",
         None),
        ("ask_peak_rss_mb", "peak RSS of a `qa ask` process (MB)", _get(one, "cold", "peak_rss_mb"),
         _get(big, "cold", "peak_rss_mb"), _get(st, "cold", "peak_rss_mb"), f"< {RSS_MB:g} at scale",
         _all(_le(_get(big, "cold", "peak_rss_mb"), RSS_MB - 1e-9))),
        ("answering_peak_rss_mb", "peak RSS answering the warm questions (MB)", _get(one, "warm", "peak_rss_mb"),
         _get(big, "warm", "peak_rss_mb"), _get(st, "warm", "peak_rss_mb"), f"< {RSS_MB:g} at scale",
         _all(_le(_get(big, "warm", "peak_rss_mb"), RSS_MB - 1e-9))),
    ]  # fmt: skip
    keys = ("name", "label", "ours_1x", "ours_scale", "starter", "target", "holds")
    return [dict(zip(keys, r)) for r in rows]


def _precision(ours: dict[str, Any]) -> str | None:
    if not ours.get("precision"):
        return None
    return f"{ours['precision']} ({', '.join(ours.get('cpu_int8_flags') or []) or 'no int8 flags'})"


def _cell(v: Any, *, percent: bool = False) -> str:
    if v is None:
        return "-"
    if percent:
        return f"{v:.1%}"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _holds(h: bool | None) -> str:
    return {True: "HOLDS", False: "MISSES", None: "-"}[h]


def _header(result: dict[str, Any]) -> list[str]:
    return ["target", "ours 1x", f"ours {result['meta']['scale']}x", "starter", "target value", "holds"]


def table_lines(result: dict[str, Any]) -> list[list[str]]:
    out = [_header(result)]
    for r in result["targets"]:
        pc = r["name"] == "share_not_embedded"
        cells = [_cell(r[k], percent=pc) for k in ("ours_1x", "ours_scale", "starter")]
        out.append([r["label"], *cells, r["target"], _holds(r["holds"])])
    return out


def print_table(result: dict[str, Any], *, file: TextIO | None = None) -> None:
    lines = table_lines(result)
    widths = [max(len(row[i]) for row in lines) for i in range(len(lines[0]))]
    so_far = "" if result["meta"].get("complete", True) else ", so far"
    print(f"\ntargets ({result['meta']['mode']} run, {result['meta']['bbc_files']:,} BBC files{so_far}):", file=file)
    for row in lines:
        first = row[0].ljust(widths[0])
        print("  " + first + "  " + "  ".join(c.rjust(w) for c, w in zip(row[1:], widths[1:])), file=file)


def markdown(result: dict[str, Any]) -> str:
    lines = table_lines(result)
    meta = result["meta"]
    out = [
        f"# qa bench ({meta['mode']} run, {meta['date']}{'' if meta.get('complete', True) else ', cut short'})",
        "",
        f"{meta['bbc_files']:,} BBC files; scale copy {meta['scale']}x; {meta['cpus']} CPUs; "
        f"{meta['seconds']:.0f} s in all. Ours answers extractively; the starter only retrieves."
        + (" Ingest figures: recorded by the run that built the reused store." if meta.get("reused_store") else ""),
        "",
        "| " + " | ".join(lines[0]) + " |",
        "|" + "---|" * len(lines[0]),
    ]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in lines[1:]]
    return "\n".join(out) + "\n"


def plot(result: dict[str, Any], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib not installed: no plot (pip install matplotlib)")
        return None
    rows = {r["name"]: r for r in result["targets"]}
    scale = f"{result['meta']['scale']}x"
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    panels = [
        (axes[0], "cold_ask_s", "cold `qa ask` (s)", [COLD_1X_S, COLD_SCALE_S]),
        (axes[1], "warm_answer_p50_ms", "warm answer p50 (ms)", [WARM_1X_MS, WARM_SCALE_MS]),
    ]
    for ax, name, title, limits in panels:
        values = [rows[name]["ours_1x"] or 0, rows[name]["ours_scale"] or 0]
        ax.bar(["1x", scale], values, color="#2a7", label="ours")
        ax.plot(["1x", scale], limits, "r_", markersize=40, mew=2, label="target")
        if rows[name]["starter"] is not None:
            ax.axhline(rows[name]["starter"], color="#999", ls="--", label="starter at 1x")
        ax.set_title(title)
        ax.legend(fontsize=8)
    walls = rows["ingest_wall_s"]
    axes[2].bar(["ours", "starter"], [walls["ours_1x"] or 0, walls["starter"] or 0], color=["#2a7", "#999"])
    axes[2].set_title(f"full ingest of {result['meta']['bbc_files']:,} BBC files (s)")
    shares = rows["share_not_embedded"]
    for i, share in enumerate([shares["ours_1x"], shares["starter"]]):
        if share is not None:
            axes[2].annotate(f"{share:.0%} of text\nnever embedded", (i, 0), xytext=(0, 8),
                             textcoords="offset points", ha="center", fontsize=8)  # fmt: skip
    fig.suptitle(f"bulletin-qa vs the llama-index starter ({result['meta']['mode']} run)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
