"""CI job matrices over the Terraform roots of a render: one job per root to plan.

Pure functions over :class:`~infra.roots.Root` lists and a selection (what
:func:`~infra.run.select_roots` picked); ``infra ci matrix`` (:mod:`infra.ci_cli`) reads the
render and prints the result.

- **github**: the value of a job's ``strategy.matrix``:
  ``{"include": [{"root": ..., "stack": ..., "cloud": ..., "region": ..., "level": N}, ...]}``.
- **gitlab**: the value of a job's ``parallel:matrix``, one entry per root with its variables:
  ``[{"ROOT": ..., "STACK": ..., "CLOUD": ..., "REGION": ..., "LEVEL": "N"}, ...]`` (strings:
  GitLab's matrix values are strings).

A root's level is its depth in the dependency graph of the whole render (state backends 0, the
clusters 1, the DR root 2), whatever was selected: the order ``infra apply`` follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.errors import UsageError
from infra.roots import Root
from infra.roots import levels as root_levels

__all__ = ["FORMATS", "MATRIX_LIMITS", "MatrixRoot", "matrix", "matrix_roots"]

FORMATS = ("github", "gitlab")
# The most jobs one matrix may create: GitHub Actions 256 per workflow run, GitLab 200 per
# parallel:matrix job.
MATRIX_LIMITS = {"github": 256, "gitlab": 200}


@dataclass(frozen=True, slots=True)
class MatrixRoot:
    """One job of the matrix: a root to plan, where it runs, and its level."""

    path: str
    stack: str
    cloud: str
    region: str
    level: int


def matrix_roots(roots: Sequence[Root], selected: set[str]) -> list[MatrixRoot]:
    """The selected roots in apply order (by level, then path), each with its level."""
    levels = root_levels(roots, {r.path for r in roots})
    return [
        MatrixRoot(root.path, root.stack, root.cloud, root.region, level)
        for level, members in enumerate(levels)
        for root in members
        if root.path in selected
    ]


def matrix(entries: Sequence[MatrixRoot], form: str = "github") -> object:
    """The matrix of ``entries`` in the shape ``form`` (``github`` or ``gitlab``) takes."""
    if form == "github":
        return {
            "include": [
                {
                    "root": e.path,
                    "stack": e.stack,
                    "cloud": e.cloud,
                    "region": e.region,
                    "level": e.level,
                }
                for e in entries
            ]
        }
    if form == "gitlab":
        return [
            {
                "ROOT": e.path,
                "STACK": e.stack,
                "CLOUD": e.cloud,
                "REGION": e.region,
                "LEVEL": str(e.level),
            }
            for e in entries
        ]
    raise UsageError(f"unknown matrix format {form!r} (allowed: {', '.join(FORMATS)})")
