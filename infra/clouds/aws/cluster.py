"""``infra:aws:GpuCluster``: the Pulumi twin of ``modules/aws-gpu-cluster`` on pulumi-aws.

Same inputs (the module's variables), same resources, same physical names and the same outputs.
Where pulumi-aws and the Terraform module differ, a comment says so (search for "Differs").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.clouds import CLOUDS
from infra.clouds.args import (
    ComponentInputError,
    NodePool,
    args_from_inputs,
    check_common,
)
from infra.clouds.aws.control_plane import ControlPlane
from infra.clouds.aws.keys import Keys
from infra.clouds.aws.network import Network
from infra.clouds.aws.node_health import NodeHealth
from infra.clouds.aws.node_pools import NodePools
from infra.clouds.aws.roles import Roles
from infra.clouds.aws.storage import CheckpointStorage
from infra.clouds.component import CloudComponents, GpuClusterComponent, by_key

__all__ = ["COMPONENTS", "AwsGpuCluster", "AwsGpuClusterArgs", "aws_provider"]

TYPE = "infra:aws:GpuCluster"
_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557}
    | {2922, 3288, 3653}
)
# variables.tf admin_principal_arns: IAM role or user ARNs (a role may have a path).
_ADMIN_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/([!-~]*/)?[A-Za-z0-9_+=,.@-]{1,64}"
)
# Graviton families carry a "g" after the generation digit (m7g, c7gn, g5g, x2gd).
_ARM_TYPE = re.compile(r"^[a-z]+[0-9]+[a-z]*g[a-z]*\.")


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsGpuClusterArgs:
    """The variables of ``modules/aws-gpu-cluster`` (see its variables.tf for each one)."""

    name: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    kubernetes_version: str
    tags: Mapping[str, str] = field(default_factory=dict)
    endpoint_public_access: bool = False
    public_access_cidrs: tuple[str, ...] = ()
    node_pools: Mapping[str, NodePool]
    checkpoint_bucket_name: str
    capacity_reservation_ids: Mapping[str, str] = field(default_factory=dict)
    capacity_block_pools: tuple[str, ...] = ()
    # Pool -> the zone of its reservation: its node group uses only that zone's subnet.
    reservation_zones: Mapping[str, str] = field(default_factory=dict)
    create_placement_groups: bool = True
    # Pool -> its launch template interfaces (infra/clouds/aws/efa.py; checked in NodePools).
    efa_layout: Mapping[str, list[dict[str, int | str]]] = field(default_factory=dict)
    root_volume_size_gib: int = 200
    ebs_kms_key_arn: str | None = None
    metadata_hop_limit: int = 1
    single_nat_gateway: bool = False
    cluster_log_types: tuple[str, ...] = _LOG_TYPES
    log_retention_days: int = 365
    kms_deletion_window_days: int = 30
    checkpoint_noncurrent_days: int = 30
    cluster_creator_admin: bool = True
    admin_principal_arns: tuple[str, ...] = ()
    access_log_force_destroy: bool = False
    # health.tf: where the node-health alarms notify (none: they change state, notify no one).
    alarm_topic_arns: tuple[str, ...] = ()
    status_check_evaluation_periods: int = 2

    def __post_init__(self) -> None:
        # The module's validation blocks and preconditions, checked before anything is created.
        check_common(self.name, self.cidr, self.node_pools, CLOUDS["aws"])
        if not 2 <= len(self.zones) <= 6 or len(set(self.zones)) != len(self.zones):
            raise ComponentInputError("zones must list 2 to 6 distinct availability zones")
        if self.endpoint_public_access and not self.public_access_cidrs:
            raise ComponentInputError(
                "endpoint_public_access = true needs explicit public_access_cidrs "
                "(EKS would otherwise open the API to 0.0.0.0/0)"
            )
        if "0.0.0.0/0" in self.public_access_cidrs:
            raise ComponentInputError("public_access_cidrs must not contain 0.0.0.0/0")
        if not set(self.cluster_log_types) <= set(_LOG_TYPES):
            raise ComponentInputError(f"cluster_log_types may contain {', '.join(_LOG_TYPES)}")
        if self.log_retention_days not in _RETENTION_DAYS:
            raise ComponentInputError("log_retention_days must be a CloudWatch Logs retention")
        if not 1 <= self.metadata_hop_limit <= 64:
            raise ComponentInputError("metadata_hop_limit must be between 1 and 64")
        if not all(_ADMIN_ARN.fullmatch(arn) for arn in self.admin_principal_arns):
            raise ComponentInputError(
                "admin_principal_arns must be IAM role or user ARNs such as "
                "arn:aws:iam::111122223333:role/oncall"
            )
        if len(set(self.admin_principal_arns)) != len(self.admin_principal_arns):
            raise ComponentInputError(
                "admin_principal_arns must not repeat an ARN (a principal can be in only one "
                "access entry)"
            )
        for key in self.node_pools:
            reserved = key in self.capacity_reservation_ids
            pool = self.node_pools[key]
            if pool.spot and reserved:
                raise ComponentInputError(
                    f"pool {key}: a spot pool cannot use a capacity reservation"
                )
            if key in self.capacity_block_pools and not reserved:
                raise ComponentInputError(
                    f"pool {key}: listed in capacity_block_pools but has no "
                    "capacity_reservation_ids entry"
                )
        for key, zone in self.reservation_zones.items():
            if zone not in self.zones or key not in self.capacity_reservation_ids:
                raise ComponentInputError(
                    "reservation_zones entries must name a pool with a capacity_reservation_ids "
                    "entry and one of zones"
                )

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AwsGpuClusterArgs:
        """The args from ``cluster_module_inputs`` (as stored in ``stack.json``)."""
        return args_from_inputs(cls, inputs)

    @property
    def cluster_tags(self) -> dict[str, str]:
        """The tags of every resource (``local.tags``): ``tags`` plus "infra/cluster"."""
        return {**self.tags, "infra/cluster": self.name}

    @property
    def rdma_pools(self) -> list[str]:
        """Pools on EFA (``local.rdma_pools``)."""
        return [k for k, p in self.node_pools.items() if p.rdma]

    @property
    def placement_pools(self) -> list[str]:
        """RDMA training pools without a reservation get a cluster placement group
        (``local.placement_pools``)."""
        if not self.create_placement_groups:
            return []
        # Reserved pools get none: EC2 rejects a cluster placement group combined with a
        # targeted reservation made outside it, and Capacity Blocks are co-located anyway.
        return [
            k
            for k, p in self.node_pools.items()
            if p.rdma and p.workload == "training" and k not in self.capacity_reservation_ids
        ]

    def subnet_indexes(self, key: str) -> list[int] | None:
        """The private subnets of a pool (``local.pool_subnet_ids``) by zone index: a reserved
        pool's zone, the first zone for EFA pools, None for every zone."""
        zone = self.reservation_zones.get(key)
        if zone is not None:
            return [self.zones.index(zone)]
        return [0] if self.node_pools[key].rdma else None

    def capacity_type(self, key: str) -> str:
        """SPOT, CAPACITY_BLOCK for an EC2 Capacity Block for ML, else ON_DEMAND."""
        if self.node_pools[key].spot:
            return "SPOT"
        return "CAPACITY_BLOCK" if key in self.capacity_block_pools else "ON_DEMAND"

    def ami_type(self, key: str) -> str:
        """AL2023, ARM or x86 by instance family, NVIDIA for GPU pools (``local.ami_types``)."""
        pool = self.node_pools[key]
        arch = "ARM_64" if _ARM_TYPE.match(pool.instance_type) else "x86_64"
        return f"AL2023_{arch}_{'NVIDIA' if pool.gpu is not None else 'STANDARD'}"


class AwsGpuCluster(GpuClusterComponent):
    """A GPU-ready EKS cluster: network, control plane, GPU node groups, checkpoint bucket.

    Each section of the module is a part, a child component (``infra:aws:Keys``,
    ``infra:aws:Network``, ``infra:aws:CheckpointStorage``, ``infra:aws:Roles``,
    ``infra:aws:ControlPlane``, ``infra:aws:NodePools``); this component wires them.
    """

    def __init__(
        self, name: str, args: AwsGpuClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        a = args
        keys = Keys(name, a, partition, account_id, parent=self)
        network = Network(name, a, keys.cluster_key, account_id, parent=self)
        storage = CheckpointStorage(name, a, keys.checkpoint_key, account_id, parent=self)
        roles = Roles(name, a, partition, storage.bucket, keys.checkpoint_key, parent=self)
        control_plane = ControlPlane(
            name,
            a,
            partition,
            keys.cluster_key,
            roles.cluster_role,
            roles.cluster_attachment,
            network.private,
            parent=self,
        )
        cluster = control_plane.cluster
        pools = NodePools(
            name, a, network, cluster, roles.node_role, roles.node_attachments, parent=self
        )
        health = NodeHealth(
            name,
            a,
            pools.node_groups,
            alarm_topic_arns=a.alarm_topic_arns,
            status_check_evaluation_periods=a.status_check_evaluation_periods,
            parent=self,
        )

        self.cluster_name = cluster.name
        self.cluster_id = cluster.arn
        self.cluster_endpoint = cluster.endpoint
        self.network_id = network.vpc.id
        self.node_pool_names = by_key(
            {k: ng.node_group_name for k, ng in pools.node_groups.items()}
        )
        self.checkpoint_bucket = storage.bucket.id
        certificate = cluster.certificate_authority.apply(lambda ca: ca.data)
        oidc = cluster.identities.apply(
            lambda ids: ids[0].oidcs[0].issuer if ids and ids[0].oidcs else None
        )
        self.register_outputs(
            {
                **self.common_outputs(),
                "cluster_certificate_authority_data": certificate,
                "cluster_security_group_id": cluster.vpc_config.cluster_security_group_id,
                "oidc_issuer_url": oidc,
                "private_subnet_ids": [s.id for s in network.private],
                "public_subnet_ids": [s.id for s in network.public],
                "node_role_arn": roles.node_role.arn,
                "placement_group_names": {k: pg.name for k, pg in pools.placement_groups.items()},
                "checkpoint_bucket_arn": storage.bucket.arn,
                "checkpoint_kms_key_arn": keys.checkpoint_key.arn,
                "cluster_kms_key_arn": keys.cluster_key.arn,
                "access_log_bucket": storage.access_log_bucket,
                "node_health_alarm_arns": health.node_health_alarm_arns,
            }
        )


def aws_provider(name: str, region: str) -> pulumi.ProviderResource:
    """The explicit provider of one cluster (credentials come from the environment)."""
    return aws.Provider(name, region=region)


def _cluster(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> GpuClusterComponent:
    return AwsGpuCluster(name, AwsGpuClusterArgs.from_inputs(inputs), opts)


COMPONENTS = CloudComponents(provider=aws_provider, cluster=_cluster)
