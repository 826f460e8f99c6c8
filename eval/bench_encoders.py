"""Benchmark option ``--encoders``: tokens/s of ingest-time embedding runtimes.

Torch fp32/bf16 (sentence-transformers) and the project's ONNX encoder on the
same chunks, with each option's worst cosine to torch fp32. For comparison
only: the project's encoder is ``qa.fast_encoder``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.bench_common import log, timed
from eval.bench_coverage import embedded_prefix


def _load(dtype: str) -> Any:
    """The bundled model in sentence-transformers (torch), for comparison only."""
    import torch
    from sentence_transformers import SentenceTransformer

    from qa.fast_encoder import MAX_WORD_PIECES as limit
    from qa.fast_encoder import model_path

    kwargs = {"torch_dtype": torch.bfloat16} if dtype == "bf16" else {}
    model = SentenceTransformer(str(model_path()), device="cpu", model_kwargs=kwargs)
    model.max_seq_length = limit
    return model


def encoder_options(chunks: list[str], work: Path) -> list[dict[str, Any]]:
    """Tokens/s of ingest-time embedding options on the same chunks."""
    import numpy as np
    import torch

    from qa.fast_encoder import FastEncoder

    fed = sum(embedded_prefix(t)[0] for t in chunks)
    ref_model = _load("fp32")

    def st(model: Any, bs: int) -> Callable[[list[str]], Any]:
        def run(texts: list[str]) -> Any:
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            with torch.inference_mode():
                v = model.encode([texts[i] for i in order], batch_size=bs, normalize_embeddings=True)
            out = np.empty_like(v, dtype=np.float32)
            out[order] = v
            return out

        return run

    options = {
        "torch fp32, batch 32": st(ref_model, 32),
        "torch bf16, batch 32": st(_load("bf16"), 32),
        "torch bf16, batch 128": st(_load("bf16"), 128),
        "onnx fp32, batch 32": lambda t: FastEncoder(work / "encoder").encode(t, batch_size=32),
        "onnx fp32, batch 128": lambda t: FastEncoder(work / "encoder").encode(t, batch_size=128),
        "onnx fp32, batch 64, 1 thread": lambda t: FastEncoder(work / "encoder", threads=1).encode(t, batch_size=64),
    }
    ref = st(ref_model, 32)(chunks)
    rows = []
    for name, fn in options.items():
        fn(chunks[:32])
        vecs, secs = timed(lambda fn=fn: fn(chunks))
        vecs = np.asarray(vecs, dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        rows.append(
            {
                "option": name,
                "tokens_per_s": round(fed / secs),
                "worst_cosine_to_fp32": round(float((vecs * ref).sum(1).min()), 5),
            }
        )
        log(f"encoder {name}: {rows[-1]['tokens_per_s']:,} tok/s")
    return rows
