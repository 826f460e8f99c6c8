"""The model reads: numbered sentences in, a short answer naming its sentences out.

``context`` chooses what the model reads: the retrieved sentences most likely
to hold the fact (``qa.sentence_rank.reading_order`` over the scores of
``qa.extractive.candidates``) until a token budget is spent, grouped under
their article's headline in article order and numbered once. ``messages`` builds the chat (a fixed system prefix, so the server keeps
it evaluated). ``read`` turns the model's reply into an ``Answer``: the quote
shown and cited for each answer sentence is the verbatim source sentence the
model named, never its paraphrase; an answer sentence whose facts (names,
figures, dates) are not in the sentences it names is cited to the sentence
that does hold them, if one was read, else marked unsupported.

Whether the answer stands (the model's own refusal, qualifiers, answer type)
is decided in ``qa.answer``; this module does not call the model.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from qa import citations as cite
from qa import prompts
from qa.extractive import Candidate
from qa.guard import withhold_instructions
from qa.retrieve import Passage
from qa.support import support
from qa.tokens import count_tokens

LEXICAL_SUPPORT = 0.5  # share of a claim's content words its sentences must hold (as ``qa.support``)
DEFAULT_BUDGET = 330  # tokens of numbered sentences and headlines; the system prefix is cached
# The bundled model reads a prompt at 90-107 tokens/s on 2 cores with AVX-512 and at 42-54 with AVX2
# only, so there it reads less. Measured on an AVX2-only CPU (README, Figures): the test halves' p50
# 8.9 -> 8.1 s (BBC) and 8.1 -> 6.3 s (seed), answerable right 82 -> 80 of 146 and 49 -> 52 of 77,
# unanswerable refused one fewer in each; on the dev half's first turns 65 -> 63 of 100 right.
SLOW_CPU_BUDGET = 300
FAST_PROMPT_FLAGS = frozenset({"avx512f"})
# sentences after each chosen one that come along: on the BBC dev questions one follower cost more
# evidence (0.892 of answerable questions read it at 330 tokens) than it brought (0.923 without)
FOLLOWERS = 0
# checks that overturn an answer the model gave (chosen on the dev halves, see the README's figures):
# "qualifier_unmet": the cited sentences' article does not name the question's year, person or thing;
# "type_absent": no cited sentence holds a fact of the kind asked (a person, a figure, a date ...);
# "kind_unstated": the answer's own words give no fact of the kind asked (``qa.answer_type.states``)
VETOES: tuple[str, ...] = ("qualifier_unmet", "kind_unstated")


@dataclass(frozen=True)
class Line:
    """One numbered sentence of the prompt."""

    n: int
    passage: Passage
    start: int  # offsets into ``passage.text``
    end: int
    rank: int  # its place in the score order (0 = best)

    @property
    def text(self) -> str:
        return self.passage.text[self.start : self.end]

    @property
    def article_start(self) -> int:
        return self.passage.start + self.start


def budget_for_flags(flags: set[str]) -> int:
    """The local model's reading budget on a CPU with these flags (``qa.precision.cpu_flags``)."""
    return DEFAULT_BUDGET if flags & FAST_PROMPT_FLAGS else SLOW_CPU_BUDGET


def _by_article(cands: list[Candidate]) -> dict[str, list[Candidate]]:
    out: dict[str, list[Candidate]] = {}
    for c in sorted(cands, key=lambda c: c.article_start):
        out.setdefault(c.article_id, []).append(c)
    return out


def context(
    pools: Iterable[tuple[list[Passage], list[Candidate]]],
    *,
    budget: int = DEFAULT_BUDGET,
    order: Callable[[list[Candidate]], list[Candidate]] | None = None,
) -> list[Line]:
    """The sentences the model reads, numbered from 1.

    ``pools`` holds one (passages, scored candidates) pair per question part;
    the parts take turns, best sentence first. A sentence comes with the next
    one of its article (``FOLLOWERS``) while the budget lasts.
    """
    ranked = [(ps, order(cs) if order else sorted(cs, key=lambda c: -c.score)) for ps, cs in pools]
    following = [_by_article(cs) for _, cs in ranked]
    chosen: dict[tuple[str, int], tuple[Passage, Candidate, int]] = {}
    titles: set[str] = set()
    spent = 0

    def take(p: Passage, c: Candidate, rank: int) -> bool:
        nonlocal spent
        key = (c.article_id, c.article_start)
        if key in chosen:
            return True
        cost = count_tokens(c.text) + 4 + (0 if c.article_id in titles else count_tokens(p.title) + 8)
        if spent + cost > budget and chosen:
            return False
        spent += cost
        titles.add(c.article_id)
        chosen[key] = (p, c, rank)
        return True

    for rank in range(max((len(cs) for _, cs in ranked), default=0)):
        taken = []  # each part's sentence of this rank first, then the sentences after them
        for part, (passages, cs) in enumerate(ranked):
            if rank < len(cs) and take(passages[cs[rank].passage], cs[rank], rank):
                taken.append((part, passages, cs[rank]))
        if not taken:
            break
        for part, passages, c in taken:
            same = following[part][c.article_id]
            at = next(i for i, d in enumerate(same) if d.article_start == c.article_start)
            for d in same[at + 1 : at + 1 + FOLLOWERS]:
                take(passages[d.passage], d, rank)
    first_rank: dict[str, int] = {}
    for _, c, rank in chosen.values():
        first_rank[c.article_id] = min(rank, first_rank.get(c.article_id, rank))
    placed = sorted(chosen.values(), key=lambda t: (first_rank[t[1].article_id], t[1].article_id, t[1].article_start))
    return [Line(i + 1, p, c.start, c.end, rank) for i, (p, c, rank) in enumerate(placed)]


def user_message(question: str, lines: list[Line]) -> str:
    out: list[str] = []
    article = None
    for line in lines:
        if line.passage.article_id != article:
            article = line.passage.article_id
            title = " ".join(line.passage.title.split()) or "Untitled"
            out.append(prompts.READER_ARTICLE.format(title=title, date=line.passage.date or "undated"))
        out.append(prompts.READER_LINE.format(label=cite.label(line.n), text=withhold_instructions(line.text)))
    return prompts.READER_USER.format(lines="\n".join(out), question=question)


def messages(question: str, lines: list[Line]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": prompts.READER_SYSTEM},
        {"role": "user", "content": user_message(question, lines)},
    ]


# a small model often says so in words instead of the token
_DECLINES = re.compile(
    r"\b(?:not (?:known|stated|mentioned|specified|given|provided|available|disclosed)|no (?:information|mention)|"
    r"(?:do|does) not (?:say|state|mention|specify|provide|contain)|cannot be (?:determined|found|answered))\b",
    re.I,
)


# the refusal token as the model spells it, most often when its exact tokens are barred (the second look):
# "Not_in_sources", "NO_IN_SOURCES", "not in sources"
_TOKEN = re.compile(r"\bNOT?[\s_]+IN[\s_]+SOURCES\b", re.I)
_TOKEN_SPELLINGS = (prompts.NO_ANSWER_TOKEN, prompts.NO_ANSWER_TOKEN.replace("NOT_", "NO_", 1))


def declined(raw: str) -> bool:
    """The model said the sentences don't answer (the token, however spelt, or in words), or said nothing."""
    text = raw.strip()
    if not text or _TOKEN.search(text):
        return True
    return bool(_DECLINES.search(cite.strip_labels(text))) and not cite.parse(text)


_ANSWER_PREFIX = re.compile(r"^\s*(?:answer\s*:\s*)", re.I)


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's answer, with the lines it rests on."""

    text: str  # without labels
    lines: tuple[Line, ...]  # cited (possibly moved to the line that holds its facts)
    supported: bool
    moved: bool  # the model named other sentences than the ones that hold its facts


_LEADING_LABELS = re.compile(r"^\s*((?:\[\d{1,3}(?:\s*,\s*\d{1,3})*\]\s*)+)(.*)$", re.S)


def _sentences(text: str) -> list[str]:
    """The answer's sentences, each with its labels after it, whichever side the model put them on.

    A small model often copies the prompt's layout ("[3] The sentence. [6] Another.");
    labels that open the reply are moved behind the sentence they open.
    """
    if not _LEADING_LABELS.match(text):
        return cite.split_sentences(text)
    out = []
    for piece in re.split(r"\s*(?=\[\d{1,3}(?:\s*,\s*\d{1,3})*\]\s*[^\s\[])", text):
        m = _LEADING_LABELS.match(piece)
        if m:
            out.append(f"{m.group(2).strip()} {m.group(1).strip()}".strip())
        elif piece.strip():
            out.append(piece.strip())
    return out


def claims(raw: str, lines: list[Line], *, question: str = "") -> tuple[list[Claim], list[int]]:
    """The answer's sentences and the lines each rests on; also the numbers the model named that were not given.

    A name or figure the ``question`` gives is no fact of the answer's: "Tirunesh Dibaba ran 14 minutes
    32.93 seconds" is backed by "She won in 14 minutes 32.93 seconds" when the question names her.
    """
    text = " ".join(_ANSWER_PREFIX.sub("", line) for line in raw.strip().splitlines() if line.strip())
    given = {line.n: line for line in lines}
    bad: list[int] = []
    out: list[Claim] = []
    previous: tuple[Line, ...] = ()
    for sentence in _sentences(text):
        numbers = cite.parse(sentence)
        bad += [n for n in numbers if n not in given and n not in bad]
        named = tuple(given[n] for n in numbers if n in given) or previous
        bare = cite.strip_labels(sentence)
        if not bare and named:  # a bare "[3]": the sentence itself is the answer
            bare = named[0].text.strip()
        if not bare:
            continue
        ok = bool(named) and _backs(bare, named, question)
        moved = False
        if not ok:
            holders = _holders(bare, lines, question) or _clause_holders(bare, lines, question)
            if holders:
                named, ok, moved = holders, True, bool(named)
        out.append(Claim(bare, named, ok, moved))
        previous = named
    return out, bad


def _backs(sentence: str, named: Iterable[Line], question: str) -> bool:
    s = support(sentence, [line.text for line in named], semantic=0.0, given=question)
    return s.lexical >= LEXICAL_SUPPORT and not s.missing_facts


def _holders(sentence: str, lines: list[Line], question: str) -> tuple[Line, ...]:
    """The read line that backs ``sentence`` best (facts present, most words shared), else the best two
    lines of one article that back it together ("paid £15.8m ... banned for seven months"); () if none."""

    def lexical(group: tuple[Line, ...]) -> float:
        return support(sentence, [line.text for line in group], semantic=0.0, given=question).lexical

    for size in (1, 2):
        groups = [
            group
            for group in itertools.combinations(lines, size)
            if len({line.passage.article_id for line in group}) == 1 and _backs(sentence, group, question)
        ]
        if groups:
            return max(groups, key=lexical)
    return ()


_CLAUSE_BREAK = re.compile(r",\s+(?:and|while|but)\s+|;\s+")
MIN_CLAUSE_WORDS = 3


def _clause_holders(sentence: str, lines: list[Line], question: str) -> tuple[Line, ...]:
    """A sentence that answers two things at once ("Rio Ferdinand was unsure of Glazer's motives, and the bid
    would value the club at £800m") is backed clause by clause, each by the lines of one article, when no
    article backs it whole; () unless every clause is backed."""
    clauses = [c.strip() for c in _CLAUSE_BREAK.split(sentence)]
    if len(clauses) < 2 or any(len(c.split()) < MIN_CLAUSE_WORDS for c in clauses):
        return ()
    out: list[Line] = []
    for clause in clauses:
        holders = _holders(clause, lines, question)
        if not holders:
            return ()
        out += [line for line in holders if line not in out]
    return tuple(out)


def _could_be_token(text: str) -> bool:
    """Whether ``text`` could still grow into a spelling ``_TOKEN`` accepts (spaces and underscores alike)."""
    start = re.sub(r"[\s_]+", "_", text.strip().upper())
    return any(spelling.startswith(start) for spelling in _TOKEN_SPELLINGS)


def holding_refusal(deltas: Iterable[str]) -> Iterator[str]:
    """Pass the deltas on, but hold them while the reply could still be the refusal token, however spelt:
    the page never shows "NOT_IN_SOURCES" or "Not_in_sources", and a reply that only starts like it ("No")
    is passed on whole once it differs, or at its end."""
    held: str | None = ""
    for delta in deltas:
        if held is None:
            yield delta
        elif not _could_be_token(held + delta):
            yield held + delta
            held = None
        else:
            held += delta
    if held and not declined(held):
        yield held


def label_free(deltas: Iterable[str]) -> Iterator[str]:
    """Stream text without ``[n]`` labels (the model's numbers are sentence numbers, not the answer's)."""
    held = ""
    for delta in deltas:
        held += delta
        cut = held.rfind("[")
        if cut >= 0 and "]" not in held[cut:]:
            cut = len(held[:cut].rstrip())  # the space before a label goes with it
            ready, held = held[:cut], held[cut:]
        else:
            ready, held = held, ""
        ready = re.sub(r"\s*\[\d[\d,\s]*\]", "", ready)
        if ready:
            yield ready
    rest = re.sub(r"\s*\[\d[\d,\s]*\]", "", held)
    if rest:
        yield rest
