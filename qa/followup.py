"""Rewrite a follow-up question into a standalone one, using the conversation.

``rewrite`` asks a model (``qa.answer`` uses it when one reads).
``standalone_questions`` carries the previous turns' subject over by rules,
for the instant answer and when no model is there: the named entities of the
last questions and answers (spaCy's, backed by capitalised runs and acronyms)
are ranked by how often and how recently they were mentioned; a pronoun ("it",
"he", "the company") is replaced by the best one of a fitting kind ("it" an
organisation, "he" a person), and the other names are appended for retrieval.
"In which city did it file the suit?" after a question about Yukos becomes
"In which city did Yukos file the suit? (...)". A question that already stands
alone is returned unchanged. This module does not retrieve or answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from qa import prompts
from qa.errors import LLMError
from qa.support import STOPWORDS, content_terms, names

if TYPE_CHECKING:
    from qa.llm import LLMClient

_REFERRING = re.compile(
    r"^\s*(and|but|also|what about|how about|so)\b|\b(it|its|he|him|his|she|her|they|them|their|this|that|these|those|there|the same)\b",
    re.I,
)
_ACRONYM = re.compile(r"\b[A-Z]{2,}(?:-[A-Z]+)?\b")
_THING_NOUNS = "company|firm|bank|club|group|airline|carmaker|team|side|band|network|channel|government|party|organisation|organization|retailer|studio|film|show|album|country|city"
_PRONOUN = re.compile(
    r"\b(?P<person>he|him|his|she|her)\b|\b(?P<thing>it|its)\b|\b(?P<plural>they|them|their)\b|\b(?P<noun>the (?:"
    + _THING_NOUNS
    + r"))\b",
    re.I,
)
# pronouns that stand for one subject within a question
_GROUPS = {"he": "he", "him": "he", "his": "he", "she": "she", "her": "she", "it": "it", "its": "it"}
_GROUPS |= {"they": "they", "them": "they", "their": "they"}
# the labels a pronoun can stand for, preferred first (NAME: capitalised words spaCy did not tag)
_LABELS = {
    "person": ("PERSON",),
    "thing": ("ORG", "PRODUCT", "WORK_OF_ART", "EVENT", "FAC", "NAME", "GPE", "NORP"),
    "plural": ("ORG", "NORP", "NAME", "GPE"),
    "noun": ("ORG", "NAME", "GPE", "WORK_OF_ART", "PRODUCT"),
}
_OPENING_WORDS = frozenset("however but and so yet meanwhile earlier later still despite after before since".split())
_NOT_SUBJECTS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL", "LANGUAGE"})
_CAPITALISED = re.compile(r"\b[A-Z][\w&’'-]*[A-Za-z](?:\s+[A-Z][\w&’'-]*[A-Za-z])*")
MAX_CONTEXT_ITEMS = 6
HISTORY_TURNS = 4
TURN_CHARS = 300  # of each turn the model reads when rewriting: the prompt is the latency
READINGS = 3  # subjects tried for a follow-up's first pronoun
# a model's rewrite keeps at least this share of the follow-up's own content words (stemmed), else it is not
# a rewrite of it: the bundled model sometimes rewrites the conversation's previous question instead
# ("And what illness did he have?" -> "When did Raskin join Apple?")
REWRITE_KEEPS = 0.5


def is_follow_up(question: str) -> bool:
    """Refers back ("it", "And ...") or names nothing ("What share of the vote did the other nominee get?")."""
    return bool(_REFERRING.search(question)) or not _names_anything(question)


def _names_anything(question: str) -> bool:
    if _ACRONYM.search(question):
        return True
    opening = len(question) - len(question.lstrip())
    for m in _CAPITALISED.finditer(question):
        # the question's first word is capitalised anyway: only what follows it in its run can be a name
        run = m.group().split(maxsplit=1)[1:] if m.start() == opening else [m.group()]
        if run and _names_something(run[0]):
            return True
    return False


def context_terms(history: list[dict[str, str]]) -> list[str]:
    """Names and acronyms of the last user turn and the last answer, most recent first."""
    turns = [t.get("content", "") for t in history[-2:]][::-1]
    out: list[str] = []
    for text in turns:
        for item in sorted(names(text), key=text.find) + _ACRONYM.findall(text):
            if item not in out and not any(item in o for o in out):
                out.append(item)
    return out[:MAX_CONTEXT_ITEMS]


def subjects(history: list[dict[str, str]]) -> list[tuple[str, str, int, int, int]]:
    """(name, entity label, turns naming it, latest such turn, position there) of the recent turns.

    A name counts once per turn that mentions its last word ("Chepkemei" counts for
    "Susan Chepkemei"). Capitalised words spaCy missed ("Barclays") come in as NAME.
    """
    from qa.entities import tag_many

    turns = [t.get("content", "") for t in history[-HISTORY_TURNS:]]
    found: dict[str, tuple[str, int, int]] = {}  # name -> (label, latest turn naming it, position there)
    for i, (text, tagged) in enumerate(zip(turns, tag_many(turns))):
        spotted = [(e.text, e.label, e.start) for e in tagged.entities if e.label not in _NOT_SUBJECTS]
        for m in _CAPITALISED.finditer(text):
            name, at = _trimmed(m.group(), m.start())
            if name and _names_something(name):
                spotted.append((name, "NAME", at))
        for raw, label, pos in spotted:
            name = re.sub(r"^(?:the|The)\s+|['’]s$", "", raw)
            if not name or name.lower() in STOPWORDS:
                continue
            key = next((n for n in found if name == n or name in n.split()), name)
            prior = found.get(key)
            keep = prior[0] if prior and (label == "NAME" or prior[0] != "NAME") else label
            found[key] = (keep, i, pos if not prior or prior[1] != i else min(pos, prior[2]))
    counts = {n: sum(1 for t in turns if n.split()[-1] in t) for n in found}
    return [(n, found[n][0], counts[n], found[n][1], found[n][2]) for n in found]


def _trimmed(run: str, at: int) -> tuple[str, int]:
    """A capitalised run (found at ``at``) without the sentence's opening words:
    "Which Manchester United" -> "Manchester United"."""
    while (head := re.match(r"(\S+)\s+", run)) and head.group(1).lower() in STOPWORDS | _OPENING_WORDS:
        run, at = run[head.end() :], at + head.end()
    return run, at


def _names_something(run: str) -> bool:
    """A capitalised run that is a name, not an opening word ("However", "Who", "The")."""
    first = run.split()[0].lower()
    return not (len(run.split()) == 1 and (first in STOPWORDS or first.endswith("ly") or first in _OPENING_WORDS))


def resolve(question: str, history: list[dict[str, str]], *, choice: int = 0) -> str | None:
    """``question`` with its pronouns replaced by the conversation's subjects, or None.

    Each pronoun takes the best subject of its kind not already in the question:
    "When did he found it?" after an answer about Jay-Z and Roc-A-Fella names both.
    Pronouns of one person, number and gender mean one subject: only the first is
    replaced ("Did he beat his rival?" -> "Did Federer beat his rival?", not Federer
    beating the other player's rival). ``choice`` picks the first pronoun's subject
    further down the ranking (1: the second best), None when there is no such one.
    """
    found = list(_PRONOUN.finditer(question))
    if not found:
        return None
    known = subjects(history)
    out, used, last = [], question.lower(), 0
    taken: set[str] = set()  # pronoun groups already given their subject
    for m in found:
        group = _GROUPS.get(m.group().lower(), m.group().lower())
        pick = choice if not taken else 0
        ranked = [] if group in taken else _ranked(m.lastgroup or "thing", known, history, used, loose=pick > 0)
        if len(ranked) <= pick:
            if not taken and choice:
                return None
            continue
        subject = ranked[pick]
        taken.add(group)
        word = m.group()
        possessive = word.lower() in ("its", "his", "their") or (word.lower() == "her" and _owns(question, m.end()))
        out += [question[last : m.start()], subject + "'s" if possessive else subject]
        used += " " + subject.lower()
        last = m.end()
    return "".join([*out, question[last:]]) if out else None


def _ranked(
    kind: str, known: list[tuple[str, str, int, int, int]], history: list[dict[str, str]], used: str, *, loose: bool
) -> list[str]:
    """The names a pronoun of ``kind`` may stand for, best first: those of a fitting kind (and, if
    ``loose``, then the others), each group ordered by the name the last answer gives for what the
    last question asked ("the interior minister"), then the most mentioned, the latest turn, the
    earliest place in it; never one the question already holds."""
    free = [x for x in known if x[0].lower() not in used]
    fitting = [x for x in free if _fits(x[0], x[1], _LABELS[kind])]
    # names of another kind come last: the small model tags some people NORP ("Adrian Mutu")
    return _by_likelihood(fitting, history) + (_by_likelihood(free, history, skip=fitting) if loose else [])


def _by_likelihood(
    names_: list[tuple[str, str, int, int, int]],
    history: list[dict[str, str]],
    *,
    skip: Collection[tuple[str, str, int, int, int]] = (),
) -> list[str]:
    """``names_`` best first (see ``_ranked``), leaving out ``skip``."""
    asked = _answered_for(history, [x[0] for x in names_])
    ranked = sorted(names_, key=lambda x: (-asked.get(x[0], 0), -x[2], -x[3], x[4]))
    return [x[0] for x in ranked if x not in skip]


def _answered_for(history: list[dict[str, str]], names_: list[str]) -> dict[str, int]:
    """For each name in the last answer, how many of the last question's words its own clause repeats.

    "Who is the interior minister?" answered "... Hibatullah Akhundzada, the leader; Sirajuddin
    Haqqani, the interior minister, ..." makes Haqqani the subject, though Akhundzada comes first.
    """
    users = [t.get("content", "") for t in history if t.get("role") == "user"]
    answers = [t.get("content", "") for t in history if t.get("role") == "assistant"]
    if not users or not answers:
        return {}
    # what the question asked, not whom it named: "Why is Khodorkovsky in prison?" asks about prison
    wanted = set(content_terms(users[-1])) - {t for n in names_ for t in content_terms(n)}
    answer = answers[-1]
    out: dict[str, int] = {}
    for name in names_:
        at = answer.find(name)
        if at < 0:
            continue
        start = max(answer.rfind(";", 0, at), answer.rfind(".", 0, at)) + 1
        stops = [i for i in (answer.find(";", at), answer.find(".", at + len(name))) if i >= 0]
        clause = answer[start : min(stops, default=len(answer))]
        out[name] = len(wanted & set(content_terms(clause.replace(name, " "))))
    return out


def _fits(name: str, label: str, wanted: tuple[str, ...]) -> bool:
    # the small model tags some one-word firms as people ("Yukos"): "it" may still mean them
    return label in wanted or (label == "PERSON" and " " not in name and "NAME" in wanted)


def _owns(question: str, end: int) -> bool:
    """'her' before a noun ("her coach") is possessive; before a verb or the end it is not."""
    nxt = re.match(r"\s+([a-z]+)", question[end:])
    return nxt is not None and nxt.group(1) not in ("in", "at", "on", "to", "for", "with", "from", "by", "and", "or")


def standalone_question(question: str, history: list[dict[str, str]]) -> str:
    return standalone_questions(question, history)[0]


def standalone_questions(question: str, history: list[dict[str, str]], *, readings: int = READINGS) -> list[str]:
    """The standalone readings of ``question``, likeliest first: one, unless its first pronoun could
    stand for several of the conversation's names (then one reading per name, up to ``readings``;
    ``qa.answer`` answers with the first reading the bulletins answer)."""
    if not history or not is_follow_up(question):
        return [question]
    # the pronoun names the subject (other names would pull in other answers), else they help retrieval
    first = resolve(question, history)
    if first is None:
        terms = context_terms(history)
        first = f"{question} ({', '.join(terms)})" if terms else question
    others = [r for i in range(1, readings) if (r := resolve(question, history, choice=i)) is not None]
    return list(dict.fromkeys([first, *others]))


def rewrite_messages(question: str, history: list[dict[str, str]]) -> list[dict[str, str]]:
    """The chat that asks the model for a follow-up's standalone form: the reader's system message, then the
    request and the last turns (the shared system message stays evaluated in the server between the calls)."""
    convo = "\n".join(
        f"{t.get('role', 'user')}: {' '.join(str(t.get('content', '')).split())[:TURN_CHARS]}"
        for t in history[-HISTORY_TURNS:]
    )
    return [
        {"role": "system", "content": prompts.READER_SYSTEM},
        {"role": "user", "content": prompts.REWRITE_USER.format(conversation=convo, question=question)},
    ]


def rewrite(question: str, history: list[dict[str, str]], client: LLMClient) -> str | None:
    """The model's standalone rewrite of a follow-up, or None if it failed, ran on, or is not a rewrite of it
    (``keeps_question``): the caller keeps the rules' reading."""
    try:
        rewritten, _ = client.complete(rewrite_messages(question, history))
    except LLMError:
        return None
    rewritten = " ".join(rewritten.split())
    return rewritten if keeps_question(question, rewritten) else None


def keeps_question(question: str, rewritten: str) -> bool:
    """Whether ``rewritten`` can stand for ``question``: still a question (when it was one), not run on, and
    holding ``REWRITE_KEEPS`` of its content words; a reply that answers it, or asks something else, does not."""
    if not 0 < len(rewritten) <= 3 * len(question) + 200:
        return False
    if question.rstrip().endswith("?") and not rewritten.endswith("?"):
        return False
    own = set(content_terms(question))
    return not own or len(own & set(content_terms(rewritten))) >= REWRITE_KEEPS * len(own)
