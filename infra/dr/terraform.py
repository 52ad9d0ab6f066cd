"""Stack-wide DR pieces as Terraform module calls: checkpoint replication, DNS failover, alarms.

:func:`dr_module_calls` turns a resolved stack's ``dr`` section into calls of
``modules/dr-aws``, ``modules/dr-azure`` and ``modules/dr-alicloud`` that the stack's ``_dr`` root
(applied after every cluster root, whose buckets and node pools these act on) renders as ``module "<label>" { source = "../../../modules/<module>" ... }``:

- **replication**: each protected cluster's checkpoint store is copied to the store of its first
  failover target on the same cloud in another region (S3 replication, with Replication Time
  Control when the RPO is 15 minutes or less; Azure object replication; OSS cross-region
  replication). Every other pair (another cloud, or a second target on the same cloud) is
  carried by the scheduled sync job of the target's add-ons root (:mod:`infra.dr.data`), and a
  source declared ``stateless`` carries nothing.
- **DNS failover**: one record per protected cluster, named ``<stack>-<cluster>`` like the
  runbook's records, answering with the cluster, then its failover targets in order; it lives
  on the DNS service of the protected cluster's cloud.
- **alarms**: replication lag over the RPO for every pair, and standby pools that cannot scale
  in every cluster holding one.

Regional providers (AWS, Alibaba Cloud) get one call per region, because replication is set on
the source bucket and alarms live where the metrics are: :attr:`DrModuleCall.region` is the
region that call's provider must be configured for (a provider alias when it is not the cloud's
home region). Values only users know (DNS zone, alarm targets, service hostnames) are root
variables (:attr:`DrModuleCall.variables`): the input is passed as ``var.<name>``; every call
that names a variable declares it identically, so the root declares each name once.

Bucket and storage-account names come from the same ``cluster_module_inputs`` the cluster roots
use, so the pairs name exactly the stores those roots create. Everything here is pure and
deterministic: same stack, same calls, in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from infra.clouds import CLOUDS
from infra.clouds.base import dr_module_name
from infra.clouds.dr_inputs import DnsRecord, DrCluster, RootVariable, StandbyPools
from infra.dr.data import data_paths
from infra.inputs import cluster_module_inputs, stack_tags
from infra.resolve import ResolvedCluster, ResolvedStack
from infra.values import Value

__all__ = [
    "CheckpointPair",
    "DnsRecord",
    "DrModuleCall",
    "RootVariable",
    "checkpoint_pairs",
    "dns_records",
    "dr_module_calls",
]

ENDPOINTS_VARIABLE = "dr_endpoints"


@dataclass(frozen=True, slots=True)
class DrModuleCall:
    """One ``module "<label>"`` block of the ``_dr`` root."""

    cloud: str
    label: str
    module: str  # directory under modules/
    region: str  # the region this call's provider must be configured for
    inputs: Mapping[str, Value]  # plain values, written as HCL literals
    variables: Mapping[str, RootVariable] = field(default_factory=dict)  # input -> variable


@dataclass(frozen=True, slots=True)
class CheckpointPair:
    """A protected cluster's checkpoint store and where it is copied to."""

    source: str  # cluster name
    target: str  # cluster name
    native: bool  # same cloud, other region: the cloud replicates it; else the sync job


def checkpoint_pairs(stack: ResolvedStack) -> tuple[CheckpointPair, ...]:
    """Every failover pair that carries checkpoints (:func:`infra.dr.data.data_paths`; stateless
    sources carry none), sources in stack order: native when the cloud replicates it (the
    source's first same-cloud target in another region), else the sync job of the add-ons root."""
    return tuple(
        CheckpointPair(path.source, path.target, path.kind == "replication")
        for path in data_paths(stack)
        if path.kind != "none"
    )


def dns_records(stack: ResolvedStack) -> tuple[DnsRecord, ...]:
    """One failover record per protected cluster, in stack order."""
    if stack.dr is None:
        return ()
    return tuple(
        DnsRecord(c.name, _resource(stack, c.name), (c.name, *stack.dr.failover[c.name]))
        for c in stack.clusters
        if stack.dr.failover.get(c.name)
    )


def dr_module_calls(stack: ResolvedStack) -> list[DrModuleCall]:
    """The DR module calls of ``stack``'s ``_dr`` root; ``[]`` without DR failover.

    ``stack`` is the stack as deployed (:func:`infra.deploy.deployed`): its standby pools, which
    the alarms watch, are already among its clusters' pools.
    """
    if stack.dr is None or not any(stack.dr.failover.values()):
        return []
    records = dns_records(stack)
    pairs = [p for p in checkpoint_pairs(stack) if p.native]
    standby = _standby_by_cluster(stack)

    # Group every piece by the call that owns it, calls in stack order of first appearance.
    groups: dict[tuple[str, str], _Group] = {}

    def group(cluster: ResolvedCluster) -> _Group:
        dr = CLOUDS[cluster.cloud].dr_inputs
        region = cluster.region if dr.regional else _home_region(stack, cluster.cloud)
        return groups.setdefault((cluster.cloud, region), _Group(cluster.cloud, region))

    for cluster in stack.clusters:  # fixes the call order: stack order
        group(cluster)
    for pair in pairs:
        group(stack.cluster(pair.source)).pairs.append(pair)
    for record in records:
        group(stack.cluster(record.cluster)).records.append(record)
    for name, pools in standby.items():
        group(stack.cluster(name)).standby.append((name, pools))

    endpoints = _endpoints_variable(stack, records)
    calls: list[DrModuleCall] = []
    for g in groups.values():
        if not (g.pairs or g.records or g.standby):
            continue
        cloud = CLOUDS[g.cloud]
        dr = cloud.dr_inputs
        inputs: dict[str, Value] = {
            "name": dr_module_name(stack.name, g.region if dr.regional else ""),
            "region": g.region,
            "tags": stack_tags(stack, None),
            "rpo_minutes": stack.dr.rpo_minutes,
            "replication_pairs": {
                p.source: dr.pair_input(_dr_cluster(stack, p.source), _dr_cluster(stack, p.target))
                for p in g.pairs
            },
            "dns_records": {
                r.cluster: dr.record_input(stack.owner, stack.name, r) for r in g.records
            },
        }
        inputs.update(
            dr.standby_inputs(
                [
                    StandbyPools(
                        _dr_cluster(stack, name),
                        pools,
                        tuple(cloud.node_pool_name(_resource(stack, name), p) for p in pools),
                    )
                    for name, pools in g.standby
                ]
            )
        )
        variables: dict[str, RootVariable] = dict(dr.alarm_variables(g.region))
        if g.records:
            variables["endpoints"] = endpoints
            variables.update(dr.zone_variables())
        calls.append(
            DrModuleCall(
                cloud=g.cloud,
                label=_label(g.cloud, g.region if dr.regional else ""),
                module=cloud.dr_module,
                region=g.region,
                inputs=inputs,
                variables=variables,
            )
        )
    return calls


# -- grouping ---------------------------------------------------------------------------------


@dataclass
class _Group:
    cloud: str
    region: str
    pairs: list[CheckpointPair] = field(default_factory=list)
    records: list[DnsRecord] = field(default_factory=list)
    standby: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


# -- helpers ---------------------------------------------------------------------------------


def _resource(stack: ResolvedStack, cluster: str) -> str:
    return CLOUDS[stack.cluster(cluster).cloud].resource_name(stack.name, cluster)


def _dr_cluster(stack: ResolvedStack, name: str) -> DrCluster:
    """A cluster with the inputs its cluster root passes its module (bucket names and all)."""
    cluster = stack.cluster(name)
    return DrCluster(
        name, _resource(stack, name), cluster.region, cluster_module_inputs(stack, cluster)
    )


def _home_region(stack: ResolvedStack, cloud: str) -> str:
    # Same rule as the other roots' providers: the cloud's first cluster's region.
    return next(c.region for c in stack.clusters if c.cloud == cloud)


def _label(cloud: str, region: str) -> str:
    return "_".join(part for part in ("dr", cloud, region.replace("-", "_")) if part)


def _standby_by_cluster(stack: ResolvedStack) -> dict[str, tuple[str, ...]]:
    """Cluster -> its standby pool names, stack order."""
    result: dict[str, tuple[str, ...]] = {}
    for cluster in stack.clusters:
        names = sorted(p.name for p in cluster.pools if p.standby)
        if names:
            result[cluster.name] = tuple(names)
    return result


def _endpoints_variable(stack: ResolvedStack, records: Sequence[DnsRecord]) -> RootVariable:
    clusters = [c.name for c in stack.clusters if any(c.name in r.targets for r in records)]
    return RootVariable(
        ENDPOINTS_VARIABLE,
        "map(string)",
        "Hostname serving each cluster's traffic (ingress or load balancer), by cluster. The "
        "defaults are placeholders under example.com: set the real hostnames.",
        default={name: f"{_resource(stack, name)}.ingress.example.com" for name in clusters},
    )
