"""``infra:alicloud:GpuCluster``: the Pulumi twin of ``modules/alicloud-gpu-cluster``.

Built on pulumi-alicloud, a bridge of the same Terraform provider the module uses, so the
resources map one to one; where arguments are spelt differently a comment says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_alicloud as alicloud

from infra.clouds import CLOUDS
from infra.clouds.alicloud.access import Access
from infra.clouds.alicloud.control_plane import ControlPlane, newest_release
from infra.clouds.alicloud.network import Network
from infra.clouds.alicloud.node_health import NodeHealth, check_node_health_inputs
from infra.clouds.alicloud.node_pools import NodePools
from infra.clouds.alicloud.storage import CheckpointStorage
from infra.clouds.args import (
    ComponentInputError,
    NodePool,
    args_from_inputs,
    check_common,
)
from infra.clouds.component import CloudComponents, GpuClusterComponent

__all__ = [
    "COMPONENTS",
    "AlicloudGpuCluster",
    "AlicloudGpuClusterArgs",
    "alicloud_provider",
    "newest_release",
]

TYPE = "infra:alicloud:GpuCluster"
_INSTANCE_TYPE = re.compile(r"ecs\.[a-z0-9-]+\.[a-z0-9-]+")  # used with fullmatch
# variables.tf private_pool_ids.
_PRIVATE_POOL = re.compile(r"(eap|crp)-[a-z0-9]{8,32}")
_RAM_ID = re.compile(r"[0-9]{1,32}")  # variables.tf admin_ram_user_ids / admin_ram_role_ids
_LOG_COMPONENTS = ("apiserver", "kcm", "scheduler", "ccm", "controlplane-events")
# eRDMA's controller is the add-ons root's (infra/clouds/alicloud/gpu.py), not the cluster's.
_BASE_ADDONS = ("terway-eniip", "csi-plugin", "managed-csiprovisioner")


@dataclass(frozen=True, slots=True, kw_only=True)
class AlicloudGpuClusterArgs:
    """The variables of ``modules/alicloud-gpu-cluster`` (see its variables.tf for each one)."""

    name: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    kubernetes_version: str
    tags: Mapping[str, str] = field(default_factory=dict)
    endpoint_public_access: bool = False
    node_pools: Mapping[str, NodePool]
    checkpoint_bucket_name: str
    checkpoint_kms_key_id: str | None = None
    checkpoint_redundancy_type: str = "ZRS"
    checkpoint_noncurrent_days: int = 30
    service_cidr: str = "172.16.0.0/16"
    image_type: str = "AliyunLinux3"
    system_disk_size_gib: int = 200
    secrets_kms_key_id: str | None = None
    control_plane_log_components: tuple[str, ...] = ("apiserver", "kcm", "scheduler", "ccm")
    deletion_protection: bool = True
    nat_bandwidth_mbps: int = 200
    access_log_retention_days: int = 365
    admin_ram_user_ids: tuple[str, ...] = ()
    admin_ram_role_ids: tuple[str, ...] = ()
    # Pool -> elasticity assurance (eap-) or capacity reservation (crp-) id, and its zone.
    private_pool_ids: Mapping[str, str] = field(default_factory=dict)
    reservation_zones: Mapping[str, str] = field(default_factory=dict)
    # health.tf: where failed scaling activities of the GPU pools are notified.
    scaling_notification_target: str = "cloudmonitor"

    def __post_init__(self) -> None:
        # The module's validation blocks, checked before anything is created.
        check_common(self.name, self.cidr, self.node_pools, CLOUDS["alicloud"])
        check_node_health_inputs(self.scaling_notification_target)
        if not 1 <= len(self.zones) <= 4 or len(set(self.zones)) != len(self.zones):
            raise ComponentInputError("zones must list 1 to 4 distinct zone ids")
        if not re.fullmatch(r"1\.[0-9]{2}(\.[0-9]+-aliyun\.[0-9]+)?", self.kubernetes_version):
            raise ComponentInputError(
                'kubernetes_version must be "1.31" or a full ACK version such as "1.31.1-aliyun.1"'
            )
        if self.checkpoint_redundancy_type not in ("LRS", "ZRS"):
            raise ComponentInputError("checkpoint_redundancy_type must be LRS or ZRS")
        if not set(self.control_plane_log_components) <= set(_LOG_COMPONENTS):
            raise ComponentInputError(
                f"control_plane_log_components may contain {', '.join(_LOG_COMPONENTS)}"
            )
        if self.access_log_retention_days < 1:
            raise ComponentInputError("access_log_retention_days must be at least 1")
        for field_name in ("admin_ram_user_ids", "admin_ram_role_ids"):
            ids: tuple[str, ...] = getattr(self, field_name)
            kind = "user" if field_name == "admin_ram_user_ids" else "role"
            if not all(_RAM_ID.fullmatch(i) for i in ids):
                raise ComponentInputError(f"{field_name} must be RAM {kind} ids (digits)")
            if len(set(ids)) != len(ids):
                raise ComponentInputError(f"{field_name} must not repeat a {kind}")
        if not all(_PRIVATE_POOL.fullmatch(i) for i in self.private_pool_ids.values()):
            raise ComponentInputError(
                "private_pool_ids values must be elasticity assurance (eap-...) or capacity "
                "reservation (crp-...) ids"
            )
        for key, zone in self.reservation_zones.items():
            if zone not in self.zones or key not in self.private_pool_ids:
                raise ComponentInputError(
                    "reservation_zones entries must name a pool with a private_pool_ids entry "
                    "and one of zones"
                )
        for key, pool in self.node_pools.items():
            if not _INSTANCE_TYPE.fullmatch(pool.instance_type):
                raise ComponentInputError(f"pool {key}: {pool.instance_type} is no ECS type")

    def vswitch_indexes(self, key: str) -> list[int] | None:
        """A pool's node vSwitches (``local.pool_vswitch_ids``) by zone index: its private
        pool's zone, the first zone for RDMA pools, None for every zone."""
        zone = self.reservation_zones.get(key)
        if zone is not None:
            return [self.zones.index(zone)]
        return [0] if self.node_pools[key].rdma else None

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AlicloudGpuClusterArgs:
        """The args from ``cluster_module_inputs`` (as stored in ``stack.json``)."""
        return args_from_inputs(cls, inputs)

    @property
    def addons(self) -> list[str]:
        """The cluster add-ons (``local.addons``), the same for every cluster."""
        return list(_BASE_ADDONS)


class AlicloudGpuCluster(GpuClusterComponent):
    """An ACK Pro cluster with GPU node pools (eRDMA where asked) and an OSS checkpoint bucket.

    Its parts mirror the module's sections: network, control plane, node pools and checkpoint
    storage (``network.tf``, ``main.tf``, ``node_pools.tf``, ``storage.tf``).
    """

    def __init__(
        self, name: str, args: AlicloudGpuClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        a = args
        tags = {**a.tags, "infra-cluster": a.name}
        network = Network(name, a, tags, parent=self)
        control_plane = ControlPlane(name, a, network, tags, parent=self)
        node_pools = NodePools(name, a, control_plane.cluster, network, tags, parent=self)
        health = NodeHealth(
            name,
            a,
            node_pools.pools,
            scaling_notification_target=a.scaling_notification_target,
            parent=self,
        )
        storage = CheckpointStorage(name, a, tags, parent=self)
        if a.admin_ram_user_ids or a.admin_ram_role_ids:
            Access(name, a, control_plane.cluster, parent=self)

        self.cluster_name = control_plane.cluster.name
        self.cluster_id = control_plane.cluster.id
        self.cluster_endpoint = control_plane.endpoint
        self.network_id = network.vpc.id
        self.node_pool_names = node_pools.names
        self.checkpoint_bucket = storage.bucket.bucket
        self.register_outputs(
            {
                **self.common_outputs(),
                "kubernetes_version": control_plane.version,
                "node_vswitch_ids": [s.id for s in network.node_switches],
                "pod_vswitch_ids": [s.id for s in network.pod_switches],
                "security_group_id": network.security_group.id,
                "nat_ip": network.eip.ip_address,
                "rrsa_oidc_issuer_url": control_plane.rrsa_oidc_issuer_url,
                "checkpoint_bucket_intranet_endpoint": storage.bucket.intranet_endpoint,
                "access_log_bucket": storage.access_logs.bucket,
                "node_health_notification_ids": health.node_health_notification_ids,
            }
        )


def alicloud_provider(name: str, region: str) -> pulumi.ProviderResource:
    """The explicit provider of one cluster (credentials come from the environment)."""
    return alicloud.Provider(name, region=region)


def _cluster(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> GpuClusterComponent:
    return AlicloudGpuCluster(name, AlicloudGpuClusterArgs.from_inputs(inputs), opts)


COMPONENTS = CloudComponents(provider=alicloud_provider, cluster=_cluster)
