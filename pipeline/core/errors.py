"""User-facing errors.

A ``UserError`` is a problem the person running the tool can fix (a bad manifest, an
unknown license, a typo in params.yaml). The CLI prints it as one line and exits
non-zero; it never shows a traceback for one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

EXIT_USER_ERROR = 2  # the exit status of a UserError on the command line


class UserError(Exception):
    """One line for the user: ``<where>: <what is wrong>``."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message

    def __reduce__(self):  # travels between processes (engine workers) intact
        return (type(self), (self.where, self.message))


def missing_input(where: str, run: str = "the pipeline", command: str = "dvc repro") -> UserError:
    """The one error for an input that an earlier stage writes and that is not there yet:
    ``<where>: missing: run <run> first (<command>)``."""
    return UserError(where, f"missing: run {run} first ({command})")


def nearest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The known names closest to ``word``, for 'did you mean' hints."""
    choices = sorted(choices)
    close = difflib.get_close_matches(word, choices, n=n, cutoff=0.5)
    if not close:  # fall back to a case-insensitive prefix match
        close = [c for c in choices if c.lower().startswith(word[:3].lower())][:n]
    return close


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = nearest(word, choices)
    return f" (nearest: {', '.join(close)})" if close else ""
