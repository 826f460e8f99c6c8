"""The model's answer must give the kind of fact asked for in its own words (``qa.answer_type.states``).

The replies are ones the bundled model gave to the BBC dev questions (names shortened where it does not
matter); a reply that restates the question names nothing new and does not answer it.
"""

from __future__ import annotations

import pytest

from qa.answer_type import answer_type, states


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        (
            "When is Dublin's Media Lab Europe closing?",
            "Dublin's research laboratory, Media Lab Europe, is to shut down.",
        ),
        (
            "Which Manchester United directors did Malcolm Glazer get voted off the board?",
            "Malcolm Glazer got voted off the board by three directors last November.",
        ),
        ("How much had Media Lab Europe been spending a year?", "Media Lab Europe closes on 1 February."),
        (
            "Why are references to God being taken out of the His Dark Materials film?",
            "The director of the His Dark Materials film is to remove references to God and the church.",
        ),
        (
            "Which company won the eBay auction for advertising space on Andrew Fisher's forehead?",
            "Andrew Fisher won the eBay auction for advertising space on his forehead.",
        ),
    ],
)
def test_a_reply_that_restates_the_question_does_not_state_what_it_asks(question: str, reply: str) -> None:
    assert answer_type(question) is not None
    assert not states(reply, question, answer_type(question))


@pytest.mark.parametrize(
    ("question", "reply"),
    [
        ("When was the Duchy of Cornwall created?", "The Duchy of Cornwall was created in 1337 by King Edward III."),
        ("When does Ashia Hansen's coach expect her back?", "Her coach expects her back in 2006."),
        ("In which town was Svetlana Kuznetsova playing?", "Charleroi."),
        (
            "Which South African bank is Barclays trying to take control of?",
            "Barclays is trying to take control of Absa.",
        ),
        ("How much did it cost taxpayers to keep the Millennium Dome going?", "£28.7m."),
        ("Why did Jacques Santini quit as Tottenham manager?", 'Jacques Santini resigned for "personal reasons".'),
        ("Who led the team that created the first Apple Macintosh?", "Jef Raskin led the team."),
    ],
)
def test_a_reply_that_gives_a_fact_of_the_kind_asked_states_it(question: str, reply: str) -> None:
    assert states(reply, question, answer_type(question))


def test_a_figure_or_name_the_question_already_gives_is_not_the_answer() -> None:
    assert not states(
        "Iran carried out executions in August.", "How many executions did Iran carry out in August?", "number"
    )
    assert not states("Sanaullah Ghafari leads it.", "Which group does Sanaullah Ghafari lead?", "org")


def test_a_question_of_no_known_kind_is_never_held_to_one() -> None:
    assert states("It was chosen as the greatest gadget of all time.", "What came second in the list?", None)
