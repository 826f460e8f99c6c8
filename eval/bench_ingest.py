"""Benchmark ingest: full ingest of a BBC copy by both pipelines.

``copy_bbc`` copies the dataset (or the first files of each topic) into the
run's folder; ``ingest_ours`` / ``ingest_starter`` time a full ingest and
count what reaches the model (``eval.bench_coverage``); ours also records
the embedding precision its store was built with and the CPU flags that
chose it. ``EmbedTimer`` sums the seconds spent inside llama-index's
embedding events (only the starter emits them now).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from eval.bench_common import timed
from eval.bench_coverage import Coverage, our_coverage, starter_coverage

QUICK_PER_TOPIC = 4  # 20 files: CI time goes to the model, not the corpus


def copy_bbc(src: Path, dest: Path, *, per_topic: int | None) -> int:
    """Copy the BBC folders (all files, or the first ``per_topic`` of each topic)."""
    count = 0
    for topic in sorted(p for p in src.iterdir() if p.is_dir()):
        files = sorted(topic.glob("*.txt"))[:per_topic] if per_topic else sorted(topic.glob("*.txt"))
        (dest / topic.name).mkdir(parents=True, exist_ok=True)
        for f in files:
            shutil.copyfile(f, dest / topic.name / f.name)
            count += 1
    return count


class EmbedTimer:
    """Seconds spent inside llama-index embedding calls (both pipelines emit these events)."""

    def __init__(self) -> None:
        from llama_index.core.instrumentation import get_dispatcher
        from llama_index.core.instrumentation.event_handlers import BaseEventHandler
        from llama_index.core.instrumentation.events.embedding import EmbeddingEndEvent, EmbeddingStartEvent

        timer = self
        self.seconds = 0.0
        self._open: float | None = None

        class Handler(BaseEventHandler):
            def handle(self, event: Any, **kwargs: Any) -> None:
                if isinstance(event, EmbeddingStartEvent):
                    timer._open = time.perf_counter()
                elif isinstance(event, EmbeddingEndEvent) and timer._open is not None:
                    timer.seconds += time.perf_counter() - timer._open
                    timer._open = None

        get_dispatcher().add_event_handler(Handler())

    def reset(self) -> None:
        self.seconds, self._open = 0.0, None


def _figures(wall: float, timer: EmbedTimer, *, articles: int, chunks: int, cov: Coverage) -> dict[str, Any]:
    return {
        "wall_s": round(wall, 2),
        "model_s": round(timer.seconds, 2) or None,
        "articles": articles,
        "chunks": chunks,
        "word_pieces_fed": cov.fed,
        "text_word_pieces": cov.total,
        "share_not_embedded": round(cov.share_missed, 4),
        "tokens_per_s_wall": round(cov.fed / wall),
        "tokens_per_s_model": round(cov.fed / timer.seconds) if timer.seconds else None,
    }


def ingest_ours(corpus: Path, store_dir: Path, timer: EmbedTimer) -> dict[str, Any]:
    import qa

    timer.reset()
    report, wall = timed(lambda: qa.ingest([corpus], store=store_dir))
    cov = our_coverage(store_dir)
    figures = _figures(wall, timer, articles=report.articles, chunks=report.chunks_embedded, cov=cov)
    return {**figures, **precision_used(store_dir), "warnings": len(report.warnings)}


def precision_used(store_dir: Path) -> dict[str, Any]:
    """The precision the store's vectors were embedded in, and the CPU flags that pick it."""
    from qa.precision import INT8_FLAGS, cpu_flags
    from qa.store import open_store

    flags = sorted(cpu_flags() & INT8_FLAGS)
    return {"precision": open_store(store_dir, create=False).precision, "cpu_int8_flags": flags}


def ingest_starter(corpus: Path, persist: Path, timer: EmbedTimer) -> tuple[dict[str, Any], Any]:
    from eval import starter

    timer.reset()
    started = time.perf_counter()
    model = starter.embedding_model()  # model load counts, as it does for ours
    built = starter.build(corpus, persist_dir=persist, embed_model=model)
    wall = time.perf_counter() - started
    cov = starter_coverage(built.documents)
    nodes = len(starter.embedded_texts(built.documents))
    return _figures(wall, timer, articles=len(built.documents), chunks=nodes, cov=cov), model


def recount_ours(figures: dict[str, Any], store_dir: Path) -> dict[str, Any]:
    """``figures`` with the word pieces counted again on the store (a store reused from an earlier run)."""
    cov = our_coverage(store_dir)
    return {
        **figures,
        "word_pieces_fed": cov.fed,
        "text_word_pieces": cov.total,
        "share_not_embedded": round(cov.share_missed, 4),
        "tokens_per_s_wall": round(cov.fed / figures["wall_s"]),
        **precision_used(store_dir),
    }
