"""The public functions: ``ingest``, ``ask`` and ``ask_stream``.

These are an edge: when the caller passes no store or LLM settings they are
read once from the environment (``QA_STORE``, ``QA_CHROMA_URL``,
``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``QA_LLM_MODEL``). Opened stores are
kept per process, so models and the index load once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.index import IngestReport, Progress
from qa.index import ingest as _ingest
from qa.llm import LLMConfig
from qa.settings import Settings
from qa.store import Store, open_store

if TYPE_CHECKING:  # the answer path loads on the first question: `qa ingest FILE` never needs it
    from qa.answer import Answer, Mode, Preview

DEFAULT_CORPUS = Path("corpus")
_PACKAGE_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
_stores: dict[tuple[str, str | None], Store] = {}
_stores_lock = threading.Lock()


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


LOCAL_TIMEOUT = 60.0  # seconds to the first byte: the local model reads a prompt at ~60 tokens/s on 2 cores


def llm_config(s: Settings) -> LLMConfig | None:
    """The endpoint that answers: ``OPENAI_API_KEY``'s, else the bundled local model, else none (extractive)."""
    if s.openai_api_key:
        return LLMConfig(
            api_key=s.openai_api_key,
            base_url=s.openai_base_url,
            model=s.llm_model,
            timeout=s.llm_timeout,
            read_budget=s.read_budget,
        )
    if s.local_model:
        return local_config(read_budget=s.read_budget or local_budget())
    return None


@lru_cache(maxsize=1)
def local_budget() -> int:
    """How much the bundled model reads on this CPU (``qa.reader.budget_for_flags``)."""
    from qa import reader
    from qa.precision import cpu_flags

    return reader.budget_for_flags(cpu_flags())


def local_config(**overrides: Any) -> LLMConfig:
    """The bundled model behind ``qa.model_server`` (started on first use)."""
    from qa.model_file import MODEL_NAME
    from qa.model_server import DEFAULT_CTX

    options: dict[str, Any] = {
        "api_key": "local",
        "model": MODEL_NAME,
        "timeout": LOCAL_TIMEOUT,
        "max_retries": 1,
        "context_window": DEFAULT_CTX,
        "max_answer_tokens": 80,
        "local": True,
        "read_budget": local_budget(),
    }
    return LLMConfig(**(options | overrides))


def get_store(store: Store | Path | str | None = None, *, chroma_url: str | None = None, warm: bool = False) -> Store:
    """The store at ``store`` (default: the settings'), opened once per process; ``warm``: the caller
    will embed, so the model loads while Chroma opens (see ``qa.store.open_store``)."""
    if isinstance(store, Store):
        return store
    path = Path(store) if store is not None else settings().store
    url = chroma_url if chroma_url is not None else (settings().chroma_url if store is None else None)
    key = (str(path.resolve()), url)
    with _stores_lock:
        if key not in _stores:
            # a store keeps the precision that built it; QA_EMBED_PRECISION only chooses for a new one
            _stores[key] = open_store(path, chroma_url=url, embed_precision=settings().embed_precision, warm=warm)
        return _stores[key]


def default_corpus() -> Path:
    return DEFAULT_CORPUS if DEFAULT_CORPUS.is_dir() else _PACKAGE_CORPUS


def ingest(
    paths: Iterable[Path | str] | None = None,
    *,
    store: Store | Path | str | None = None,
    chroma_url: str | None = None,
    progress: Progress | None = None,
    rebuild: bool = False,
) -> IngestReport:
    """Add bulletins (files or folders; default ``corpus/``) to the index.

    ``rebuild`` embeds every chunk the index holds again: how an index built by
    an earlier version (another kind of vector, refused otherwise) is brought up to date.
    """
    paths = list(paths) if paths is not None else [default_corpus()]
    return _ingest(paths, store=get_store(store, chroma_url=chroma_url, warm=True), progress=progress, rebuild=rebuild)


def _ready(store: Store | Path | str | None, chroma_url: str | None) -> Store:
    st = get_store(store, chroma_url=chroma_url, warm=True)
    if store is None and st.catalog.counts()["articles"] == 0 and default_corpus().is_dir():
        _ingest([default_corpus()], store=st)  # first use of the default store
    return st


def ask_stream(
    question: str,
    *,
    store: Store | Path | str | None = None,
    chroma_url: str | None = None,
    k: int = 5,
    since: str | date | None = None,
    until: str | date | None = None,
    source: str | None = None,
    history: list[dict[str, str]] | None = None,
    mode: Mode = "auto",
    llm: LLMConfig | None = None,
) -> Iterator[str | Preview | Answer]:
    """When a model reads: the extractive ``Preview`` first; then text deltas, then the final ``Answer``."""
    from qa.answer import stream_answer

    config = llm if llm is not None else llm_config(settings())
    return stream_answer(
        _ready(store, chroma_url),
        question,
        k=k,
        since=since,
        until=until,
        source=source,
        history=history,
        mode=mode,
        llm=config,
    )


def ask(question: str, **options: Any) -> Answer:
    """Answer ``question`` from the indexed bulletins, with verified citations."""
    from qa.answer import Answer

    *_, final = ask_stream(question, **options)
    if not isinstance(final, Answer):  # pragma: no cover - ask_stream always ends with one
        raise TypeError("ask_stream did not end with an Answer")
    return final
