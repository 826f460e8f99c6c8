"""The optional LLM judge (``qa eval --judge``): llama-index's evaluators, reported only.

``CorrectnessEvaluator`` (against the gold answer) and ``FaithfulnessEvaluator``
(against the cited passages) on the answered answerable items, through any
OpenAI-compatible server. Its figures never gate: a judge model's opinion is
not reproducible enough for that. A judge failure is counted, never fatal.
"""

from __future__ import annotations

from typing import Any

from eval.scoring import mean


def judge(
    items: list[dict[str, Any]], rows: list[dict[str, Any]], cited: dict[str, list[str]], config: Any
) -> dict[str, Any]:
    """llama-index CorrectnessEvaluator / FaithfulnessEvaluator on answered answerable items. Never gates."""
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(
        model=config.model,
        api_key=config.api_key,
        api_base=config.base_url or "https://api.openai.com/v1",
        is_chat_model=True,
        temperature=0.0,
        timeout=config.timeout,
        max_retries=config.max_retries,
    )
    correctness, faithfulness = CorrectnessEvaluator(llm=llm), FaithfulnessEvaluator(llm=llm)
    scores: list[float] = []
    correct: list[bool] = []
    faithful: list[bool] = []
    errors = 0
    for item, row in zip(items, rows, strict=True):
        if not item["answerable"] or row["refused"]:
            continue
        try:
            c = correctness.evaluate(query=item["question"], response=row["answer"], reference=item.get("answer", ""))
            f = faithfulness.evaluate(query=item["question"], response=row["answer"], contexts=cited[item["id"]])
        except Exception:  # a judge failure must not end the run
            errors += 1
            continue
        scores.append(float(c.score or 0.0))
        correct.append(bool(c.passing))
        faithful.append(bool(f.passing))
    return {
        "model": config.model,
        "items": len(scores),
        "errors": errors,
        "correctness_mean_1_to_5": mean(scores),
        "correctness_pass_rate": mean([float(x) for x in correct]),
        "faithfulness_pass_rate": mean([float(x) for x in faithful]),
    }
