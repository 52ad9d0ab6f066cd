"""Load -> validate -> resolve, the front half every command shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.catalog import Catalog, default_catalog
from infra.errors import Problem
from infra.loader import load_stacks
from infra.resolve import ResolvedStack
from infra.validate import kubernetes_warnings, validate_stacks

__all__ = ["DEFAULT_PATHS", "Resolution", "resolve_paths"]

DEFAULT_PATHS = ("stacks/",)  # what every command reads when given no stack paths


@dataclass(frozen=True)
class Resolution:
    stacks: tuple[ResolvedStack, ...]
    problems: tuple[Problem, ...]
    loaded: int  # stacks defined by the files, valid or not
    # What is valid today but will not stay so (a Kubernetes version near its end of support),
    # each naming the date; commands print them and go on.
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def resolve_paths(
    paths: Sequence[str], catalog: Catalog | None = None, *, timeout: float | None = None
) -> Resolution:
    """Every stack under ``paths`` (default: ``stacks/``), resolved against the catalog, or every
    problem found. Each stack file may run ``timeout`` seconds (see :func:`load_timeout`)."""
    loaded = load_stacks(paths or DEFAULT_PATHS, timeout=timeout)
    catalog = catalog or default_catalog()
    resolved, problems = validate_stacks(loaded.stacks, catalog)
    return Resolution(
        tuple(resolved),
        loaded.problems + tuple(problems),
        len(loaded.stacks),
        tuple(kubernetes_warnings(resolved, catalog)),
    )
