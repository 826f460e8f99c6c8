"""Parsing files into articles: the seed bulletin, every accepted format, folders.

The bulletin parser also gets property-based tests: generated bulletins parse
back to their articles, no text is ever lost, and article ids do not depend on
whitespace.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.corpus import (
    article_id,
    articles_from_text,
    discover,
    generated_title,
    parse_bulletin,
    parse_file,
    read_manifest,
)
from qa.errors import CorpusError

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "afintl-2024-09-05.txt"
BULLETINS = Path(__file__).parent / "data" / "bulletins"
SEED_HEADLINE = "Afghanistan On The FrontLines In Fight Against ISIS, Says Uzbek Security Service Chief"
SEED_LEDE = (
    "Abdusalom Azizov, the head of Uzbekistan's State Security Service, stated that the Taliban is "
    "fighting international terrorism to the best of its ability."
)


def _seed_articles():
    return parse_file(SEED, read_manifest(SEED.parent).get(SEED.name)).articles


def _squash(text: str) -> str:
    return " ".join(text.split())


# --- the seed bulletin ---------------------------------------------------------


def test_seed_bulletin_yields_six_articles_in_order():
    articles = _seed_articles()
    assert len(articles) == 6
    assert [a.position for a in articles] == list(range(6))
    assert len({a.id for a in articles}) == 6


def test_first_seed_article_has_its_headline_and_its_lede_once():
    first = _seed_articles()[0]
    assert first.title == SEED_HEADLINE
    assert not first.title_generated
    assert first.text.startswith(SEED_LEDE)
    assert first.text.count(SEED_LEDE) == 1  # the standfirst repeats the lede; it is kept once


def test_untitled_seed_articles_get_generated_titles_marked_as_such():
    for article in _seed_articles()[1:]:
        assert article.title_generated
        assert article.title == generated_title(article.text)
        assert article.text.startswith(article.title.rstrip("…"))


def test_manifest_metadata_applies_to_the_seed():
    for article in _seed_articles():
        assert (article.source, article.date, article.language) == ("Afghanistan International", "2024-09-05", "en")
        assert article.date_int == 20240905
        assert article.url == "https://www.afintl.com/en"


def test_seed_articles_keep_every_line_of_the_bulletin():
    text = "\n".join(a.title + "\n" + a.text for a in _seed_articles())
    for line in SEED.read_text(encoding="utf-8").splitlines():
        assert line.strip() in text


# --- other formats -------------------------------------------------------------


def test_markdown_front_matter_sets_title_source_date_and_url():
    [article] = parse_file(BULLETINS / "ferry.md").articles
    assert article.title == "Solar Ferry Starts Service On Lake Morrow"
    assert not article.title_generated
    assert (article.source, article.date, article.url) == (
        "Lakeside Gazette",
        "2024-10-02",
        "https://example.org/lakeside/solar-ferry",
    )
    assert article.text.startswith("A solar-powered ferry")
    assert "---" not in article.text


@pytest.mark.parametrize("name", ["records.json", "records.jsonl"])
def test_json_records_keep_their_fields(name: str):
    path = BULLETINS / name
    records = (
        json.loads(path.read_text())
        if name.endswith(".json")
        else [json.loads(line) for line in path.read_text().splitlines()]
    )
    articles = parse_file(path).articles
    assert len(articles) == len(records)
    for article, record in zip(articles, records):
        assert article.text == record["text"]
        assert (article.source, article.date, article.url) == (record["source"], record["date"], record["url"])
        if "title" in record:
            assert (article.title, article.title_generated) == (record["title"], False)
        else:
            assert (article.title, article.title_generated) == (generated_title(record["text"]), True)


def test_a_record_title_that_is_not_text_is_used_as_text(tmp_path: Path):
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps({"title": 1984, "text": "A novel was reprinted on Monday."}))
    assert parse_file(path).articles[0].title == "1984"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"title": "No text here"}', "record 1 has no 'text' string"),
        ('[{"text": "Fine."}, {"text": ["not", "a", "string"]}]', "record 2 has no 'text' string"),
        ('{"text": "Fine.", "date": "5 September"}', "is not YYYY-MM-DD"),
    ],
)
def test_unusable_records_name_the_file_and_the_problem(tmp_path: Path, content: str, problem: str):
    path = tmp_path / "records.json"
    path.write_text(content)
    with pytest.raises(CorpusError, match=problem) as err:
        parse_file(path)
    assert str(path) in str(err.value)


def test_jsonl_error_names_the_line_that_is_broken(tmp_path: Path):
    path = tmp_path / "records.jsonl"
    path.write_text('{"text": "One."}\n\n{"text": "Two."}\n{"text": \n')
    with pytest.raises(CorpusError, match="invalid JSON at line 4"):
        parse_file(path)


# --- the BBC layout ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("business/001.txt", "Ad sales boost Time Warner profit"),
        ("business/021.txt", "Rank 'set to sell off film unit'"),  # ends in a quote
        ("business/266.txt", "Could Yukos be a blessing in disguise?"),
        ("entertainment/120.txt", "'My memories of Marley...'"),
        ("business/020.txt", "Call centre users 'lose patience'"),  # and a paragraph wraps over two lines
    ],
)
def test_bbc_file_is_one_article_titled_by_its_first_line(bbc_dir: Path, name: str, title: str):
    [article] = parse_file(bbc_dir / name).articles
    assert (article.title, article.title_generated) == (title, False)
    assert title not in article.text


def test_every_bbc_file_is_one_article_and_the_readme_is_passed_over(bbc_dir: Path):
    found = list(discover([bbc_dir]))
    assert not [problem for _, _, problem in found if problem]
    assert len(found) == 2225
    assert all(p.name != "README.TXT" for p, _, _ in found)
    assert all(len(parse_file(p).articles) == 1 for p, _, _ in found)


# --- folders ------------------------------------------------------------------


def test_folders_are_walked_recursively_with_manifests_per_folder(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(BULLETINS / "harbour.txt", tmp_path / "a" / "b" / "harbour.txt")
    shutil.copy(BULLETINS / "ferry.md", tmp_path / "ferry.md")
    shutil.copy(BULLETINS / "records.jsonl", tmp_path / "a" / "records.jsonl")
    (tmp_path / "a" / "b" / "manifest.json").write_text(
        json.dumps({"files": {"harbour.txt": {"source": "Eastport Courier", "date": "2024-08-01"}}})
    )
    (tmp_path / "a" / "notes.docx").write_bytes(b"PK\x03\x04")  # other extensions are passed over
    (tmp_path / "a" / "README.md").write_text("How this folder was collected.\n")
    found = {p.relative_to(tmp_path).as_posix(): meta for p, meta, problem in discover([tmp_path]) if not problem}
    assert sorted(found) == ["a/b/harbour.txt", "a/records.jsonl", "ferry.md"]
    assert found["a/b/harbour.txt"] == {"source": "Eastport Courier", "date": "2024-08-01"}
    harbour = parse_file(tmp_path / "a" / "b" / "harbour.txt", found["a/b/harbour.txt"]).articles
    assert [a.source for a in harbour] == ["Eastport Courier"] * 2


def test_a_missing_path_is_reported_before_anything_is_read(tmp_path: Path):
    with pytest.raises(CorpusError, match="no such file or folder") as err:
        list(discover([BULLETINS, tmp_path / "typo"]))
    assert "typo" in str(err.value)


# --- the bulletin layout --------------------------------------------------------


def test_section_name_before_a_headline_is_kept_in_the_body():
    [(title, body)] = parse_bulletin("World News\n\nBridge Reopens\n\nThe bridge reopened.\nTraffic resumed.")
    assert title == "Bridge Reopens"
    assert body.startswith("World News")


def test_standfirst_must_repeat_whole_words_to_be_dropped():
    parsed = parse_bulletin("It rained.\n\nIt rained heavily.\nRivers rose.")
    assert [body for _, body in parsed] == ["It rained.", "It rained heavily.\nRivers rose."]


def test_crlf_bulletin_parses_like_lf():
    text = SEED.read_text(encoding="utf-8")
    meta = {"layout": "bulletin"}
    lf = articles_from_text(text, meta, where="x")
    crlf = articles_from_text(text.replace("\n", "\r\n"), meta, where="x")
    assert [(a.id, a.title) for a in lf] == [(a.id, a.title) for a in crlf]


# --- properties of the bulletin parser ------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_SENTENCE = st.builds(
    lambda first, rest, end: " ".join([first.capitalize(), *rest]) + end,
    _WORD,
    st.lists(_WORD, min_size=2, max_size=12),
    st.sampled_from([".", "!", "?", ".\u201d"]),
)
_BODY = st.lists(_SENTENCE, min_size=2, max_size=5).map("\n".join)
_HEADLINE = st.lists(_WORD, min_size=2, max_size=8).map(lambda ws: " ".join(w.capitalize() for w in ws))
_ARTICLES = st.lists(st.tuples(st.none() | _HEADLINE, _BODY), min_size=1, max_size=6)
_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _bulletin(articles: list[tuple[str | None, str]]) -> str:
    return "\n\n".join((f"{h}\n\n{b}" if h else b) for h, b in articles)


@_FAST
@given(_ARTICLES)
def test_generated_bulletin_parses_back_to_its_articles(articles: list[tuple[str | None, str]]):
    assert parse_bulletin(_bulletin(articles)) == articles


@_FAST
@given(_ARTICLES)
def test_a_repeated_standfirst_is_kept_once(articles: list[tuple[str | None, str]]):
    with_standfirsts = [(h, f"{b.splitlines()[0]}\n\n{b}") for h, b in articles]
    assert parse_bulletin(_bulletin(with_standfirsts)) == articles


_LINE = st.one_of(_SENTENCE, _HEADLINE, st.just(""), st.just("   "), st.sampled_from(["---", "* * *", "1.", "?"]))


@_FAST
@given(st.lists(_LINE, min_size=1, max_size=25))
def test_parsing_never_loses_text(lines: list[str]):
    parsed = parse_bulletin("\n".join(lines))
    kept = [_squash(t) for h, b in parsed for t in (h or "", b)]
    for line in lines:
        if line.strip():
            assert any(_squash(line) in t for t in kept), line


@st.composite
def _respaced(draw: st.DrawFn, text: str) -> str:
    """The same bulletin with different whitespace: CRLF, trailing blanks, extra blank lines, wider gaps."""
    blocks = text.split("\n\n")
    gap = draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n", "\n\t\n\n"]))
    out = gap.join(
        "\n".join(line + draw(st.sampled_from(["", " ", "\t"])) for line in block.split("\n")) for block in blocks
    )
    if draw(st.booleans()):
        out = out.replace(" ", "  ")
    if draw(st.booleans()):
        out = out.replace("\n", "\r\n")
    return draw(st.sampled_from(["", "\n", "  \n\n"])) + out + draw(st.sampled_from(["", "\n", "\n\n "]))


@_FAST
@given(st.data(), _ARTICLES)
def test_article_ids_do_not_depend_on_whitespace(data: st.DataObject, articles: list[tuple[str | None, str]]):
    text = _bulletin(articles)
    meta = {"layout": "bulletin"}
    before = articles_from_text(text, meta, where="x")
    after = articles_from_text(data.draw(_respaced(text)), meta, where="x")
    assert [(a.id, a.title) for a in before] == [(a.id, a.title) for a in after]
    assert [a.id for a in before] == [article_id(b) for _, b in articles]
