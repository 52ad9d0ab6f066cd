"""Outages: which clusters of a stack fail together (docs/architecture.md, "Disaster recovery").

An outage is a whole cloud region (every cluster of the stack in it), a whole cloud, or one
cluster. Users name them as ``CLOUD:REGION``, ``CLOUD`` or a cluster name; files are named by a
slug that is safe on every file system (``aws-us-east-1``, ``cloud-azure``, ``cluster-aws-use1``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from infra.clouds import CLOUDS
from infra.errors import UsageError, unknown
from infra.resolve import ResolvedStack

__all__ = [
    "SCOPES",
    "Outage",
    "OutageError",
    "all_outages",
    "cluster_outages",
    "parse_outage",
    "region_outages",
]

OutageKind = Literal["cluster", "region", "cloud"]
SCOPES = ("region", "cloud")


class OutageError(UsageError):
    """An outage named on the command line is not one of the stack's (exit status 2)."""


@dataclass(frozen=True, slots=True)
class Outage:
    """Clusters of one stack that fail together."""

    kind: OutageKind
    id: str  # what users type: "aws:us-east-1", "azure", "aws-use1"
    clusters: tuple[str, ...]  # the failed clusters, in stack order
    cloud: str  # the failed clusters' cloud (an outage never spans two clouds)
    region: str | None = None  # None for a whole-cloud outage

    @property
    def slug(self) -> str:
        """A file-safe name: ``aws-us-east-1``, ``cloud-azure``, ``cluster-aws-use1``."""
        if self.kind == "region":
            return f"{self.cloud}-{self.region}"
        return f"{self.kind}-{self.id}"

    @property
    def title(self) -> str:
        """A short description for people: ``AWS us-east-1 (region)``."""
        cloud = CLOUDS[self.cloud].title if self.cloud in CLOUDS else self.cloud
        if self.kind == "region":
            return f"{cloud} {self.region} (region)"
        if self.kind == "cloud":
            return f"all of {cloud} (cloud)"
        return f"cluster {self.id} ({cloud} {self.region})"


def region_outages(stack: ResolvedStack) -> tuple[Outage, ...]:
    """One outage per cloud region the stack uses, sorted by cloud and region."""
    regions: dict[tuple[str, str], list[str]] = {}
    for cluster in stack.clusters:
        regions.setdefault((cluster.cloud, cluster.region), []).append(cluster.name)
    return tuple(
        Outage("region", f"{cloud}:{region}", tuple(names), cloud, region)
        for (cloud, region), names in sorted(regions.items())
    )


def cloud_outages(stack: ResolvedStack) -> tuple[Outage, ...]:
    """One outage per cloud the stack uses, sorted by cloud."""
    clouds: dict[str, list[str]] = {}
    for cluster in stack.clusters:
        clouds.setdefault(cluster.cloud, []).append(cluster.name)
    return tuple(
        Outage("cloud", cloud, tuple(names), cloud) for cloud, names in sorted(clouds.items())
    )


def cluster_outages(stack: ResolvedStack) -> tuple[Outage, ...]:
    """One outage per cluster, in stack order."""
    return tuple(Outage("cluster", c.name, (c.name,), c.cloud, c.region) for c in stack.clusters)


def all_outages(stack: ResolvedStack, scope: str = "region") -> tuple[Outage, ...]:
    """Every region outage of the stack; with scope ``cloud`` also every whole-cloud outage."""
    if scope not in SCOPES:
        raise OutageError(f"--scope: {unknown('scope', scope, SCOPES)}")
    outages = region_outages(stack)
    return outages + cloud_outages(stack) if scope == "cloud" else outages


def parse_outage(stack: ResolvedStack, text: str) -> Outage:
    """The outage ``text`` names: a cluster name, ``CLOUD:REGION`` or ``CLOUD``.

    Raises :class:`OutageError` naming the close match and the allowed outages.
    """
    value = text.strip()
    by_id: dict[str, Outage] = {}
    for outage in (*region_outages(stack), *cloud_outages(stack)):
        by_id[outage.id] = outage
    clusters = {o.id: o for o in cluster_outages(stack)}
    if value in clusters and value in by_id:
        # Only possible when a cluster is named like a cloud ("aws"): refuse to guess.
        raise OutageError(
            f"{stack.name}: outage {value!r} is both a cluster and a cloud of the stack "
            "(rename the cluster to tell them apart)"
        )
    found = clusters.get(value) or by_id.get(value)
    if found is None:
        raise OutageError(f"{stack.name}: {unknown('outage', value, _names(by_id, clusters))}")
    return found


def _names(*groups: Iterable[str]) -> list[str]:
    return [name for group in groups for name in group]
