"""The one exception hierarchy of infra.

Every error a user can cause ends up as a :class:`Problem`: one line naming the stack file, the
stack, the field path and what is allowed. The CLI prints problems and exits 1; nothing below the
CLI calls ``sys.exit``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One user-facing error: ``file: stack/path: message``."""

    file: str
    stack: str
    path: str
    message: str

    def __str__(self) -> str:
        where = "/".join(part for part in (self.stack, self.path) if part)
        prefix = f"{self.file}: " if self.file else ""
        return f"{prefix}{where}: {self.message}" if where else f"{prefix}{self.message}"


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
    close = (
        difflib.get_close_matches(value, options, n=1, cutoff=0.6) if isinstance(value, str) else []
    )
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown {kind} {value!r} ({hint}{allowed(options)})"
