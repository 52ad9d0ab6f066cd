"""Stack-wide DR pieces as Terraform module calls: checkpoint replication, DNS failover, alarms.

:func:`dr_module_calls` turns a resolved stack's ``dr`` section into calls of
``modules/dr-aws``, ``modules/dr-azure`` and ``modules/dr-alicloud`` that the stack's ``_dr`` root
(applied after every cluster root, whose buckets and node pools these act on) renders as ``module "<label>" { source = "../../../modules/<module>" ... }``:

- **replication**: each protected cluster's checkpoint store is copied to the store of its first
  failover target on the same cloud in another region (S3 replication, with Replication Time
  Control when the RPO is 15 minutes or less; Azure object replication; OSS cross-region
  replication). A protected cluster without such a target has only cross-cloud targets: no
  cloud replicates natively into another cloud, so those pairs (see :func:`checkpoint_pairs`,
  ``native=False``) are left to the checkpoint sync the runbook covers.
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

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from infra.clouds import CLOUDS
from infra.clouds.azure import resource_group
from infra.clouds.base import short_hash
from infra.errors import InfraError
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

# Module input `name` of the DR modules: ^[a-z][a-z0-9-]{1,38}[a-z0-9]$.
_NAME_MAX = 40
ENDPOINTS_VARIABLE = "dr_endpoints"


@dataclass(frozen=True, slots=True)
class RootVariable:
    """A variable the root declares and passes to a module input as ``var.<name>``."""

    name: str
    type: str  # HCL type expression, e.g. "map(string)"
    description: str
    default: Value = None
    required: bool = False  # True: no default, users must set it (tfvars, -var, TF_VAR_)


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
    native: bool  # same cloud, other region: the cloud replicates it; else the runbook's sync


@dataclass(frozen=True, slots=True)
class DnsRecord:
    """A failover name: the protected cluster first, then its targets in failover order."""

    cluster: str
    name: str
    targets: tuple[str, ...]


def checkpoint_pairs(stack: ResolvedStack) -> tuple[CheckpointPair, ...]:
    """One pair per protected cluster (stack order): its first same-cloud target in another
    region if it has one (native), else its first target (cross-cloud, not native)."""
    if stack.dr is None:
        return ()
    pairs: list[CheckpointPair] = []
    for cluster in stack.clusters:
        targets = stack.dr.failover.get(cluster.name, ())
        if not targets:
            continue
        native = next(
            (
                t
                for t in targets
                if stack.cluster(t).cloud == cluster.cloud
                and stack.cluster(t).region != cluster.region
            ),
            None,
        )
        pairs.append(CheckpointPair(cluster.name, native or targets[0], native is not None))
    return tuple(pairs)


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
        dr = _DR_CLOUDS[cluster.cloud]
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
        dr = _DR_CLOUDS[g.cloud]
        inputs: dict[str, Value] = {
            "name": _dr_name(stack.name, g.region if dr.regional else ""),
            "region": g.region,
            "tags": stack_tags(stack, None),
            "rpo_minutes": stack.dr.rpo_minutes,
            "replication_pairs": {
                p.source: dr.pair_input(stack, stack.cluster(p.source), stack.cluster(p.target))
                for p in g.pairs
            },
            "dns_records": {r.cluster: dr.record_input(stack, r) for r in g.records},
        }
        inputs.update(dr.standby_inputs(stack, g.standby))
        variables: dict[str, RootVariable] = dict(dr.alarm_variables(g.region))
        if g.records:
            variables["endpoints"] = endpoints
            variables.update(dr.zone_variables())
        calls.append(
            DrModuleCall(
                cloud=g.cloud,
                label=_label(g.cloud, g.region if dr.regional else ""),
                module=CLOUDS[g.cloud].dr_module,
                region=g.region,
                inputs=inputs,
                variables=variables,
            )
        )
    return calls


# -- per-cloud pieces ------------------------------------------------------------------------


@dataclass
class _Group:
    cloud: str
    region: str
    pairs: list[CheckpointPair] = field(default_factory=list)
    records: list[DnsRecord] = field(default_factory=list)
    standby: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def _pool_name(stack: ResolvedStack, cluster: str, pool: str) -> str:
    """The node pool's provider name, as the cluster module creates it."""
    return CLOUDS[stack.cluster(cluster).cloud].node_pool_name(_resource(stack, cluster), pool)


class _DrCloud(ABC):
    """What a cloud's DR module takes; one subclass per cloud, dispatched by cloud name."""

    regional: bool  # provider bound to one region: one call per region

    @abstractmethod
    def pair_input(
        self, stack: ResolvedStack, source: ResolvedCluster, target: ResolvedCluster
    ) -> dict[str, Value]:
        """One entry of the module's ``replication_pairs``."""

    def record_input(self, stack: ResolvedStack, record: DnsRecord) -> dict[str, Value]:
        """One entry of the module's ``dns_records``."""
        return {"name": record.name, "targets": list(record.targets)}

    @abstractmethod
    def standby_inputs(
        self, stack: ResolvedStack, standby: Sequence[tuple[str, tuple[str, ...]]]
    ) -> dict[str, Value]:
        """Inputs naming the standby pools (cluster name, pool names) of the call."""

    @abstractmethod
    def zone_variables(self) -> dict[str, RootVariable]:
        """Module input -> root variable for the DNS zone users provide."""

    @abstractmethod
    def alarm_variables(self, region: str) -> dict[str, RootVariable]:
        """Module input -> root variable for where alarms notify."""


class _AwsDr(_DrCloud):
    regional = True

    def pair_input(
        self, stack: ResolvedStack, source: ResolvedCluster, target: ResolvedCluster
    ) -> dict[str, Value]:
        return {
            "source_bucket": _store(stack, source, "checkpoint_bucket_name"),
            "destination_bucket": _store(stack, target, "checkpoint_bucket_name"),
            "destination_region": target.region,
            # The alias modules/aws-gpu-cluster gives its checkpoint key.
            "destination_kms_key": f"alias/{_resource(stack, target.name)}-checkpoint",
        }

    def standby_inputs(
        self, stack: ResolvedStack, standby: Sequence[tuple[str, tuple[str, ...]]]
    ) -> dict[str, Value]:
        return {
            "standby_node_groups": [
                {
                    "cluster_name": _resource(stack, cluster),
                    "node_group_name": _pool_name(stack, cluster, pool),
                }
                for cluster, pools in standby
                for pool in pools
            ]
        }

    def zone_variables(self) -> dict[str, RootVariable]:
        return {
            "dns_zone_id": RootVariable(
                "dr_aws_dns_zone_id",
                "string",
                "Route 53 hosted zone id (Z...) holding the DR failover records.",
                required=True,
            )
        }

    def alarm_variables(self, region: str) -> dict[str, RootVariable]:
        suffix = region.replace("-", "_")
        return {
            "alarm_topic_arns": RootVariable(
                f"dr_aws_alarm_topic_arns_{suffix}",
                "list(string)",
                f"SNS topics in {region} that DR alarms notify (on-call). Empty: no one is told.",
                default=[],
            )
        }


class _AzureDr(_DrCloud):
    regional = False

    def pair_input(
        self, stack: ResolvedStack, source: ResolvedCluster, target: ResolvedCluster
    ) -> dict[str, Value]:
        # azure-gpu-cluster puts everything in "<name>-rg".
        return {
            "source_resource_group": resource_group(_resource(stack, source.name)),
            "source_storage_account": _store(stack, source, "storage_account_name"),
            "destination_resource_group": resource_group(_resource(stack, target.name)),
            "destination_storage_account": _store(stack, target, "storage_account_name"),
        }

    def record_input(self, stack: ResolvedStack, record: DnsRecord) -> dict[str, Value]:
        # Traffic Manager DNS labels are global across all customers: a stable hash suffix.
        unique = short_hash(stack.owner, stack.name, record.cluster, "dns", length=6)
        return {
            "name": record.name,
            "traffic_manager_name": f"{record.name}-{unique}",
            "targets": list(record.targets),
        }

    def standby_inputs(
        self, stack: ResolvedStack, standby: Sequence[tuple[str, tuple[str, ...]]]
    ) -> dict[str, Value]:
        return {
            "standby_clusters": [
                {
                    "cluster_name": _resource(stack, cluster),
                    "resource_group_name": resource_group(_resource(stack, cluster)),
                    "pools": list(pools),
                }
                for cluster, pools in standby
            ]
        }

    def zone_variables(self) -> dict[str, RootVariable]:
        return {
            "dns_zone": RootVariable(
                "dr_azure_dns_zone",
                "object({ name = string, resource_group_name = string })",
                "Azure DNS zone for the CNAMEs to the Traffic Manager profiles; null: CNAME the "
                "names to the traffic_manager_fqdns outputs wherever the zone is hosted.",
                default=None,
            )
        }

    def alarm_variables(self, region: str) -> dict[str, RootVariable]:
        return {
            "action_group_id": RootVariable(
                "dr_azure_action_group_id",
                "string",
                "Azure Monitor action group id that DR alerts notify (on-call). Null: no one is "
                "told.",
                default=None,
            )
        }


class _AlicloudDr(_DrCloud):
    regional = True

    def pair_input(
        self, stack: ResolvedStack, source: ResolvedCluster, target: ResolvedCluster
    ) -> dict[str, Value]:
        return {
            "source_bucket": _store(stack, source, "checkpoint_bucket_name"),
            "destination_bucket": _store(stack, target, "checkpoint_bucket_name"),
            "destination_region": target.region,
        }

    def standby_inputs(
        self, stack: ResolvedStack, standby: Sequence[tuple[str, tuple[str, ...]]]
    ) -> dict[str, Value]:
        return {
            "standby_node_pools": [
                _pool_name(stack, cluster, pool) for cluster, pools in standby for pool in pools
            ]
        }

    def zone_variables(self) -> dict[str, RootVariable]:
        return {
            "dns_zone_name": RootVariable(
                "dr_alicloud_dns_zone_name",
                "string",
                "Domain hosted in Alibaba Cloud DNS (same account) for the GTM failover names.",
                required=True,
            )
        }

    def alarm_variables(self, region: str) -> dict[str, RootVariable]:
        return {
            "alarm_contact_group": RootVariable(
                "dr_alicloud_alarm_contact_group",
                "string",
                "CloudMonitor alarm contact group that DR alarms notify (on-call). Null: no one "
                "is told.",
                default=None,
            )
        }


_DR_CLOUDS: Mapping[str, _DrCloud] = MappingProxyType(
    {"aws": _AwsDr(), "azure": _AzureDr(), "alicloud": _AlicloudDr()}
)


# -- helpers ---------------------------------------------------------------------------------


def _resource(stack: ResolvedStack, cluster: str) -> str:
    # Cloud resource names of a cluster are "<stack>-<cluster>" (see validate.py).
    return f"{stack.name}-{cluster}"


def _store(stack: ResolvedStack, cluster: ResolvedCluster, key: str) -> str:
    """The checkpoint bucket / storage account name the cluster root passes its module."""
    value = cluster_module_inputs(stack, cluster).get(key)
    if not isinstance(value, str):
        raise InfraError(f"{stack.name}/{cluster.name}: the cluster module has no {key!r} input")
    return value


def _home_region(stack: ResolvedStack, cloud: str) -> str:
    # Same rule as the other roots' providers: the cloud's first cluster's region.
    return next(c.region for c in stack.clusters if c.cloud == cloud)


def _dr_name(stack: str, region: str) -> str:
    name = f"{stack}-dr-{region}" if region else f"{stack}-dr"
    if len(name) <= _NAME_MAX:
        return name
    suffix = f"-dr-{short_hash(stack, region, length=8)}"
    return stack[: _NAME_MAX - len(suffix)].rstrip("-") + suffix


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
