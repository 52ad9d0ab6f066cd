"""Terraform roots in a render: where each one is, and the order they apply in.

Below the emitters and the writer alike: the Terraform emitter names its roots, the writer puts
their order into the manifest, and the runner will follow it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra.errors import OutputError

__all__ = ["Root", "apply_order"]


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
