"""How much of the text each pipeline actually hands the embedding model.

The bundled model reads at most 256 word pieces of each text it is given;
the rest of a longer chunk is never embedded. ``our_coverage`` and
``starter_coverage`` count the word pieces fed to the model and the share of
the source text that lies in no embedded span. Counting only; the ingests
themselves are ``eval.bench_ingest``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_WORD_PIECES = 256


def _tokenizer() -> Any:
    from qa.embed import word_piece_tokenizer

    return word_piece_tokenizer()


def embedded_prefix(text: str) -> tuple[int, int]:
    """(word pieces fed to the model, characters of ``text`` it actually reads)."""
    enc = _tokenizer().encode(text)
    n = len(enc.ids)
    if n <= MAX_WORD_PIECES:
        return n, len(text)
    # [CLS] + 254 pieces + [SEP]: the last piece read is index 254
    return MAX_WORD_PIECES, enc.offsets[MAX_WORD_PIECES - 2][1]


@dataclass
class Coverage:
    fed: int = 0  # word pieces fed to the model (after truncation; ours: chunks and their sentences)
    total: int = 0  # word pieces of the source text
    missed: int = 0  # of those, never inside any embedded span

    def add_document(self, text: str, spans: Iterable[tuple[int, int]]) -> None:
        spans = sorted(spans)
        for start, end in _tokenizer().encode(text, add_special_tokens=False).offsets:
            self.total += 1
            if not any(s <= start and end <= e for s, e in spans):
                self.missed += 1

    @property
    def share_missed(self) -> float:
        return self.missed / self.total if self.total else 0.0


def our_texts(store_dir: Path) -> list[tuple[list[str], int]]:
    """Per article, the texts the ingest hands the model (its headline and each distinct sentence, once)
    and its chunks."""
    from qa.index import embedding_input
    from qa.store import open_store

    catalog = open_store(store_dir, create=False).catalog
    out = []
    for aid in sorted(catalog.article_ids()):
        article = catalog.article(aid)
        if article is not None:
            items = [embedding_input(chunk, article) for chunk in catalog.chunks_of(aid)]
            out.append((list(dict.fromkeys(t for it in items for t in it.texts())), len(items)))
    return out


def our_coverage(store_dir: Path) -> Coverage:
    """Word pieces of each article's headline and distinct sentences, each read once in a pass of its own."""
    from qa.store import open_store

    catalog = open_store(store_dir, create=False).catalog
    tok = _tokenizer()
    cov = Coverage()
    for texts, _ in our_texts(store_dir):
        cov.fed += sum(min(len(e.ids), MAX_WORD_PIECES) for e in tok.encode_batch(texts))
    for aid in sorted(catalog.article_ids()):
        article = catalog.article(aid)
        if article is None:
            continue
        spans = []
        for chunk in catalog.chunks_of(aid):
            _, chars = embedded_prefix(chunk.text)
            spans.append((chunk.start, chunk.start + chars))
        cov.add_document(article.text, spans)
    return cov


def starter_coverage(documents: list[Any]) -> Coverage:
    from eval.starter import embedded_texts

    texts = {d.doc_id: d.text for d in documents}
    spans: dict[str, list[tuple[int, int]]] = {}
    cov = Coverage()
    for doc_id, start, node_text, embed_text in embedded_texts(documents):
        fed, chars = embedded_prefix(embed_text)
        cov.fed += fed
        header = len(embed_text) - len(node_text)  # metadata lines come first
        if start == 0 and node_text and not texts[doc_id].startswith(node_text):
            start = max(texts[doc_id].find(node_text), 0)
        spans.setdefault(doc_id, []).append((start, start + max(chars - header, 0)))
    for doc_id, text in texts.items():
        cov.add_document(text, spans.get(doc_id, []))
    return cov
