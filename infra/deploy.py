"""What is deployed: the stack as the infrastructure targets render it, computed once per render.

A stack with disaster recovery is deployed with the standby pools its failover targets need
(pilot-light: zero nodes until a failover; warm-standby: a minimum running; active-active: sized
to carry the load). Every infrastructure emitter (Terraform, Pulumi) and the cost report read
this one result; the DR plans are made from the stack as the user defined it.
"""

from __future__ import annotations

from infra.catalog import Catalog
from infra.resolve import ResolvedStack

__all__ = ["deployed"]


def deployed(stack: ResolvedStack, catalog: Catalog) -> ResolvedStack:
    """The stack as infrastructure targets render it: with DR standby pools when it has DR."""
    if stack.dr is None:
        return stack
    from infra.dr.standby import with_standby  # noqa: PLC0415

    return with_standby(stack, catalog)
