"""A question about whether the sources agree is searched and read for the fact it is about."""

from __future__ import annotations

import pytest

from qa.agreement import fact_asked


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        (
            "How many executions did Iran carry out in August, and do the sources agree?",
            "How many executions did Iran carry out in August?",
        ),
        ("Do the sources agree on who leads ISIS-K in Afghanistan?", "Who leads ISIS-K in Afghanistan?"),
        ("do reports differ about how much the bid values the club at", "How much the bid values the club at?"),
        ("Is there any disagreement about how many jobs will go?", "How many jobs will go?"),
        (
            "Do the UN experts and the rights group agree on last month's death toll?",
            "What is last month's death toll?",
        ),
        ("Do Israel and Hamas agree on how many hostages remain?", "How many hostages remain?"),
        ("What did the ministers say, and do the  reports conflict?", "What did the ministers say?"),
    ],
)
def test_a_question_about_agreement_is_read_as_the_fact_it_is_about(question: str, fact: str) -> None:
    assert fact_asked(question) == fact


@pytest.mark.parametrize(
    "question",
    [
        "Who leads ISIS-K in Afghanistan?",
        "Did Tottenham agree a fee for the Iceland midfielder?",  # agreeing a deal is the fact asked
        "What price did Air Deccan agree for the ATR aircraft?",
        "Do the two sides agree on a ceasefire?",  # the parties' agreement, not the sources'
        "Do they agree?",
        "And do the sources agree on it?",
        "",
    ],
)
def test_other_questions_are_read_as_asked(question: str) -> None:
    assert fact_asked(question) is None
