"""Chunks fit the embedding model, point back into their article, and miss nothing.

Run on the seed, a sample of BBC articles, awkward hand-made texts (a line of
dashes is 16 tiktoken tokens but 600 word pieces), and generated text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.chunking import DEFAULT_CHUNK_TOKENS, chunk_spans, sentences
from qa.corpus import parse_file, read_manifest
from qa.embed import MAX_WORD_PIECES, word_pieces
from qa.index import chunk_article
from qa.tokens import count_tokens

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "afintl-2024-09-05.txt"

AWKWARD = {
    "dash rule": "The council met on Monday.\n" + "-" * 600 + "\nIt approved the budget.",
    "spaced dashes": "Results follow. " + "- " * 700 + "That is all.",
    "one long word": "See " + "x" * 5000 + " for details.",
    "numbers": "Figures: " + " ".join(str(10**12 + i * 7919) for i in range(200)) + ".",
    "no punctuation": " ".join(["word"] * 2000),
    "url run": "Links: " + " ".join(f"https://example.org/{i}/" + "a" * 80 for i in range(40)) + ".",
    "short": "One sentence.",
}


def _check(text: str, spans, *, max_tokens: int = DEFAULT_CHUNK_TOKENS) -> None:
    assert spans, "a non-blank text has at least one chunk"
    for span in spans:
        assert span.text == text[span.start : span.end]
        assert word_pieces(span.text) <= MAX_WORD_PIECES
    covered = [False] * len(text)
    for span in spans:
        covered[span.start : span.end] = [True] * (span.end - span.start)
    missed = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not missed, f"characters outside every chunk: {text[missed[0] : missed[0] + 40]!r}"
    for sent in sentences(text):
        if count_tokens(sent.text) <= max_tokens and word_pieces(sent.text) <= MAX_WORD_PIECES:
            assert any(s.start <= sent.start and sent.end <= s.end for s in spans), sent.text


def _seed_articles():
    return parse_file(SEED, read_manifest(SEED.parent).get(SEED.name)).articles


@pytest.mark.parametrize("position", range(6))
def test_seed_chunks_fit_the_model_and_cover_every_sentence(position: int):
    article = _seed_articles()[position]
    _check(article.text, chunk_spans(article.text))


def test_chunk_records_point_into_their_article_with_unique_ids():
    for article in _seed_articles():
        chunks = chunk_article(article)
        assert [c.position for c in chunks] == list(range(len(chunks)))
        assert len({c.id for c in chunks}) == len(chunks)
        assert all(c.id.startswith(article.id) and c.text == article.text[c.start : c.end] for c in chunks)


def test_bbc_sample_chunks_fit_the_model_and_cover_every_sentence(bbc_dir: Path):
    files = sorted(bbc_dir.glob("*/*.txt"))[::40]
    for path in files:
        for article in parse_file(path).articles:
            _check(article.text, chunk_spans(article.text))


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_text_is_cut_to_fit_the_model(name: str):
    _check(AWKWARD[name], chunk_spans(AWKWARD[name]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="abc xyz.!?\n-\u201c\u201d\u00e9", min_size=1, max_size=80),
            st.sampled_from(["Mr. Smith said so.", "U.S. troops left.", "-" * 300, "…", "\u4e2d\u6587" * 90]),
        ),
        min_size=1,
        max_size=30,
    ).map(" ".join)
)
def test_generated_text_chunks_fit_and_cover(text: str):
    if text.strip():
        _check(text, chunk_spans(text))


@pytest.mark.parametrize("max_tokens", [20, 60, 250])
def test_any_token_budget_still_fits_the_model(max_tokens: int):
    # at 250 tiktoken tokens a window of ordinary prose is over 256 word pieces
    for article in _seed_articles():
        _check(article.text, chunk_spans(article.text, max_tokens=max_tokens), max_tokens=max_tokens)
