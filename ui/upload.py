"""Add an uploaded bulletin to the index, or refuse it and leave the index as it was.

The bytes are parsed in a scratch folder first, so a binary, empty or
mis-encoded file (anything ``qa.corpus`` rejects or warns about) never reaches
the index; a good file is saved under ``<store>/uploads/<name>`` and ingested.
Parsing and ingesting are ``qa``'s; this module only stages the file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import qa
from qa.corpus import parse_file
from qa.errors import CorpusError
from qa.index import Progress
from qa.store import Store

UPLOAD_SUFFIXES = (".txt", ".md", ".jsonl")
UPLOAD_FOLDER = "uploads"


def _name(name: str) -> str:
    safe = Path(name.replace("\\", "/")).name.strip()
    if not safe or safe.startswith("."):
        raise CorpusError(f"{name!r} is not a usable file name: rename the file and upload it again")
    if Path(safe).suffix.lower() not in UPLOAD_SUFFIXES:
        raise CorpusError(f"{safe}: upload a bulletin as {', '.join(UPLOAD_SUFFIXES)}")
    return safe


def _check(name: str, data: bytes, folder: Path) -> None:
    """Parse a scratch copy; raise CorpusError naming ``name`` (not the scratch path)."""
    with tempfile.TemporaryDirectory(dir=folder, prefix=".incoming-") as tmp:
        staged = Path(tmp) / name
        staged.write_bytes(data)
        try:
            problems = parse_file(staged).warnings
        except CorpusError as exc:
            problems = [str(exc)]
        if problems:
            raise CorpusError(problems[0].replace(str(staged), name) + "; nothing was added to the index")


def add_upload(name: str, data: bytes, store: Store, *, progress: Progress | None = None) -> qa.IngestReport:
    """Save ``data`` as ``<store>/uploads/<name>`` and ingest it; a re-upload replaces the file."""
    safe = _name(name)
    folder = store.path / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    _check(safe, data, folder)
    target = folder / safe
    previous = target.read_bytes() if target.exists() else None
    target.write_bytes(data)
    try:
        report = qa.ingest([target], store=store, progress=progress)
    except BaseException:
        _restore(target, previous)
        raise
    if report.files_skipped:
        _restore(target, previous)
        reason = report.warnings[0].replace(str(target), safe) if report.warnings else f"{safe}: skipped"
        raise CorpusError(f"{reason}; nothing was added to the index")
    return report


def _restore(target: Path, previous: bytes | None) -> None:
    if previous is None:
        target.unlink(missing_ok=True)
    else:
        target.write_bytes(previous)
