"""Gold sets: read a JSON-lines file and pick the items a run evaluates.

``load_gold`` reads the file and applies ``--ids`` and ``--limit``. Judging
the answers is ``eval.scoring``; the gold set's own consistency is checked by
the tests, not here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.options import UsageError


def load_gold(path: Path, ids: list[str], limit: int | None) -> list[dict[str, Any]]:
    try:
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the gold set {path}: {exc}") from exc
    wanted = [i for part in ids for i in part.split(",") if i]
    if wanted:
        known = {it["id"] for it in items}
        missing = [i for i in wanted if i not in known]
        if missing:
            raise UsageError(f"--ids: not in {path.name}: {', '.join(missing)}")
        items = [it for it in items if it["id"] in set(wanted)]
    if limit is not None:
        if limit < 1:
            raise UsageError("--limit must be at least 1")
        items = items[:limit]
    if not items:
        raise UsageError(f"{path}: no items to evaluate")
    return items
