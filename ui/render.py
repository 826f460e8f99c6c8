"""Turn an ``Answer`` into the markdown/HTML pieces the page shows.

Pure functions, no Streamlit: footnote markers for ``[n]``, the passage with
its supporting quote highlighted, unsupported sentences marked. Every piece of
bulletin or answer text is escaped for both HTML and Streamlit markdown
(``$`` would start LaTeX, ``[`` a link), because the page renders with
``unsafe_allow_html``. Labels are made and parsed by ``qa.citations`` only.
"""

from __future__ import annotations

import html
import re

from qa import citations as cite
from qa.answer import NEAREST, UNSUPPORTED_MARK, Answer, Citation
from qa.errors import QAError
from qa.index import IngestProgress
from qa.retrieve import Passage

FALLBACK_PREFIX = "LLM failed"
UNSUPPORTED_BADGE = (
    '<span title="not supported by the cited sources" style="background: #fde8e8; color: #b91c1c; '
    'border-radius: 4px; padding: 0 4px; font-size: 0.85em;">⚠ unsupported</span>'
)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~$#])")
# Widget labels are parsed as markdown too, with extras a body lacks (":smile:" emoji
# shortcodes; a leading "1." or "-" is swallowed as a list): escaping every ASCII
# punctuation mark, which CommonMark allows, leaves nothing for them to parse.
_LABEL_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
_BLOCK_START = re.compile(r"^(\s*)(?:(\d+)([.)])|([-+]))")


def escape(text: str) -> str:
    """Text that markdown and HTML show literally, on one line (a newline becomes ``<br>``)."""
    out = "<br>".join(_MD_SPECIAL.sub(r"\\\1", html.escape(line, quote=False)) for line in text.split("\n"))
    # a leading "1." or "-" would start a list
    return _BLOCK_START.sub(lambda m: f"{m[1]}{m[2]}\\{m[3]}" if m[2] else f"{m[1]}\\{m[4]}", out, count=1)


def date_of(c: Citation) -> str:
    return c.date or "undated"


def label_text(text: str) -> str:
    """Text that a Streamlit widget label (an expander's, a button's) shows literally, on one line."""
    return _LABEL_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def citation_label(c: Citation) -> str:
    """The expander label: ``[1] Title — 2024-09-05``, every character of the title shown as it is."""
    return label_text(f"{cite.label(c.n)} {' '.join(c.title.split()) or 'Untitled'} — {date_of(c)}")


def footnote(c: Citation | None, n: int) -> str:
    """A superscript ``[n]`` that links to the article and shows its title on hover."""
    text = html.escape(cite.label(n))
    if c is None:
        return f"<sup>{text}</sup>"
    tip = html.escape(f"{c.title} — {c.source or 'unknown source'}, {date_of(c)}: {c.quote or c.text[:160]}")
    if c.url:
        return f'<sup><a href="{html.escape(c.url)}" target="_blank" title="{tip}">{text}</a></sup>'
    return f'<sup title="{tip}">{text}</sup>'


def _with_footnotes(text: str, by_n: dict[int, Citation]) -> str:
    numbers = cite.parse(text)
    if not numbers:
        return escape(text)
    pattern = re.compile("(" + "|".join(re.escape(cite.label(n)) for n in numbers) + ")")
    out = []
    for i, piece in enumerate(pattern.split(text)):
        if i % 2:
            n = cite.parse(piece)[0]
            out.append(footnote(by_n.get(n), n))
        elif piece:
            out.append(escape(piece))
    return "".join(out)


def answer_markdown(answer: Answer) -> str:
    """The answer text with footnotes; each unsupported sentence underlined and badged."""
    by_n = {c.n: c for c in answer.citations}
    segments = answer.text.split(UNSUPPORTED_MARK)
    out = []
    for i, segment in enumerate(segments):
        sentences = cite.split_sentences(segment)
        if i == len(segments) - 1 or not sentences:
            out.extend(_with_footnotes(s, by_n) for s in sentences)
            continue
        out.extend(_with_footnotes(s, by_n) for s in sentences[:-1])
        flagged = _with_footnotes(sentences[-1], by_n)
        out.append(f'<span style="text-decoration: underline wavy #d33;">{flagged}</span> ' + UNSUPPORTED_BADGE)
    return " ".join(out)


def passage_markdown(c: Citation) -> str:
    """The cited passage with the supporting quote in ``<mark>``."""
    start, end = c.quote_start, c.quote_end
    if not (0 <= start < end <= len(c.text)):
        return escape(c.text.strip())
    return f"{escape(c.text[:start].lstrip())}<mark>{escape(c.text[start:end])}</mark>{escape(c.text[end:].rstrip())}"


def nearest_label(passages: list[Passage]) -> str:
    """The expander label under a refusal: says plainly that these passages are no answer."""
    n = min(len(passages), NEAREST)
    return label_text(f"The {n} nearest passage{'s' if n != 1 else ''} (none of them answers the question)")


def nearest_markdown(passages: list[Passage]) -> str:
    """Title, date and text of each of the first ``NEAREST`` passages, escaped."""
    return "\n\n".join(
        f"**{escape(' '.join(p.title.split()) or 'Untitled')}** — {escape(p.date or 'undated')}<br>{escape(p.text.strip())}"
        for p in passages[:NEAREST]
    )


def source_line(c: Citation) -> str:
    """``Source · date · link`` under the expander label."""
    parts = [escape(c.source or "unknown source"), date_of(c)]
    if c.url:
        parts.append(f'<a href="{html.escape(c.url)}" target="_blank">{escape(c.url)}</a>')
    return " · ".join(parts)


def split_notices(answer: Answer) -> tuple[list[str], list[str]]:
    """``(fallback notices, other notices)``: the LLM fallback is shown as a warning."""
    fallback = [n for n in answer.notices if n.startswith(FALLBACK_PREFIX)]
    return fallback, [n for n in answer.notices if not n.startswith(FALLBACK_PREFIX)]


def one_line(exc: BaseException) -> str:
    """An error as one line for ``st.error``: a QAError's own message, else its type and first line."""
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    if isinstance(exc, QAError):
        return first
    return f"Unexpected error ({type(exc).__name__}{': ' + first if first else ''}); details are in the server log"


QUICK_LABEL = "Quick answer (extractive), shown while the model reads:"
READING_LABEL = "reading..."


def mode_label(model: str | None) -> str:
    """Which model answers (``LLMConfig.label``), or the extractive answer alone."""
    return f"LLM · {model}" if model else "offline extractive"


def progress_text(status: IngestProgress) -> tuple[float, str]:
    """A ``st.progress`` value and caption from an ingest progress callback."""
    total = status.chunks_total
    fraction = status.chunks_done / total if total > 0 else 1.0
    caption = f"embedding {status.chunks_done}/{total} chunks · {status.articles} articles"
    return min(max(fraction, 0.0), 1.0), caption
