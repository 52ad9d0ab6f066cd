"""Admin access: who administers each cluster (``Cluster.admins``), asked of each cloud.

Validation, the module inputs (so the Terraform roots and the Pulumi program alike) and the
runbook's credentials lines all come from the cloud's ``infra/clouds/<cloud>/admins.py``, so
they cannot drift apart: what an admin is written as there, which module variables grant it and
which commands give an admin ``kubectl --context <cluster>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from infra.clouds.admins import admin_access

if TYPE_CHECKING:
    from infra.resolve import ResolvedCluster
    from infra.values import Value

__all__ = ["admin_inputs", "admin_problem", "cluster_admins", "credentials_commands"]


def admin_problem(cloud: str, admin: str) -> str | None:
    """Why ``admin`` is not an admin of a ``cloud`` cluster, or None."""
    access = admin_access(cloud)
    if access.pattern.fullmatch(admin):
        return None
    shown = admin if len(admin) <= 80 else admin[:77] + "..."
    return f"invalid admin {shown!r} (allowed: {access.rule})"


def admin_inputs(cloud: str, admins: Sequence[str]) -> dict[str, Value]:
    """What the cluster module (and component) of ``cloud`` receives for ``admins``."""
    return admin_access(cloud).inputs(admins)


def credentials_commands(cloud: str, resource: str, region: str) -> tuple[str, ...]:
    """The commands that give ``kubectl --context <resource>`` credentials to the caller."""
    return admin_access(cloud).credentials(resource, region)


def cluster_admins(cluster: ResolvedCluster) -> tuple[str, ...]:
    """The admins of a resolved cluster, in the order the stack lists them."""
    return cluster.admins
