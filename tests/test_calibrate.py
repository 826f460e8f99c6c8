"""`qa calibrate` scores the answers a user gets: the same preparation, the same two-part split.

Real seed index (bundled model, embedded Chroma), the seed gold set's dev half.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import qa
from eval import calibrate
from qa import calibration
from qa import citations as cite
from qa.store import open_store

ROOT = Path(__file__).resolve().parent.parent
TWO_PART = "Who leads ISIS-K in Afghanistan, and how many executions did Iran carry out in August?"


@pytest.fixture(scope="module")
def store(seed_index: Path):
    return open_store(seed_index)


def _as_asked(store, item: dict) -> tuple[bool, str]:
    a = qa.ask(item["question"], store=store, history=item.get("history"), mode="extractive")
    return a.refused, "" if a.refused else cite.strip_labels(a.text)


def test_calibration_answers_each_dev_question_as_ask_does(store) -> None:
    items = calibrate.dev_items(ROOT / "eval" / "gold.jsonl")
    assert items and all(int(i["id"][1:]) % 2 == 1 for i in items)
    prepared = calibrate.prepare(items, "gold.jsonl", store, k=5, dense_weight=calibration.current().dense_weight)
    for p in prepared:
        refused, text, _ = calibrate.answer(p, calibration.current())
        assert (refused, text) == _as_asked(store, p.item), p.item["id"]


def test_a_two_part_question_is_calibrated_part_by_part(store) -> None:
    item = {"id": "x1", "question": TWO_PART, "answerable": True}
    (p,) = calibrate.prepare([item], "x", store, k=5, dense_weight=calibration.current().dense_weight)
    assert [part.standalone for part in p.parts] == [
        "Who leads ISIS-K in Afghanistan?",
        "How many executions did Iran carry out in August?",
    ]
    refused, text, cited = calibrate.answer(p, calibration.current())
    assert (refused, text) == _as_asked(store, item)
    assert not refused and "Ghafari" in text and "100" in text and len(cited) >= 2
