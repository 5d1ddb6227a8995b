"""User-facing errors.

Every mistake a user can make (a missing file, unsafe SQL, an unknown column, a model that is not
installed) is raised as an :class:`InsightError` with a one-line message and a hint. The CLI prints
exactly those two things and exits non-zero; the UI shows them in the chat; planners feed them back to
a language model. Anything that is *not* an InsightError is a bug and may show a traceback.
"""

from __future__ import annotations


class InsightError(Exception):
    """A problem the user can fix, with what went wrong and what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # one line for logs and for the model
        return f"{self.message} ({self.hint})" if self.hint else self.message


class DataSourceError(InsightError):
    """A file or DataFrame could not be opened as a table."""


class UnsafeSQLError(InsightError):
    """The SQL was refused before it reached DuckDB (not read-only, file access, several statements)."""


class QueryError(InsightError):
    """DuckDB refused or failed the query (unknown column, type mismatch, time limit)."""

    def __init__(self, message: str, hint: str = "", suggestions: list[str] | None = None) -> None:
        super().__init__(message, hint)
        self.suggestions = suggestions or []


class ModelUnavailableError(InsightError):
    """A configured model cannot be loaded here (not installed, no network to fetch it)."""
