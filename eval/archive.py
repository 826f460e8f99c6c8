"""The seed gold set asked over the archive: the bulletin's articles among the whole BBC set.

A user's store holds one bulletin for a day, then thousands of articles: the
answers to the bulletin's questions should not get worse because unrelated
articles arrived (a question about the afghani's exchange rate must not be
answered from a story about the dollar and the pound). ``evaluate_archive``
copies the BBC index ``eval.bbc`` just built, adds the seed corpus to the
copy (an incremental ingest, as a user would), asks every seed item and
reports the figures beside the seed set's own run over the bulletin alone.
Gated by ``[tool.qa.eval.archive]``. The BBC index itself is left as it was.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval import gates as gating
from eval.runs import run_items, run_summary
from eval.scoring import aggregate


def evaluate_archive(
    ns: argparse.Namespace,
    items: list[dict[str, Any]],
    bbc_index: Path,
    thresholds: dict[str, float],
    *,
    alone: dict[str, Any] | None,
    llm: Any,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """``items`` (the seed set) asked over a copy of ``bbc_index`` with ``ns.corpus`` added; ``alone`` is the
    seed set's result over the bulletin alone, shown beside."""
    from qa.chunking import DEFAULT_CHUNK_TOKENS
    from qa.index import ingest
    from qa.store import open_store

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qa-eval-archive-") as tmp:
        folder = Path(tmp) / bbc_index.name
        shutil.copytree(bbc_index, folder)
        store = open_store(folder, embed_precision=ns.embed_precision)
        added = ingest([ns.corpus], store=store)
        say(f"archive: {added.articles_added} bulletin articles added to the BBC index copy")
        store.embedder().get_text_embedding("warm up")
        rows, _ = run_items(items, store, k=ns.k, mode=ns.mode, llm=llm)
        result = aggregate(rows, ns.k)
        if alone is not None:  # printed beside, as the BBC set prints its dev half
            figures = {name: v for name, v in alone.items() if isinstance(v, int | float)}
            result["dev"] = {**figures, "label": "bulletin alone", "items": alone["run"]["items"]}
        run = run_summary(
            rows, mode=ns.mode, k=ns.k, gold=ns.gold, corpus=ns.corpus, store=store, chunk_tokens=DEFAULT_CHUNK_TOKENS
        )
    result["gates"] = gating.apply(result, thresholds, say=say)
    seconds = round(time.perf_counter() - started, 1)
    result["run"] = {**run, "corpus": f"{run['corpus']} + {ns.bbc.name}", "seconds": seconds}
    result["items"] = rows
    return result
