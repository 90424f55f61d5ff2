"""Every failure a user can see, each carrying the exit code of SPEC §3.

The CLI maps these to exit codes in exactly one place (``cli.DossierGroup``);
the core API raises them and never prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_INVALID = 4
EXIT_CONFLICT = 5


@dataclass(frozen=True)
class Problem:
    """One finding about one place in the input: ``SOURCE:LINE: field: message``."""

    message: str
    field: str = ""
    source: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.message])


_ESCAPED_ZWNJ = re.compile(r"(?<!\\)((?:\\\\)*)\\u200c")


def quoted(text: str) -> str:
    """``text`` quoted for a message as ``repr`` quotes it, but for the zero-width non-joiner
    that Persian spelling needs, left as it is: ``repr`` writes it ``\\u200c``, and a command
    pasted from the message then looks for those six characters."""
    return _ESCAPED_ZWNJ.sub(lambda m: m.group(1) + "\u200c", repr(text))


class DossierError(Exception):
    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []

    def lines(self) -> list[str]:
        """What the user reads on stderr: the message, then one line per detail."""
        return [self.message, *self.details]


class StorageError(DossierError):
    exit_code = EXIT_FAILURE


class UsageError(DossierError):
    exit_code = EXIT_USAGE


class NotFound(DossierError):
    exit_code = EXIT_NOT_FOUND


class NotFoundDidYouMean(NotFound):
    """Not found, and the message names what was likely meant."""


class Conflict(DossierError):
    exit_code = EXIT_CONFLICT


class ChangedSince(Conflict):
    """The record an edit started from changed meanwhile (another writer): ``current`` is
    the stored record now, from which the edit may start again."""

    def __init__(self, message: str, current: dict[str, object]) -> None:
        super().__init__(message)
        self.current = current


class InvalidInput(DossierError):
    """Bad input; nothing was written. Each problem is one line on stderr."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__(str(problems[0]) if problems else "invalid input")

    def lines(self) -> list[str]:
        return [*(str(p) for p in self.problems), *self.details]


class CryptoError(DossierError):
    """An identity or a ciphertext that does not work; nothing was written."""

    exit_code = EXIT_FAILURE


class NotRecipient(CryptoError):
    """A ciphertext sealed to recipients other than this identity."""
