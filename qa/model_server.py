"""Serve a GGUF model through llama-cpp-python's OpenAI-compatible server on loopback.

Every answer, local or remote, goes through the one ``openai`` client code
path (``qa.llm``); for the bundled model this module starts
``python -m llama_cpp.server`` as a child process on a free 127.0.0.1 port,
waits for ``/v1/models`` to answer, and stops it when the process exits.
``shared()`` keeps one server per process, so the page's sessions share it
and a second caller waits for the first start instead of starting another.

Memory: llama-cpp-python keeps float32 logits for every position of the
window when ``logits_all`` is on (its server's default): n_ctx x 151,936
vocabulary x 4 bytes, 2.5 GB at 4,096 tokens for Qwen2.5. The reader reads
text, not logprobs, so the server runs with ``logits_all`` off, and a
2,048-token window (a prompt is kept near 500). The server reuses the
longest prefix a prompt shares with the one before, so the reader's fixed
system prompt is read once. Its optional RAM cache is left off: each state
it keeps copies the 0.3 GB logits buffer, which its size limit does not
count (seen here: 7.4 GB after a hundred questions with a 256 MB limit).

This module starts and stops the server; what is asked of it is
``qa.reader``'s and ``qa.followup``'s.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

from qa.errors import ModelError

HOST = "127.0.0.1"
# The child runs llama_cpp.server's main after two things: a thread that exits when its stdin (a pipe from the
# process that started it) closes, and an environment cleared of what that main and its settings read in place
# of the command line (PORT and HOST win over --port and --host there, so `make run PORT=8617` had the model
# server try the page's port).
_WATCH_PARENT = (
    "import os, runpy, sys, threading\n"
    "threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n"
    "from llama_cpp.server.settings import ModelSettings, ServerSettings\n"
    "names = {'port', 'host', 'config_file', *ServerSettings.model_fields, *ModelSettings.model_fields}\n"
    "for key in [k for k in os.environ if k.lower() in names]: del os.environ[key]\n"
    "sys.argv[0] = 'llama_cpp.server'\n"
    "runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)\n"
)
DEFAULT_CTX = 2048
DEFAULT_START_TIMEOUT = 180.0
CACHE_BYTES = 0  # llama-cpp-python's RAM prompt cache: off (see above)


def available() -> bool:
    """True if llama-cpp-python and its server extra are importable."""
    try:
        return (
            importlib.util.find_spec("llama_cpp") is not None
            and importlib.util.find_spec("llama_cpp.server") is not None
        )
    except ImportError:
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class ModelServer:
    """One ``llama_cpp.server`` child process bound to 127.0.0.1."""

    def __init__(
        self,
        model: Path,
        *,
        n_ctx: int = DEFAULT_CTX,
        threads: int | None = None,
        chat_format: str | None = None,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        self.model = Path(model)
        self.n_ctx = n_ctx
        self.threads = threads or os.cpu_count() or 1
        self.chat_format = chat_format
        self.cache_bytes = cache_bytes
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._logdir: tempfile.TemporaryDirectory[str] | None = None
        self.log_path: Path | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise ModelError("the model server is not started")
        return f"http://{HOST}:{self.port}/v1"

    def command(self) -> list[str]:
        cmd = [
            sys.executable, "-c", _WATCH_PARENT,
            "--model", str(self.model),
            "--host", HOST,
            "--port", str(self.port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.threads),
            "--n_threads_batch", str(self.threads),
            "--logits_all", "false",
        ]  # fmt: skip
        if self.cache_bytes:
            cmd += ["--cache", "true", "--cache_type", "ram", "--cache_size", str(self.cache_bytes)]
        if self.chat_format:
            cmd += ["--chat_format", self.chat_format]
        return cmd

    def start(self, *, port: int | None = None, timeout: float = DEFAULT_START_TIMEOUT) -> Self:
        if self.process is not None:
            return self
        if not available():
            raise ModelError(
                "llama-cpp-python[server] is not installed: run `make setup` (it builds the local model server)"
            )
        if not self.model.is_file():
            raise ModelError(f"no model file at {self.model}: run `make setup`")
        self.port = port if port is not None else free_port()
        self._logdir = tempfile.TemporaryDirectory(prefix="qa-model-server-")
        self.log_path = Path(self._logdir.name) / "server.log"
        with self.log_path.open("wb") as log:
            # stdin is a pipe the child watches: when this process dies, however it dies, the pipe
            # closes and the server exits (atexit runs on a normal exit only; a killed page or eval
            # would otherwise leave a 2 GB server behind)
            self.process = subprocess.Popen(self.command(), stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self._ready():
            code = self.process.poll()
            if code is not None:
                last = self.last_log_line()
                self._cleanup()
                raise ModelError(f"the local model server exited during start-up (code {code}): {last}")
            if time.monotonic() > deadline:
                last = self.last_log_line()
                self.stop()
                raise ModelError(f"the local model server did not start within {timeout:g}s: {last}")
            time.sleep(0.2)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def first_tokens(self, *texts: str) -> list[int]:
        """The id of each text's first token in the served model's vocabulary (its ``/extras/tokenize``)."""
        import json

        ids = []
        for text in texts:
            request = urllib.request.Request(
                f"http://{HOST}:{self.port}/extras/tokenize",
                data=json.dumps({"input": text}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    tokens = json.loads(response.read())["tokens"]
            except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
                raise ModelError(f"the local model server could not tokenize: {exc}") from exc
            if tokens and tokens[0] not in ids:
                ids.append(int(tokens[0]))
        return ids

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def last_log_line(self) -> str:
        lines = [line for line in self.log_tail().splitlines() if line.strip()]
        return lines[-1][:200] if lines else "(no output)"

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._cleanup()

    def kill(self) -> None:
        """SIGKILL at once, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _cleanup(self) -> None:
        if self.process is not None and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        self.process = None
        if self._logdir is not None:
            with contextlib.suppress(OSError):
                self._logdir.cleanup()
            self._logdir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_shared: ModelServer | None = None
_lock = threading.Lock()


def shared(model: Path | None = None) -> ModelServer:
    """The process's one server for the bundled model, started on first use (restarted if it died)."""
    global _shared
    with _lock:
        if _shared is not None and not _shared.running():
            _shared.stop()
            _shared = None
        if _shared is None:
            if model is None:
                from qa.model_file import gguf_path

                model = gguf_path()
            server = ModelServer(model).start()
            atexit.register(server.stop)
            _shared = server
        return _shared


def stop_shared() -> None:
    global _shared
    with _lock:
        if _shared is not None:
            _shared.stop()
            _shared = None
