"""The chat page under Streamlit's AppTest, on a real store in a tmp folder.

Offline (extractive mode): OPENAI_API_KEY is unset. The page ingests the
bundled bulletin on its first run; the store is shared by the module's tests.
Also covers the pure helpers in ``ui.render`` and the upload staging in
``ui.upload`` against the same real store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import qa
import qa.api
from qa.answer import UNSUPPORTED_MARK, Answer, Citation
from tests.support.fault_server import FaultServer
from ui import render
from ui.upload import UPLOAD_FOLDER, add_upload

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "ui" / "app.py"
DATA = Path(__file__).resolve().parent / "data"
TIMEOUT = 600  # the first run embeds the bundled bulletin on a shared CPU

UZBEK_TITLE = "Afghanistan On The FrontLines In Fight Against ISIS, Says Uzbek Security Service Chief"
UZBEK_QUESTION = "What did the head of Uzbekistan's State Security Service say about the Taliban?"
UPLOAD_TITLE = "Sample Town Library Opens Solar Reading Room"
UPLOAD_QUESTION = "How many seats does the solar-powered reading room in Sample Town have?"


def shown(label: str) -> str:
    """What markdown shows for a label: a backslash before ASCII punctuation is an escape."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", label)


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("ui-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QA_STORE", str(path))
        for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "QA_CHROMA_URL", "QA_K"):
            mp.delenv(var, raising=False)
        mp.chdir(ROOT)
        qa.api.settings.cache_clear()
        yield path
    qa.api.settings.cache_clear()


def start_app() -> AppTest:
    qa.api.settings.cache_clear()  # the page reads settings once; tests change the environment
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture()
def app(store_dir: Path) -> AppTest:
    return start_app()


@pytest.fixture()
def llm_app(store_dir: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[AppTest]:
    """The page in LLM mode against a misbehaving OpenAI-compatible server on loopback."""
    with FaultServer(mode=request.param) as server:
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("QA_LLM_MODEL", "fault-model")
        monkeypatch.setenv("QA_LLM_TIMEOUT", "10")
        yield start_app()
    qa.api.settings.cache_clear()


def store_of(store_dir: Path):
    return qa.api.get_store(store_dir)


def ask(at: AppTest, question: str) -> Answer:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at.session_state["messages"][-1]["answer"]


def test_first_run_indexes_the_bundled_bulletin_and_shows_stats(app: AppTest, store_dir: Path) -> None:
    counts = store_of(store_dir).catalog.counts()
    assert counts["articles"] == 6
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert f"{counts['articles']} articles" in sidebar and f"{counts['chunks']} chunks" in sidebar
    assert "offline extractive" in sidebar
    assert app.sidebar.slider[0].value == 5
    assert [d.label for d in app.sidebar.date_input] == ["From", "Until"]
    assert app.sidebar.button[0].label == "Clear chat"


def test_question_gets_a_cited_answer_with_a_source_expander(app: AppTest) -> None:
    answer = ask(app, UZBEK_QUESTION)
    assert not answer.refused and answer.citations
    first = answer.citations[0]
    assert shown(app.expander[0].label) == f"[1] {UZBEK_TITLE} — 2024-09-05"
    passage = " ".join(m.value for m in app.expander[0].markdown)
    assert f"<mark>{render.escape(first.quote)}</mark>" in passage
    assert "Abdusalom Azizov" in first.quote
    body = app.chat_message[1].markdown[0].value
    assert "<sup" in body and "[1]" in body and "Azizov" in body


def test_question_outside_the_bulletins_is_refused_visibly(app: AppTest) -> None:
    answer = ask(app, "What is the weather in Paris?")
    assert answer.refused
    assert [i.value for i in app.info] == ["The bulletins don't cover this."]
    # the nearest passages are offered for checking, labelled as no answer, and nothing is cited
    assert answer.passages and not answer.citations
    assert [shown(e.label) for e in app.expander] == ["The 3 nearest passages (none of them answers the question)"]
    nearest = " ".join(m.value for m in app.expander[0].markdown)
    assert render.escape(answer.passages[0].text.strip()) in nearest and "<sup" not in nearest


@pytest.mark.parametrize("llm_app", ["half_stream"], indirect=True)
def test_llm_failure_shows_the_fallback_notice_and_the_extractive_answer(llm_app: AppTest) -> None:
    assert "LLM · fault-model" in " ".join(m.value for m in llm_app.sidebar.markdown)
    answer = ask(llm_app, UZBEK_QUESTION)
    assert answer.mode == "extractive" and answer.citations
    assert llm_app.warning[0].value.startswith("LLM failed, showing the extractive answer instead")
    assert "part0" not in llm_app.chat_message[1].markdown[0].value  # the partial stream was replaced
    assert shown(llm_app.expander[0].label).startswith("[1] ")


@pytest.mark.parametrize("llm_app", ["stream"], indirect=True)
def test_llm_answer_with_nothing_supported_is_a_refusal_that_replaces_the_quick_answer(llm_app: AppTest) -> None:
    answer = ask(llm_app, UZBEK_QUESTION)  # the server answers "part0 part1 part2", citing nothing
    assert answer.mode == "llm" and answer.refused and not answer.citations
    shown_text = " ".join(m.value for m in llm_app.chat_message[1].markdown)
    assert "part0" not in shown_text and render.QUICK_LABEL not in shown_text
    assert [i.value for i in llm_app.chat_message[1].info] == ["The bulletins don't cover this."]
    assert "not stated in the sentences it read" in llm_app.chat_message[1].caption[-1].value


@pytest.mark.parametrize("llm_app", ["cited"], indirect=True)
def test_unsupported_sentences_are_marked(llm_app: AppTest) -> None:
    answer = ask(llm_app, UZBEK_QUESTION)  # one sentence the source backs, one it does not
    assert answer.mode == "llm" and answer.unsupported == ["He also won the 2022 World Cup with 7 goals."]
    body = llm_app.chat_message[1].markdown[0].value
    assert "⚠ unsupported" in body and UNSUPPORTED_MARK not in body and "Azizov" in body
    assert "not supported by the cited sources" in llm_app.chat_message[1].caption[-1].value


def test_follow_up_question_uses_the_conversation(app: AppTest) -> None:
    ask(app, "Who is the Taliban's interior minister?")
    answer = ask(app, "What did his supporters post online after the leader's criticism?")
    assert "Sirajuddin Haqqani" in answer.standalone_question  # a name from the previous turn
    assert not answer.refused and "social media" in answer.text
    assert len(app.chat_message) == 4


def test_clear_chat_empties_the_conversation(app: AppTest) -> None:
    ask(app, "Who leads ISIS-K in Afghanistan?")
    app.sidebar.button[0].click().run()
    assert app.session_state["messages"] == [] and not app.chat_message


def test_upload_adds_an_article_the_next_question_cites(app: AppTest, store_dir: Path) -> None:
    before = store_of(store_dir).catalog.counts()
    data = (DATA / "upload-ok.txt").read_bytes()
    app.sidebar.file_uploader[0].set_value(("upload-ok.txt", data, "text/plain")).run()
    assert not app.exception and not app.error
    assert "1 added" in app.sidebar.success[0].value
    after = store_of(store_dir).catalog.counts()
    assert after["articles"] == before["articles"] + 1
    assert f"{after['articles']} articles" in " ".join(m.value for m in app.sidebar.markdown)
    assert (store_dir / UPLOAD_FOLDER / "upload-ok.txt").read_bytes() == data
    answer = ask(app, UPLOAD_QUESTION)
    assert "120 seats" in answer.text
    assert shown(app.expander[0].label) == f"[1] {UPLOAD_TITLE} — 2024-09-06"


def test_broken_upload_shows_an_error_and_leaves_the_index_as_it_was(app: AppTest, store_dir: Path) -> None:
    store = store_of(store_dir)
    before = (store.catalog.counts(), store.catalog.generation())
    data = (DATA / "upload-broken.txt").read_bytes()
    app.sidebar.file_uploader[0].set_value(("upload-broken.txt", data, "text/plain")).run()
    assert not app.exception
    assert "binary" in app.sidebar.error[0].value and "\n" not in app.sidebar.error[0].value
    assert str(store_dir) not in app.sidebar.error[0].value
    assert (store.catalog.counts(), store.catalog.generation()) == before
    assert not (store_dir / UPLOAD_FOLDER / "upload-broken.txt").exists()


def test_bad_date_range_shows_a_one_line_error(app: AppTest) -> None:
    from datetime import date

    app.sidebar.date_input[0].set_value(date(2024, 9, 6))
    app.sidebar.date_input[1].set_value(date(2024, 9, 1))
    app.chat_input[0].set_value("Who leads ISIS-K in Afghanistan?").run()
    assert not app.exception
    assert len(app.error) == 1 and "after" in app.error[0].value


def test_date_range_without_articles_says_so_and_which_dates_are_indexed(app: AppTest) -> None:
    from datetime import date

    app.sidebar.date_input[0].set_value(date(2030, 1, 1))
    app.sidebar.date_input[1].set_value(date(2030, 12, 31))
    answer = ask(app, "Who leads ISIS-K in Afghanistan?")
    assert answer.refused and not answer.citations
    shown = app.chat_message[-1].info[0].value
    assert "No indexed article is dated from 2030-01-01 to 2030-12-31" in shown
    # the module's upload test may have added an article of 2024-09-06
    assert re.search(r"(every dated article is from 2024-09-05|the index covers 2024-09-05 to 2024-09-06)\.", shown)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"  \n", "empty file"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.jsonl", b'{"title": "Caf\xe9", "text": "A caf\xe9 opened in Sample Town."}\n', "not valid UTF-8"),
        ("records.jsonl", b'{"text": "fine"}\n{"text": \n', "invalid JSON"),
        ("no-text.jsonl", b'{"title": "only a title"}\n', "no 'text'"),
        ("slides.pdf", b"%PDF-1.4", "upload a bulletin as"),
    ],
)
def test_add_upload_rejects_broken_files_without_touching_the_index(
    store_dir: Path, name: str, data: bytes, reason: str
) -> None:
    store = store_of(store_dir)
    before = (store.catalog.counts(), store.catalog.generation(), store.catalog.last_ingest())
    with pytest.raises(qa.CorpusError, match=reason) as info:
        add_upload(name, data, store)
    assert str(store_dir) not in str(info.value)
    assert (store.catalog.counts(), store.catalog.generation(), store.catalog.last_ingest()) == before
    assert not (store_dir / UPLOAD_FOLDER / name).exists()


def test_add_upload_keeps_folders_out_of_the_saved_name(store_dir: Path) -> None:
    report = add_upload("../../evil/upload-ok.txt", (DATA / "upload-ok.txt").read_bytes(), store_of(store_dir))
    assert report.files_read == 1 and not report.warnings
    assert (store_dir / UPLOAD_FOLDER / "upload-ok.txt").exists()
    assert not (store_dir.parent / "evil").exists()


def citation(n: int = 1, text: str = "Before. The $5 <b>quote</b> [2]. After.", **kw: object) -> Citation:
    quote = "The $5 <b>quote</b> [2]."
    start = text.find(quote)
    fields = dict(n=n, article_id="a1", title="A *bold* title", source="Wire", date="2024-09-05", url="",
                  chunk_id="a1-000", text=text, quote=quote, quote_start=start, quote_end=start + len(quote),
                  score=1.0)  # fmt: skip
    return Citation(**{**fields, **kw})  # type: ignore[arg-type]


def test_passage_highlights_the_quote_and_escapes_html_and_markdown() -> None:
    out = render.passage_markdown(citation())
    assert out == r"Before. <mark>The \$5 &lt;b&gt;quote&lt;/b&gt; \[2\].</mark> After."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a <script>x</script>", "a &lt;script&gt;x&lt;/script&gt;"),
        ("costs $5 and $6", r"costs \$5 and \$6"),
        ("1. not a list", r"1\. not a list"),
        ("- not a list", r"\- not a list"),
        ("line one\nline two", "line one<br>line two"),
    ],
)
def test_escape_shows_text_literally(text: str, expected: str) -> None:
    assert render.escape(text) == expected


@pytest.mark.parametrize(
    "title",
    ["The __init__ of *Kabul* budget", "1. Markets", "- dash", "> quote", "+ plus", ":smile: faces", "50 * 2 = 100",
     r"C:\path [draft] $5 `code` #tag ~~x~~ <b>"],
)  # fmt: skip
def test_citation_label_shows_markdown_characters_of_a_title_literally(title: str) -> None:
    label = render.citation_label(citation(title=title, date="2024-09-05"))
    assert shown(label) == f"[1] {title} — 2024-09-05"
    assert not re.search(r"[*_:`#\[\]<>~$]", re.sub(r"\\.", "", label))  # no markdown character left unescaped


def test_answer_markdown_turns_labels_into_footnotes_and_marks_unsupported_sentences() -> None:
    text = f"Supported claim. [1] Made-up claim. [1] {UNSUPPORTED_MARK} Costs $5. [2]"
    ans = Answer("q", text, [citation(1, url="https://example.org/a?x=1&y=2"), citation(2)])
    out = render.answer_markdown(ans)
    assert out.count("<sup") == 3 and "[1]" not in out.replace(">[1]<", "")
    assert 'href="https://example.org/a?x=1&amp;y=2"' in out
    assert out.count("⚠ unsupported") == 1 and UNSUPPORTED_MARK not in out
    assert out.index("Made-up claim") < out.index("⚠ unsupported") < out.index(r"Costs \$5")
    assert out.count("wavy") == 1 and 'wavy #d33;">Made-up claim.' in out


def test_citation_label_and_notices() -> None:
    assert shown(render.citation_label(citation(date=""))) == "[1] A *bold* title — undated"
    ans = Answer("q", "x", notices=["LLM failed, showing the extractive answer instead: timeout", "other"])
    assert render.split_notices(ans) == (["LLM failed, showing the extractive answer instead: timeout"], ["other"])
    assert render.mode_label("gpt-4o-mini") == "LLM · gpt-4o-mini"
    assert render.mode_label(None) == "offline extractive"
    assert render.one_line(qa.UsageError("bad k\nmore")) == "bad k"
    assert render.one_line(KeyError("x")).startswith("Unexpected error (KeyError")
