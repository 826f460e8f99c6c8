"""Which numeric precision the embedding model runs in, and the int8 model file.

int8 where the CPU has VNNI (or AVX-512), where ONNX Runtime's integer
kernels beat fp32; fp32 otherwise. The int8 model is ONNX Runtime's dynamic
quantization of the fp32 export: per channel, the projections only (the
MatMuls and the Q/K/V weights inside the fused Attention ops; quantizing
every op cost too much accuracy: worst cosine 0.92). On the fused graph it
gives the vectors the unfused one did (mean cosine to fp32 0.9927 on 640
BBC sentences either way, worst 0.983). It is made once beside the
fp32 export and written atomically, so readers never see half a file.

Measured on a 2-core Intel Xeon (KVM guest) with AVX-512 VNNI, AVX-512 BF16/FP16 and AMX,
shared with other work (load 5-8), 256 BBC passages of 150 words (48.9k word
pieces), intra-op threads 2, variants interleaved, median of 2 runs:

    word pieces/s    batch 32   batch 64   per CPU-second (batch 32/64)
    fp32               1.2k       1.2k       2.3k / 2.1k
    int8               1.7k       1.75k      2.9k / 3.0k
    int8 vs fp32 cosine: mean 0.9946, worst 0.9876 (batch 32) / 0.9775 (batch 64)

The gain is 1.4x on that loaded machine and was 1.8x on a quiet one. Activation
scales are set per batch, so an int8 vector moves slightly with its batch-mates
(one text alone vs in a batch of 64: cosine mean 0.995, worst 0.993).
``reduce_range`` (7-bit weights, for CPUs without VNNI) was no faster and less
accurate (worst 0.985); a ``quant_pre_process``-ed model (symbolic shape
inference fails on this graph, so without it) gave the same vectors and no
measurable gain, so neither is used. ORT_ENABLE_ALL and sequential execution
are already ONNX Runtime's defaults.

This module picks a precision and makes model files; it does not run them
(``qa.fast_encoder`` does) and reads no environment variable (``qa.settings``
reads QA_EMBED_PRECISION).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

PRECISIONS = ("fp32", "int8")
# Integer dot-product instructions (VNNI) make int8 MatMuls pay; plain
# AVX-512 still runs ONNX Runtime's u8s8 kernels faster than fp32.
INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "avx512f"})


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where it cannot be read)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return set(value.split())
    except OSError:
        pass
    return set()


def precision_for_flags(flags: set[str]) -> str:
    return "int8" if flags & INT8_FLAGS else "fp32"


# int8 is the faster choice on VNNI/AVX-512 CPUs (1.8x the word pieces/s), but it moved
# the BBC dev half's evidence recall@1 by 0.04 (0.70 -> 0.66, 2026-11-28), more than the
# 0.01 a precision may move it, and lowered the seed set's answers. With windows composed
# from sentence vectors (measured 2026-11-29, not taken) it moved recall by at most one
# question but still changed two seed dev answers (facts 0.883 -> 0.857, cited 0.961 ->
# 0.948), and asking in fp32 against int8 vectors was worse: offered
# (QA_EMBED_PRECISION=int8), not chosen.
INT8_BY_DEFAULT = False


@lru_cache(maxsize=1)
def default_precision() -> str:
    """The precision a new store is built with when none is asked for."""
    fastest = precision_for_flags(cpu_flags())
    return fastest if INT8_BY_DEFAULT else "fp32"


def quantized_path(fp32_path: Path, precision: str) -> Path:
    """The file of ``precision`` beside the fp32 export (its name keeps the weights fingerprint)."""
    if precision == "fp32":
        return fp32_path
    return fp32_path.with_name(f"{fp32_path.stem}-{precision}{fp32_path.suffix}")


def quantize(src: Path, dst: Path) -> Path:
    """Write the int8 model of the fp32 export ``src`` to ``dst`` (atomic)."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from qa.fast_encoder import model_file

    quiet = _FromOnnxRuntime()
    logging.getLogger().addFilter(quiet)  # its advice to pre-process goes to the root logger; measured, no gain
    try:
        with model_file(dst, "the int8 embedding model") as tmp:
            quantize_dynamic(
                src,
                tmp,
                per_channel=True,
                # the fused graph's projections: plain MatMuls, and Q/K/V inside each Attention op
                op_types_to_quantize=["MatMul", "Attention"],
                weight_type=QuantType.QInt8,
                # shape inference cannot type the fused ops' outputs; they are all float
                extra_options={"DefaultTensorType": TensorProto.FLOAT},
            )
    finally:
        logging.getLogger().removeFilter(quiet)
    return dst


class _FromOnnxRuntime(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "onnxruntime" not in record.pathname
