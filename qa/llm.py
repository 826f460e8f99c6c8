"""The one place that talks to an OpenAI-compatible chat-completions server.

``LLMClient.complete`` returns the whole answer; ``LLMClient.stream`` yields
text deltas. Both run at temperature 0 and turn every failure into an
``LLMError`` whose message is one line saying what happened and what to do.

Retries: connection errors, timeouts, 408, 429 and 5xx are retried with
exponential backoff (0.5 s, 1 s, 2 s, ... capped at 4 s; a server's
Retry-After is honoured up to the same cap), at most ``max_retries`` times,
and no new attempt is started once ``timeout`` seconds have passed since the
first, so a call never takes much more than twice ``timeout``. Anything else
(401, 403, 400, 404, ...) fails at once. A stream is only retried before its
first byte; one that breaks off later raises ``LLMError`` carrying the text
received so far in ``partial``.

``openai`` is imported lazily, so code paths that never call a model never
pay for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from qa.errors import LLMError

if TYPE_CHECKING:
    import openai

T = TypeVar("T")

# USD per million tokens: (prompt, completion). Dated snapshots of a model
# ("gpt-4o-mini-2024-07-18") share its price; unknown models cost 0.0.
PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
}

BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 4.0
RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx


@dataclass(frozen=True)
class LLMConfig:
    api_key: str
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    timeout: float = 30.0
    max_retries: int = 2
    context_window: int = 8192  # tokens; gpt-4o-mini's real window is larger, local servers smaller
    max_answer_tokens: int = 400
    local: bool = False  # the bundled model, served on loopback by ``qa.model_server`` (started on first use)
    read_budget: int | None = None  # tokens of source sentences the model reads (None: ``qa.reader``'s default)

    @property
    def label(self) -> str:
        """Which model answers, for the page and the CLI."""
        return f"local {self.model}" if self.local else f"{self.model} at {self.base_url or 'OpenAI'}"


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


def estimate_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """Estimated USD cost of a call; 0.0 for models not in the price table."""
    for name, (prompt_price, completion_price) in PRICES_PER_MILLION.items():
        if model == name or model.startswith(name + "-"):
            return (prompt_tokens * prompt_price + completion_tokens * completion_price) / 1e6
    return 0.0


def make_usage(model: str, prompt_tokens: int, completion_tokens: int) -> Usage:
    return Usage(prompt_tokens, completion_tokens, estimate_cost(model, prompt_tokens, completion_tokens))


def count_message_tokens(messages: list[dict[str, str]]) -> int:
    """Approximate prompt size of chat messages (OpenAI's per-message overhead)."""
    from qa.tokens import count_tokens

    return sum(count_tokens(m.get("content") or "") + 3 for m in messages) + 3


class LLMClient:
    def __init__(self, config: LLMConfig):
        import openai

        self.config = config
        self._openai = openai
        self._made: Any = None
        self.last_usage: Usage | None = None

    @property
    def _client(self) -> Any:
        """The SDK client, made on first use (for the bundled model, once its server answers)."""
        if self._made is None:
            base_url = self.config.base_url
            if self.config.local:
                from qa import model_server

                base_url = model_server.shared().base_url  # raises ModelError (an LLMError) if it cannot start
            # Retries are ours (see module doc): the SDK's would honour Retry-After
            # for up to two minutes and retry 409s.
            self._made = self._openai.OpenAI(
                api_key=self.config.api_key,
                base_url=base_url,
                timeout=self.config.timeout,
                max_retries=0,
            )
        return self._made

    @property
    def where(self) -> str:
        if self._made is None and self.config.local:
            return "the local model server"
        return str(self._client.base_url).rstrip("/")

    def _request(self, messages: list[dict[str, str]], **extra: Any) -> Any:
        return self._client.chat.completions.create(
            model=self.config.model,
            messages=messages,  # type: ignore[arg-type]
            temperature=0,
            max_tokens=self.config.max_answer_tokens,
            **extra,
        )

    def complete(self, messages: list[dict[str, str]]) -> tuple[str, Usage]:
        response = self._with_retries(lambda: self._request(messages))
        if not response.choices:
            raise LLMError(f"LLM server at {self.where} returned no answer: check the model name")
        text = response.choices[0].message.content or ""
        if response.usage is not None:
            usage = make_usage(self.config.model, response.usage.prompt_tokens, response.usage.completion_tokens)
        else:
            usage = self._counted_usage(messages, text)
        return text, usage

    def banned(self, text: str) -> dict[str, int] | None:
        """A ``logit_bias`` that keeps the model from starting ``text`` (the refusal token), or None where
        the vocabulary is unknown (an endpoint: its token ids are not ours to guess)."""
        if not self.config.local:
            return None
        from qa import model_server

        ids = model_server.shared().first_tokens(text, " " + text)  # starts the server if it is not yet
        return {str(i): -100 for i in ids}

    def stream(self, messages: list[dict[str, str]], *, logit_bias: dict[str, int] | None = None) -> Iterator[str]:
        """Yield text deltas; afterwards ``self.last_usage`` holds the usage."""
        import httpx

        openai = self._openai
        self.last_usage = None
        extra: dict[str, Any] = {"logit_bias": logit_bias} if logit_bias else {}
        response = self._with_retries(
            lambda: self._request(messages, stream=True, stream_options={"include_usage": True}, **extra)
        )
        parts: list[str] = []
        usage: Any = None
        finished = False
        try:
            with response:
                for chunk in response:
                    if getattr(chunk, "usage", None) is not None:
                        usage = chunk.usage
                    for choice in chunk.choices:
                        if choice.finish_reason:
                            finished = True
                        delta = choice.delta.content if choice.delta else None
                        if delta:
                            parts.append(delta)
                            yield delta
        except (openai.OpenAIError, httpx.HTTPError, OSError) as exc:
            received = "".join(parts)
            raise LLMError(
                f"LLM stream from {self.where} broke off after {len(received)} characters ({_short(exc)}): try again",
                partial=received,
            ) from exc
        received = "".join(parts)
        if not finished:
            raise LLMError(
                f"LLM stream from {self.where} ended before the answer was complete: try again",
                partial=received,
            )
        if usage is not None:
            self.last_usage = make_usage(self.config.model, usage.prompt_tokens, usage.completion_tokens)
        else:
            self.last_usage = self._counted_usage(messages, received)

    def _counted_usage(self, messages: list[dict[str, str]], answer: str) -> Usage:
        from qa.tokens import count_tokens

        return make_usage(self.config.model, count_message_tokens(messages), count_tokens(answer))

    def _with_retries(self, call: Callable[[], T]) -> T:
        openai = self._openai
        start = time.monotonic()
        tries = 0
        while True:
            tries += 1
            try:
                return call()
            except openai.APIStatusError as exc:
                status = exc.status_code
                retryable = status in RETRY_STATUSES or status >= 500
                error: Exception = exc
                retry_after = _retry_after(exc.response.headers)
            except openai.APIConnectionError as exc:  # includes APITimeoutError
                retryable = True
                error = exc
                retry_after = None
            except openai.OpenAIError as exc:
                raise LLMError(f"LLM call to {self.where} failed: {_short(exc)}") from exc
            delay = min(BACKOFF_INITIAL * 2 ** (tries - 1), BACKOFF_MAX)
            if retry_after is not None:
                delay = min(max(retry_after, 0.0), BACKOFF_MAX)
            elapsed = time.monotonic() - start
            if not retryable or tries > self.config.max_retries or elapsed + delay > self.config.timeout:
                raise LLMError(self._describe(error, tries)) from error
            time.sleep(delay)

    def _describe(self, exc: Exception, tries: int) -> str:
        openai = self._openai
        after = f" after {tries} tries" if tries > 1 else ""
        where = self.where
        if isinstance(exc, openai.APITimeoutError):
            return (
                f"LLM server at {where} did not answer within {self.config.timeout:g}s{after}: "
                "check that it is running, or raise the timeout"
            )
        if isinstance(exc, openai.APIConnectionError):
            if _refused(exc):
                return (
                    f"LLM server at {where} refused the connection{after}: "
                    "check OPENAI_BASE_URL and that the server is running"
                )
            return (
                f"could not reach LLM server at {where} ({_short(exc)}){after}: check OPENAI_BASE_URL and the network"
            )
        assert isinstance(exc, openai.APIStatusError)
        status = exc.status_code
        detail = _server_message(exc)
        if status == 401:
            return "LLM rejected the API key (401): check OPENAI_API_KEY"
        if status == 403:
            return f"LLM refused access (403): check that OPENAI_API_KEY may use model {self.config.model!r}"
        if status == 404:
            return (
                f"LLM server at {where} has no such model or endpoint (404): "
                f"check the model name {self.config.model!r} and OPENAI_BASE_URL"
            )
        if status == 429:
            return f"LLM rate-limited (429){after}: wait a minute and retry, or check the account's quota"
        if status >= 500:
            return f"LLM server at {where} failed ({status}){after}: try again later"
        if status == 408:
            return f"LLM server at {where} timed out the request (408){after}: try again later"
        return f"LLM rejected the request ({status}): {detail}"


def _short(exc: BaseException, limit: int = 160) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _refused(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError) or "refused" in str(current).lower():
            return True
        current = current.__cause__ or current.__context__
    return False


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return _short(Exception(error["message"]))
        if isinstance(body.get("message"), str):
            return _short(Exception(body["message"]))
    return _short(exc)
