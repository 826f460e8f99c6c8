"""Benchmark ingest: full ingest of a BBC copy by both pipelines, beside the model's own time.

``copy_bbc`` copies the dataset (or the first files of each topic) into the
run's folder; ``ingest_ours`` / ``ingest_starter`` time a full ingest and
count what reaches the model (``eval.bench_coverage``). Ours runs in a new
process, as a user's ``qa.ingest`` of a folder does (imports and model load
count), and is set beside ``model_only``: the forward passes alone over the
same texts in the same batches, in this process with the model loaded. The
starter's model time is what ``EmbedTimer`` sums inside llama-index's
embedding events. Ours also records the embedding precision its store was
built with and the CPU flags that chose it.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from eval.bench_common import timed
from eval.bench_coverage import Coverage, our_coverage, our_texts, starter_coverage

QUICK_PER_TOPIC = 24  # 120 files: enough that the ratio to the model's time means something, fixed costs included


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


def _figures(wall: float, model_s: float, *, articles: int, chunks: int, cov: Coverage) -> dict[str, Any]:
    return {
        "wall_s": round(wall, 2),
        "model_s": round(model_s, 2) or None,
        "wall_vs_model": round(wall / model_s, 2) if model_s else None,
        "articles": articles,
        "chunks": chunks,
        "word_pieces_fed": cov.fed,
        "text_word_pieces": cov.total,
        "share_not_embedded": round(cov.share_missed, 4),
        "tokens_per_s_wall": round(cov.fed / wall),
        "tokens_per_s_model": round(cov.fed / model_s) if model_s else None,
    }


def ingest_ours(corpus: Path, store_dir: Path) -> dict[str, Any]:
    """``qa.ingest`` of ``corpus`` in a new process, then the model alone over the same texts here."""
    from eval.bench_queries import run_process

    done = run_process(
        [sys.executable, "-m", "eval.bench_child", "ingest", "--store", str(store_dir), "--corpus", str(corpus)],
        env={"TOKENIZERS_PARALLELISM": None},  # as a user's shell has it
    )
    if done["code"] != 0:
        raise RuntimeError(f"our ingest failed: {done['stderr']}")
    run = json.loads(done["stdout"].strip().splitlines()[-1])
    cov = our_coverage(store_dir)
    figures = _figures(run["wall_s"], model_only(store_dir), articles=run["articles"], chunks=run["chunks"], cov=cov)
    return {**figures, **precision_used(store_dir), "warnings": run["warnings"]}


def model_only(store_dir: Path) -> float:
    """Seconds of forward passes over the texts the ingest read, in batches as it formed them."""
    from qa.index import EMBED_BATCH
    from qa.store import open_store

    enc = open_store(store_dir, create=False).encoder()
    batches: list[list[str]] = [[]]
    chunks = 0
    for texts, n in our_texts(store_dir):
        batches[-1].extend(texts)
        chunks += n
        if chunks >= EMBED_BATCH:
            batches.append([])
            chunks = 0
    enc.pooled(batches[0][:64])  # a session's first run allocates; the ingest's paid that too, once
    _, seconds = timed(lambda: [enc.pooled(b) for b in batches if b])
    return seconds


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
    return _figures(wall, timer.seconds, articles=len(built.documents), chunks=nodes, cov=cov), model


def recount_ours(figures: dict[str, Any], store_dir: Path) -> dict[str, Any]:
    """``figures`` with the word pieces counted again on the store (a store reused from an earlier run)."""
    cov = our_coverage(store_dir)
    return {
        **figures,
        "word_pieces_fed": cov.fed,
        "text_word_pieces": cov.total,
        "share_not_embedded": round(cov.share_missed, 4),
        "tokens_per_s_wall": round(cov.fed / figures["wall_s"]),
        "tokens_per_s_model": round(cov.fed / figures["model_s"]) if figures.get("model_s") else None,
        **precision_used(store_dir),
    }
