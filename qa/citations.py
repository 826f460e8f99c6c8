"""The citation label: made by ``label`` and parsed by ``parse`` only.

A label is ``[n]`` with n >= 1, possibly grouped as ``[1][2]`` or ``[1, 2]``.
Sentence splitting for verification lives here too, because a label belongs
to the sentence it closes. This module does not judge support.
"""

from __future__ import annotations

import re

_LABEL = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*(?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*[\"”’)]*(?=\s+|$)")


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


def split_sentences(text: str) -> list[str]:
    """Answer sentences, each keeping the labels that follow its full stop."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        piece = text[start : match.end()].strip()
        if piece:
            out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
