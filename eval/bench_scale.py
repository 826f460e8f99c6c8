"""Benchmark scale: a copy of a built store at N times its size, without embedding.

``scale_store`` copies the 1x store folder, then adds copies 1..N-1 of every
article with distinct ids: for each copied chunk the catalog rows, the
keyword (FTS) rows and the stored sentence vectors, written with
``Catalog.put_sentence_vectors`` and ``Catalog.commit`` (one transaction per
copy, as an ingest writes them), and the Chroma vector of the original chunk
plus a little noise, with its metadata (filters) but not its text: questions
read texts from the catalog, and Chroma's own text index would make the
copy ~1.6x slower to build. So the copy's Chroma folder is smaller than an
ingest's would be. Copy ``c`` of an article is titled "<title> (copy c)";
its text is the original's, so its keyword body and sentence vectors are the
original's too. Questions then run on the real path with the real model.

This module builds the copy; measuring it is ``eval.bench_queries``'.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.bench_common import disk_bytes, log

NOISE = 0.01  # standard deviation per dimension before re-normalising (cosine to the original ~0.98)
CHROMA_BATCH = 2_000
COPY_FOLDER = "bench-scale"  # file paths the copies are listed under (no such files exist)


def copy_id(article_id: str, c: int) -> str:
    """A distinct article id of the same shape (no "-": chunk ids are "<article>-<position>")."""
    return hashlib.sha256(f"{article_id}:copy{c}".encode()).hexdigest()[: len(article_id)]


def _base_rows(base: Any) -> tuple[list[Any], dict[str, list[Any]], dict[str, tuple[str, str]], dict[str, Any]]:
    """The 1x store's articles, chunks per article, keyword rows and Chroma vectors."""
    import numpy as np

    from qa.index import embedding_input

    catalog = base.catalog
    articles = [a for a in (catalog.article(aid) for aid in sorted(catalog.article_ids())) if a is not None]
    chunks = {a.id: catalog.chunks_of(a.id) for a in articles}
    terms = {c.id: embedding_input(c, a).terms for a in articles for c in chunks[a.id]}
    got = base.collection.get(include=["embeddings", "metadatas"])
    vectors = {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"], strict=True)}
    return articles, chunks, terms, vectors


def _add_copy(st: Any, c: int, rows: tuple[Any, ...], rng: Any) -> int:
    """Copy ``c`` of every base article into ``st``; returns the chunks written."""
    import dataclasses

    import numpy as np

    from qa.catalog import ChunkRecord
    from qa.index import VECTORS, chunk_metadata
    from qa.keyword import document_terms

    articles, chunks, terms, vectors = rows
    suffix = f" (copy {c})"
    extra_terms = document_terms(suffix)
    new_articles, new_chunks, new_terms, slots = [], [], {}, {}
    ids, vecs, metas, sentence_ids = [], [], [], {}
    for pos, a in enumerate(articles):
        aid = copy_id(a.id, c)
        copy = dataclasses.replace(a, id=aid, title=a.title + suffix)
        new_articles.append(copy)
        slots[pos] = aid
        for ch in chunks[a.id]:
            if ch.id not in vectors:
                continue
            new = ChunkRecord(f"{aid}-{ch.position:03d}", aid, ch.position, ch.start, ch.end, ch.text)
            context, body = terms[ch.id]
            new_chunks.append(new)
            new_terms[new.id] = (f"{context} {extra_terms}".strip(), body)
            sentence_ids[ch.id] = new.id
            noisy = vectors[ch.id] + rng.normal(scale=NOISE, size=vectors[ch.id].shape).astype(np.float32)
            ids.append(new.id)
            vecs.append((noisy / np.linalg.norm(noisy)).tolist())
            metas.append(chunk_metadata(new, copy))
    # vectors first, catalog last: the order an ingest writes in
    for i in range(0, len(ids), CHROMA_BATCH):
        j = i + CHROMA_BATCH
        st.collection.upsert(ids=ids[i:j], embeddings=vecs[i:j], metadatas=metas[i:j])
    blobs = st.catalog.sentence_vectors(sentence_ids)
    st.catalog.put_sentence_vectors([(sentence_ids[old], blob) for old, blob in blobs.items()])
    path = f"{COPY_FOLDER}/copy-{c:02d}.txt"
    st.catalog.commit(
        files={path: (hashlib.sha256(path.encode()).hexdigest(), slots)},
        dropped_files=[],
        articles=new_articles,
        chunks=new_chunks,
        terms=new_terms,
        timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
        vectors=st.catalog.vector_kind() or VECTORS,  # copies of the 1x store's vectors: its kind
    )
    return len(new_chunks)


def scale_store(base_dir: Path, dest: Path, factor: int) -> dict[str, Any]:
    """Build ``dest`` = the store at ``base_dir`` plus ``factor - 1`` copies of its articles."""
    import numpy as np

    from qa.store import open_store

    started = time.perf_counter()
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(base_dir, dest, ignore=shutil.ignore_patterns("ingest.lock"))
    st = open_store(dest, create=False)
    base_chunks = st.catalog.counts()["chunks"]
    rows = _base_rows(st)
    rng = np.random.default_rng(0)
    written = 0
    with st.writer():
        for c in range(1, factor):
            written += _add_copy(st, c, rows, rng)
            log(f"scale {factor}x: copy {c} written ({written:,} chunks so far)")
    counts = st.catalog.counts()
    st.catalog.close()
    return {
        "factor": factor,
        "articles": counts["articles"],
        "chunks": counts["chunks"],
        "base_chunks": base_chunks,
        "build_s": round(time.perf_counter() - started, 1),
        "index_bytes": disk_bytes(dest),
        "note": "copies reuse the 1x vectors (Chroma: plus N(0, 0.01) noise, no document text; sentence vectors as stored)",
    }
