"""A tiny misbehaving OpenAI-compatible server for fault tests.

The real llama.cpp server cannot be made to answer 401, 429 or 500, to hang,
or to cut a stream in half on demand, so this one does exactly that. It runs
``http.server`` in a background thread on 127.0.0.1 with an OS-chosen port and
counts the requests it receives, so tests can check how often a client retried.

Modes (set ``FaultServer.mode`` / pass to the constructor):

- ``"status"``: answer every request with ``status`` and an OpenAI-style JSON
  error body.
- ``"hang"``: accept the request and never answer (until the server stops).
- ``"stream"``: answer 200 with a well-formed chunked ``text/event-stream`` of
  ``chunks`` content deltas, a ``finish_reason`` and ``[DONE]``, but no usage.
- ``"half_stream"``: like ``"stream"`` but close the socket after the deltas,
  without finishing the body.
- ``"cited"``: a complete stream of ``CITED_ANSWER``: one sentence the top
  source for the Uzbek question supports, one it does not.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

CITED_ANSWER = (
    "Abdusalom Azizov, the head of Uzbekistan's State Security Service, said the Taliban is fighting terrorism [1]. ",
    "He also won the 2022 World Cup with 7 goals [1].",
)

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_api_key",
    403: "permission_denied",
    404: "not_found",
    429: "rate_limit_exceeded",
}


class FaultServer:
    def __init__(self, mode: str = "status", status: int = 500, chunks: int = 3) -> None:
        self.mode = mode
        self.status = status
        self.chunks = chunks
        self.requests = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> Self:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self._handle()

            def _handle(self) -> None:
                with server._lock:
                    server.requests += 1
                if server.mode == "hang":
                    server._stopping.wait()
                    self.close_connection = True
                    return
                if server.mode in ("stream", "half_stream", "cited"):
                    self._stream(complete=server.mode != "half_stream")
                    return
                self._error(server.status)

            def _error(self, status: int) -> None:
                kind = ERROR_TYPES.get(status, "server_error")
                body = json.dumps(
                    {"error": {"message": f"fault server says {status}", "type": kind, "code": kind}}
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _send_chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _send_event(self, delta: dict[str, str], finish_reason: str | None) -> None:
                event = {
                    "id": "chatcmpl-fault",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "fault",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
                }
                self._send_chunk(f"data: {json.dumps(event)}\n\n".encode())

            def _stream(self, complete: bool) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                parts = CITED_ANSWER if server.mode == "cited" else [f"part{i} " for i in range(server.chunks)]
                for part in parts:
                    self._send_event({"content": part}, None)
                if complete:
                    self._send_event({}, "stop")
                    self._send_chunk(b"data: [DONE]\n\n")
                    self._send_chunk(b"")
                    return
                # Close without the terminating zero-length chunk: a broken body.
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
