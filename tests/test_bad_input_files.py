"""Bad input files: one clear line naming the file, a non-zero exit, the index unchanged.

Each case runs ``qa ingest`` (the CLI's ``main``, in process) on one bad path
against a copy of the seed index and compares the index before and after.
One case runs the real ``python -m qa`` to check there is no traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.cli import main
from qa.corpus import MAX_FILE_BYTES
from qa.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).parent / "data" / "bad"
LATIN1 = Path(__file__).parent / "data" / "latin1" / "sport-199.txt"


def _fifty_megabytes(tmp: Path) -> Path:
    path = tmp / "huge.txt"
    line = b"The council met again on Monday and talked about the harbour budget for a long time.\n"
    with open(path, "wb") as fh:
        for _ in range(50 * 2**20 // len(line) + 1):
            fh.write(line)
    assert path.stat().st_size > MAX_FILE_BYTES
    return path


def _symlink_loop(tmp: Path) -> Path:
    folder = tmp / "loop"
    folder.mkdir()
    (folder / "again").symlink_to(folder, target_is_directory=True)
    return folder


def _self_link(tmp: Path) -> Path:
    (tmp / "self.txt").symlink_to(tmp / "self.txt")
    return tmp / "self.txt"


def _dangling_link_in_folder(tmp: Path) -> Path:
    folder = tmp / "links"
    folder.mkdir()
    (folder / "gone.txt").symlink_to(tmp / "deleted.txt")
    return folder


def _broken_manifest(tmp: Path) -> Path:
    folder = tmp / "with-manifest"
    folder.mkdir()
    shutil.copy(Path(__file__).parent / "data" / "bulletins" / "harbour.txt", folder)
    (folder / "manifest.json").write_text('{"files": {"harbour.txt": {"source": "Eastport"')
    return folder


def _unreadable(tmp: Path) -> Path:
    path = tmp / "unreadable.txt"
    if os.geteuid() == 0:
        # root reads through chmod 000; a link to /proc/self/mem is a file whose read fails (EIO) even for root
        path.symlink_to("/proc/self/mem")
    else:
        path.write_text("A bulletin nobody may read.\n")
        path.chmod(0)
    return path


# (make the bad path, what the one line must say, the name it must mention)
CASES: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "missing path": (lambda tmp: tmp / "no-such-bulletin.txt", "no such file or folder", "no-such-bulletin.txt"),
    "empty file": (lambda tmp: BAD / "empty.txt", "empty file", "empty.txt"),
    "binary file": (lambda tmp: BAD / "binary.txt", "binary file", "binary.txt"),
    "unknown extension": (lambda tmp: BAD / "minutes.rtf", "unknown extension '.rtf'", "minutes.rtf"),
    "malformed json": (lambda tmp: BAD / "malformed.json", "invalid JSON at line 3", "malformed.json"),
    "malformed jsonl": (lambda tmp: BAD / "malformed.jsonl", "invalid JSON at line 2", "malformed.jsonl"),
    "50 MB file": (_fifty_megabytes, f"over the {MAX_FILE_BYTES // 2**20} MiB limit", "huge.txt"),
    "symlink loop in a folder": (_symlink_loop, "symlink loop", "again"),
    "link to itself": (_self_link, "cannot follow this link", "self.txt"),
    "dangling link in a folder": (_dangling_link_in_folder, "cannot read", "gone.txt"),
    "broken manifest": (_broken_manifest, "unreadable manifest", "manifest.json"),
    "unreadable file": (_unreadable, "cannot read", "unreadable.txt"),
}


def _state(store: Store) -> tuple[object, ...]:
    catalog = store.catalog
    return catalog.generation(), catalog.counts(), catalog.chunk_ids(), store.chroma_ids()


@pytest.fixture(scope="module")
def store_path(seed_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("bad-input") / "store"
    shutil.copytree(seed_index, dest, ignore=shutil.ignore_patterns("ingest.lock"))
    return dest


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_line_naming_the_file_and_leaves_the_index_unchanged(
    case: str, store_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    make, says, names = CASES[case]
    path = make(tmp_path)
    store = open_store(store_path)
    before = _state(store)

    code = main(["ingest", str(path), "--store", str(store_path), "--quiet"])

    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code != 0
    assert len(lines) == 1, err
    assert says in lines[0] and names in lines[0]
    assert "Traceback" not in err
    assert _state(store) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list a chmod 000 folder, so it cannot be made unlistable")
def test_unlistable_folder_gives_one_line_naming_it(store_path: Path, tmp_path: Path, capsys):
    locked = tmp_path / "news" / "locked"
    locked.mkdir(parents=True)
    locked.chmod(0)
    try:
        store = open_store(store_path)
        before = _state(store)
        assert main(["ingest", str(tmp_path / "news"), "--store", str(store_path), "--quiet"]) != 0
        [line] = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert "cannot list folder" in line and "locked" in line
        assert _state(store) == before
    finally:
        locked.chmod(0o755)


def test_latin1_file_is_read_as_cp1252_with_a_warning(seed_store: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["ingest", str(LATIN1), "--store", str(seed_store), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0
    [warning] = [line for line in err.splitlines() if line.strip()]
    assert "sport-199.txt" in warning and "not valid UTF-8" in warning and "cp1252" in warning
    assert "1 added" in out
    assert any("a £15.8m signing from Parma" in c.text for c in open_store(seed_store).catalog.chunks())


def test_real_cli_process_exits_nonzero_without_a_traceback(store_path: Path):
    for bad, code in ((BAD / "malformed.json", 1), (ROOT / "no-such-folder", 1)):
        done = subprocess.run(
            [sys.executable, "-m", "qa", "ingest", str(bad), "--store", str(store_path), "--quiet"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert done.returncode == code
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and bad.name in lines[0], done.stderr
        assert "Traceback" not in done.stderr


def test_a_file_named_twice_is_read_once(seed_store: Path):
    from qa.index import ingest

    harbour = Path(__file__).parent / "data" / "bulletins" / "harbour.txt"
    report = ingest([harbour, harbour], store=seed_store)
    assert (report.files_read, report.articles_added) == (1, 2)
    assert report.warnings == []
