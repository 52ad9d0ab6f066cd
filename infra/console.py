"""Human output: aligned text tables for the terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from infra.errors import Problem, UsageError
from infra.loader import LOAD_TIMEOUT_VARIABLE, load_timeout

__all__ = ["add_load_timeout", "money", "report_problems", "table"]


def add_load_timeout(parser: argparse.ArgumentParser) -> None:
    """``--load-timeout SECONDS``: how long one stack file may run (``INFRA_LOAD_TIMEOUT``)."""

    def seconds(text: str) -> float:
        try:
            return load_timeout(float(text))
        except (ValueError, UsageError) as exc:
            message = str(exc) if isinstance(exc, UsageError) else f"{text!r} is not a number"
            raise argparse.ArgumentTypeError(message) from None

    parser.add_argument(
        "--load-timeout",
        type=seconds,
        metavar="SECONDS",
        help=f"stop a stack file that runs longer (default: ${LOAD_TIMEOUT_VARIABLE}, else 60)",
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A plain, aligned table; columns listed in ``right`` are right-aligned (numbers)."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def problem_json(problem: Problem) -> dict[str, str]:
    return {
        "file": problem.file,
        "stack": problem.stack,
        "path": problem.path,
        "message": problem.message,
        "text": str(problem),
    }


def report_problems(
    problems: Sequence[Problem], as_json: bool, extra: Mapping[str, Any] | None = None
) -> int:
    """Every problem one line on stderr (and one JSON document on stdout with --json); exit 1."""
    if as_json:
        document = {"ok": False, "problems": [problem_json(p) for p in problems]}
        print(json.dumps(document | dict(extra or {}), indent=2, sort_keys=True))
    for problem in problems:
        print(problem, file=sys.stderr)
    count = len(problems)
    print(f"infra: {count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
    return 1
