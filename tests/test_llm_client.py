"""LLMClient against a real llama.cpp server and a deliberately faulty one."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa.errors import LLMError
from qa.llm import LLMClient, estimate_cost
from tests.support.fault_server import FaultServer
from tests.support.llm_server import LlamaServer, free_port, local_config, server_available

needs_llama = pytest.mark.skipif(
    not server_available(),
    reason="llama-cpp-python[server] is not installed (run .ci/install-llm-server)",
)

MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant. Answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]
SOURCES_MESSAGES = [
    {
        "role": "system",
        "content": "Answer the question using only the numbered sources below and cite them like [1].\n\n"
        "[1] Bulletin 2024-03-02: The water treatment plant on Elm Street will close for maintenance "
        "from March 10 to March 14. Residents should boil tap water during that period.\n"
        "[2] Bulletin 2024-03-05: The library extends its hours to 9 pm on weekdays.",
    },
    {"role": "user", "content": "When will the water treatment plant close?"},
]


@pytest.fixture(scope="session")
def llama() -> Iterator[LlamaServer]:
    if not server_available():
        pytest.skip("llama-cpp-python[server] is not installed (run .ci/install-llm-server)")
    server = LlamaServer()
    server.start()
    yield server
    server.stop()


def local_client(base_url: str, **overrides: object) -> LLMClient:
    return LLMClient(local_config(base_url, **overrides))


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


# --- the real server -----------------------------------------------------------


@needs_llama
def test_completion_returns_text_and_usage(llama: LlamaServer) -> None:
    text, usage = local_client(llama.base_url, timeout=60).complete(MESSAGES)
    assert "paris" in text.lower()
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.cost_usd == 0.0  # unknown local model


@needs_llama
def test_stream_yields_deltas_then_records_usage(llama: LlamaServer) -> None:
    client = local_client(llama.base_url, timeout=60, max_answer_tokens=24)
    deltas = list(client.stream(SOURCES_MESSAGES))
    assert len(deltas) > 5
    assert "march" in "".join(deltas).lower()
    assert client.last_usage is not None
    assert client.last_usage.prompt_tokens > 0
    assert client.last_usage.completion_tokens > 0


@needs_llama
def test_completion_is_deterministic_at_temperature_zero(llama: LlamaServer) -> None:
    client = local_client(llama.base_url, timeout=60)
    assert client.complete(MESSAGES)[0] == client.complete(MESSAGES)[0]


@needs_llama
def test_server_killed_mid_stream_raises_with_partial_text() -> None:
    with LlamaServer() as server:
        client = local_client(server.base_url, timeout=60, max_answer_tokens=400)
        stream = client.stream(SOURCES_MESSAGES)
        first = next(stream)
        server.kill()
        start = time.monotonic()
        with pytest.raises(LLMError, match="broke off|ended before") as caught:
            for _ in stream:
                pass
        assert time.monotonic() - start < 5
        assert caught.value.partial.startswith(first)
        assert client.last_usage is None


# --- connection failures ---------------------------------------------------------


def test_connection_refused_fails_within_bounded_time() -> None:
    port = free_port()  # nothing listens there once the probe socket closes
    client = local_client(f"http://127.0.0.1:{port}/v1")
    start = time.monotonic()
    with pytest.raises(LLMError, match=r"refused the connection after 3 tries: check OPENAI_BASE_URL"):
        client.complete(MESSAGES)
    elapsed = time.monotonic() - start
    assert 1.0 < elapsed < 4.0  # two backoffs (0.5 s + 1 s), no hanging


def test_hung_server_times_out_without_retrying_past_the_budget(fault: FaultServer) -> None:
    fault.mode = "hang"
    client = local_client(fault.base_url, timeout=1.0)
    start = time.monotonic()
    with pytest.raises(LLMError, match=r"did not answer within 1s"):
        client.complete(MESSAGES)
    assert time.monotonic() - start < 3.0
    assert fault.requests == 1


# --- HTTP errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, r"^LLM rejected the API key \(401\): check OPENAI_API_KEY$"),
        (403, r"^LLM refused access \(403\)"),
        (400, r"^LLM rejected the request \(400\): fault server says 400$"),
        (404, r"no such model or endpoint \(404\)"),
    ],
)
def test_client_errors_fail_at_once_without_retry(fault: FaultServer, status: int, message: str) -> None:
    fault.status = status
    start = time.monotonic()
    with pytest.raises(LLMError, match=message):
        local_client(fault.base_url).complete(MESSAGES)
    assert time.monotonic() - start < 2.0
    assert fault.requests == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (429, r"^LLM rate-limited \(429\) after 3 tries"),
        (500, r"failed \(500\) after 3 tries: try again later$"),
        (503, r"failed \(503\) after 3 tries"),
    ],
)
def test_rate_limits_and_server_errors_are_retried_up_to_the_bound(
    fault: FaultServer, status: int, message: str
) -> None:
    fault.status = status
    start = time.monotonic()
    with pytest.raises(LLMError, match=message):
        local_client(fault.base_url, max_retries=2).complete(MESSAGES)
    elapsed = time.monotonic() - start
    assert fault.requests == 3
    assert 1.0 < elapsed < 4.0  # backoff 0.5 s + 1 s


def test_retries_can_be_disabled(fault: FaultServer) -> None:
    fault.status = 500
    with pytest.raises(LLMError, match=r"failed \(500\): try again later$"):
        local_client(fault.base_url, max_retries=0).complete(MESSAGES)
    assert fault.requests == 1


def test_stream_error_status_fails_before_any_delta(fault: FaultServer) -> None:
    fault.status = 401
    client = local_client(fault.base_url)
    with pytest.raises(LLMError, match=r"\(401\)"):
        next(client.stream(MESSAGES))
    assert fault.requests == 1


# --- streams ---------------------------------------------------------------------


def test_stream_cut_mid_way_raises_with_partial_text(fault: FaultServer) -> None:
    fault.mode = "half_stream"
    client = local_client(fault.base_url)
    received: list[str] = []
    with pytest.raises(LLMError, match=r"broke off after 18 characters") as caught:
        received.extend(client.stream(MESSAGES))
    assert received == ["part0 ", "part1 ", "part2 "]
    assert caught.value.partial == "part0 part1 part2 "
    assert client.last_usage is None


def test_stream_without_usage_counts_tokens_locally(fault: FaultServer) -> None:
    fault.mode = "stream"
    client = local_client(fault.base_url, model="gpt-4o-mini")
    assert "".join(client.stream(MESSAGES)) == "part0 part1 part2 "
    usage = client.last_usage
    assert usage is not None
    assert usage.prompt_tokens > 10
    assert usage.completion_tokens > 3
    assert usage.cost_usd > 0


# --- pure helpers ----------------------------------------------------------------


def test_cost_uses_gpt_4o_mini_prices_and_zero_for_unknown_models() -> None:
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert estimate_cost("gpt-4o-mini-2024-07-18", 2_000, 1_000) == pytest.approx(0.0009)
    assert estimate_cost("gemma-3-270m", 1_000, 1_000) == 0.0


def test_importing_the_module_does_not_import_openai() -> None:
    code = "import sys, qa.llm; sys.exit('openai' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
