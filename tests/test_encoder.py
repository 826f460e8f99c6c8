"""The embedding encoder: precision chosen for the CPU, vectors as the model gives them.

All with the real bundled model. The int8 model is made once per test run in
a private folder, from a copy of the fp32 export, so the user's cache is only read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from qa.chunking import sentences
from qa.errors import UsageError
from qa.fast_encoder import DIMENSIONS, FastEncoder, encoder, onnx_path
from qa.precision import precision_for_flags
from qa.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "afintl-2024-09-05.txt"
REAL_SENTENCES = [
    "Abdusalom Azizov, the head of Uzbekistan's State Security Service, praised the Taliban.",
    "Shares in the carmaker fell 4% after it warned that profits would be lower than expected.",
    "The striker scored twice in the second half to give his side a 3-1 win at home.",
    "Who leads ISIS-K in Afghanistan?",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("encoder-cache")
    shutil.copyfile(encoder(precision="fp32").path, onnx_path(folder))
    return folder


@pytest.fixture(scope="module")
def fp32(cache: Path) -> FastEncoder:
    return FastEncoder(cache, precision="fp32")


@pytest.fixture(scope="module")
def int8(cache: Path) -> FastEncoder:
    return FastEncoder(cache, precision="int8")


def seed_chunk() -> tuple[str, list[tuple[int, int]]]:
    """The seed bulletin's first article body: six real sentences on one topic."""
    body = SEED.read_text(encoding="utf-8").split("\n\n")[2]
    return body, [(s.start, s.end) for s in sentences(body)]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"avx2", "avx512f", "avx512_vnni", "amx_int8"}, "int8"),
        ({"avx2", "avx_vnni"}, "int8"),
        ({"avx2", "avx512f", "avx512bw"}, "int8"),
        ({"sse4_2", "avx", "avx2", "fma"}, "fp32"),
        (set(), "fp32"),
    ],
    ids=["vnni", "avx-vnni", "avx512-without-vnni", "avx2-only", "unknown-cpu"],
)
def test_precision_follows_the_cpu_flags(flags: set[str], expected: str) -> None:
    assert precision_for_flags(flags) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("int8", "int8"), ("fp32", "fp32"), (" FP32 ", "fp32")],
)
def test_embed_precision_setting_is_read_from_the_environment(value: str | None, expected: str | None) -> None:
    env = {} if value is None else {"QA_EMBED_PRECISION": value}
    assert Settings.from_env(env).embed_precision == expected


@pytest.mark.parametrize("value", ["fp16", "bf16", "int4", "8"])
def test_unknown_embed_precision_is_a_one_line_usage_error_naming_the_choices(value: str) -> None:
    with pytest.raises(UsageError) as err:
        Settings.from_env({"QA_EMBED_PRECISION": value})
    message = str(err.value)
    assert "\n" not in message
    assert "fp32" in message and "int8" in message and value in message


def test_encoder_refuses_an_unknown_precision(cache: Path) -> None:
    with pytest.raises(UsageError, match="fp32, int8"):
        FastEncoder(cache, precision="fp16")


def test_int8_vectors_stay_close_to_fp32(fp32: FastEncoder, int8: FastEncoder) -> None:
    body, _ = seed_chunk()
    texts = [*REAL_SENTENCES, body]
    a, b = fp32.encode(texts), int8.encode(texts)
    assert int8.precision == "int8" and fp32.precision == "fp32"
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() >= 0.97, cosines


def test_int8_model_is_written_once_beside_the_fp32_file_and_reused(cache: Path, int8: FastEncoder) -> None:
    assert int8.path.parent == cache and int8.path != onnx_path(cache)
    assert "int8" in int8.path.name and onnx_path(cache).stem in int8.path.name
    before = int8.path.stat()
    again = FastEncoder(cache, precision="int8")
    after = again.path.stat()
    assert again.path == int8.path
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in cache.iterdir()) == sorted([onnx_path(cache).name, int8.path.name])


def test_embedding_a_question_with_int8_imports_neither_torch_nor_llama_index(cache: Path, int8: FastEncoder) -> None:
    code = (
        "import sys; from qa.fast_encoder import encoder;"
        f"v = encoder({str(cache)!r}, precision='int8').encode(['Who leads ISIS-K?']);"
        "heavy = ('torch', 'transformers', 'sentence_transformers', 'llama_index.core', 'onnxruntime.quantization');"
        "print(v.shape, sorted(m for m in heavy if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == "(1, 384) []"


def test_no_texts_give_an_empty_array(fp32: FastEncoder) -> None:
    assert fp32.encode([]).shape == (0, DIMENSIONS)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_bundled_embedding_embeds_in_the_precision_it_is_given(
    precision: str, cache: Path, fp32: FastEncoder, int8: FastEncoder
) -> None:
    from qa.embed import BundledEmbedding

    embedding = BundledEmbedding(cache_dir=str(cache), precision=precision)
    got = np.array(embedding.get_text_embedding_batch(REAL_SENTENCES), dtype=np.float32)
    want = (fp32 if precision == "fp32" else int8).encode(REAL_SENTENCES)
    assert np.allclose(got, want, atol=1e-6)


def test_the_export_is_shared_by_every_copy_of_the_same_weights_and_changes_with_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa import fast_encoder

    weights = fast_encoder.model_path() / "model.safetensors"
    own = onnx_path(tmp_path)
    other = tmp_path / "other-venv"  # the same package installed elsewhere, written at another time
    other.mkdir()
    shutil.copyfile(weights, other / "model.safetensors")
    monkeypatch.setattr(fast_encoder, "model_path", lambda: other)
    assert onnx_path(tmp_path) == own
    with (other / "model.safetensors").open("r+b") as f:  # other weights: the last tensor's last byte
        f.seek(-1, os.SEEK_END)
        last = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([last[0] ^ 1]))
    assert onnx_path(tmp_path) != own


OPEN_TO_EMBED = """
import sys, threading
from qa import fast_encoder
loaded_by = []
real_init = fast_encoder.FastEncoder.__init__
def init(self, *args, **kwargs):
    loaded_by.append((threading.current_thread().name, "chromadb" in sys.modules))
    real_init(self, *args, **kwargs)
fast_encoder.FastEncoder.__init__ = init
from qa.store import open_store
st = open_store(sys.argv[1], warm=sys.argv[2] == "warm", embed_precision="fp32")
vector = st.embed(["Who leads ISIS-K in Afghanistan?"])[0]
assert len(vector) == fast_encoder.DIMENSIONS
print(loaded_by)
"""


@pytest.mark.parametrize(("warm", "loaded_by"), [("warm", "encoder-load"), ("cold", "MainThread")])
def test_a_store_opened_to_embed_loads_the_model_once_in_a_thread_while_chroma_is_imported(
    tmp_path: Path, warm: str, loaded_by: str
) -> None:
    encoder(precision="fp32")  # the export exists (a first export is not run beside other imports)
    run = subprocess.run(
        [sys.executable, "-c", OPEN_TO_EMBED, str(tmp_path / "store"), warm],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # loaded once, by the thread the store started before Chroma was imported (or, not warmed, at first use)
    assert run.stdout.strip() == repr([(loaded_by, warm != "warm")])


def test_nothing_is_loaded_beside_chroma_when_the_model_was_never_exported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qa import fast_encoder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # an empty cache: the first use exports, on its own
    assert fast_encoder.load_in_background("fp32") is None
    assert not any(t.name == "encoder-load" for t in threading.enumerate())
