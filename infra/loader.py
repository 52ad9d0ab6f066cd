"""Loading stack files: each file runs in its own namespace and defines ``stack`` or ``stacks``.

Anything a stack file does wrong (syntax, imports, exceptions, wrong objects) becomes one
:class:`~infra.errors.Problem` naming the file and line; loading goes on with the other files.
"""

from __future__ import annotations

import hashlib
import os
import re
import runpy
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.errors import Problem, StackError
from infra.model import Stack, display_path

__all__ = ["LoadResult", "load_stacks", "stack_files"]


@dataclass(frozen=True)
class LoadResult:
    stacks: tuple[tuple[str, Stack], ...]  # (display path of the defining file, stack)
    problems: tuple[Problem, ...]


def stack_files(paths: Iterable[str]) -> tuple[list[Path], list[Problem]]:
    """Files named, and every ``*.py`` directly in directories named, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.py") if p.is_file())
            if not found:
                problems.append(Problem(raw, "", "", "no stack files (*.py) in this directory"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(raw, "", "", "no such file or directory"))
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return [Path(display_path(str(p))) for p in unique], problems


def load_stacks(paths: Sequence[str]) -> LoadResult:
    """Run every stack file and collect the stacks they define."""
    files, problems = stack_files(paths)
    stacks: list[tuple[str, Stack]] = []
    for file in files:
        found, file_problems = _load_file(file)
        stacks.extend((str(file), s) for s in found)
        problems.extend(file_problems)
    return LoadResult(tuple(stacks), tuple(problems))


def _load_file(file: Path) -> tuple[list[Stack], list[Problem]]:
    shown = str(file)
    # A unique module name per path: two files called llm.py in different folders both load,
    # and neither sees the other's globals.
    run_name = "infra_stack_" + hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:12]
    try:
        namespace = runpy.run_path(str(file), run_name=run_name)
    except StackError as exc:
        return [], [_in_file(p, shown) for p in exc.problems]
    except SyntaxError as exc:
        where = f"{shown}:{exc.lineno}" if exc.lineno else shown
        return [], [Problem(where, "", "", f"syntax error: {exc.msg}")]
    except (KeyboardInterrupt, MemoryError):
        raise
    except BaseException as exc:  # a stack file is user code: anything may come out of it
        return [], [Problem(_line_in(file, exc), "", "", _exception_text(exc))]

    has_stack, has_stacks = "stack" in namespace, "stacks" in namespace
    if not has_stack and not has_stacks:
        return [], [
            Problem(
                shown,
                "",
                "",
                "defines neither `stack` nor `stacks` (allowed: "
                "stack = Stack(...) or stacks = [Stack(...), ...])",
            )
        ]
    found: list[Stack] = []
    problems: list[Problem] = []
    if has_stack:
        value = namespace["stack"]
        if isinstance(value, Stack):
            found.append(value)
        else:
            problems.append(
                Problem(shown, "", "stack", f"expected a Stack, got {type(value).__name__}")
            )
    if has_stacks:
        value = namespace["stacks"]
        if not isinstance(value, list | tuple):
            problems.append(
                Problem(
                    shown, "", "stacks", f"expected a list of Stack, got {type(value).__name__}"
                )
            )
        else:
            for index, item in enumerate(value):
                if isinstance(item, Stack):
                    found.append(item)
                else:
                    problems.append(
                        Problem(
                            shown,
                            "",
                            f"stacks[{index}]",
                            f"expected a Stack, got {type(item).__name__}",
                        )
                    )
    return found, problems


def _in_file(problem: Problem, file: str) -> Problem:
    return Problem(file, problem.stack, problem.path, problem.message)


def _line_in(file: Path, exc: BaseException) -> str:
    """``file:line`` of the innermost traceback frame inside the stack file itself."""
    target = os.path.realpath(file)
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.realpath(frame.filename) == target:
            line = frame.lineno
    return f"{file}:{line}" if line else str(file)


def _exception_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    # ImportError names the module's file on disk: machine-specific noise in a one-line error.
    detail = re.sub(r" \([^()]*[/\\][^()]*\)$", "", text[0]) if text else ""
    name = type(exc).__name__
    return f"{name}: {detail}" if detail else name
