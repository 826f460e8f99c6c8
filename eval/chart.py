"""The eval report's chart, drawn as plain SVG (no plotting library needed).

Left: evidence recall at 1..k per retriever and chunk size (the ablation, or
the main run alone). Right: answer accuracy per category. Nothing in it
depends on the clock, so the same figures give the same file. It formats a
result; it computes nothing.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape

COLORS = {"dense": "#1f77b4", "keyword": "#ff7f0e", "hybrid": "#2ca02c"}
DASHES = ("", "6 3", "2 3", "8 3 2 3")


def _curves(result: dict[str, Any]) -> list[tuple[str, str, str, list[float]]]:
    """(label, colour, dash, recall at 1..k) for the chart: the ablation, or the main run alone."""
    k = result.get("run", {}).get("k", 5)

    def points(d: dict[str, Any]) -> list[float]:
        return [float(d.get(f"evidence_recall_at_{j}") or 0.0) for j in range(1, k + 1)]

    rows = result.get("ablation") or []
    sizes = sorted({a["chunk_tokens"] for a in rows})
    curves = [
        (
            f"{a['retriever']} @{a['chunk_tokens']}",
            COLORS.get(a["retriever"], "#555"),
            DASHES[sizes.index(a["chunk_tokens"]) % len(DASHES)],
            points(a),
        )
        for a in rows
    ]
    return curves or [("answers", COLORS["hybrid"], "", points(result))]


def chart_svg(result: dict[str, Any]) -> str:
    width, height, top, bottom = 860, 340, 40, 280
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    # left: evidence recall at 1..k
    x0, x1 = 50, 330
    curves = _curves(result)
    k = max(len(c[3]) for c in curves)
    out.append(f'<text x="{x0}" y="20" font-size="13" font-weight="bold">Evidence recall at k</text>')
    # the axis starts at 0.5 (or lower when a curve does) so close retrievers stay apart
    floor = min(0.5, *(math.floor(v * 10) / 10 for c in curves for v in c[3]))

    def yv(v: float) -> float:
        return bottom - (v - floor) / (1 - floor) * (bottom - top)

    for i in range(6):
        v = floor + i * (1 - floor) / 5
        y = yv(v)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.1f}</text>')

    def xk(j: int) -> float:
        return x0 + (j - 1) * (x1 - x0) / max(k - 1, 1)

    for j in range(1, k + 1):
        out.append(f'<text x="{xk(j):.1f}" y="{bottom + 16}" text-anchor="middle">{j}</text>')
    out.append(f'<text x="{(x0 + x1) / 2}" y="{bottom + 32}" text-anchor="middle">k</text>')
    for n, (label, color, dash, pts) in enumerate(curves):
        path = " ".join(f"{xk(j + 1):.1f},{yv(v):.1f}" for j, v in enumerate(pts))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash_attr}/>')
        ly = top + 14 * n
        out.append(
            f'<line x1="{x1 + 12}" y1="{ly}" x2="{x1 + 36}" y2="{ly}" stroke="{color}" stroke-width="2"{dash_attr}/>'
        )
        out.append(f'<text x="{x1 + 40}" y="{ly + 4}">{escape(label)}</text>')
    # right: accuracy per category
    cats = list(result.get("per_category", {}).items())
    bx0, bx1 = 600, 820
    out.append(f'<text x="{bx0 - 110}" y="20" font-size="13" font-weight="bold">Answer accuracy per category</text>')
    step = (bottom - top) / max(len(cats), 1)
    for i, (cat, v) in enumerate(cats):
        y = top + i * step
        w = v["accuracy"] * (bx1 - bx0)
        out.append(f'<text x="{bx0 - 6}" y="{y + step * 0.6:.1f}" text-anchor="end">{escape(cat)} ({v["n"]})</text>')
        out.append(
            f'<rect x="{bx0}" y="{y + step * 0.15:.1f}" width="{bx1 - bx0}" height="{step * 0.7:.1f}" fill="#eee"/>'
        )
        out.append(
            f'<rect x="{bx0}" y="{y + step * 0.15:.1f}" width="{w:.1f}" height="{step * 0.7:.1f}" fill="#4c72b0"/>'
        )
        out.append(
            f'<text x="{bx0 + 4}" y="{y + step * 0.6:.1f}" fill="{"white" if w > 40 else "black"}">'
            f"{v['accuracy']:.2f}</text>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"
