"""Terraform roots in a render: where each one is, and the order they apply in.

Below the emitters and the writer alike: the Terraform emitter names its roots, the writer puts
their order into the manifest, and the runner will follow it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.errors import OutputError

__all__ = ["Root", "apply_order", "depths", "levels"]


@dataclass(frozen=True, slots=True)
class Root:
    """A Terraform root module in the output, with the roots it must follow."""

    path: str  # relative to DIR, e.g. terraform/llm-train/aws-use1
    stack: str
    cluster: str | None  # None for the stack-wide _global root
    cloud: str
    region: str
    depends_on: tuple[str, ...]


def apply_order(roots: Sequence[Root]) -> list[str]:
    """Roots in an order that respects ``depends_on`` (Kahn's algorithm, ties by path)."""
    pending = {r.path: set(r.depends_on) for r in roots}
    order: list[str] = []
    while pending:
        ready = sorted(path for path, deps in pending.items() if not deps - set(order))
        if not ready:
            raise OutputError(f"dependency cycle among roots: {', '.join(sorted(pending))}")
        for path in ready:
            order.append(path)
            del pending[path]
    return order


def depths(roots: Sequence[Root]) -> dict[str, int]:
    """Each root's level: one more than its deepest dependency (state backends are 0). Roots
    of one level do not depend on each other: the runner runs them in parallel, and the
    rendered atlantis.yaml orders its projects by it."""
    by_path = {r.path: r for r in roots}
    depth: dict[str, int] = {}

    def level(path: str, seen: frozenset[str]) -> int:
        if path in seen:
            raise OutputError(f"dependency cycle among roots at {path}")
        if path not in depth:
            deps = [d for d in by_path[path].depends_on if d in by_path]
            depth[path] = 1 + max((level(d, seen | {path}) for d in deps), default=-1)
        return depth[path]

    return {path: level(path, frozenset()) for path in sorted(by_path)}


def levels(roots: Sequence[Root], selected: set[str] | None = None) -> list[list[Root]]:
    """The (selected) roots grouped by level, lowest first, each level sorted by path."""
    depth = depths(roots)
    grouped: dict[int, list[Root]] = {}
    for root in sorted(roots, key=lambda r: r.path):
        if selected is None or root.path in selected:
            grouped.setdefault(depth[root.path], []).append(root)
    return [grouped[k] for k in sorted(grouped)]
