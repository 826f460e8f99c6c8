"""Which questions are split into two parts, and which stay whole."""

from __future__ import annotations

import pytest

from qa.compound import parts


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Where were UK interest rates held by the Bank of England, and what did Australia raise its rate to?",
            ["Where were UK interest rates held by the Bank of England?", "What did Australia raise its rate to?"],
        ),
        (
            "Which defender doubted Malcolm Glazer's motives, and at how much would Glazer's new approach value the club?",
            [
                "Which defender doubted Malcolm Glazer's motives?",
                "At how much would Glazer's new approach value the club?",
            ],
        ),
    ],
)
def test_a_second_question_that_names_its_own_subject_is_split_off(question: str, expected: list[str]) -> None:
    assert parts(question) == expected


@pytest.mark.parametrize(
    "question",
    [
        "How many executions did Iran carry out in August, and do the sources agree?",  # yes/no tail
        "Which British designer won the costume Oscar, and for which film?",  # too short to stand alone
        "What unusual method of execution did the report note, and how rare was it?",  # "it" points back
        "How much did Chelsea pay for Mutu, and how long was the ban he got for taking cocaine?",
        "Which comes first: the DS launch in Europe or the PSP in the US, and on what dates?",
        "Who leads ISIS-K in Afghanistan?",
    ],
)
def test_a_question_whose_second_part_leans_on_the_first_stays_whole(question: str) -> None:
    assert parts(question) == [question]
