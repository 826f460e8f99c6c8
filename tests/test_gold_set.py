"""Consistency checks for the hand-written gold set in eval/gold.jsonl."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from eval.metrics import fact_variant_present

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLD_PATH = REPO_ROOT / "eval" / "gold.jsonl"
CORPUS_PATH = REPO_ROOT / "corpus" / "afintl-2024-09-05.txt"
SEED_ENV_VAR = "AFINTL_SEED_PATH"
SEED_RELATIVE_PATH = REPO_ROOT / ".." / "shared" / "seed" / "afintl-bulletin.txt"
N_ARTICLES = 6

CATEGORIES = {
    "factual",
    "numeric",
    "date",
    "person",
    "cross_article",
    "conflicting",
    "follow_up",
    "unanswerable",
    "hard_negative",
}
MIN_PER_CATEGORY = {
    "numeric": 8,
    "date": 5,
    "person": 8,
    "cross_article": 4,
    "conflicting": 3,
    "follow_up": 4,
    "hard_negative": 6,
}
MIN_ITEMS = 60
MIN_UNANSWERABLE = 12
UNANSWERABLE_CATEGORIES = {"unanswerable", "hard_negative"}
REQUIRED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "question": str,
    "answer": str,
    "facts": list,
    "evidence": list,
    "article": (int, list, type(None)),
    "category": str,
    "answerable": bool,
}


def _bulletin_path() -> Path:
    candidates = [CORPUS_PATH]
    if os.environ.get(SEED_ENV_VAR):
        candidates.append(Path(os.environ[SEED_ENV_VAR]))
    candidates.append(SEED_RELATIVE_PATH)
    for path in candidates:
        if path.is_file():
            return path
    pytest.fail("bulletin text not found; looked in: " + ", ".join(str(p) for p in candidates))


@pytest.fixture(scope="module")
def bulletin() -> str:
    return _bulletin_path().read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def articles(bulletin: str) -> list[str]:
    """The bulletin split into its articles, in order.

    Articles are separated by blank lines. A one-line block (a headline or a
    stand-alone lede) belongs to the article that follows it; every article
    body has several lines.
    """
    blocks = [b for b in re.split(r"\n\s*\n", bulletin) if b.strip()]
    result: list[str] = []
    pending = ""
    for block in blocks:
        if len(block.strip().splitlines()) == 1:
            pending += block + "\n\n"
            continue
        result.append(pending + block)
        pending = ""
    assert not pending, "bulletin ends with a one-line block"
    return result


def _load_gold() -> list[dict[str, Any]]:
    items = []
    with GOLD_PATH.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if line.strip():
                item = json.loads(line)
                item["_line"] = line_no
                items.append(item)
    return items


GOLD = _load_gold()
ANSWERABLE = [item for item in GOLD if item.get("answerable")]
UNANSWERABLE = [item for item in GOLD if not item.get("answerable")]


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [str(item.get("id", f"line{item['_line']}")) for item in items]


def _article_list(item: dict[str, Any]) -> list[int]:
    article = item["article"]
    return article if isinstance(article, list) else [article]


def test_bulletin_splits_into_six_articles(articles: list[str]) -> None:
    assert len(articles) == N_ARTICLES


def test_gold_set_has_enough_items() -> None:
    assert len(GOLD) >= MIN_ITEMS


def test_every_id_is_unique() -> None:
    duplicates = [i for i, n in Counter(item["id"] for item in GOLD).items() if n > 1]
    assert duplicates == []


@pytest.mark.parametrize("item", GOLD, ids=_ids(GOLD))
def test_item_has_required_fields_with_right_types(item: dict[str, Any]) -> None:
    for field, expected in REQUIRED_FIELDS.items():
        assert field in item, f"missing field {field!r}"
        assert isinstance(item[field], expected), f"{field!r} has wrong type"
    assert item["id"] and item["question"].strip() and item["answer"].strip()
    assert item["category"] in CATEGORIES
    assert all(isinstance(e, str) and e for e in item["evidence"])
    for fact in item["facts"]:
        assert isinstance(fact, list) and fact, f"fact {fact!r} is not a list"
        assert all(isinstance(v, str) and v.strip() for v in fact)
    extra = set(item) - set(REQUIRED_FIELDS) - {"history", "_line"}
    assert not extra, f"unexpected fields {extra}"


@pytest.mark.parametrize("item", GOLD, ids=_ids(GOLD))
def test_answerable_flag_matches_category(item: dict[str, Any]) -> None:
    assert item["answerable"] == (item["category"] not in UNANSWERABLE_CATEGORIES)


@pytest.mark.parametrize("item", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_answerable_item_has_facts_evidence_and_article(item: dict[str, Any]) -> None:
    assert item["facts"], "no facts"
    assert item["evidence"], "no evidence"
    articles = _article_list(item)
    assert articles and all(isinstance(a, int) and not isinstance(a, bool) and 1 <= a <= N_ARTICLES for a in articles)


@pytest.mark.parametrize("item", UNANSWERABLE, ids=_ids(UNANSWERABLE))
def test_unanswerable_item_has_no_facts_evidence_or_article(
    item: dict[str, Any],
) -> None:
    assert item["facts"] == []
    assert item["evidence"] == []
    assert item["article"] is None


@pytest.mark.parametrize("item", GOLD, ids=_ids(GOLD))
def test_every_evidence_quote_is_exact_substring_of_bulletin(item: dict[str, Any], bulletin: str) -> None:
    missing = [quote for quote in item["evidence"] if quote not in bulletin]
    assert missing == []


@pytest.mark.parametrize("item", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_evidence_comes_from_the_labelled_articles(item: dict[str, Any], articles: list[str]) -> None:
    labelled = _article_list(item)
    used = set()
    for quote in item["evidence"]:
        found = [n for n in labelled if quote in articles[n - 1]]
        assert found, f"{quote!r} not in article(s) {labelled}"
        used.update(found)
    assert used == set(labelled), f"no evidence from article(s) {set(labelled) - used}"


@pytest.mark.parametrize("item", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_every_fact_variant_occurs_in_answer_or_evidence(item: dict[str, Any]) -> None:
    reference = " ".join([item["answer"], *item["evidence"]])
    missing = [variant for fact in item["facts"] for variant in fact if not fact_variant_present(reference, variant)]
    assert missing == []


def test_category_counts_meet_minimums() -> None:
    counts = Counter(item["category"] for item in GOLD)
    short = {c: counts[c] for c, n in MIN_PER_CATEGORY.items() if counts[c] < n}
    assert short == {}


def test_enough_unanswerable_items_including_off_topic_ones() -> None:
    assert len(UNANSWERABLE) >= MIN_UNANSWERABLE
    assert any(item["category"] == "unanswerable" for item in UNANSWERABLE)


@pytest.mark.parametrize(
    "item",
    [i for i in GOLD if i["category"] == "cross_article"],
    ids=_ids([i for i in GOLD if i["category"] == "cross_article"]),
)
def test_cross_article_item_draws_on_two_articles(item: dict[str, Any]) -> None:
    assert isinstance(item["article"], list)
    assert len(set(item["article"])) >= 2
    assert len(item["facts"]) >= 2


@pytest.mark.parametrize(
    "item",
    [i for i in GOLD if i["category"] == "conflicting"],
    ids=_ids([i for i in GOLD if i["category"] == "conflicting"]),
)
def test_conflicting_item_requires_both_sides(item: dict[str, Any]) -> None:
    assert len(item["facts"]) >= 2
    assert len(item["evidence"]) >= 2


@pytest.mark.parametrize("item", GOLD, ids=_ids(GOLD))
def test_history_is_present_exactly_for_follow_ups(item: dict[str, Any]) -> None:
    if item["category"] != "follow_up":
        assert "history" not in item
        return
    history = item.get("history")
    assert isinstance(history, list) and history
    for turn in history:
        assert set(turn) == {"role", "content"}
        assert turn["role"] in {"user", "assistant"}
        assert isinstance(turn["content"], str) and turn["content"].strip()
    roles = [turn["role"] for turn in history]
    assert roles[0] == "user" and roles[-1] == "assistant"
    assert all(a != b for a, b in pairwise(roles)), "roles must alternate"


@pytest.mark.parametrize(
    "item",
    [i for i in GOLD if i["category"] == "hard_negative"],
    ids=_ids([i for i in GOLD if i["category"] == "hard_negative"]),
)
def test_hard_negative_names_something_in_the_bulletin(item: dict[str, Any], bulletin: str) -> None:
    # A hard negative is on a bulletin topic: some capitalised word of the
    # question after the first (a place, person or organisation) must occur.
    names = re.findall(r"(?<!^)\b[A-Z][\w'’-]+", item["question"])
    names = [re.sub(r"['’]s$", "", name) for name in names]
    assert any(name in bulletin for name in names), names
