"""The one exception hierarchy of infra.

Every error a user can cause ends up as a :class:`Problem`: one line naming the stack file, the
stack, the field path and what is allowed. The CLI prints problems and exits 1; nothing below the
CLI calls ``sys.exit``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

# Ints of more digits are shown by their size, not their digits (see `number`).
_READABLE = 10**60


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One user-facing error: ``file: stack/path: message``."""

    file: str
    stack: str
    path: str
    message: str

    def __str__(self) -> str:
        # Every part may carry user text (a file name, a stack name, a dict key in the path, a
        # value in the message): escaped here, one problem is always exactly one line.
        file, stack, path, message = (
            printable(part) for part in (self.file, self.stack, self.path, self.message)
        )
        where = "/".join(part for part in (stack, path) if part)
        prefix = f"{file}: " if file else ""
        return f"{prefix}{where}: {message}" if where else f"{prefix}{message}"


def printable(text: str) -> str:
    """``text`` with every character that does not print escaped as ``repr`` escapes it.

    Python's notion of printable is used, as ``repr`` does: controls (C0, C1, DEL), format
    characters (zero-width, bidi controls), line and paragraph separators, surrogates,
    unassigned code points and spaces other than ' ' become ``\\n``, ``\\x1b``, ``\\u202e``...;
    letters of every script stay as they are. Printable text comes back unchanged.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def number(value: int) -> str:
    """An int for a message: its digits, or its size once too long to read.

    Python refuses ``str()`` of ints past 4300 digits (a ValueError), and 60 digits are already
    past reading, so giant values are shown as ``an integer of 5001 digits``.
    """
    if not is_giant(value):
        return str(value)
    size = abs(value)
    # bit_length gives the digit count to within one without converting; then settle it.
    digits = max(1, int((size.bit_length() - 1) * 0.30102999566398120) + 1)
    while 10 ** (digits - 1) > size:
        digits -= 1
    while 10**digits <= size:
        digits += 1
    return f"{'a negative' if value < 0 else 'an'} integer of {digits} digits"


def is_giant(value: int) -> bool:
    """Too many digits to show: :func:`number` gives its size instead."""
    return not -_READABLE < value < _READABLE


class InfraError(Exception):
    """Base of every error infra raises on purpose."""


class StackError(InfraError):
    """A stack definition is invalid; carries every problem found, one line each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class CatalogError(InfraError):
    """The shipped or a user-given catalog data file is malformed."""


class UsageError(InfraError):
    """The command line asks for something that cannot be done (exit status 2)."""


class OutputError(InfraError):
    """Writing artifacts failed (output path is a file, not writable, ...)."""


def allowed(values: Iterable[str], limit: int = 12) -> str:
    """Render an ``allowed: ...`` list, shortened past ``limit`` values."""
    ordered = sorted(set(values))
    shown = ", ".join(ordered[:limit])
    more = len(ordered) - limit
    return f"allowed: {shown}, ... ({more} more)" if more > 0 else f"allowed: {shown}"


def unknown(kind: str, value: object, choices: Iterable[str]) -> str:
    """``unknown GPU 'H10' (did you mean 'H100'? allowed: ...)``."""
    options = sorted(set(choices))
    close = closest(value, options) if isinstance(value, str) else None
    hint = f"did you mean {close!r}? " if close else ""
    shown = number(value) if isinstance(value, int) and is_giant(value) else repr(value)
    return f"unknown {kind} {shown} ({hint}{allowed(options)})"


def closest(value: str, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The option most like ``value`` ignoring case (``h100`` -> ``H100``), as spelled.

    difflib.get_close_matches with the comparison made on lowercased text: scores, cutoff and
    the tie-break on the option itself are the same, so suggestions for input typed in the
    options' own case do not change.
    """
    matcher = SequenceMatcher()
    matcher.set_seq2(value.lower())
    scored: list[tuple[float, str]] = []
    for option in options:
        matcher.set_seq1(option.lower())
        if (
            matcher.real_quick_ratio() >= cutoff
            and matcher.quick_ratio() >= cutoff
            and (score := matcher.ratio()) >= cutoff
        ):
            scored.append((score, option))
    best = heapq.nlargest(1, scored)
    return best[0][1] if best else None
