"""Benchmark ingest: full ingest of a BBC copy by both pipelines, then re-ingest.

``copy_bbc`` copies the dataset (or the first files of each topic) into the
run's folder; ``ingest_ours`` / ``ingest_starter`` time a full ingest and
count what reaches the model (``eval.bench_coverage``); ``reingest`` times
ours unchanged and after one edited article against the starter's rebuild
(it has no incremental path). ``EmbedTimer`` sums the seconds spent inside
llama-index's embedding events, which both pipelines emit.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from eval.bench_common import log, timed
from eval.bench_coverage import Coverage, our_coverage, starter_coverage

QUICK_PER_TOPIC = 20
EDIT = " Officials revised the figures again on Tuesday."


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
    return {**figures, "warnings": len(report.warnings)}


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


def edit_one_article(corpus: Path) -> Path:
    target = sorted(corpus.rglob("*.txt"))[0]
    data = target.read_bytes().rstrip()
    target.write_bytes(data + EDIT.encode() + b"\n")
    return target


def reingest(corpus: Path, store_dir: Path, persist: Path, model: Any, *, build_s: float | None) -> dict[str, Any]:
    """Ours incrementally; the starter by rebuilding (or, given ``build_s``, its first build's time)."""
    import qa
    from eval import starter

    unchanged, t_unchanged = timed(lambda: qa.ingest([corpus], store=store_dir))
    edited_file = edit_one_article(corpus)
    edited, t_edited = timed(lambda: qa.ingest([corpus], store=store_dir))
    if build_s is None:
        log("starter rebuild (its only way to pick up a change)")
        t_rebuild = timed(lambda: starter.build(corpus, persist_dir=persist, embed_model=model))[1]
    else:  # the same code path as the first build, which just ran
        t_rebuild = build_s
    return {
        "ours_unchanged_s": round(t_unchanged, 3),
        "ours_unchanged_chunks_embedded": unchanged.chunks_embedded,
        "ours_edited_s": round(t_edited, 3),
        "ours_edited_chunks_embedded": edited.chunks_embedded,
        "edited_file": edited_file.relative_to(corpus).as_posix(),
        "starter_rebuild_s": round(t_rebuild, 2),
        "starter_rebuild_measured": build_s is None,
        "note": "the starter has no incremental path: unchanged and edited re-ingest are one rebuild, timed once",
    }
