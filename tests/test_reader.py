"""What the model reads and how its reply becomes cited claims (no model needed: replies are written here)."""

from __future__ import annotations

import pytest

from qa import prompts, reader
from qa.chunking import sentences
from qa.extractive import Candidate
from qa.retrieve import Passage
from qa.tokens import count_tokens

AGENCY = (
    "The agency met on Monday in Kabul. Officials said Jane Doe will lead it from April. "
    "Her predecessor, John Roe, served for six years. The budget rose to 40 million dollars."
)
WEATHER = "Heavy rain fell across the north on Tuesday. Three bridges were closed by the floods."


def passage(article: str, text: str, title: str, score: float = 1.0) -> Passage:
    return Passage(f"{article}-c0", article, title, "Test", "2024-09-05", "", text, 0, len(text), score, score, 0.0)


def scored(p: Passage, index: int, scores: list[float]) -> list[Candidate]:
    return [
        Candidate(index, s.text, s.start, s.end, score, 0.0, p.article_id, p.start + s.start)
        for s, score in zip(sentences(p.text), scores, strict=True)
    ]


@pytest.fixture
def lines() -> list[reader.Line]:
    agency, weather = passage("a1", AGENCY, "Agency names a chief"), passage("a2", WEATHER, "Floods in the north")
    cands = scored(agency, 0, [0.2, 0.9, 0.5, 0.1]) + scored(weather, 1, [0.3, 0.05])
    return reader.context([([agency, weather], cands)], budget=10_000)


def test_sentences_are_read_in_article_order_under_their_headline(lines: list[reader.Line]) -> None:
    assert [line.n for line in lines] == list(range(1, len(lines) + 1))
    assert lines[0].text.startswith("The agency met")  # the best article first, its sentences in order
    text = reader.user_message("Who will lead the agency?", lines)
    assert text.index("Article: Agency names a chief (2024-09-05)") < text.index("[1] The agency met")
    assert text.index("Article: Floods in the north") > text.index("The budget rose")
    assert text.rstrip().endswith("Question: Who will lead the agency?\nAnswer:")


def test_a_small_budget_keeps_the_best_sentences_that_fit() -> None:
    agency = passage("a1", AGENCY, "Agency names a chief")
    cands = scored(agency, 0, [0.2, 0.9, 0.5, 0.1])
    best_two = count_tokens(cands[1].text) + count_tokens(cands[2].text) + count_tokens(agency.title) + 16
    read = reader.context([([agency], cands)], budget=best_two)
    assert [line.text for line in read] == [cands[1].text, cands[2].text]


def test_the_budget_bounds_the_prompt() -> None:
    long = " ".join(f"Sentence number {i} says the council met again about roads." for i in range(200))
    p = passage("big", long, "Council")
    cands = scored(p, 0, [1.0 - i / 1000 for i in range(len(sentences(long)))])
    read = reader.context([([p], cands)], budget=300)
    assert 5 < len(read) < 40
    assert count_tokens(reader.user_message("What did the council do?", read)) < 360


def test_a_cpu_without_avx512_gives_the_local_model_less_to_read() -> None:
    # the prompt is the latency: AVX2-only CPUs read it at about half the AVX-512 speed
    assert reader.budget_for_flags({"avx2", "fma", "avx512f", "avx512_vnni"}) == reader.DEFAULT_BUDGET
    assert reader.budget_for_flags({"avx2", "fma"}) == reader.SLOW_CPU_BUDGET < reader.DEFAULT_BUDGET
    assert reader.budget_for_flags(set()) == reader.SLOW_CPU_BUDGET  # flags unreadable: the safe side


def test_two_part_questions_take_turns() -> None:
    agency, weather = passage("a1", AGENCY, "Agency"), passage("a2", WEATHER, "Floods")
    first = scored(agency, 0, [0.1, 0.9, 0.8, 0.7])
    second = scored(weather, 0, [0.9, 0.1])
    read = reader.context([([agency], first), ([weather], second)], budget=60)
    assert {line.passage.article_id for line in read} == {"a1", "a2"}


def test_the_quote_is_the_sentence_the_model_named_not_its_paraphrase(lines: list[reader.Line]) -> None:
    named = next(line for line in lines if "Jane Doe" in line.text)
    claims, bad = reader.claims(f"Jane Doe will head the agency [{named.n}].", lines)
    assert bad == [] and len(claims) == 1
    assert claims[0].supported and not claims[0].moved
    assert claims[0].lines == (named,) and named.text == "Officials said Jane Doe will lead it from April."


def test_a_claim_citing_the_wrong_sentence_is_cited_to_the_one_that_holds_its_facts(lines) -> None:
    wrong = next(line for line in lines if "rain" in line.text)
    claims, _ = reader.claims(f"Jane Doe will lead the agency from April [{wrong.n}].", lines)
    assert claims[0].supported and claims[0].moved
    assert "Jane Doe" in claims[0].lines[0].text


@pytest.mark.parametrize(
    "reply",
    ["Mary Major will lead the agency [2].", "The budget rose to 55 million dollars [4].", "Jane Doe leads it."],
)
def test_facts_no_sentence_read_holds_are_unsupported(lines, reply: str) -> None:
    claims, _ = reader.claims(reply, lines)
    if "Jane Doe" in reply:  # no number named: supported only by the sentence that holds it
        assert claims[0].supported and "Jane Doe" in claims[0].lines[0].text
    else:
        assert not claims[0].supported


def test_a_two_part_answer_is_backed_clause_by_clause_by_two_articles(lines) -> None:
    rain = next(line for line in lines if "rain" in line.text)
    claims, _ = reader.claims(
        f"Jane Doe will lead the agency from April, and heavy rain fell across the north on Tuesday [{rain.n}].", lines
    )
    assert claims[0].supported and claims[0].moved
    assert {line.passage.article_id for line in claims[0].lines} == {"a1", "a2"}


@pytest.mark.parametrize(
    "reply",
    [
        "Jane Doe will lead the agency from April, and 12 bridges were closed by the floods [1].",
        "Jane Doe will lead the agency from April, and Mary Major closed three bridges [1].",
        "Jane Doe will lead the agency from April and heavy rain fell across the north on Tuesday [1].",
    ],
)
def test_a_two_part_answer_with_a_clause_no_sentence_backs_is_unsupported(lines, reply: str) -> None:
    # the third has no comma before "and": one clause, which no single article backs
    claims, _ = reader.claims(reply, lines)
    assert not claims[0].supported


def test_numbers_that_were_not_given_are_reported(lines) -> None:
    _, bad = reader.claims("Jane Doe will lead it from April [2][99].", lines)
    assert bad == [99]


def test_a_bare_number_answers_with_the_sentence_itself(lines) -> None:
    named = next(line for line in lines if "Jane Doe" in line.text)
    claims, _ = reader.claims(f"[{named.n}]", lines)
    assert claims[0].text == named.text and claims[0].supported


# "Not_in_sources", "NO_IN_SOURCES", "Not_IN_SOURCES": the bundled model's replies when the token itself was barred
@pytest.mark.parametrize(
    "reply",
    [
        prompts.NO_ANSWER_TOKEN,
        "  NOT_IN_SOURCES.",
        "not in sources",
        "",
        "Not_in_sources",
        "NO_IN_SOURCES",
        "Not_IN_SOURCES",
    ],
)
def test_the_models_refusal_is_recognised(reply: str) -> None:
    assert reader.declined(reply)


def test_streamed_text_loses_sentence_numbers_even_split_across_deltas() -> None:
    deltas = ["Jane Doe will lead ", "it [", "2", "][", "5] from", " April [1", "]."]
    assert "".join(reader.label_free(deltas)) == "Jane Doe will lead it from April."


def test_labels_that_open_each_sentence_belong_to_that_sentence(lines) -> None:
    jane = next(line for line in lines if "Jane Doe" in line.text)
    budget = next(line for line in lines if "budget" in line.text)
    claims, _ = reader.claims(
        f"[{jane.n}] Jane Doe will lead it from April. [{budget.n}] The budget rose to 40 million dollars.", lines
    )
    assert [c.lines for c in claims] == [(jane,), (budget,)]
    assert all(c.supported and not c.moved for c in claims)


@pytest.mark.parametrize(
    ("reply", "said_no"),
    [
        ("The source is not known.", True),
        ("The sentences do not say how much it spends.", True),
        ("The price was not disclosed [3].", False),  # cites a sentence that says so: an answer to check
        ("Jane Doe will lead it [2].", False),
    ],
)
def test_a_refusal_in_words_counts_as_the_models_refusal(reply: str, said_no: bool) -> None:
    assert reader.declined(reply) is said_no


@pytest.mark.parametrize(
    ("deltas", "shown"),
    [
        (["NOT", "_IN", "_SOURCES"], ""),
        ([" NOT_", "IN_SOURCES\n"], ""),
        (["No", "rway said [2]."], "Norway said [2]."),
        (["Not", "_in", "_sources"], ""),
        (["NO_IN", "_SOURCES"], ""),
        (["NOT _IN", " SOURCES"], ""),
        (["No"], "No"),
        (["Sanaullah ", "Ghafari [1]."], "Sanaullah Ghafari [1]."),
    ],
)
def test_the_refusal_token_is_never_streamed_to_the_reader(deltas: list[str], shown: str) -> None:
    assert "".join(reader.holding_refusal(deltas)) == shown
