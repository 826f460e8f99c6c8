"""Read bulletin files into articles.

Accepted inputs: plain-text bulletins (articles separated by blank lines, an
optional headline line before an article, a standfirst that repeats the first
line of the body), one-article ``.txt`` files whose first line is the title
(the BBC layout), ``.md`` files with optional front matter, ``.json`` /
``.jsonl`` records, and folders of these, recursively. Metadata for files that
must stay byte-for-byte lives in a ``manifest.json`` beside them.

This module parses and validates; it does not chunk, embed or store.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path

from qa.errors import CorpusError

TEXT_SUFFIXES = {".txt", ".md"}
RECORD_SUFFIXES = {".json", ".jsonl"}
SUFFIXES = TEXT_SUFFIXES | RECORD_SUFFIXES
MANIFEST = "manifest.json"
MAX_FILE_BYTES = 20 * 1024 * 1024
FALLBACK_ENCODING = "cp1252"

_HEADLINE_MAX_CHARS = 160
_SENTENCE_END = tuple(".:;,")  # a title may end in "?", "!" or "..." but not like a sentence
_CLOSERS = "\"'”’)]"
_SKIPPED_NAMES = {"readme", "license", "licence", "changelog"}  # dataset notes, not news
_BLANK_SPLIT = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str
    title_generated: bool = False
    source: str = ""
    date: str = ""
    url: str = ""
    language: str = "en"
    path: str = ""
    position: int = 0

    @property
    def date_int(self) -> int:
        """YYYYMMDD as an integer (0 when unknown), for range filters."""
        return int(self.date.replace("-", "")) if self.date else 0


@dataclass
class ParsedFile:
    path: str
    sha256: str
    articles: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def article_id(text: str) -> str:
    """Content-derived id: the same text from two files is one article."""
    return "a" + hashlib.sha256(_squash(text).encode("utf-8")).hexdigest()[:15]


def normalize_date(value: object, *, where: str) -> str:
    if value in (None, ""):
        return ""
    try:
        return _date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError as exc:
        raise CorpusError(f"{where}: date {value!r} is not YYYY-MM-DD") from exc


def generated_title(text: str, *, words: int = 10) -> str:
    first = split_first_sentence(text)
    parts = first.split()
    title = " ".join(parts[:words])
    return title.rstrip(",;:") + ("…" if len(parts) > words else "")


def split_first_sentence(text: str) -> str:
    match = re.search(r"(?<=[.!?])[\"”’]?\s", text)
    return text[: match.start()].strip() if match else text.strip()


def _squash(text: str) -> str:
    return " ".join(text.split())


def _is_headline(block: str) -> bool:
    line = block.strip()
    bare = line.rstrip(_CLOSERS)
    ends_like_sentence = bare.endswith(_SENTENCE_END) and not bare.endswith("...")
    return "\n" not in line and 0 < len(_squash(line)) <= _HEADLINE_MAX_CHARS and not ends_like_sentence


def _is_standfirst(block: str, nxt: str) -> bool:
    """A one-line block that the next block repeats word for word at its start."""
    line, following = _squash(block), _squash(nxt)
    return (
        "\n" not in block.strip() and following.startswith(line) and following[len(line) : len(line) + 1] in ("", " ")
    )


def _blocks(text: str) -> list[str]:
    return [b.strip() for b in _BLANK_SPLIT.split(text) if b.strip()]


def parse_bulletin(text: str) -> list[tuple[str | None, str]]:
    """Split bulletin text into ``(headline or None, body)`` pairs.

    A headline is a short line that does not end like a sentence; a one-line
    block repeated at the start of the next block is a standfirst, kept once.
    When several headline-like blocks come in a row (a section name, then a
    headline), the last is the title and the others open the body, so no text
    is lost.
    """
    blocks = _blocks(text.replace("\r\n", "\n"))
    out: list[tuple[str | None, str]] = []
    kickers: list[str] = []
    headline: str | None = None
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if nxt is not None and _is_standfirst(block, nxt):
            continue
        if nxt is not None and _is_headline(block):
            if headline is not None:
                kickers.append(headline)
            headline = block
            continue
        out.append((headline, "\n\n".join([*kickers, block])))
        headline, kickers = None, []
    return out


def looks_like_single_article(text: str) -> bool:
    """The BBC layout: a title line, then mostly one-line paragraphs between blank lines.

    A bulletin's articles are blocks of several lines, so "mostly" (at least
    half) tells the two apart while letting an odd wrapped paragraph through.
    """
    blocks = _blocks(text.replace("\r\n", "\n"))
    one_line = sum("\n" not in b for b in blocks[1:])
    return len(blocks) >= 2 and _is_headline(blocks[0]) and 2 * one_line >= len(blocks) - 1


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end < 0:
        return {}, text
    meta: dict[str, str] = {}
    for line in text[4:end].splitlines():
        if ":" in line:
            key, _, value = line.partition(":")
            meta[key.strip().lower()] = value.strip().strip("\"'")
    body = text[end + 4 :]
    return meta, body.lstrip("\n")


def decode(data: bytes, *, where: str) -> tuple[str, list[str]]:
    if b"\x00" in data[:8192]:
        raise CorpusError(f"{where}: looks like a binary file, skipped")
    try:
        text, warnings = data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        text = data.decode(FALLBACK_ENCODING, errors="replace")
        warnings = [f"{where}: not valid UTF-8 (byte {exc.start}); decoded as {FALLBACK_ENCODING}"]
    return text.replace("\r\n", "\n").replace("\r", "\n"), warnings


def _make(body: str, title: object, meta: dict[str, object], *, where: str, position: int) -> Article:
    body = body.strip()
    given = _squash(str(title)) if title not in (None, "") else ""
    return Article(
        id=article_id(body),
        title=given or generated_title(body),
        text=body,
        title_generated=not given,
        source=str(meta.get("source") or ""),
        date=normalize_date(meta.get("date"), where=where),
        url=str(meta.get("url") or ""),
        language=str(meta.get("language") or "en"),
        path=where,
        position=position,
    )


def articles_from_text(text: str, meta: dict[str, object], *, where: str) -> list[Article]:
    front, body = split_front_matter(text)
    meta = {**meta, **front}
    if front.get("title"):
        return [_make(body, str(front["title"]), meta, where=where, position=0)]
    layout = str(meta.get("layout") or "")
    if layout == "article" or (layout != "bulletin" and looks_like_single_article(body)):
        title, _, rest = body.strip().partition("\n")
        return [_make(rest, title, meta, where=where, position=0)]
    return [
        _make(b, h.lstrip("# ") if h else None, meta, where=where, position=i)
        for i, (h, b) in enumerate(parse_bulletin(body))
    ]


def articles_from_records(text: str, meta: dict[str, object], *, where: str, jsonl: bool) -> list[Article]:
    lines = enumerate(text.splitlines(), 1) if jsonl else [(1, text)]
    records: list[object] = []
    for first_line, chunk in lines:
        if not chunk.strip():
            continue
        try:
            loaded = json.loads(chunk)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{where}: invalid JSON at line {first_line + exc.lineno - 1}: {exc.msg}") from exc
        records.extend(loaded if isinstance(loaded, list) and not jsonl else [loaded])
    out = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) or not rec["text"].strip():
            raise CorpusError(f"{where}: record {i + 1} has no 'text' string")
        merged = {**meta, **{k: v for k, v in rec.items() if v not in (None, "")}}
        out.append(_make(str(rec["text"]), rec.get("title"), merged, where=where, position=i))
    return out


def parse_file(path: Path, meta: dict[str, object] | None = None) -> ParsedFile:
    """Parse one file. Raises CorpusError naming the file when it is unusable."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise CorpusError(
            f"{where}: unknown extension {suffix or '(none)'!r}; expected one of {', '.join(sorted(SUFFIXES))}"
        )
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(
                f"{where}: {size / 2**20:.1f} MiB is over the {MAX_FILE_BYTES // 2**20} MiB limit, skipped"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{where}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise CorpusError(f"{where}: empty file, skipped")
    text, warnings = decode(data, where=where)
    meta = dict(meta or {})
    if suffix in RECORD_SUFFIXES:
        articles = articles_from_records(text, meta, where=where, jsonl=suffix == ".jsonl")
    else:
        articles = articles_from_text(text, meta, where=where)
    if not articles:
        raise CorpusError(f"{where}: no article text found, skipped")
    return ParsedFile(where, hashlib.sha256(data).hexdigest(), articles, warnings)


def read_manifest(folder: Path) -> dict[str, dict[str, object]]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{path}: unreadable manifest ({exc})") from exc
    files = data.get("files", data) if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise CorpusError(f'{path}: unreadable manifest (expected {{"files": {{name: metadata}}}})')
    return {str(k): dict(v) for k, v in files.items() if isinstance(v, dict)}


def discover(paths: Iterable[Path]) -> Iterator[tuple[Path, dict[str, object] | None, str | None]]:
    """Yield ``(file, manifest metadata, problem)`` for every candidate file.

    Folders are walked recursively (symlink loops are not followed twice);
    files with other extensions, and README/LICENSE notes, inside folders are
    passed over silently, while a file named explicitly is always yielded, so
    ``parse_file`` can say what is wrong with it. A folder that cannot be
    listed, or whose manifest is broken, yields a problem and none of its files.
    """
    roots = list(paths)
    for root in roots:  # all of them before reading any, so a typo costs nothing
        try:
            root.stat()
        except OSError as exc:
            if not os.path.lexists(root):
                raise CorpusError(f"{root}: no such file or folder") from exc
            raise CorpusError(f"{root}: cannot follow this link ({exc.strerror})") from exc
    seen: set[tuple[int, int]] = set()
    for root in roots:
        if not root.is_dir():
            try:
                yield root, read_manifest(root.parent).get(root.name), None
            except CorpusError as exc:
                yield root, None, str(exc)
            continue
        unlistable: list[OSError] = []
        for folder, dirs, files in os.walk(root, followlinks=True, onerror=unlistable.append):
            yield from _unlistable(unlistable)
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                dirs[:] = []
                yield Path(folder), None, f"{folder}: folder already visited (symlink loop), skipped"
                continue
            seen.add((st.st_dev, st.st_ino))
            dirs.sort()
            try:
                manifest = read_manifest(Path(folder))
            except CorpusError as exc:
                yield Path(folder), None, f"{exc}; the files in {folder} were skipped"
                continue
            for name in sorted(files):
                path = Path(folder) / name
                if name == MANIFEST or path.suffix.lower() not in SUFFIXES or path.stem.lower() in _SKIPPED_NAMES:
                    continue
                yield path, manifest.get(name), None
        yield from _unlistable(unlistable)


def _unlistable(errors: list[OSError]) -> Iterator[tuple[Path, None, str]]:
    while errors:
        err = errors.pop(0)
        yield Path(err.filename), None, f"{err.filename}: cannot list folder ({err.strerror}), skipped"
