"""What kind of answer a question asks for, and whether a sentence gives it.

"How many ...?" wants a number, "How much did it cost?" a sum of money,
"When ...?" a date, "How long ...?" a duration, "Who/whom ...?" a person,
"Which firm ...?" an organisation, "Where/which venue ...?" a place, "Which
film ...?" a title, "What did X die of?" a cause. A sentence answers only if
it holds such a fact that the question does not already give: "executions in
August" does not answer "When did the August report come out?".

Names, places, titles and durations come from spaCy's entities
(``qa.entities``, loaded only for questions of those kinds); figures (counts,
sums, measures), dates and times come from the regular expressions of
``qa.support``, which also back up the entities. Figures were tagged by spaCy
too until it measured no different: the same answer to every question of both
gold sets' dev halves without it, and a cold question 0.66 s sooner.
This module classifies; scoring sentences is ``qa.support``'s job.
"""

from __future__ import annotations

import re

from qa.support import DATE, MONTHS, NUMBER_WORDS, STOPWORDS, WEEKDAYS, names, numbers, words

NUMERIC = frozenset({"number", "money", "measure"})
# the entity labels (OntoNotes, as spaCy tags them) that can answer each kind
LABELS: dict[str, frozenset[str]] = {
    "duration": frozenset({"DATE", "TIME"}),
    "person": frozenset({"PERSON", "ORG", "NORP"}),
    "people": frozenset({"PERSON"}),
    "org": frozenset({"ORG", "GPE", "NORP"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    "venue": frozenset({"GPE", "LOC", "FAC", "ORG"}),
    "work": frozenset({"WORK_OF_ART", "ORG", "PRODUCT", "EVENT", "PERSON"}),
    "thing": frozenset({"EVENT", "ORG", "GPE", "LOC", "FAC", "WORK_OF_ART", "PRODUCT", "PERSON", "NORP", "LAW"}),
}

# each kind in words, for a refusal that says what the retrieved sentences lack
WANTED = {
    "number": "the figure asked for",
    "money": "the sum asked for",
    "measure": "the measure asked for",
    "date": "the date asked for",
    "duration": "the length of time asked for",
    "time": "the time asked for",
    "person": "the name asked for",
    "people": "the person asked for",
    "org": "the organisation asked for",
    "place": "the place asked for",
    "venue": "the place asked for",
    "work": "the title asked for",
    "thing": "the thing asked for",
    "name": "the name asked for",
    "cause": "a cause",
    "reason": "a reason",
    "verdict": "a decision",
    "score": "a score",
}

_PEOPLE = (
    "person|people|official|leader|minister|commander|individual|player|players|actor|actress|designer|director|"
    "manager|coach|singer|star|chief|boss|president|executive|footballer|athlete|politician|mp|candidate|judge|"
    "writer|author|presenter|winner|man|woman|driver|artist|rapper|musician|comedian|striker|captain|chairman|"
    "spokesman|secretary|chancellor|premier|rival|opponent|referee|founder|owner|boxer|golfer|runner|skier"
)
_ORGS = "firm|company|companies|club|clubs|team|teams|band|bank|group|airline|carmaker|side|newspaper|broadcaster|network|channel|university|school|college|party|label|studio|retailer|operator|brand|agency|organisation|organization|union|regulator|store|chain"
_PLACES = "city|country|countries|province|provinces|town|place|region|state|nation|capital|county|area"
_VENUES = "venue|constituency|stadium|ground|arena|course|circuit|hospital|prison|court|theatre|hotel|seat"
_WORKS = "film|films|movie|album|song|single|book|novel|show|play|programme|program|series|game|musical|drama|sitcom|soap|title|award|prize|category|magazine"
_THINGS = "match|race|tournament|event|final|competition|contest|championship|cup|trophy|festival|ceremony|console|product|phone|device|model|system|software|deal|law|bill"
_WHICH = r"\b(?:which|what)\s+(?:[a-z-]+\s+){{0,2}}?({})(?:s|es)?\b"  # "which directors", "which firms"
_MONEY_WORDS = (
    r"pa(?:y|id)|cost|price|worth|salary|fee|earn|spen[dt]|profit|revenue|turnover|sales|sold|sell|bought|buy|fine|"
    r"penalt|compensation|damages|budget|fund|loss|debt|invest|bid|offer|raise|gross|take|took|make|made|tax|charge|"
    r"award|prize|bonus|wage|income|money|cash|£|\$|€"
)

_TIME = re.compile(r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)|\b(?:noon|midnight|o'clock)\b", re.I)
_ORG = re.compile(
    r"\b(Organi[sz]ation|Council|Committee|Front|Service|Centre|Center|Ministry|Republic|Nations|House|State|Team|"
    r"Network|Union|Agency|Court|Party|Government|Directorate|Department|International|Congress|Media|Cooperation)\b"
)
_LOCATIVE = re.compile(
    r"\b(?:in|at|to|into|near|inside|outside|from)\s+(?:the\s+|a\s+)?(?:[a-z]+\s+)?"
    r"(?:hospital|prison|camp|base|border|capital|office|headquarters|area|district|village|city|province|region|embassy|airport)s?\b"
)
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]+(?:-[A-Z]+)?\b")
_MONEY = re.compile(
    r"[£$€]\s?\d[\d,.]*\s?(?:m|bn|k|million|billion|trillion)?\b|\b\d[\d,.]*\s?(?:m|bn)?\s?(?:pounds|dollars|euros|yen)\b",
    re.I,
)
_UNITS = r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centur(?:y|ies)|nights?|seasons?"
_DURATION = re.compile(
    r"\b(?:\d[\d.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|several|few|many)[\s-]+(?:and a half[\s-]+)?(?:" + _UNITS + r")\b",
    re.I,
)
_COUNTED = re.compile(r"\bhow many\s+(?:of\s+(?:the|its|his|her|their|these)\s+)?([a-z]+s)\b", re.I)
_TIME_UNITS = frozenset("year month week day hour minute second season decade".split())
_MEASURE = re.compile(
    r"\b\d[\d.,:]*\s?(?:m|km|cm|kg|g|mph|km/h|metres?|meters?|miles?|feet|ft|seconds?|secs?|minutes?|mins?|hours?|%|per ?cent)\b",
    re.I,
)
_PERCENT = re.compile(r"\b\d[\d.,]*\s?(?:%|per ?cent\b)|\b(?:half|a third|a quarter|two-thirds|three-quarters)\b", re.I)
_AGE = re.compile(r"\baged? \d{1,3}\b|\b\d{1,3}-year-old\b|,\s?\d{1,3},", re.I)
_LENGTH = re.compile(r"(?<![£$€\d.,])\b\d[\d.,]*\s?(?:m|km|cm|mm|metres?|meters?|miles?|feet|ft|inches|yards?)\b", re.I)
_WEIGHT = re.compile(
    r"(?<![£$€\d.,])\b\d[\d.,]*\s?(?:kg|g|grams?|kilos?|kilograms?|tonnes?|tons?|pounds|lb|lbs|stones?)\b", re.I
)
_SPEED_OR_TIME = re.compile(
    r"\b\d[\d.,:]*\s?(?:mph|km/h|kph|seconds?|secs?|minutes?|mins?|hours?|hrs?)\b|\b\d{1,2}:\d{2}(?:[.:]\d+)?\b", re.I
)
# a word that names a measure is met by a figure of that measure: "paid" by "the £100,000-a-year job",
# "share" by "a 50% stake", "fast" by "14 minutes 32.93 seconds" (stems, as ``qa.support.content_terms`` gives them)
_MEASURED: tuple[tuple[frozenset[str], re.Pattern[str]], ...] = (
    (frozenset("share stake percentag proport".split()), _PERCENT),
    (frozenset("fast quick speed time".split()), _SPEED_OR_TIME),
    (frozenset("old age".split()), _AGE),
    (frozenset("tall high height far distanc length deep depth".split()), _LENGTH),
    (frozenset("heavi weigh weight".split()), _WEIGHT),
)


def met_by_figure(term: str, sentence: str) -> bool:
    """Whether the measure word ``term`` (a stem) is met by a figure of its measure in ``sentence``."""
    return any(term in stems and pattern.search(sentence) is not None for stems, pattern in _MEASURED)


_TITLED = re.compile(
    r"\b(?:"
    + _WORKS
    + r")\s+(?:called\s+|entitled\s+|titled\s+)?['‘\"“]?([A-Z][\w'’:-]*(?:\s+(?:[A-Z][\w'’:-]*|of|the|and|in|a|to))*)"
)
_TOLD = re.compile(r"\b(?:told|telling|tells)\s+(?:the\s+)?((?:[A-Z][\w'’&.-]*\s?){1,4})")
_SCORE = re.compile(r"(?<![\d.,-])\b\d{1,2}\s?-\s?\d{1,2}\b(?![\d-])(?!\s?(?:year|month|week|day|minute|hour)s?\b)")
# what gives a reason: "because", "after failing to turn up", "for personal reasons", "over concerns that"
_REASON = re.compile(
    r"\b(?:because|as a result of|(?<!been )(?<!is )(?<!was )(?<!are )(?<!were )(?<!be )due to|owing to|in protest|so that|in order to|reasons?|"
    r"after (?:being|having|failing|refusing|missing|he|she|it|they|the|a|an|his|her|its|their|[A-Z]\w+)|"
    r"following (?:a|an|the|his|her|its|their)|amid|over (?:concerns?|fears?|claims?|allegations?|a row|the row)|"
    r"for (?:failing|refusing|breaching|missing|taking|allegedly)|concerns?|fears?|worried|blamed|citing)\b"
)
_VERDICT = re.compile(
    r"\b(?:found (?:not )?guilty|(?<!pleaded )(?<!pleads )(?<!pleading )(?<!plead )not guilty|acquitted|convicted|cleared|jailed|imprisoned|sentenced|fined|banned|"
    r"suspended|ruled|dismissed|upheld|overturned|quashed|threw out|thrown out|rejected|ordered|awarded|"
    r"given (?:a|an) [\w-]+(?: [\w-]+)? (?:sentence|ban|fine|term))\b",
    re.I,
)
_CAUSE = re.compile(
    # "died of", "died suddenly from", "died after a short illness"; not "died on the eve of" or "died at the age of"
    r"\b(?:died|dies|dying)\s+(?:\w+ly\s+)?(?:of|from)\b|\bdeath\s+from\b|"
    r"\b(?:died|dies)\s+(?:\w+\s+){0,3}?(?:after|following)\b|\bcause of (?:his|her|the|their) death\b|"
    r"\b(?:cancer|heart attack|heart failure|stroke|illness|disease|pneumonia|complications|overdose|leukaemia|tumour)\b",
    re.I,
)


def counted_plural(question: str) -> str | None:
    """The plural noun a "how many" question counts ("How many of its embassies ..." -> "embassies"), if any."""
    m = _COUNTED.search(question)
    return m.group(1).lower() if m and m.group(1).lower() not in STOPWORDS else None


def new_facts(sentence: str, question: str, kind: str | None) -> set[str]:
    """Tokens of the answer type in ``sentence`` that the question does not already give."""
    q = question.lower()
    if kind in NUMERIC:
        found: set[str] = set()
        if kind == "money":
            found |= {m.group() for m in _MONEY.finditer(sentence)}
        elif (unit := (counted_plural(q) or "").removesuffix("s")) in _TIME_UNITS:
            # "how many years ...?" is answered by "85 years", not by "$11bn"
            found |= {d.group() for d in _DURATION.finditer(sentence) if d.group().lower().rstrip("s").endswith(unit)}
        else:
            found |= numbers(sentence) | {w for w in words(DATE.sub(" ", sentence)) if w in NUMBER_WORDS}
            if kind == "measure":
                found |= {m.group() for m in _MEASURE.finditer(sentence)}
        qn = normalize_number_text(q)
        return {n for n in found if not _figure_given(n, qn)}
    if kind == "date":
        found = {m.group() for m in DATE.finditer(sentence)}
        asks_year = bool(re.search(r"\b(which|what) year\b", q))
        return {d for d in found if _new_date_parts(d, q, asks_year=asks_year)}
    if kind == "duration":
        found = {m.group() for m in _DURATION.finditer(sentence)}
        found |= {e for e in _entity_texts(sentence, kind) if re.search(r"\b(?:" + _UNITS + r")\b", e, re.I)}
        return {d for d in found if d.lower() not in q}
    if kind == "time":
        return {m.group() for m in _TIME.finditer(sentence)} - {m.group() for m in _TIME.finditer(question)}
    if kind == "score":
        return {m.group() for m in _SCORE.finditer(sentence)} - {m.group() for m in _SCORE.finditer(question)}
    if kind == "reason":
        return {m.group() for m in _REASON.finditer(sentence)}
    if kind == "verdict":
        return {m.group() for m in _VERDICT.finditer(sentence)}
    if kind == "cause":
        return {m.group() for m in _CAUSE.finditer(sentence)}
    if kind == "name":
        return _not_asked({n for n in names(sentence) if not _ORG.search(n)}, q)
    if kind == "place":
        found = _entity_texts(sentence, kind) | {m.group() for m in _LOCATIVE.finditer(sentence)}
        return _not_asked(found, q)
    if kind == "work":
        return _not_asked(_entity_texts(sentence, kind) | {m.group(1) for m in _TITLED.finditer(sentence)}, q)
    if kind in ("org", "venue", "thing"):  # the small model misses some names ("Def Jam"): runs of capitals back it up
        found = _entity_texts(sentence, kind) | {n for n in names(sentence[1:]) if not _calendar_run(n)}
        return _not_told(_not_asked(found, q), sentence, q)
    if kind in LABELS:
        return _not_told(_not_asked(_entity_texts(sentence, kind), q), sentence, q)
    return set()


def _entity_texts(sentence: str, kind: str) -> set[str]:
    from qa.entities import entities

    return {e.text for e in entities(sentence, LABELS[kind])}


def _figure_given(figure: str, question: str) -> bool:
    digits = re.findall(r"\d[\d.]*", normalize_number_text(figure))
    if not digits:
        return bool(re.search(r"\b" + re.escape(figure.lower()) + r"\b", question))
    return all(re.search(r"(?<![\d.])" + re.escape(d.rstrip(".")) + r"(?![\d])", question) for d in digits)


def _not_told(found: set[str], sentence: str, question: str) -> set[str]:
    """Drop the outlet a source spoke to ("... told BBC News Online"): the reporter is no answer, unless the
    question asks whom someone told."""
    if re.search(r"\b(?:tell|told|telling|interview|speak|spoke|said to)\b", question):
        return found
    told = {m.group(1) for m in _TOLD.finditer(sentence)}
    return {n for n in found if not any(n in t or t in n for t in told)}


def _not_asked(found: set[str], question: str) -> set[str]:
    """Drop names the question already gives ("Iran" is no answer to "Where in Iran ...?")."""
    asked = [part for w in words(question) for part in (w, *w.split("-"))]  # "ISIS-K" names "ISIS" and "K"
    return {
        n
        for n in found
        if not all(
            any(_same_word(_bare(part).strip(".,;:"), a) for a in asked)
            for part in re.split(r"[\s-]", n)
            if part and part.lower() not in STOPWORDS
        )
    }


def _new_date_parts(found: str, question: str, *, asks_year: bool) -> bool:
    parts = [p for p in re.split(r"[\s,]+", found.lower()) if p and p not in question]
    return any(asks_year or not re.fullmatch(r"(19|20)\d{2}", p) for p in parts)


def _bare(word: str) -> str:
    """ "Africa's" -> "africa": a possessive names the same thing."""
    return word.lower().removesuffix("'s").removesuffix("’s")


def _same_word(a: str, b: str) -> bool:
    """'iran' ~ 'iranian': one starts the other (4+ letters), or they are equal."""
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def _calendar_run(run: str) -> bool:
    return any(w.lower() in MONTHS or w.lower() in WEEKDAYS for w in run.split())


def _not_calendar(word: str) -> bool:
    return word.lower() not in STOPWORDS and word.lower() not in MONTHS and word.lower() not in WEEKDAYS


def normalize_number_text(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})", "", text)


def _which(nouns: str) -> re.Pattern[str]:
    return re.compile(_WHICH.format(nouns), re.I)


_TYPE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "cause",
        re.compile(
            r"\b(?:die|died) (?:of|from)\b|\bcause of (?:his|her|the|their)? ?death\b|\bwhat killed\b|"
            r"\b(?:what|which) (?:illness|disease|ailment|kind of cancer)\b",
            re.I,
        ),
    ),
    (
        "score",  # "What was the final score?": a result such as 4-3, not the story of the match
        re.compile(
            r"\b(?:what|which) (?:was|is|were)? ?(?:the )?(?:final |full-time |half-time )?score\b|\bby what score\b",
            re.I,
        ),
    ),
    ("reason", re.compile(r"^\W*(?:and\s+|so\s+|but\s+)?why\b", re.I)),
    (
        "verdict",  # what a court, jury or panel decided: a decision, not the story of the trial
        re.compile(
            r"\bwhat (?:(?:prison|jail|custodial) )?(?:verdict|sentence|ruling|punishment|penalty|sanction)\b|"
            r"\bwhat (?:did|has|have|will) (?:the )?(?:[\w'-]+ ){0,2}(?:court|judge|jury|tribunal|panel|commission|regulator|hearing)s? "
            r"(?:rule|decide|find|conclude|order)\b",
            re.I,
        ),
    ),
    ("duration", re.compile(r"\bhow long\b|\bfor how many (?:years|months|weeks|days|hours)\b", re.I)),
    (
        "money",
        re.compile(
            r"\bhow much\b(?:\s+[\w-]+){0,8}?\s*(?:" + _MONEY_WORDS + r")|\bhow much (?:money|cash)\b|"
            r"\bwhat (?:was|is|were|are|will be) the (?:price|cost|fee|value|salary|profit|bill)\b|\bwhat (?:price|sum|amount)\b|"
            r"\bwhat (?:was|is|were|are)\b[^?]{0,80}\bworth\b",
            re.I,
        ),
    ),
    (
        "number",  # "Where were interest rates held?" and "What did Australia raise its rate to?" ask for a level
        re.compile(
            r"\bwhere (?:were|was|are|is|will|did|have|has)\s+(?:[\w'-]+\s+){0,4}?(?:rates?|prices?|shares?|index|level|inflation|unemployment)\b|"
            r"\bwhat (?:did|does|do|has|have|will|would)\b[^?]*\b(?:raise|cut|lower|increase|reduce|lift|push|set)\b[^?]*\bto\W*$",
            re.I,
        ),
    ),
    (
        "measure",
        re.compile(
            r"\bhow (?:fast|quickly|high|far|tall|heavy|long did it take)\b|\bwhat (?:height|distance|speed|weight|time did)\b|\bin what time\b",
            re.I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (many|much|large|big|old)\b|\bwhat (number|percentage|share|proportion|figure|toll|size)\b|\bnumber of\b|\btoll\b|\bwhat figures?\b|\bhow many\b",
            re.I,
        ),
    ),
    (
        "name",
        re.compile(r"\bname of\b|\bwhat is the name\b|\bwhat (was|is) (he|she|they) called\b|\bidentify the\b", re.I),
    ),
    ("time", re.compile(r"\b(at )?what time\b|\bat what hour\b", re.I)),
    (
        "date",
        re.compile(
            r"^\W*(and\s+)?when\b|\bwhat (date|day|year|month|time)\b|\bon (which|what) (day|date)\b|\bwhich (day|date|month|year)\b|\bin (which|what) year\b",
            re.I,
        ),
    ),
    (
        "people",  # "Who was the man/person ...?" asks for a person by name, not an organisation
        re.compile(
            r"\bwhom\b|"
            + _WHICH.format(_PEOPLE)
            + r"|^\W*who (?:is|was|were|are) the (?:person|man|woman|people|men|women)\b|"
            # who takes someone's place, or a post, is a person: "Who replaced Amit Yoran?", "Who succeeded her?"
            r"^\W*(?:and\s+)?who\b[^?]*\b(?:replace[sd]?|replacing|succeed(?:s|ed)?|successor|took over from|take over from|"
            r"taking over from|taken over from|(?:was|were|been|be) (?:appointed|named|chosen|picked|elected) as)\b",
            re.I,
        ),
    ),
    (
        "person",
        re.compile(
            r"^\W*(?:and\s+|so\s+|but\s+)?who\b|\bwhose\b|\bby whom\b|\bwho\s+(?:is|was|were|will|has|had|did)\b", re.I
        ),
    ),
    ("venue", _which(_VENUES)),
    ("org", _which(_ORGS)),
    (
        "place",
        re.compile(
            r"^\W*(and\s+|so\s+)?where\b|" + _WHICH.format(_PLACES) + r"|\bin what (city|country|province)\b",
            re.I,
        ),
    ),
    ("work", _which(_WORKS)),
    ("thing", _which(_THINGS)),
]


_WHO_IS_NAME = re.compile(r"^\W*(?i:and\s+)?(?i:who (is|was|are|were)) ([A-Z][\w'’-]+\s*){1,4}\W*$")


def answer_type(question: str) -> str | None:
    if _WHO_IS_NAME.match(question):  # "Who is Naseer Faiq?" asks for a description, not a name
        return None
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return kind
    return None


_NOT_NOUNS = frozenset(
    "did does do is are was were has have had will would can could should may might "
    "of in at on for to from with by about his her its their the a an he she it they this that".split()
)


def asked_noun(question: str) -> str | None:
    """The noun a "which X" question asks for ("Which firm ..." -> "firm"): the answer replaces it."""
    m = re.search(r"\b(?:which|what)\s+((?:[a-z-]+\s+){0,2}[a-z-]+)", question, re.I)
    if not m:
        return None
    run = []  # "what illness did ..." -> "illness", "which South African bank is ..." -> "bank"
    for word in m.group(1).lower().split():
        if word in _NOT_NOUNS:
            break
        run.append(word)
    return run[-1] if run else None


_WHEN = re.compile(
    r"\b(?:\d{3,4}s?|today|tomorrow|yesterday|tonight|weekend|century|(?:next|last|this|later|earlier|end of|"
    r"early|late)\s+(?:week|month|year|season|spring|summer|autumn|winter|decade)|"
    + "|".join(MONTHS + WEEKDAYS)
    + r")\b",
    re.I,
)
_CAPITAL_WORD = re.compile(r"\b[A-Z][\w'’.&-]*[A-Za-z0-9]")


def states(reply: str, question: str, kind: str | None) -> bool:
    """Whether a reply in the model's own words states a fact of the kind asked that the question does not give.

    Looser than ``new_facts``, which chooses among source sentences: a bare year answers "when", and any
    capitalised word the question lacks ("Charleroi", "Absa") may be the name asked for (the small entity
    model misses one-word names). Kinds without a test (``None``, "what ... did") always pass.
    """
    if kind is None:
        return True
    q = question.lower()
    if kind in NUMERIC:
        return bool(new_facts(reply, question, "number") or new_facts(reply, question, kind))
    if kind in ("date", "time", "duration"):
        found = {m.group().lower() for m in _WHEN.finditer(reply)} | {m.group() for m in DATE.finditer(reply)}
        return bool(new_facts(reply, question, kind) or {f for f in found if f.lower() not in q})
    if kind in ("reason", "cause", "verdict", "score"):
        return bool(new_facts(reply, question, kind))
    asked = {_bare(w) for w in words(question)}
    calendar = set(MONTHS) | set(WEEKDAYS)
    for m in _CAPITAL_WORD.finditer(reply):
        w = _bare(m.group()).strip(".")
        if w not in asked and w not in STOPWORDS and w not in calendar and not any(_same_word(w, a) for a in asked):
            return True
    return False
