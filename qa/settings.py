"""Settings read once from the environment, at the edges (CLI, page, eval).

Library functions take explicit keyword arguments; only callers at the edge
build a ``Settings`` and pass its fields down. Nothing here mutates
llama-index's global ``Settings``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.errors import UsageError
from qa.precision import PRECISIONS
from qa.store import DEFAULT_STORE

DEFAULT_LLM_MODEL = "gpt-4o-mini"
DEFAULT_K = 5


@dataclass(frozen=True)
class Settings:
    store: Path = DEFAULT_STORE
    chroma_url: str | None = None
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    llm_model: str = DEFAULT_LLM_MODEL
    llm_timeout: float = 30.0
    k: int = DEFAULT_K
    embed_precision: str | None = None  # None: int8 or fp32, chosen by the CPU
    local_model: bool = True  # with no OPENAI_API_KEY, the bundled model reads (QA_LOCAL_MODEL=off: extractive only)
    # QA_READ_BUDGET: tokens of sentences the model reads (None: by the CPU for the bundled model, 330 for an endpoint)
    read_budget: int | None = None

    @property
    def llm_configured(self) -> bool:
        return bool(self.openai_api_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        try:
            k = int(env.get("QA_K", DEFAULT_K))
            timeout = float(env.get("QA_LLM_TIMEOUT", 30.0))
        except ValueError as exc:
            raise UsageError(f"QA_K / QA_LLM_TIMEOUT must be numbers ({exc})") from exc
        return cls(
            store=Path(env.get("QA_STORE") or DEFAULT_STORE),
            chroma_url=env.get("QA_CHROMA_URL") or None,
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            openai_base_url=env.get("OPENAI_BASE_URL") or None,
            llm_model=env.get("QA_LLM_MODEL") or DEFAULT_LLM_MODEL,
            llm_timeout=timeout,
            k=k,
            embed_precision=_precision(env.get("QA_EMBED_PRECISION", "")),
            local_model=_switch(env.get("QA_LOCAL_MODEL", "on"), "QA_LOCAL_MODEL"),
            read_budget=_budget(env.get("QA_READ_BUDGET", "")),
        )


def _switch(raw: str, name: str) -> bool:
    value = raw.strip().lower()
    if value in ("", "1", "on", "true", "yes"):
        return True
    if value in ("0", "off", "false", "no"):
        return False
    raise UsageError(f"{name} must be on or off, not {raw!r}")


MIN_READ_BUDGET = 50  # tokens: below this the model reads about one sentence


def _budget(raw: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < MIN_READ_BUDGET:
        raise UsageError(f"QA_READ_BUDGET must be a whole number of tokens, at least {MIN_READ_BUDGET}, not {raw!r}")
    return int(value)


def _precision(raw: str) -> str | None:
    value = raw.strip().lower()
    if value and value not in PRECISIONS:
        raise UsageError(
            f"QA_EMBED_PRECISION must be {' or '.join(PRECISIONS)} (or unset to choose by CPU), not {raw!r}"
        )
    return value or None
