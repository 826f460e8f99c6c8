"""Offline answers: pick the best-supported sentences of the retrieved passages.

Every sentence of the top passages is scored against the question (embedding
similarity plus IDF-weighted term coverage). The answer is one to three of
those sentences, verbatim, each with its passage's label. The same scores
decide refusal. A sentence can answer only if

- it is a sentence (not a question, heading, list line or verbless fragment);
- its article names the question's qualifiers (``qa.focus``: the firm, person,
  place or year the question is about);
- it holds the answer type the question asks for (``qa.answer_type``: a person,
  a sum, a duration, a place ...), one the question does not already give;
- it matches the question's focus itself, in words or in meaning, not only
  through the article's lede;
- it is close enough to the question.

When the question asks for a figure and two chosen sentences give different
figures for the same subject, measure and period (``qa.figures``), the answer
says the sources differ and cites each. Every threshold and weight comes from
``qa/calibration.json`` (``qa.calibration``), fitted by ``qa calibrate``.

This module selects sentences; it does not retrieve, call an LLM or render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from qa import calibration, figures, sentence_rank
from qa.answer_type import LABELS, NUMERIC, WANTED, answer_type, counted_plural, new_facts
from qa.calibration import Calibration
from qa.chunking import sentences
from qa.focus import Qualifier, fact_terms, focus_coverage, kin_words, met, named_in, question_focus
from qa.guard import looks_like_instruction
from qa.retrieve import Passage
from qa.support import STOPWORDS, Idf, content_terms, coverage, looks_like_fragment, numbers, stem

MAX_SENTENCES = 3
LEDE_CHARS = 300  # a sentence starting this close to the top of its article is its lede
MAX_TAGGED = 16  # sentences tagged per question: the best-scoring ones that could still answer
TAG_BATCH = 4  # tagged together, best first, until the rest cannot change the answer
# candidates() and Candidate.score read these two; the values live in qa/calibration.json
SEMANTIC_WEIGHT = calibration.current().semantic_weight
CONTEXT_WEIGHT = calibration.current().context_weight
CONFLICT_LEAD = "The sources give different figures:"
_UNDISCLOSED = re.compile(
    r"\bnot (?:been )?(?:disclosed|named|identified|revealed|released|made public)\b|\bundisclosed\b|"
    r"\b(?:did|would|could) not (?:disclose|reveal|say how much|give details)\b|\bdeclined to (?:disclose|reveal|say)\b",
    re.I,
)
# what may yet happen ("could face up to 85 years if convicted", "faces a ban of between six months and two
# years") does not answer what did happen ("How many years was he sentenced to?", "How long was he banned for?")
_PROSPECT = re.compile(
    r"\b(?:could|may|might|would|will)\s+(?:now\s+|still\s+|yet\s+|also\s+)?(?:face|be\s+(?:jailed|sentenced|fined|banned|given))\b|"
    r"\bfac(?:e|es|ing)\s+(?:a|an|up to|the prospect of|possible|life)\b|\bif (?:he is |she is |they are )?(?:convicted|found guilty)\b",
    re.I,
)
_SUCCESSION = (
    r"replace[sd]?|replacing|replacement|succeed(?:s|ed|ing)?|successor|take[sn]? over|took over|taking over|"
    r"appoint(?:s|ed|ing|ment)?|nam(?:e|ed|es|ing) (?:as|him|her)|in place of|instead of|new (?:chief|head|boss|manager|coach|"
    r"director|chairman|president|leader|captain|candidate)|step(?:s|ped)? in|promoted|chos(?:e|en)|picked|selected|"
    r"hired|recruited|signed|drafted in|brought in"
)
_PURCHASE = (
    r"b(?:ought|uy|uys|uying|uyer)|purchase[sd]?|acquir(?:e|ed|es|ing)|acquisition|sold\b[^.;]{0,30}?\bto|snapped up"
)
_WINNING = r"w[io]n|wins|winning|winner|victory|victorious|triumph(?:ed|s)?|crowned|beat|beaten|champion|title"
_EVENTS = (
    (
        re.compile(
            r"^\W*(?:and\s+)?(?:who|whom)\b[^?]*\b(?:replace|succeed|take over|took over|taking over|successor|"
            r"name[ds]?\b[^?]*\bas|appoint|pick(?:s|ed)?\b[^?]*\bas|choose|chose|chosen|select)",
            re.I,
        ),
        re.compile(r"\b(?:" + _SUCCESSION + r")\b", re.I),
    ),
    (
        re.compile(r"^\W*(?:and\s+)?(?:who|which \w+)\s+(?:won|wins|will win)\b", re.I),
        re.compile(r"\b(?:" + _WINNING + r")\b", re.I),
    ),
    (
        re.compile(r"^\W*(?:and\s+)?(?:who|which \w+)\b[^?]*\b(?:b(?:ought|uy|uys)|purchased?|acquired?)\b", re.I),
        re.compile(r"\b(?:" + _PURCHASE + r")\b", re.I),
    ),
)
_PROSPECT_REACH = 40  # characters from "could face" to the figure it governs
_SETTLED = re.compile(r"\b(?:was|were|did|had)\b", re.I)
_CONTINUES = re.compile(r"(However|But|Nevertheless|Yet|He|She|They|It|This|These|The organisation|The group)\b")
_HOW_MANY = re.compile(
    r"\bhow (?:many|much)\s+((?:[\w-]+\s+){0,2}?[\w-]+?)(?=\s+(?:are|were|is|was|do|does|did|have|has|had|will|in|of|on|at|for)\b|\s*\?|$)",
    re.I,
)
_DAY_DATE = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2}\b|"
    r"\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|November|December))"
)
_QUESTION_NOISE = frozenset({"name", "call", "happen", "mention", "bulletin", "articl", "accord", "describ", "tell"})


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the passages list
    text: str
    start: int  # offsets into the passage text
    end: int
    semantic: float
    lexical: float
    article_id: str = ""
    article_start: int = 0  # offset of the sentence in its article

    @property
    def score(self) -> float:
        return self.scored(SEMANTIC_WEIGHT)

    def scored(self, semantic_weight: float) -> float:
        """Embedding similarity and term coverage, the first weighted ``semantic_weight``."""
        return semantic_weight * self.semantic + (1 - semantic_weight) * self.lexical


@dataclass(frozen=True)
class Selection:
    chosen: list[Candidate]
    refused: bool
    reason: str
    conflict: bool = False


def question_terms(question: str) -> list[str]:
    return [t for t in content_terms(question) if t not in _QUESTION_NOISE]


def candidates(
    question: str,
    passages: list[Passage],
    *,
    embed: object,
    idf: Idf,
    sentence_vectors: Mapping[str, np.ndarray] | None = None,
) -> list[Candidate]:
    """All distinct sentences of ``passages`` with their scores.

    ``sentence_vectors`` maps a chunk id to the vectors the index stored for
    its sentences (one row per ``qa.chunking.sentences`` of its text); only
    the question, and any sentence without a stored vector, is embedded.
    """
    terms = question_terms(question)
    stored = sentence_vectors or {}
    seen: set[tuple[str, int]] = set()
    spans: list[tuple[int, int, int, str]] = []
    found: list[np.ndarray | None] = []
    for i, p in enumerate(passages):
        every = sentences(p.text)
        rows = stored.get(p.chunk_id)
        if rows is not None and len(rows) != len(every):
            rows = None  # stored for other text: embed these sentences afresh
        for j, s in enumerate(every):
            key = (p.article_id, p.start + s.start)
            if key in seen or len(s.text) < 12 or looks_like_instruction(s.text):
                continue
            seen.add(key)
            spans.append((i, s.start, s.end, s.text))
            found.append(rows[j] if rows is not None else None)
    if not spans:
        return []
    missing = [s[3] for s, v in zip(spans, found) if v is None]
    fresh = iter(embed([question] + missing))  # type: ignore[operator]
    q = np.asarray(next(fresh), dtype=np.float32)
    vectors = [v if v is not None else np.asarray(next(fresh), dtype=np.float32) for v in found]
    sims = (np.vstack(vectors) @ q).tolist()
    # a sentence inherits a little of its window's coverage: "The statement revealed
    # 81 ..." answers a question about the UN experts named one sentence earlier
    window_cover = [
        [(a - p.start, b - p.start, coverage(terms, p.text[a - p.start : b - p.start], idf)) for _, a, b in p.spans()]
        for p in passages
    ]
    return [
        Candidate(
            i,
            text,
            start,
            end,
            sim,
            (1 - CONTEXT_WEIGHT) * coverage(terms, text, idf) + CONTEXT_WEIGHT * _context(window_cover[i], start, end),
            passages[i].article_id,
            passages[i].start + start,
        )
        for (i, start, end, text), sim in zip(spans, sims)
    ]


def _context(windows: list[tuple[int, int, float]], start: int, end: int) -> float:
    """The coverage of the window holding the sentence at ``start:end`` (of any window it overlaps if none holds it)."""
    inside = [c for a, b, c in windows if a <= start and end <= b]
    return max(inside or [c for a, b, c in windows if a < end and start < b] or [0.0])


def _continuation(best: Candidate, cands: list[Candidate]) -> Candidate | None:
    """The sentence right after ``best`` in its passage, if it continues it ("However, ...")."""
    nxt = _neighbour(best, cands, after=True)
    return nxt if nxt is not None and _CONTINUES.match(nxt.text) else None


def _neighbour(c: Candidate, cands: list[Candidate], *, after: bool) -> Candidate | None:
    same = [d for d in cands if d.article_id == c.article_id and d.article_start != c.article_start]
    if after:
        return min((d for d in same if d.article_start > c.article_start), key=lambda d: d.article_start, default=None)
    return max((d for d in same if d.article_start < c.article_start), key=lambda d: d.article_start, default=None)


def _lede(c: Candidate, cands: list[Candidate]) -> str | None:
    """The retrieved opening sentence of ``c``'s article (None if its opening was not retrieved)."""
    first = min((d for d in cands if d.article_id == c.article_id), key=lambda d: d.article_start, default=None)
    return first.text if first is not None and first.article_start < LEDE_CHARS else None


def counted_noun(question: str) -> str | None:
    """The thing a "how many" question counts: "How many members does the CIS have?" -> "members"."""
    m = _HOW_MANY.search(question)
    nouns = [w for w in m.group(1).split() if w.lower() not in STOPWORDS] if m else []
    return nouns[-1] if nouns else None


def article_context(cands: list[Candidate], passages: list[Passage] | None = None) -> dict[str, str]:
    """Per article: the headline (when the passages are given) and every retrieved sentence of it."""
    out: dict[str, list[str]] = {}
    for p in passages or []:
        out.setdefault(p.article_id, []).extend([p.title, p.text])
    for c in cands:
        out.setdefault(c.article_id, []).append(c.text)
    return {k: " ".join(v) for k, v in out.items()}


def select(
    question: str,
    cands: list[Candidate],
    *,
    asked: str | None = None,
    idf: Idf | None = None,
    passages: list[Passage] | None = None,
    cal: Calibration | None = None,
    given: str | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
) -> Selection:
    """Choose the answer sentences, or refuse.

    ``asked`` is the question as the user typed it (a follow-up before it was
    rewritten): its words decide what the question asks about. ``given`` is the
    question rewritten from the conversation: the names it put in place of a
    pronoun ("it" -> Barclays) are not news either; names it only appended for
    retrieval ("... (Barclays, John Varley)") still are.
    ``passages`` (optional) lend their headlines to the qualifier check; ``cal``
    overrides the shipped calibration (``qa calibrate`` tries many); ``embed`` (the
    store's embedder) lets a word of the same family meet the focus ("piracy" for "pirated").
    """
    cal = cal or calibration.current()
    if asked is None and _needs_conversation(question):
        # "How long was he banned for?": the caller retries with the question rewritten from the conversation
        return Selection([], True, "the question refers to an earlier turn")
    asked = asked or question
    known = f"{asked} {_CONTEXT.sub('', given)}" if given else asked  # what an answer must add to
    if not cands:
        return Selection([], True, "nothing retrieved")
    kind = answer_type(question)
    noun = counted_noun(asked)
    if idf is not None and noun and not any(idf.knows(t) for t in content_terms(noun)):
        return Selection([], True, f"the bulletins never mention {noun}")
    context = article_context(cands, passages)
    quals, focus = question_focus(question, idf, asked=asked)
    pool = [c for c in cands if not looks_like_fragment(c.text)]
    # a comparison may draw each side from another article: each sentence must then meet one qualifier
    sides = _asks_for_comparison(question) or _several_sentences(question) or " and " in question
    pool = [c for c in pool if _qualified(c, quals, context, sides=sides)]
    if not pool:
        missing = _unmet(quals, cands, context)
        return Selection([], True, f"no retrieved article is about {missing}" if missing else "no sentence answers")

    def score(c: Candidate) -> float:
        return c.scored(cal.semantic_weight)

    ranked = sorted(pool, key=lambda c: -score(c))
    best = ranked[0]
    if kind in LABELS:  # tag only the sentences that could still answer; drop verbless ones
        floor = cal.typed_ratio * score(best)
        # below this share of the best typed sentence's score nothing can join the answer
        keep = min(cal.extra_ratio, cal.two_sided_ratio) * (cal.precise_date_ratio if kind == "date" else 1.0)
        ranked = _with_verbs([c for c in ranked if score(c) >= floor][:MAX_TAGGED], kind, known, keep, score)
        best = ranked[0]
    typed = _typed(ranked, kind, asked, known, quals)
    if kind == "date":  # "when" is best answered by the most precise date close enough to the question
        top = score(typed[0]) if typed else 0.0
        typed.sort(
            key=lambda c: (-(score(c) >= cal.precise_date_ratio * top and bool(_DAY_DATE.search(c.text))), -score(c))
        )
    if not typed:
        return Selection([], True, f"no sentence gives {WANTED.get(kind or '', 'an answer')}")
    closest = best

    def why_not(c: Candidate) -> str:
        """Why ``c`` cannot answer ("" if it can)."""
        # few shared words are fine when the typed sentence is also the closest in meaning ("wounded
        # ... taken for treatment" vs "injured ... transported to the central hospital")
        paraphrase = c is closest and c.semantic >= cal.paraphrase_semantic
        if score(c) < cal.typed_ratio * score(closest) or (
            kind and c.lexical < cal.min_typed_lexical and not paraphrase
        ):
            return f"the closest sentences give no {WANTED.get(kind or '', 'answer')}"
        if _UNDISCLOSED.search(c.text) and (kind or re.match(r"\W*(which|what)\b", question, re.I)):
            return "the bulletins say this was not disclosed"
        if score(c) < cal.min_score:
            return f"closest sentence scores {score(c):.2f}"
        # "Who leads X?" is answered by "Y, head of X, ...": a name beside the thing asked about needs no verb match
        beside = kind in ("person", "people", "org") and any(named_in(q, c.text) for q in quals if not q.year)
        # a typed question asks for one fact: the words the lede already holds are the story, not the fact
        wanted_facts = fact_terms(focus, _lede(c, cands)) if kind else focus
        if (
            not beside
            and focus_coverage(wanted_facts, c.text, idf) < cal.focus_min
            and c.semantic < cal.focus_semantic
            # words of one family are looked up (an embedding call) for the closest typed sentence only
            and not (
                embed is not None and c is typed[0] and kin_words(wanted_facts, asked, c.text, embed, cal.focus_kin)
            )
        ):
            return "the closest sentence is about the topic, not the fact asked"
        return ""

    if reason := why_not(typed[0]):
        return Selection([], True, reason)
    best = typed[0]
    if kind != "date" and any(cal.rank_weights):  # answerable: which sentence answers is the ranker's call
        top = max(score(c) for c in pool)
        learned = sentence_rank.order(typed, score, top=top, focus=focus, idf=idf, weights=cal.rank_weights)
        best = next((c for c in learned if c is best or not why_not(c)), best)
    chosen = [best]
    covered = set(content_terms(best.text))
    nxt = _continuation(best, pool)
    if nxt is not None and score(nxt) >= cal.continuation_ratio * score(best) and _answers_type(nxt.text, kind, known):
        chosen.append(nxt)
        covered |= set(content_terms(nxt.text))
    two_sided = _asks_for_comparison(question)
    ratio = cal.two_sided_ratio if two_sided else cal.extra_ratio
    wanted = set(question_terms(question))
    for c in typed[1:] if kind else ranked[1:]:
        if len(chosen) >= MAX_SENTENCES or score(c) < ratio * score(best):
            break
        if c in chosen:
            continue
        new_terms = wanted - covered
        adds_terms = bool(new_terms & set(content_terms(c.text)))
        new_figure = kind in NUMERIC and bool(numbers(c.text) - _figures(chosen))
        if adds_terms or new_figure or two_sided:
            chosen.append(c)
            covered |= set(content_terms(c.text))
    conflict = kind in NUMERIC and _conflicting(chosen, pool, known, kind, quals, focus, context)
    return Selection(chosen, False, "", conflict)


def _with_verbs(
    pending: list[Candidate], kind: str, asked: str, keep: float, score: Callable[[Candidate], float]
) -> list[Candidate]:
    """The sentences of ``pending`` (best first) that have a verb, tagging only as far down as matters.

    Tags a few at a time and stops once the best typed sentence is known and
    the next one scores under ``keep`` times it: what follows could neither
    answer nor join the answer, so the choice is the same as tagging them all.
    """
    from qa.entities import tag_many

    out: list[Candidate] = []
    top: Candidate | None = None
    for start in range(0, len(pending), TAG_BATCH):
        batch = pending[start : start + TAG_BATCH]
        out += [c for c, t in zip(batch, tag_many(c.text for c in batch)) if t.has_verb]
        top = top or next((c for c in out if _answers_type(c.text, kind, asked)), None)
        rest = pending[start + TAG_BATCH :]
        if top is not None and rest and score(rest[0]) < keep * score(top):
            break
    return out or pending[:1]


def _qualified(c: Candidate, quals: list[Qualifier], context: dict[str, str], *, sides: bool) -> bool:
    """The article names the question's qualifiers: all of them; one may be missing when there are three
    or more (a retrieved part of an article rarely names them all); one suffices for a two-sided question."""
    if not quals:
        return True
    hits = sum(met(q, c.text, context.get(c.article_id, c.text)) for q in quals)
    if sides and len(quals) > 1:
        return hits >= 1
    return hits >= len(quals) - (len(quals) >= 3)


def _unmet(quals: list[Qualifier], cands: list[Candidate], context: dict[str, str]) -> str:
    names = [q.text for q in quals if not any(met(q, c.text, context.get(c.article_id, c.text)) for c in cands)]
    return " and ".join(names)


def _conflicting(
    chosen: list[Candidate],
    pool: list[Candidate],
    asked: str,
    kind: str,
    quals: list[Qualifier],
    focus: list[str],
    context: dict[str, str],
) -> bool:
    """Two chosen sentences give different figures for the same subject, measure and period."""
    from qa.entities import entities

    def named(text: str) -> list[str]:
        return [e.text for e in entities(text, ("ORG", "GPE", "PERSON", "NORP"))]

    def about(c: Candidate) -> frozenset[str]:
        prev = _neighbour(c, pool, after=False)
        return figures.subject(
            c.text,
            quals,
            context=context.get(c.article_id, c.text),
            previous=prev.text if prev else None,
            entities=named,
        )

    facts = {c: {re.sub(r"[^\d.]", "", f) or f for f in new_facts(c.text, asked, kind)} for c in chosen}
    for i, a in enumerate(chosen):
        for b in chosen[i + 1 :]:
            if not figures.differ(facts[a], facts[b]):
                continue
            sa, sb = about(a), about(b)
            if kind == "number" and not figures.same_count(a.text, facts[a], b.text, facts[b]):
                continue
            if sa and sa == sb and figures.same_measure(a.text, b.text, focus) and figures.same_period(a.text, b.text):
                return True
    return False


def _figures(chosen: list[Candidate]) -> set[str]:
    return set().union(*(numbers(c.text) for c in chosen))


def _typed(
    ranked: list[Candidate], kind: str | None, asked: str, known: str, quals: list[Qualifier]
) -> list[Candidate]:
    """The sentences of ``ranked`` (best first) that give the fact asked: one of its type that ``known``
    does not already give, not only a prospect when the fact has happened, a count of the thing counted
    where one is given, and for an event question (who succeeded, won, bought) a sentence that tells it."""
    typed = [c for c in ranked if _answers_type(c.text, kind, known)]
    if kind and _SETTLED.search(asked) and not _PROSPECT.search(asked):  # the fact asked has happened
        typed = [c for c in typed if not _only_prospects(c.text, kind, known)]
    if kind == "number" and (noun := counted_plural(asked)):  # "how many customers": a figure of customers
        typed = [c for c in typed if _counts(c.text, noun)] or typed
    for asks, says in _EVENTS:
        if asks.search(asked):
            typed = [c for c in typed if says.search(c.text)]
    if _SUCCESSOR.search(asked):  # "Mr Morrow will succeed Shiro Tsuda" is Morrow's move, not his successor's
        movers = [p for q in quals if not q.year for p in q.parts if len(p) >= 3]
        typed = [c for c in typed if not any(_moves(c.text, m) for m in movers)]
    return typed


_HEADCOUNT = frozenset({"peopl", "person", "men", "women", "children", "individu", "citizen"})


def _counts(text: str, noun: str) -> bool:
    """Whether a figure of ``text`` counts ``noun``: "58,000 customers" counts "customers", and a head
    count counts what the sentence says they underwent ("100 people were executed" counts "executions")."""
    want = stem(noun.lower())
    return any(
        f == want
        or (len(f) >= 4 and (f.startswith(want) or want.startswith(f)))
        or (f in _HEADCOUNT and want[:5] in text.lower())
        for f in figures.counted(text).values()
    )


# "Who replaced X?", "Who took over from X?": the answer is whoever takes X's place (X is the one who leaves)
_SUCCESSOR = re.compile(
    r"^\W*(?:and\s+)?who\s+(?:will\s+|has\s+|had\s+|is to\s+)?(?:replace[sd]?|succeed(?:s|ed)?|t(?:ook|akes?) over from)\b",
    re.I,
)


def _moves(text: str, name: str) -> bool:
    """``name`` is the one taking a place in ``text`` ("Ranieri took over the Valencia job", "Mr Morrow will
    succeed ..."), not the one whose place is taken ("... was replaced by ...")."""
    return bool(
        re.search(
            r"\b" + re.escape(name) + r"\w*\b(?:\s+(?!(?:was|were|been|being|is|are|be)\b)[\w,'’]+){0,3}?\s+"
            r"(?:will\s+|is to\s+|has\s+)?(?:succeed(?:s|ed)?|replace[sd]?|t(?:ake|akes|ook) over|step(?:s|ped)? in)\b",
            text,
            re.I,
        )
    )


def _only_prospects(text: str, kind: str, question: str) -> bool:
    """Every fact of the type asked in ``text`` is what may yet happen: "faces a ban of between six months
    and two years", not the "£15.8m signing ... who may face a two-year suspension"."""
    spans = [m.span() for m in _PROSPECT.finditer(text)]
    if not spans:
        return False
    found = [text.find(f) for f in new_facts(text, question, kind)]
    return all(any(start <= at <= end + _PROSPECT_REACH for start, end in spans) for at in found)


def _answers_type(text: str, kind: str | None, question: str) -> bool:
    # the number, date or name must be news: not one the question already gives
    return kind is None or bool(new_facts(text, question, kind))


_PRONOUN = re.compile(r"\b(?:he|him|his|she|her|it|its|they|them|their)\b", re.I)
_CONTEXT = re.compile(r"\s*\([^()]*\)\s*$")  # names a follow-up's rewrite appends for retrieval


def _needs_conversation(question: str) -> bool:
    """A pronoun with nothing named before it to stand for ("Which court did he go to?")."""
    m = _PRONOUN.search(question)
    if (
        m is None
        or len(question[: m.start()].split()) > 6
        or re.match(r"it (?:is|was)?\s*(?:true|possible|likely|clear)\b", question[m.start() :], re.I)
    ):
        return False  # "..., and how rare was it?" refers back within the question
    if m.group().lower() == "it" and re.search(r"\b[A-Z][\w'’-]*", question[m.end() :]):
        return False  # "How much did it cost to keep the Millennium Dome going?": the name is what "it" is about
    return not re.search(r"\b[A-Z][\w'’-]*", question[: m.start()][1:])


def _several_sentences(question: str) -> bool:
    return len([s for s in re.split(r"(?<=[.?!])\s+", question.strip()) if s]) > 1


def _asks_for_comparison(question: str) -> bool:
    """Questions whose honest answer may need two sides: comparisons and yes/no questions."""
    return bool(
        re.search(r"\b(agree|differ|compare|both|and what|versus|vs|conflict|actually)\b", question, re.I)
        or re.match(r"\W*(is|are|was|were|has|have|had|do|does|did|can|will)\b", question, re.I)
    )
