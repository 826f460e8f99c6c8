"""Gold sets: read a JSON-lines file and pick the items a run evaluates.

Two sets exist: the seed set (``eval/gold.jsonl`` over ``corpus/``) and the
BBC set (``eval/gold/bbc.jsonl`` over the BBC archive), whose items also carry
``classes`` (tags such as ``hard_retrieval`` or ``follow_up``) and a
``split`` ("dev" or "test"; an item without one counts as test).

``read_gold`` reads a file; ``select`` applies ``--ids`` and ``--limit``;
``by_split`` divides items into their halves. Judging the answers is
``eval.scoring``; the gold sets' own consistency is checked by the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.options import UsageError

SPLITS = ("dev", "test")


def read_gold(path: Path) -> list[dict[str, Any]]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the gold set {path}: {exc}") from exc


def wanted_ids(ids: list[str]) -> list[str]:
    """``--ids`` values, space or comma separated, as one list."""
    return [i for part in ids for i in part.split(",") if i]


def select(items: list[dict[str, Any]], wanted: list[str], limit: int | None) -> list[dict[str, Any]]:
    """The items named by ``wanted`` (all when empty), then the first ``limit`` of them."""
    if wanted:
        items = [it for it in items if it["id"] in set(wanted)]
    if limit is not None:
        if limit < 1:
            raise UsageError("--limit must be at least 1")
        items = items[:limit]
    return items


def load_gold(path: Path, ids: list[str], limit: int | None) -> list[dict[str, Any]]:
    """One gold set's items for a run; every id in ``ids`` must be in it."""
    items = read_gold(path)
    wanted = wanted_ids(ids)
    known = {it["id"] for it in items}
    missing = [i for i in wanted if i not in known]
    if missing:
        raise UsageError(f"--ids: not in {path.name}: {', '.join(missing)}")
    items = select(items, wanted, limit)
    if not items:
        raise UsageError(f"{path}: no items to evaluate")
    return items


def split_of(item: dict[str, Any]) -> str:
    return "dev" if item.get("split") == "dev" else "test"


def by_split(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """``{"dev": [...], "test": [...]}``; an item without a split is a test item."""
    return {name: [it for it in items if split_of(it) == name] for name in SPLITS}


# The CI's sample for the model's answers (``qa eval --sample``): per gold set, how many test items of each
# stratum (answerable, unanswerable, follow-up turns), taken evenly spaced through the file, so it never changes.
SAMPLE = {"seed": (10, 4, 2), "bbc": (20, 8, 4)}


def stratified(
    items: list[dict[str, Any]], answerable: int, unanswerable: int, follow_ups: int
) -> list[dict[str, Any]]:
    """A fixed sample of the test half: evenly spaced items of each stratum, in file order."""
    test = by_split(items)["test"]
    strata = (
        ([it for it in test if it["answerable"] and not it.get("history")], answerable),
        ([it for it in test if not it["answerable"] and not it.get("history")], unanswerable),
        ([it for it in test if it.get("history")], follow_ups),
    )
    picked: set[str] = set()
    for pool, n in strata:
        if n > len(pool):
            raise UsageError(f"--sample: the test half has {len(pool)} items of a stratum, {n} were asked for")
        picked.update(pool[(i * len(pool)) // n]["id"] for i in range(n))
    return [it for it in items if it["id"] in picked]
