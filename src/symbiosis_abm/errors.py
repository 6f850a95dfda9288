"""Errors a user can act on.

Every error the tool raises for bad input is a :class:`SymbiosisInputError`: its message is
one line per problem, each naming the file (or ``--set``), the field path and what is
allowed. The CLI prints the message and exits with code 2, without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = ["SymbiosisInputError", "RegionError", "ParameterError", "closest", "did_you_mean"]


class SymbiosisInputError(ValueError):
    """Bad input: a region file, a parameter value or a command-line argument.

    Parameters
    ----------
    problems : sequence of str
        One line each, already naming where and what is allowed.
    """

    def __init__(self, problems: Sequence[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class RegionError(SymbiosisInputError):
    """A region file (or region object) that does not validate."""


class ParameterError(SymbiosisInputError):
    """A model parameter that does not exist or has a value outside what is allowed."""


def closest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` of ``choices`` closest to ``word`` (for 'did you mean' hints).

    Examples
    --------
    >>> closest("stem", ["steam", "sludge", "co2"])
    ['steam']
    """
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint such as ``" (did you mean 'steam'?)"``, or an empty string."""
    matches = closest(word, choices, n=2)
    if not matches:
        return ""
    return " (did you mean " + " or ".join(repr(m) for m in matches) + "?)"
