"""The checkpoint sync jobs as ``stack.json`` holds them, for the Pulumi program.

Pure Python (no Pulumi import), like :mod:`infra.pulumi.dr`: the emitter writes
:func:`sync_document` into ``stack.json`` (one entry per target cluster with sync jobs, each job
exactly the ``jobs`` entry the Terraform add-ons root passes ``modules/checkpoint-sync``), and
the program reads it back with :func:`load_sync_calls` to build ``infra:dr:CheckpointSync``
(:mod:`infra.clouds.checkpoint_sync`) in each target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.deploy import DeployedStack
from infra.dr.data import SYNC_NAMESPACE
from infra.errors import InfraError

__all__ = [
    "PULUMI_KUBERNETES_REQUIREMENT",
    "AddonsCall",
    "SyncCall",
    "addons_document",
    "load_addons_calls",
    "load_sync_calls",
    "sync_document",
]

# The provider package of the sync component; the same range is in pyproject's `pulumi` extra.
PULUMI_KUBERNETES_REQUIREMENT = "pulumi-kubernetes>=4.34,<5"


@dataclass(frozen=True, slots=True)
class SyncCall:
    """One ``infra:dr:CheckpointSync`` of the program: the module call of one add-ons root."""

    target: str  # the cluster the jobs run in
    namespace: str
    jobs: Mapping[str, Mapping[str, Any]]  # job name -> its module input


def sync_document(plan: DeployedStack) -> list[dict[str, object]]:
    """The ``sync`` entry of ``stack.json``: targets in stack order; [] without sync paths."""
    jobs = plan.sync_jobs
    return [
        {
            "target": cluster.name,
            "namespace": SYNC_NAMESPACE,
            "jobs": {job.name: job.module_input() for job in jobs[cluster.name]},
        }
        for cluster in plan.clusters
        if cluster.name in jobs
    ]


def load_sync_calls(data: Mapping[str, Any]) -> tuple[SyncCall, ...]:
    """The sync calls of a ``stack.json`` document (``()`` when it has none)."""
    try:
        return tuple(
            SyncCall(str(c["target"]), str(c["namespace"]), dict(c["jobs"]))
            for c in data.get("sync") or ()
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InfraError(
            f"stack.json: malformed sync entry ({exc!r}); re-render the stack"
        ) from None


@dataclass(frozen=True, slots=True)
class AddonsCall:
    """The GPU software of one cluster: the Helm releases and the cloud's managed add-ons its
    add-ons root renders."""

    cluster: str
    releases: tuple[Mapping[str, Any], ...]  # HelmRelease.record()
    managed_addons: tuple[Mapping[str, Any], ...] = ()  # ManagedAddon.record()


def addons_document(plan: DeployedStack) -> list[dict[str, object]]:
    """The ``addons`` entry of ``stack.json``: clusters with GPU software, in stack order
    (``managed_addons`` only on a cluster that has some)."""
    entries: list[dict[str, object]] = []
    for cluster in plan.clusters:
        releases = plan.gpu_addons.get(cluster.name, ())
        managed = plan.managed_addons.get(cluster.name, ())
        if not (releases or managed):
            continue
        entry: dict[str, object] = {
            "cluster": cluster.name,
            "releases": [r.record() for r in releases],
        }
        if managed:
            entry["managed_addons"] = [a.record() for a in managed]
        entries.append(entry)
    return entries


def load_addons_calls(data: Mapping[str, Any]) -> tuple[AddonsCall, ...]:
    """The GPU software entries of a ``stack.json`` document (``()`` when it has none)."""
    try:
        return tuple(
            AddonsCall(
                str(c["cluster"]),
                tuple(dict(r) for r in c["releases"]),
                tuple(dict(a) for a in c.get("managed_addons") or ()),
            )
            for c in data.get("addons") or ()
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InfraError(
            f"stack.json: malformed addons entry ({exc!r}); re-render the stack"
        ) from None
