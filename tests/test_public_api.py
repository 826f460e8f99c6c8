"""The package's public names are exactly what ``qa.__all__`` promises."""

from __future__ import annotations

import subprocess
import sys

import qa


def test_every_public_name_is_exported_and_every_export_exists() -> None:
    assert all(getattr(qa, name) is not None for name in qa.__all__)  # lazy names load on first use
    public = {name for name in dir(qa) if not name.startswith("_")} - {"annotations"}
    submodules = {name for name in public if type(getattr(qa, name)).__name__ == "module"}
    assert set(qa.__all__) == public - submodules


def test_errors_share_one_base_class() -> None:
    for name in ("UsageError", "CorpusError", "StoreError", "LLMError"):
        assert issubclass(getattr(qa, name), qa.QAError)


def test_asking_never_imports_torch_or_llama_index() -> None:
    code = (
        "import sys, qa, qa.answer, qa.retrieve, qa.store;"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'llama_index.core') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
