"""Source text addressed to a model ("Ignore previous instructions and ...").

Such sentences are kept in the catalog for display but withheld from
matching (embedding and BM25), from LLM prompts and from extractive answers,
so an article cannot steer the answer to a question. This module only
detects and withholds; quoting sources as data is the prompt's job.
"""

from __future__ import annotations

import re

_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(instructions?|prompts?|rules|directions|above|context)\b"
    r"|\b(you are now|act as|pretend to be|new instructions|system prompt|developer mode)\b"
    r"|\b(reply|respond|answer|say|state)\b[^.!?\n]{0,20}\bthat\b[^.!?\n]{0,80}\b(regardless|no matter)\b"
    r"|^\s*(assistant|system|user)\s*:",
    re.I | re.M,
)
INSTRUCTION_PLACEHOLDER = "[instruction-like text withheld]"


def looks_like_instruction(sentence: str) -> bool:
    """Source text addressed to the model ("Ignore previous instructions and ...")."""
    return bool(_INSTRUCTION.search(sentence))


def withhold_instructions(text: str) -> str:
    """``text`` with instruction-like sentences replaced by a placeholder (offsets not kept)."""
    from qa.chunking import sentences

    out, last = [], 0
    for span in sentences(text):
        if looks_like_instruction(span.text):
            out.append(text[last : span.start] + INSTRUCTION_PLACEHOLDER)
            last = span.end
    return "".join(out) + text[last:] if out else text
