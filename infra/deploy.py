"""What is deployed, computed once per render: the deploy plan every infrastructure emitter reads.

A stack with disaster recovery is deployed with the standby pools its failover targets need
(pilot-light: zero nodes until a failover; warm-standby: a minimum running; active-active: sized
to carry the load). :func:`deploy_plan` adds, once, everything the Terraform and Pulumi emitters
would otherwise each work out again: every cluster's resource name and module inputs, each
cloud's home region (its stack-wide providers), where every Terraform root keeps its state and
which state backends ``_global`` creates (:mod:`infra.state`), the calls of the stack-wide DR
modules, and the checkpoint sync jobs of the failover pairs no cloud replicates
(:mod:`infra.dr.data`). The emitters only turn it into text; the cost report
reads :func:`deployed`; the DR plans are made from the stack as the user defined it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from infra.catalog import Catalog
from infra.clouds import CLOUDS, Cloud
from infra.clouds.base import SyncJob, sync_job
from infra.clouds.dr_inputs import DrCluster, RootVariable
from infra.clouds.gpu_addons import HelmRelease, ManagedAddon
from infra.dr.data import CHECKPOINT_PREFIX, data_paths, sync_job_name
from infra.dr.terraform import DrModuleCall, dr_module_calls
from infra.inputs import cluster_module_inputs
from infra.resolve import ResolvedCluster, ResolvedStack
from infra.state import DR_ROOT, GLOBAL_ROOT, StateLocation, state_backends, state_locations
from infra.values import Value

__all__ = [
    "DR_ROOT",
    "GLOBAL_ROOT",
    "DeployedCluster",
    "DeployedStack",
    "StateLocation",
    "SyncJob",
    "deploy_plan",
    "deployed",
]


@dataclass(frozen=True, slots=True)
class DeployedCluster:
    """A cluster as deployed: its resource name, its module inputs and its state."""

    resolved: ResolvedCluster  # with its standby pools
    resource: str  # "<stack>-<cluster>": the module's ``name``, the prefix of its resources
    inputs: Mapping[str, Value]  # what its root passes the cluster module (and Pulumi its Args)
    state: StateLocation
    # Module inputs its root takes from root variables (input -> variable): where the node-health
    # alarms notify (Cloud.node_health_variables), on clusters with GPU pools.
    variables: Mapping[str, RootVariable] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.resolved.name

    @property
    def cloud(self) -> Cloud:
        return CLOUDS[self.resolved.cloud]

    @property
    def region(self) -> str:
        return self.resolved.region

    def dr_cluster(self) -> DrCluster:
        """The cluster as the clouds' DR and sync halves see it: names, region, module inputs."""
        return DrCluster(self.name, self.resource, self.region, self.inputs)


@dataclass(frozen=True, slots=True)
class DeployedStack:
    """The deploy plan of one stack."""

    stack: ResolvedStack  # as deployed: standby pools among its clusters' pools
    clouds: tuple[Cloud, ...]  # in the order of their first cluster
    # cloud name -> the region of its first cluster: its stack-wide providers (and, unless the
    # stack's state region says otherwise, its home state backend)
    home_regions: Mapping[str, str]
    clusters: tuple[DeployedCluster, ...]  # stack order
    global_state: StateLocation  # of the _global root, in the stack's state region
    dr_calls: tuple[DrModuleCall, ...]  # of the _dr root; () when the stack has no DR failover
    dr_state: StateLocation | None  # of the _dr root, None without DR calls
    # (cloud, region) of every state backend _global creates (infra.state.state_backends)
    state_backends: tuple[tuple[str, str], ...] = ()
    # Target cluster -> its checkpoint sync jobs (one per source of a "sync" data path, sources
    # in stack order), for its add-ons root and the Pulumi program; targets without are absent.
    sync_jobs: Mapping[str, tuple[SyncJob, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # Cluster -> the pinned Helm releases of its GPU software (Cloud.gpu_software), for its
    # add-ons root and the Pulumi program; clusters without GPU pools are absent.
    gpu_addons: Mapping[str, tuple[HelmRelease, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # Cluster -> the cloud's managed add-ons it needs (GpuSoftware.managed_addons: ACK's eRDMA
    # controller), for the same two; clusters without are absent.
    managed_addons: Mapping[str, tuple[ManagedAddon, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def name(self) -> str:
        return self.stack.name

    @property
    def home(self) -> Cloud:
        """The stack's first cloud."""
        return self.clouds[0]

    def cluster(self, name: str) -> DeployedCluster:
        return next(c for c in self.clusters if c.name == name)


def deployed(stack: ResolvedStack, catalog: Catalog) -> ResolvedStack:
    """The stack as infrastructure targets deploy it: with DR standby pools when it has DR."""
    if stack.dr is None:
        return stack
    from infra.dr.standby import with_standby  # noqa: PLC0415  (the costly part of DR)

    return with_standby(stack, catalog)


def deploy_plan(stack: ResolvedStack, catalog: Catalog) -> DeployedStack:
    """Everything the Terraform and Pulumi emitters render of ``stack``, computed once."""
    stack = deployed(stack, catalog)
    clouds = tuple(CLOUDS[name] for name in dict.fromkeys(c.cloud for c in stack.clusters))
    home_regions = {
        cloud.name: next(c.region for c in stack.clusters if c.cloud == cloud.name)
        for cloud in clouds
    }

    locations = state_locations(stack)
    clusters = tuple(
        DeployedCluster(
            cluster,
            CLOUDS[cluster.cloud].resource_name(stack.name, cluster.name),
            MappingProxyType(cluster_module_inputs(stack, cluster)),
            locations[cluster.name],
            MappingProxyType(_root_variables(cluster)),
        )
        for cluster in stack.clusters
    )
    calls = tuple(dr_module_calls(stack))
    return DeployedStack(
        stack=stack,
        clouds=clouds,
        home_regions=MappingProxyType(home_regions),
        clusters=clusters,
        global_state=locations[GLOBAL_ROOT],
        dr_calls=calls,
        dr_state=locations.get(DR_ROOT) if calls else None,
        state_backends=state_backends(stack),
        sync_jobs=MappingProxyType(_sync_jobs(stack, clusters)),
        gpu_addons=MappingProxyType(_gpu_addons(clusters)),
        managed_addons=MappingProxyType(_managed_addons(clusters)),
    )


def _root_variables(cluster: ResolvedCluster) -> dict[str, RootVariable]:
    if not any(pool.gpu for pool in cluster.pools):
        return {}  # health.tf makes no alarm without a GPU pool: nothing to notify
    return CLOUDS[cluster.cloud].node_health_variables(cluster.name, cluster.region)


def _gpu_addons(clusters: tuple[DeployedCluster, ...]) -> dict[str, tuple[HelmRelease, ...]]:
    found = {c.name: c.cloud.gpu_software().releases(c.dr_cluster()) for c in clusters}
    return {name: releases for name, releases in found.items() if releases}


def _managed_addons(
    clusters: tuple[DeployedCluster, ...],
) -> dict[str, tuple[ManagedAddon, ...]]:
    found = {c.name: c.cloud.gpu_software().managed_addons(c.dr_cluster()) for c in clusters}
    return {name: addons for name, addons in found.items() if addons}


def _sync_jobs(
    stack: ResolvedStack, clusters: tuple[DeployedCluster, ...]
) -> dict[str, tuple[SyncJob, ...]]:
    by_name = {c.name: c for c in clusters}
    jobs: dict[str, list[SyncJob]] = {}
    for path in data_paths(stack):
        if path.kind != "sync" or path.interval_minutes is None:
            continue
        source, target = by_name[path.source], by_name[path.target]
        job = sync_job(
            sync_job_name(path.source),
            path.interval_minutes,
            CHECKPOINT_PREFIX,
            (source.cloud, source.dr_cluster()),
            (target.cloud, target.dr_cluster()),
        )
        jobs.setdefault(path.target, []).append(job)
    return {target: tuple(found) for target, found in jobs.items()}
