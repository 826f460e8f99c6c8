"""The citation label is made by one function and parsed by another: properties over any text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qa import citations


@given(st.lists(st.integers(min_value=1, max_value=999), min_size=1, max_size=8))
def test_every_label_made_is_parsed_back(numbers: list[int]) -> None:
    text = " ".join(f"Claim {i}. {citations.label(n)}" for i, n in enumerate(numbers))
    assert citations.parse(text) == list(dict.fromkeys(numbers))


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200))
def test_parsing_arbitrary_text_never_fails_and_finds_only_bracketed_numbers(text: str) -> None:
    for n in citations.parse(text):
        assert f"{n}" in text and n >= 0


def test_grouped_labels_are_parsed() -> None:
    assert citations.parse("Both say so [1, 3][2].") == [1, 3, 2]
