"""Extractive answers over the seed bulletin: real Chroma, real model, no LLM."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import qa
from qa import citations
from qa.answer import MAX_QUESTION_CHARS, UNSUPPORTED_MARK
from qa.prompts import REFUSAL
from qa.store import open_store

ROOT = Path(__file__).resolve().parent.parent
BULLETIN = (ROOT / "corpus" / "afintl-2024-09-05.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    st = open_store(tmp_path_factory.mktemp("answer") / "store")
    qa.ingest([ROOT / "corpus"], store=st)
    return st


def ask(store, question: str, **kw) -> qa.Answer:
    return qa.ask(question, store=store, mode="extractive", **kw)


def test_leader_question_is_answered_from_the_monitoring_team_sentence(store) -> None:
    a = ask(store, "Who leads ISIS-K in Afghanistan?")
    assert not a.refused and a.mode == "extractive"
    assert "Sanaullah Ghafari" in a.text
    assert any("Sanaullah Ghafari remains the leader" in c.quote for c in a.citations)


def test_conflicting_execution_figures_are_both_given_each_with_its_citation(store) -> None:
    a = ask(store, "How many executions did Iran carry out in August, and do the sources agree?")
    assert re.search(r"\b100\b", a.text) and re.search(r"\b81\b", a.text)
    cited_100 = [c for c in a.citations if "100" in c.quote]
    cited_81 = [c for c in a.citations if "81" in c.quote]
    assert cited_100 and cited_81 and cited_100[0].n != cited_81[0].n
    assert a.text.startswith("The sources give different figures")


@pytest.mark.parametrize(
    "question",
    [
        "How many people died in the Kerman attack?",
        "What is the name of the child injured in Taloqan?",
        "At what time will Ahmad Massoud's virtual conversation with McCaul take place?",
        "What will the weather be like in Paris this weekend?",
        "Who won the 2022 FIFA World Cup final?",
    ],
)
def test_question_the_bulletin_does_not_answer_is_refused_without_citations(store, question: str) -> None:
    a = ask(store, question)
    assert a.refused
    assert a.text == REFUSAL
    assert a.citations == []


def test_member_states_whose_names_were_not_disclosed_are_not_guessed(store) -> None:
    a = ask(store, "Which member states supplied the intelligence about ISIS-K's networks?")
    assert a.refused
    assert any("not disclosed" in n for n in a.notices)


@pytest.mark.parametrize(
    "question",
    [
        "Who leads ISIS-K in Afghanistan?",
        "How many ISIS fighters does the Monitoring Team estimate?",
        "When will McCaul meet NRF representatives?",
        "Where is the Iran Human Rights Organisation based?",
        "What caused the injuries in Taloqan?",
    ],
)
def test_every_label_names_a_returned_citation_and_every_sentence_is_bulletin_text(store, question: str) -> None:
    a = ask(store, question)
    assert not a.refused, a.notices
    numbers = [c.n for c in a.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(citations.parse(a.text)) == set(numbers)
    for sentence in citations.split_sentences(a.text):
        assert citations.parse(sentence), f"uncited sentence: {sentence}"
        assert citations.strip_labels(sentence) in BULLETIN
    for c in a.citations:
        assert c.text[c.quote_start : c.quote_end] == c.quote and c.quote in BULLETIN
    assert a.unsupported == [] and UNSUPPORTED_MARK not in a.text


def test_answer_has_one_to_three_sentences(store) -> None:
    for q in ["Who is the Taliban's interior minister?", "What did McCaul say about human rights?"]:
        a = ask(store, q)
        assert 1 <= len(citations.split_sentences(a.text)) <= 3


def test_follow_up_question_is_rewritten_with_the_conversation(store) -> None:
    history = [
        {"role": "user", "content": "Who leads ISIS-K in Afghanistan?"},
        {
            "role": "assistant",
            "content": "Sanaullah Ghafari remains the leader of the ISIS-K branch in Afghanistan [1].",
        },
    ]
    a = ask(store, "And who commands its external operations?", history=history)
    assert "ISIS-K" in a.standalone_question
    assert "al-Madani" in a.text


def test_follow_up_without_history_is_left_as_asked(store) -> None:
    a = ask(store, "And who commands its external operations?")
    assert a.standalone_question == "And who commands its external operations?"


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "\x00\x01\x02"])
def test_empty_question_is_a_usage_error(store, question: str) -> None:
    with pytest.raises(qa.UsageError, match="empty"):
        ask(store, question)


def test_overlong_question_is_trimmed_with_a_notice(store) -> None:
    a = ask(store, "Who leads ISIS-K in Afghanistan? " + "padding " * 20_000)
    assert len(a.question) <= MAX_QUESTION_CHARS
    assert any("trimmed" in n for n in a.notices)


def test_control_characters_are_removed_from_the_question(store) -> None:
    a = ask(store, "Who\x00 leads\x1b ISIS-K\u200b in Afghanistan?")
    assert "\x00" not in a.question and "\x1b" not in a.question
    assert "Ghafari" in a.text


@pytest.mark.parametrize(
    "options",
    [
        {"since": "2024-13-01"},
        {"until": "yesterday"},
        {"since": "2024-09-06", "until": "2024-09-01"},
        {"k": -1},
        {"k": 0},
        {"k": 10_000},
        {"mode": "oracle"},
    ],
)
def test_malformed_options_are_usage_errors(store, options: dict) -> None:
    with pytest.raises(qa.UsageError):
        qa.ask("Who leads ISIS-K?", store=store, **options)


def test_date_filter_outside_the_bulletin_leaves_nothing_to_cite(store) -> None:
    a = ask(store, "Who leads ISIS-K in Afghanistan?", since="2025-01-01")
    assert a.refused and a.passages == []
    inside = ask(store, "Who leads ISIS-K in Afghanistan?", since="2024-09-01", until="2024-09-30")
    assert not inside.refused


@pytest.mark.parametrize("source", ['{"$ne": ""}', "Afghanistan International' OR 1=1 --", "$or"])
def test_source_filter_is_a_plain_value_not_a_query(store, source: str) -> None:
    a = ask(store, "Who leads ISIS-K in Afghanistan?", source=source)
    assert a.refused and a.passages == []


def test_source_filter_matching_the_bulletin_keeps_its_passages(store) -> None:
    a = ask(store, "Who leads ISIS-K in Afghanistan?", source="Afghanistan International")
    assert not a.refused and all(p.source == "Afghanistan International" for p in a.passages)


def test_answer_to_dict_is_json_ready(store) -> None:
    data = json.loads(json.dumps(ask(store, "Who leads ISIS-K in Afghanistan?").to_dict()))
    assert data["citations"][0]["n"] == 1 and data["mode"] == "extractive"


def test_stream_yields_text_deltas_then_the_final_answer(store) -> None:
    items = list(qa.ask_stream("Who leads ISIS-K in Afghanistan?", store=store, mode="extractive"))
    assert isinstance(items[-1], qa.Answer)
    assert all(isinstance(i, str) for i in items[:-1]) and len(items) >= 2
    assert "".join(items[:-1]).strip() == items[-1].text


def test_llm_mode_without_a_key_is_a_usage_error(store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    qa.api.settings.cache_clear()
    with pytest.raises(qa.UsageError, match="OPENAI_API_KEY"):
        qa.ask("Who leads ISIS-K?", store=store, mode="llm", llm=None)


def test_a_figure_is_answered_without_loading_the_language_model_and_a_name_with_it(store) -> None:
    import subprocess
    import sys

    def loads_spacy(question: str) -> tuple[bool, str]:
        code = (
            "import sys, qa\n"
            "from qa.entities import loaded\n"
            f"a = qa.ask(sys.argv[1], store={str(store.where)!r}, mode='extractive')\n"
            "print(loaded(), a.text)\n"
        )
        done = subprocess.run([sys.executable, "-c", code, question], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        flag, _, text = done.stdout.strip().partition(" ")
        return flag == "True", text

    loaded, text = loads_spacy("How many executions did the UN experts say Iran carried out in August?")
    assert not loaded and "81" in text
    loaded, text = loads_spacy("Who leads ISIS-K in Afghanistan?")
    assert loaded and "Ghafari" in text


def test_two_part_question_answers_each_part_from_its_own_article(store) -> None:
    a = ask(
        store, "Who heads Uzbekistan's State Security Service, and how many executions did Iran carry out in August?"
    )
    assert not a.refused and "Azizov" in a.text and re.search(r"\b(81|100)\b", a.text)
    articles = {c.article_id for c in a.citations}
    assert len(articles) == 2  # the security chief's article and the executions one
    assert [c.n for c in a.citations] == list(range(1, len(a.citations) + 1))


def test_two_part_question_with_one_part_uncovered_answers_the_other_and_says_which_is_missing(store) -> None:
    a = ask(store, "Who heads Uzbekistan's State Security Service, and what is the population of Mars today?")
    assert not a.refused and "Azizov" in a.text and "Mars" not in a.text
    assert "not in the bulletins: What is the population of Mars today?" in a.notices
