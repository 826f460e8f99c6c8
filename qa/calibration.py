"""Retrieval's fusion weight and the answer selector's thresholds, read once from ``qa/calibration.json``.

``qa.retrieve`` ranks windows with the dense weight; ``qa.extractive``
decides from the rest whether a sentence answers and which extra sentences
join it. They are fitted by ``python -m eval.calibrate`` on the dev half of
the gold sets and kept under version control, so a change in them shows up
as a diff with the figures that justified it. This module loads and
validates the file; it does not fit anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from qa import sentence_rank
from qa.errors import QAError

PATH = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class Calibration:
    min_score: float = 0.31  # the chosen sentence's score, below which the answer is refused
    min_typed_lexical: float = 0.20  # a typed answer must share this much of the question's wording...
    paraphrase_semantic: float = 0.60  # ...unless it is also the closest sentence in meaning, by this much
    typed_ratio: float = 0.50  # a typed sentence may score this share of the best one
    extra_ratio: float = 0.80  # extra sentences must score this share of the chosen one
    two_sided_ratio: float = 0.75  # the same for comparisons and yes/no questions
    continuation_ratio: float = 0.60  # the sentence after the answer joins it ("However, ...") above this share
    precise_date_ratio: float = 0.75  # "when": a day-precise date wins if it scores this share of the best
    semantic_weight: float = 0.5  # score = w * embedding similarity + (1 - w) * term coverage
    context_weight: float = 0.25  # share of a sentence's coverage inherited from its passage
    focus_min: float = 0.01  # share of the question's focus words the answer must hold (lexically)...
    focus_semantic: float = 0.6  # ...unless the answer is this close in meaning to the question
    focus_kin: float = 0.7  # ...or holds a word of the same family as a focus word (word-vector cosine)
    dense_weight: float = 0.3  # retrieval: share of the scaled dense similarity in a window's score (rest: BM25)
    # which of the sentences that pass the checks answers (qa.sentence_rank): a logistic model's weights
    rank_rel: float = 0.0
    rank_passage: float = 0.0
    rank_focus: float = 0.0
    rank_length: float = 0.0
    rank_quote: float = 0.0

    @property
    def rank_weights(self) -> tuple[float, ...]:
        return tuple(getattr(self, f"rank_{name}") for name in sentence_rank.FEATURES)

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> Calibration:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise QAError(f"unknown calibration keys {unknown}: regenerate the file with `qa calibrate`")
        try:
            return cls(**{k: float(v) for k, v in values.items()})  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise QAError(
                f"calibration values must be numbers ({exc}): regenerate the file with `qa calibrate`"
            ) from exc

    def to_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def read(path: Path = PATH) -> Calibration:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Calibration()
    except (OSError, ValueError) as exc:
        raise QAError(f"cannot read {path.name} ({exc}): restore it from git or run `qa calibrate`") from exc
    return Calibration.from_dict(dict(data.get("values", {})))


@lru_cache(maxsize=1)
def current() -> Calibration:
    """The calibration the package ships with (read once per process)."""
    return read()


def write(cal: Calibration, *, fitted_on: dict[str, object], path: Path = PATH) -> None:
    payload = {"fitted_on": fitted_on, "values": cal.to_dict()}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
