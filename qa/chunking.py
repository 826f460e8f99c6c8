"""Split article text into sentences and sentence-aligned chunks.

Chunks are measured in tiktoken tokens and kept well under the 256 word
pieces that all-MiniLM-L6-v2 reads, so every word of every chunk is embedded.
Each chunk and sentence carries character offsets into the article text, so a
quote can be highlighted later. This module knows nothing about storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.citations import ends_with_abbreviation
from qa.tokens import count_tokens

DEFAULT_CHUNK_TOKENS = 120
DEFAULT_OVERLAP_SENTENCES = 1

# A sentence ends at . ! ? (optionally closed by a quote or bracket) followed by
# whitespace and a capital, digit or opening quote, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[A-Z0-9])|\n+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def sentences(text: str) -> list[Span]:
    """Sentences of ``text`` with their offsets; whitespace between is dropped."""
    spans: list[Span] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()]
        if ends_with_abbreviation(candidate) and "\n" not in match.group():
            continue
        # keep closing quotes with the sentence they close
        closing = len(match.group()) - len(match.group().lstrip('"”’)]'))
        end = match.start() + closing
        _add(spans, text, start, end)
        start = match.end()
    _add(spans, text, start, len(text))
    return spans


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end, text[start:end]))


def chunk_spans(
    text: str,
    *,
    max_tokens: int = DEFAULT_CHUNK_TOKENS,
    overlap_sentences: int = DEFAULT_OVERLAP_SENTENCES,
) -> list[Span]:
    """Greedy sentence windows up to ``max_tokens``, overlapping by whole sentences.

    A window also stays within the model's word pieces: tiktoken and WordPiece
    disagree wildly on some text (a line of 600 dashes is 16 tokens but 600
    word pieces). A single sentence over either budget is cut at word
    boundaries, and a word too long for one chunk is cut into pieces.
    """
    pieces: list[tuple[Span, int]] = []
    for sent in sentences(text):
        n = count_tokens(sent.text)
        if n <= max_tokens and _fits_model(sent.text):
            pieces.append((sent, n))
        else:
            pieces.extend(_split_long(text, sent, max_tokens))
    chunks: list[Span] = []
    i = 0
    while i < len(pieces):
        j, total = i, 0
        while j < len(pieces) and (j == i or total + pieces[j][1] <= max_tokens):
            total += pieces[j][1]
            j += 1
        while j - i > 1 and not _fits_model(text[pieces[i][0].start : pieces[j - 1][0].end]):
            j -= 1
        start, end = pieces[i][0].start, pieces[j - 1][0].end
        chunks.append(Span(start, end, text[start:end]))
        if j >= len(pieces):
            break
        i = max(j - overlap_sentences, i + 1)
    return chunks


def _fits_model(text: str) -> bool:
    """True if the embedding model reads all of ``text`` (no truncation)."""
    from qa.wordpieces import MAX_WORD_PIECES
    from qa.wordpieces import count as word_pieces

    # a word piece covers at least one character: short text needs no tokenizer
    return len(text) - sum(ch.isspace() for ch in text) <= MAX_WORD_PIECES - 2 or word_pieces(text) <= MAX_WORD_PIECES


_WORD = re.compile(r"\S{1,30}")  # 30 characters are at most 120 tokens and 30 word pieces


def _split_long(text: str, sent: Span, max_tokens: int) -> list[tuple[Span, int]]:
    out: list[tuple[Span, int]] = []
    words = list(_WORD.finditer(sent.text))
    k = 0
    while k < len(words):
        j = k + 1
        while j < len(words):
            part = sent.text[words[k].start() : words[j].end()]
            if count_tokens(part) > max_tokens or not _fits_model(part):
                break
            j += 1
        s, e = sent.start + words[k].start(), sent.start + words[j - 1].end()
        out.append((Span(s, e, text[s:e]), count_tokens(text[s:e])))
        k = j
    return out
