"""The project's one error hierarchy.

Library code raises these; the edges (CLI, page, eval) translate them into a
one-line message. Every message says what went wrong and what to do next.
This module deliberately holds no logic beyond the classes.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class: anything the user can act on."""


class UsageError(QAError):
    """Bad arguments: an empty question, a malformed date, a negative k."""


class CorpusError(QAError):
    """Input files that cannot be read as bulletins (missing path, bad file)."""


class StoreError(QAError):
    """The index cannot be opened, read or written (missing, locked, server down)."""


class LLMError(QAError):
    """The language model could not be reached or refused the request.

    ``partial`` holds any text streamed before the failure.
    """

    def __init__(self, message: str, *, partial: str = "") -> None:
        super().__init__(message)
        self.partial = partial


class ModelError(LLMError):
    """The bundled reader model cannot be assembled or served (a missing part, a server that won't start)."""
