"""Answer a question with verified citations: the model reads, the checks decide what stands.

Flow: validate the question → rewrite a follow-up by rules → retrieve → score
the passages' sentences → the extractive answer (the instant preview, and the
whole answer in extractive mode or without a model). With a model: the model
rewrites a follow-up (retrieving again if its reading differs) → reads the
sentences most likely to hold the fact (``qa.reader``) → its reply becomes
claims quoted from the sentences it named → the claim stands unless the model
declined, no sentence it read states its facts, or a veto check fails
(``reader.VETOES``). Any model failure (connection, status, timeout, a stream
cut off, a server that won't start) gives the extractive answer with a notice.

This module orchestrates; scoring lives in ``qa.support``/``qa.extractive``,
retrieval in ``qa.retrieve``, the prompt and the reply in ``qa.reader``, the
model client in ``qa.llm`` and its local server in ``qa.model_server``.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from qa import agreement, compound, prompts, reader
from qa import citations as cite
from qa.answer_type import LABELS, NUMERIC, WANTED, answer_type, new_facts, states
from qa.catalog import RowFilter, unpack_vectors
from qa.chunking import sentences as split_spans
from qa.errors import LLMError, UsageError
from qa.extractive import CONFLICT_LEAD, Candidate, Selection, candidates, select
from qa.focus import met, question_focus
from qa.followup import is_follow_up, rewrite, standalone_questions
from qa.llm import LLMClient, LLMConfig, Usage
from qa.retrieve import DEFAULT_K, MAX_K, Filters, Passage, check_k, make_filters, retrieve
from qa.store import Store
from qa.support import Idf, numbers

Mode = Literal["auto", "llm", "extractive"]
MAX_QUESTION_CHARS = 500
POOL_FACTOR = 2
NEAREST = 3  # passages a refusal offers for the reader to check (the page and `qa ask` show them)
UNSUPPORTED_MARK = "[unsupported]"


@dataclass(frozen=True)
class Citation:
    n: int
    article_id: str
    title: str
    source: str
    date: str
    url: str
    chunk_id: str
    text: str  # the cited passage
    quote: str  # the sentence of the passage that supports the answer
    quote_start: int  # offsets of ``quote`` in ``text``
    quote_end: int
    score: float


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    mode: str = "extractive"
    unsupported: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    standalone_question: str = ""
    passages: list[Passage] = field(default_factory=list)  # retrieved, best first (2k: the top k go to a prompt)
    seconds: float = 0.0
    checks: dict[str, Any] = field(default_factory=dict)  # LLM mode: what the model read and said, and the checks

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean_question(question: object) -> tuple[str, list[str]]:
    """Strip control characters and whitespace; trim an over-long question."""
    if not isinstance(question, str):
        raise UsageError("the question must be text")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
    text = " ".join(text.split())
    if not text:
        raise UsageError("the question is empty: type a question about the bulletins")
    notices = []
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0]
        notices.append(f"question trimmed to its first {MAX_QUESTION_CHARS} characters")
    return text, notices


def _refusal(question: str, reason: str, mode: str) -> Answer:
    return Answer(question, prompts.REFUSAL, refused=True, mode=mode, notices=[f"refused: {reason}"] if reason else [])


def _iso(yyyymmdd: int) -> str:
    text = str(yyyymmdd)
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def empty_range_text(store: Store, filters: Filters) -> str:
    """Why a date filter left nothing to read: no article in the range, and the range the index covers."""
    first, last, undated, inside = store.catalog.date_span(RowFilter(filters.since, filters.until, filters.source))
    if filters.since and filters.until:
        asked = f"from {_iso(filters.since)} to {_iso(filters.until)}"
    else:
        asked = f"on or after {_iso(filters.since)}" if filters.since else f"on or before {_iso(filters.until)}"
    if inside:  # articles are there, none of them matched the question
        return prompts.REFUSAL
    if not first:
        covers = "no indexed article carries a date"
    else:
        covers = f"the index covers {first} to {last}" if first != last else f"every dated article is from {first}"
    left_out = f" ({undated} undated article{'s' if undated != 1 else ''} never match a date filter)" if undated else ""
    source = f" from {filters.source}" if filters.source else ""
    return f"No indexed article{source} is dated {asked}: {covers}{left_out}. Widen or clear the dates."


def _citation(n: int, p: Passage, start: int, end: int) -> Citation:
    """Citation ``n`` of passage ``p``, quoting ``p.text[start:end]``."""
    return Citation(
        n,
        p.article_id,
        p.title,
        p.source,
        p.date,
        p.url,
        p.chunk_id,
        p.text,
        p.text[start:end],
        start,
        end,
        round(p.score, 4),
    )


def extractive_answer(question: str, passages: list[Passage], selection: Selection) -> Answer:
    order: list[int] = []
    parts = [CONFLICT_LEAD] if selection.conflict else []
    for c in selection.chosen:
        if c.passage not in order:
            order.append(c.passage)
        parts.append(f"{c.text} {cite.label(order.index(c.passage) + 1)}")
    best_quote: dict[int, Candidate] = {}
    for c in selection.chosen:
        best_quote.setdefault(c.passage, c)
    cits = [_citation(i + 1, passages[p], best_quote[p].start, best_quote[p].end) for i, p in enumerate(order)]
    return Answer(question, " ".join(parts), cits, mode="extractive")


def stored_vectors(store: Store, passages: list[Passage]) -> dict[str, np.ndarray]:
    """The sentence vectors the index stored for ``passages``, one row per sentence, by passage chunk id.

    A passage joined from two windows takes each sentence's row from the window
    that holds it; if any sentence has none, the passage is left out (its
    sentences are embedded afresh).
    """
    blobs = store.catalog.sentence_vectors(cid for p in passages for cid, _, _ in p.spans())
    out: dict[str, np.ndarray] = {}
    for p in passages:
        if not p.windows:
            if p.chunk_id in blobs:
                out[p.chunk_id] = unpack_vectors(blobs[p.chunk_id])
            continue
        by_start: dict[int, np.ndarray] = {}
        for cid, start, end in p.spans():
            rows = unpack_vectors(blobs[cid]) if cid in blobs else None
            every = split_spans(p.text[start - p.start : end - p.start])
            if rows is not None and len(rows) == len(every):
                by_start.update({start + sp.start: row for sp, row in zip(every, rows)})
        every = split_spans(p.text)
        if every and all(p.start + sp.start in by_start for sp in every):
            out[p.chunk_id] = np.vstack([by_start[p.start + sp.start] for sp in every])
    return out


@dataclass
class _Prepared:
    question: str
    standalone: str
    passages: list[Passage]
    selection: Selection
    notices: list[str]
    started: float
    k: int
    filters: Filters
    parts: list[Part]  # the answering reading's parts: their scored sentences are what the model reads


def _prepare(
    store: Store,
    question: str,
    *,
    k: int,
    since: Any,
    until: Any,
    source: str | None,
    history: list[dict[str, str]] | None,
) -> _Prepared:
    started = time.perf_counter()
    q, notices = clean_question(question)
    check_k(k)
    filters = make_filters(since, until, source)
    readings = standalone_questions(q, history or [])
    scored: dict[str, list[Part]] = {}
    with store.catalog.reading():  # retrieval, sentence vectors and term rarity from one generation
        tried = ((s, scored.setdefault(s, scored_parts(store, q, s, k=k, filters=filters))) for s in readings)
        standalone, passages, selection, unanswered = first_answered(tried)
    if standalone != readings[0]:  # the likeliest reading found nothing: say which one answered
        notices.append(f"read as: {standalone}")
    notices += [f"not in the bulletins: {p}" for p in unanswered]
    return _Prepared(q, standalone, passages, selection, notices, started, k, filters, scored[standalone])


@dataclass
class Part:
    """One question (or one part of a two-part question): its passages and scored candidate sentences,
    ready to be selected from under any thresholds (``qa calibrate`` tries many)."""

    asked: str  # as the user put it: sentences are scored against this
    standalone: str  # rewritten from the conversation: retrieval used this
    passages: list[Passage]
    cands: list[Candidate]
    idf: Idf
    embed: Any  # the store's embedder (a sentence without a stored vector is embedded afresh)
    stored: dict[str, np.ndarray]  # the passages' stored sentence vectors
    _standalone_cands: list[Candidate] | None = None

    def standalone_cands(self) -> list[Candidate] | None:
        """The candidates scored against ``standalone`` (once, when first needed); None if it is ``asked``."""
        if self.standalone == self.asked:
            return None
        if self._standalone_cands is None:
            self._standalone_cands = candidates(
                self.standalone, self.passages, embed=self.embed, idf=self.idf, sentence_vectors=self.stored
            )
        return self._standalone_cands

    def select(self, cal: Any = None) -> Selection:
        given = self.standalone if self.standalone != self.asked else None
        selection = select(self.asked, self.cands, idf=self.idf, cal=cal, given=given, embed=self.embed)
        if selection.refused and (again := self.standalone_cands()) is not None:  # the follow-up alone may be too thin
            selection = select(
                self.standalone, again, asked=self.asked, idf=self.idf, cal=cal, given=given, embed=self.embed
            )
        return selection


def scored_parts(
    store: Store,
    asked: str,
    standalone: str,
    *,
    k: int,
    filters: Filters | None = None,
    dense_weight: float | None = None,
) -> list[Part]:
    """Retrieve and score the question, or each part of a two-part one (call inside a catalog read).

    Extractive selection reads a wider pool than the k passages a prompt gets: a
    sentence in passage 7 can still answer, and costs nothing to score. Sentences
    are scored against the question as asked: the words borrowed from the
    conversation help retrieval but would favour the previous answer.
    """
    pieces = compound.parts(standalone) if standalone == asked else [standalone]
    searched = [agreement.fact_asked(p) or p for p in pieces]  # "do the sources agree on X?" searches for X
    vectors = store.embed(searched)
    idf = store.idf()
    out = []
    for piece, search, vec in zip(pieces, searched, vectors):
        own = asked if len(pieces) == 1 else piece
        passages = retrieve(
            store, search, k=min(POOL_FACTOR * k, MAX_K), filters=filters, query_vector=vec, dense_weight=dense_weight
        )
        stored = stored_vectors(store, passages)
        cands = candidates(own, passages, embed=store.embed, idf=idf, sentence_vectors=stored)
        out.append(Part(own, piece, passages, cands, idf, store.embed, stored))
    return out


def first_answered(
    readings: Iterable[tuple[str, list[Part]]], cal: Any = None
) -> tuple[str, list[Passage], Selection, list[str]]:
    """The first reading of a follow-up (standalone question, its parts) that the bulletins answer, else the
    first reading's refusal. Readings are tried lazily: a question with one reading is answered once."""
    first = None
    for standalone, parts in readings:
        passages, selection, unanswered = answer_parts(parts, cal)
        if not selection.refused:
            return standalone, passages, selection, unanswered
        first = first or (standalone, passages, selection, unanswered)
    assert first is not None, "a question has at least one reading"
    return first


def answer_parts(parts: list[Part], cal: Any = None) -> tuple[list[Passage], Selection, list[str]]:
    """The passages and the selection that answer the parts, and the parts left unanswered by an answer."""
    if len(parts) == 1:
        return parts[0].passages, parts[0].select(cal), []
    done = [(p.passages, p.select(cal)) for p in parts]
    passages, selection = _combine(done)
    unanswered = [] if selection.refused else [p.standalone for p, (_, sel) in zip(parts, done) if sel.refused]
    return passages, selection, unanswered


def _combine(done: list[tuple[list[Passage], Selection]]) -> tuple[list[Passage], Selection]:
    """The parts' passages taken in turn (each part's best first), their chosen sentences in part order.

    Refused only if every part is; "different figures" is a claim about one figure, so a
    combined answer never makes it.
    """
    passages: list[Passage] = []
    where: list[dict[int, int]] = [{} for _ in done]
    for rank in range(max(len(ps) for ps, _ in done)):
        for part, (ps, _) in enumerate(done):
            if rank < len(ps):
                p = ps[rank]
                at = next((i for i, q in enumerate(passages) if (q.chunk_id, q.text) == (p.chunk_id, p.text)), None)
                if at is None:
                    passages.append(p)
                    at = len(passages) - 1
                where[part][rank] = at
    chosen = [replace(c, passage=where[part][c.passage]) for part, (_, sel) in enumerate(done) for c in sel.chosen]
    if not chosen:
        return passages, done[0][1]
    return passages, Selection(chosen, False, "")


def _finish(ans: Answer, prep: _Prepared) -> Answer:
    ans.question = prep.question
    ans.standalone_question = prep.standalone
    ans.passages = prep.passages
    ans.notices = prep.notices + ans.notices
    ans.seconds = round(time.perf_counter() - prep.started, 4)
    return ans


@dataclass(frozen=True)
class Preview:
    """The extractive answer, shown at once while the model reads (``ask_stream`` yields it first)."""

    answer: Answer


def stream_answer(
    store: Store,
    question: str,
    *,
    k: int = DEFAULT_K,
    since: Any = None,
    until: Any = None,
    source: str | None = None,
    history: list[dict[str, str]] | None = None,
    mode: Mode = "auto",
    llm: LLMConfig | None = None,
) -> Iterator[str | Preview | Answer]:
    """Yield the extractive ``Preview`` (when a model will read), text deltas, then the final Answer (always last)."""
    if mode not in ("auto", "llm", "extractive"):
        raise UsageError(f"mode must be auto, llm or extractive (got {mode!r})")
    if mode == "llm" and llm is None:
        raise UsageError("LLM mode needs a model: the bundled one (QA_LOCAL_MODEL=on) or OPENAI_API_KEY")
    client = LLMClient(llm) if llm is not None and mode != "extractive" else None
    # the preview never waits for a model: a follow-up is first read by the rules, then rewritten by the model
    prep = _prepare(store, question, k=k, since=since, until=until, source=source, history=history)
    quick = _extractive(store, prep)
    if client is None:
        for sentence in cite.split_sentences(quick.text):
            yield sentence + " "
        yield _finish(quick, prep)
        return
    yield Preview(_finish(replace(quick, notices=list(quick.notices)), replace(prep, notices=list(prep.notices))))
    if not prep.passages:  # nothing to read (an empty index, or a date range with no article): the rules' refusal
        yield _finish(quick, prep)
        return
    try:
        _reread(store, prep, history, client)
        lines = reader.context(
            [(p.passages, p.cands) for p in prep.parts],
            budget=client.config.read_budget or reader.DEFAULT_BUDGET,
            order=_reading_order(prep, store),
        )
        raw: list[str] = []
        fact = agreement.fact_asked(prep.standalone)  # "..., and do the sources agree?": the model reads for the fact
        asked = fact or prep.standalone
        messages = reader.messages(asked, lines)
        used: list[Usage] = []

        def shown(bias: dict[str, int] | None = None) -> Iterator[str]:
            """The reply as the page shows it (no refusal token, no sentence numbers), kept whole in ``raw``."""

            def streamed() -> Iterator[str]:
                for delta in client.stream(messages, logit_bias=bias):
                    raw.append(delta)
                    yield delta
                used.append(client.last_usage or Usage())

            return reader.label_free(reader.holding_refusal(streamed()))

        yield from shown()
        first = "".join(raw)
        # the model found nothing where the rules found an answer: it is asked again with its refusal
        # token barred (same prompt, so the server reads no more of it), and the checks judge what it names
        second_look = reader.declined(first) and not prep.selection.refused
        if second_look and (bias := client.banned(prompts.NO_ANSWER_TOKEN)):
            raw.clear()
            yield from shown(bias)
    except LLMError as exc:
        prep.notices.append(f"LLM failed, showing the extractive answer instead: {exc}")
        yield _finish(quick, prep)
        return
    ans = read_answer(
        prep.question,
        lines,
        "".join(raw),
        passages=prep.passages,
        idf=store.idf(),
        standalone=asked,
        article_text=store.article_text,
    )
    if len(used) > 1:
        ans.checks["declined_first"] = first.strip()
    ans.usage = {  # both readings, when there were two
        "prompt_tokens": sum(u.prompt_tokens for u in used),
        "completion_tokens": sum(u.completion_tokens for u in used),
        "cost_usd": sum(u.cost_usd for u in used),
    }
    yield _finish(differing(rules_for_unstated(ans, quick), quick, fact, prep.selection), prep)


def differing(ans: Answer, quick: Answer, fact: str | None, selection: Selection) -> Answer:
    """The model's answer to a question that asks whether the sources agree: where the rules found sentences
    giving different figures for the same subject, measure and period (``selection.conflict``), those
    sentences are quoted after the model's answer, each cited, under the rules' lead; where they found none,
    a notice says so. The model is asked only for ``fact`` (``qa.agreement.fact_asked``; None: the question
    does not ask whether sources agree), never whether they agree."""
    if ans.refused or ans.mode != "llm" or fact is None:
        return ans
    if quick.refused:  # the rules found no figure to compare
        return ans
    if not selection.conflict:
        if answer_type(fact) in NUMERIC:
            ans.notices = [*ans.notices, "no sentence read gives a different figure for this"]
        return ans
    said = numbers(cite.strip_labels(ans.text))
    quoted = {c.quote for c in ans.citations}
    cits, parts = list(ans.citations), [ans.text]
    for c in quick.citations:
        if c.quote in quoted or not numbers(c.quote) - said:
            continue
        cits.append(replace(c, n=len(cits) + 1))
        parts.append(f"{c.quote} {cite.label(len(cits))}")
        said |= numbers(c.quote)
    if len(parts) == 1:
        return ans
    return replace(ans, text=" ".join([CONFLICT_LEAD, *parts]), citations=cits)


def rules_for_unstated(ans: Answer, quick: Answer) -> Answer:
    """The model's answer gave no fact of the kind asked ("When is the lab closing?" answered "The lab is to
    shut down"), and nothing else overturned it: the rules' answer, which names a sentence giving one, stands
    in its place, labelled; with no rules' answer the refusal stands. On the 197 BBC dev questions the model's
    answer gave no such fact 17 times, 16 of them wrongly (see the README's figures)."""
    if ans.checks.get("vetoed") != ["kind_unstated"] or quick.refused:
        return ans
    out = replace(
        quick,
        notices=[*quick.notices, f"the model's answer did not give {_wanted(ans.checks)}: the rules' answer is shown"],
    )
    out.checks = ans.checks | {"rules_answer": True}
    out.usage = ans.usage
    return out


def _reading_order(prep: _Prepared, store: Store) -> Any:
    """The order the reader's sentences are chosen in: the extractive answer's learned order."""
    from qa import calibration, sentence_rank

    cal = calibration.current()
    _, focus = question_focus(prep.question, store.idf(), asked=prep.question)
    return sentence_rank.reading_order(
        lambda c: c.scored(cal.semantic_weight), focus=focus, idf=store.idf(), weights=cal.rank_weights
    )


def _extractive(store: Store, prep: _Prepared) -> Answer:
    if not prep.selection.refused:
        return extractive_answer(prep.question, prep.passages, prep.selection)
    ans = _refusal(prep.question, prep.selection.reason, "extractive")
    if not prep.passages and (prep.filters.since or prep.filters.until):
        ans.text = empty_range_text(store, prep.filters)
        ans.notices = ["refused: no indexed article falls in the date range"]
    return ans


def _reread(store: Store, prep: _Prepared, history: list[dict[str, str]] | None, client: LLMClient) -> None:
    """Let the model rewrite a follow-up; retrieve again if its reading differs from the rules'."""
    if not history or not is_follow_up(prep.question):
        return
    rewritten = rewrite(prep.question, history, client)
    if not rewritten or rewritten == prep.standalone:
        return
    with store.catalog.reading():
        prep.parts = scored_parts(store, prep.question, rewritten, k=prep.k, filters=prep.filters)
    prep.standalone = rewritten
    prep.passages = (
        prep.parts[0].passages if len(prep.parts) == 1 else _combine([(p.passages, p.select()) for p in prep.parts])[0]
    )


def read_answer(
    question: str,
    lines: list[reader.Line],
    raw: str,
    *,
    passages: list[Passage],
    idf: Idf | None = None,
    standalone: str | None = None,
    article_text: Callable[[str], str] | None = None,
) -> Answer:
    """The model's reply as an Answer: quotes are the sentences it named; the checks decide whether it stands.

    The qualifier check reads the cited sentences' whole articles (``article_text``: an article's text by
    id), else what ``passages`` (the retrieved ones) hold of them;
    ``standalone`` is a follow-up as rewritten from the conversation (what the model was asked).
    """
    asked = standalone or question
    checks: dict[str, Any] = {"raw": raw.strip(), "read": [line.text for line in lines]}
    if reader.declined(raw):
        ans = _refusal(question, "the model found no answer in the sentences it read", "llm")
        ans.checks = checks | {"declined": True}
        return ans
    claims, bad = reader.claims(raw, lines, question=f"{question} {asked}")
    notices = []
    if bad:
        notices.append("dropped citations to sentences that were not given: " + ", ".join(cite.label(n) for n in bad))
    if any(c.moved for c in claims):
        notices.append("a citation was moved to the sentence that states the fact")
    keys: list[tuple[str, str]] = []
    quotes: dict[tuple[str, str], reader.Line] = {}
    parts, unsupported = [], []
    for claim in claims:
        labels = []
        for line in claim.lines:
            key = (line.passage.chunk_id, line.passage.text)
            if key not in quotes:
                keys.append(key)
                quotes[key] = line
            if (label := cite.label(keys.index(key) + 1)) not in labels:  # two sentences of one passage: one label
                labels.append(label)
        sentence = claim.text if claim.text.endswith((".", "!", "?", '"', "”")) else claim.text + "."
        parts.append(f"{sentence[:-1]} {''.join(labels)}{sentence[-1]}" if labels else sentence)
        if not claim.supported:
            unsupported.append(claim.text)
            parts[-1] += f" {UNSUPPORTED_MARK}"
    if unsupported:
        notices.append(f"{len(unsupported)} of {len(claims)} sentences are not supported by the cited sources")
    cits = [_citation(i + 1, quotes[key].passage, quotes[key].start, quotes[key].end) for i, key in enumerate(keys)]
    checks |= _signals(asked, claims, passages, idf, article_text)
    ans = Answer(question, " ".join(parts), cits, mode="llm", unsupported=unsupported, notices=notices)
    ans.checks = checks
    if not claims or not any(c.supported for c in claims):
        ans = _refusal(question, "the model's answer is not stated in the sentences it read", "llm")
        ans.checks = checks | {"unsupported": True}
        return ans
    vetoed = [name for name in reader.VETOES if checks.get(name)]
    if vetoed:
        checks["vetoed"] = vetoed
        reason = {
            "qualifier_unmet": "the sentence it cites is about another subject",
            "type_absent": "the sentence it cites gives no such fact",
            "kind_unstated": f"the model's answer does not give {_wanted(checks)}",
        }
        ans = _refusal(question, reason.get(vetoed[0], vetoed[0]), "llm")
        ans.checks = checks
    return ans


def _wanted(checks: dict[str, Any]) -> str:
    """The kind of fact the question asked for, in words ("the date asked for"), from the answer's checks."""
    return WANTED.get(checks.get("kind", ""), "what was asked")


def _signals(
    question: str,
    claims: list[reader.Claim],
    passages: list[Passage],
    idf: Idf | None,
    article_text: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The cheap checks an answer can fail: the cited sentences' articles don't name the question's
    qualifiers (a year, a name), no cited sentence holds a fact of the kind asked, or the answer's own
    words give none ("When is the lab closing?" answered "The lab is to shut down")."""
    cited = [line for c in claims if c.supported for line in c.lines]
    if not cited:
        return {}
    quals, _ = question_focus(question, idf, asked=question)
    articles = sorted({line.passage.article_id for line in cited})
    bodies = (
        [article_text(a) for a in articles] if article_text else [p.text for p in passages if p.article_id in articles]
    )
    context = " ".join([cited[0].passage.title, *bodies])
    text = " ".join(line.text for line in cited)
    unmet = [q.text for q in quals if not met(q, text, context)]
    kind = answer_type(question)
    typed = kind in LABELS or kind in NUMERIC
    absent = typed and not any(new_facts(line.text, question, kind) for line in cited)
    said = " ".join(c.text for c in claims if c.supported)
    return {
        "qualifier_unmet": unmet,
        "type_absent": bool(absent),
        "kind_unstated": not states(said, question, kind),
        "kind": kind or "",
    }
