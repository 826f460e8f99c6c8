"""The citation label: made by ``label`` and parsed by ``parse`` only.

A label is ``[n]`` with n >= 1, possibly grouped as ``[1][2]`` or ``[1, 2]``.
Sentence splitting for verification lives here too, because a label belongs
to the sentence it closes; so does the list of abbreviations whose full stop
ends no sentence, which the chunker's splitter (``qa.chunking``) shares. This module does not judge support.
"""

from __future__ import annotations

import re

_LABEL = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*(?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*[\"”’)]*(?=\s+|$)")
_ABBREV = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Sgt|Capt|Prof|U\.S|U\.N|No|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|etc|e\.g|i\.e)\.$"
)


def label(n: int) -> str:
    return f"[{n}]"


def parse(text: str) -> list[int]:
    """Citation numbers in order of first appearance."""
    seen: list[int] = []
    for match in _LABEL.finditer(text):
        for part in match.group(1).split(","):
            n = int(part)
            if n not in seen:
                seen.append(n)
    return seen


def strip_labels(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", _LABEL.sub("", text)).strip()


def ends_with_abbreviation(text: str) -> bool:
    """``text`` ends with a full stop that closes an abbreviation ("Mr.", "U.S."), not a sentence."""
    return bool(_ABBREV.search(text.rstrip('"”’)]')))


def split_sentences(text: str) -> list[str]:
    """Answer sentences, each keeping the labels that follow its full stop ("Mr. Varley" is not two)."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if not match.group() and ends_with_abbreviation(text[start : match.start()]):
            continue
        piece = text[start : match.end()].strip()
        if piece:
            out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
