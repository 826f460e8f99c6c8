"""The reader model's speed: through the project's server, and llama.cpp's own figure as the limit.

    qa bench-reader [--prompt-tokens N] [--answer-tokens N] [--runs N]

Two measurements of the bundled model on this machine, same prompt length:

- llama.cpp itself, in-process (llama-cpp-python's ``Llama``, no HTTP): its own
  performance counters (``llama_perf_context``: prompt eval and eval times and
  token counts), the figure llama.cpp's bench prints;
- the path an answer takes: ``qa.model_server`` started as the page starts it,
  one streamed chat completion through ``qa.llm``; prompt tokens/s from the
  time to the first token, generation tokens/s from the rest. Its first run
  reads the whole prompt; later runs find the fixed system prefix cached.

Prints one table and the CPU flags; writes nothing. Run on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FILLER = (
    "The council met on Tuesday to discuss the new budget for roads, schools and the water supply, "
    "and officials said the plan would be published next month after a public consultation. "
)


def cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    flags = sorted(set(re.findall(r"\b(avx512[a-z_0-9]*|avx2|amx[a-z_]*)\b", text)))
    return f"{model.group(1) if model else 'unknown CPU'}, {os.cpu_count()} cores: {' '.join(flags)}"


def prompt_text(tokens: int) -> str:
    from qa.tokens import count_tokens

    per = count_tokens(FILLER)
    return FILLER * max(1, tokens // per)


def in_process(model: Path, text: str, answer_tokens: int, runs: int) -> dict[str, float]:
    """llama.cpp's own counters for prompt eval and generation, median over ``runs`` (no cache reuse)."""
    import llama_cpp
    from llama_cpp import Llama

    llm = Llama(model_path=str(model), n_ctx=2048, n_threads=os.cpu_count() or 1, verbose=False)
    tokens = llm.tokenize(text.encode())
    prompt, gen = [], []
    for _ in range(runs):
        llm.reset()
        llama_cpp.llama_perf_context_reset(llm.ctx)
        llm.eval(tokens)
        for _ in range(answer_tokens):
            token = llm.sample(temp=0.0)
            llm.eval([token])
        perf = llama_cpp.llama_perf_context(llm.ctx)
        prompt.append(perf.n_p_eval / (perf.t_p_eval_ms / 1000))
        gen.append(perf.n_eval / (perf.t_eval_ms / 1000))
    return {"prompt_tokens": len(tokens), "prompt_tps": statistics.median(prompt), "gen_tps": statistics.median(gen)}


def through_server(text: str, answer_tokens: int, runs: int) -> list[dict[str, float]]:
    """One streamed chat completion per run through ``qa.llm`` and the project's server."""
    from qa import model_server
    from qa.api import local_config
    from qa.llm import LLMClient

    started = time.perf_counter()
    model_server.shared()
    start_s = time.perf_counter() - started
    client = LLMClient(local_config(max_answer_tokens=answer_tokens, timeout=300))
    out = []
    for i in range(runs):
        messages = [
            {"role": "system", "content": "You continue the text you are given."},
            {"role": "user", "content": f"{i}. {text}\nContinue this text for a long while:"},
        ]
        t0 = time.perf_counter()
        first = None
        for _ in client.stream(messages):
            first = first or time.perf_counter()
        end = time.perf_counter()
        usage = client.last_usage
        assert usage is not None and first is not None
        out.append(
            {
                "start_s": start_s,
                "prompt_tokens": usage.prompt_tokens,
                "first_token_s": first - t0,
                "prompt_tps": usage.prompt_tokens / (first - t0),
                "gen_tps": max(usage.completion_tokens - 1, 1) / max(end - first, 1e-9),
            }
        )
    model_server.stop_shared()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="qa bench-reader", description=__doc__.split("\n\n")[0])
    p.add_argument("--prompt-tokens", type=int, default=500)
    p.add_argument("--answer-tokens", type=int, default=48)
    p.add_argument("--runs", type=int, default=3)
    ns = p.parse_args(argv)
    from qa.model_file import MODEL_NAME, gguf_path

    model = gguf_path()
    text = prompt_text(ns.prompt_tokens)
    print(f"model: {MODEL_NAME}; CPU: {cpu_flags()}")
    own = in_process(model, text, ns.answer_tokens, ns.runs)
    served = through_server(text, ns.answer_tokens, ns.runs)
    print("| path | prompt tokens | prompt tokens/s | generation tokens/s |")
    print("|---|---|---|---|")
    print(
        f"| llama.cpp in-process (its own counters) | {own['prompt_tokens']} | {own['prompt_tps']:.1f} | {own['gen_tps']:.1f} |"
    )
    for i, r in enumerate(served, start=1):
        print(
            f"| qa.llm -> qa.model_server, run {i} | {r['prompt_tokens']} | {r['prompt_tps']:.1f} "
            f"(first token {r['first_token_s']:.2f} s) | {r['gen_tps']:.1f} |"
        )
    print(f"server start-up (model load to first /v1/models): {served[0]['start_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
