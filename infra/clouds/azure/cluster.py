"""``infra:azure:GpuCluster``: the Pulumi twin of ``modules/azure-gpu-cluster``.

Built on pulumi-azure-native, which speaks the Azure Resource Manager API directly where the
module uses azurerm. Same inputs, names and outputs; the resource set differs only where the two
providers model one Azure object differently (search for "Differs"). Each section of the module
is a part of the component, in its own module: ``network``, ``logs``, ``control_plane``,
``node_pools`` and ``storage``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import authorization

from infra.clouds import CLOUDS
from infra.clouds.args import (
    ComponentInputError,
    NodePool,
    args_from_inputs,
    check_common,
)
from infra.clouds.azure.access import Access
from infra.clouds.azure.control_plane import ControlPlane
from infra.clouds.azure.logs import Logs
from infra.clouds.azure.network import Network
from infra.clouds.azure.node_health import NodeHealth
from infra.clouds.azure.node_pools import SPOT_TAINT, NodePools
from infra.clouds.azure.reservations import CRG_ID
from infra.clouds.azure.storage import CheckpointStorage
from infra.clouds.component import CloudComponents, GpuClusterComponent

# SPOT_TAINT (of the node pools) stays importable from here.
__all__ = ["COMPONENTS", "SPOT_TAINT", "AzureGpuCluster", "AzureGpuClusterArgs", "azure_provider"]

TYPE = "infra:azure:GpuCluster"
_VM_SIZE = re.compile(r"Standard_[A-Za-z0-9_]+")  # used with fullmatch
# RDMA-capable (InfiniBand) sizes carry an "r" in their feature letters: ND96isr_H100_v5.
INFINIBAND_SIZE = re.compile(r"^Standard_[A-Z]+[0-9]+[a-z]*r[a-z]*(_|\Z)")  # a prefix
_REPLICATION = ("LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS")
# variables.tf admin_group_object_ids: Entra ID object ids (GUIDs).
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_LOG_CATEGORIES = (
    "kube-apiserver",
    "kube-audit",
    "kube-audit-admin",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "cloud-controller-manager",
    "guard",
    "csi-azuredisk-controller",
    "csi-azurefile-controller",
    "csi-snapshot-controller",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureGpuClusterArgs:
    """The variables of ``modules/azure-gpu-cluster`` (see its variables.tf for each one)."""

    name: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    kubernetes_version: str
    tags: Mapping[str, str] = field(default_factory=dict)
    endpoint_public_access: bool = False
    api_authorized_ip_ranges: tuple[str, ...] = ()
    node_pools: Mapping[str, NodePool]
    system_pool: str | None = None
    # Pool -> capacity reservation group ARM id, and the zone of its reservation.
    capacity_reservation_group_ids: Mapping[str, str] = field(default_factory=dict)
    reservation_zones: Mapping[str, str] = field(default_factory=dict)
    default_system_vm_size: str = "Standard_D4s_v5"
    gpu_driver: str = "Install"
    storage_account_name: str
    checkpoint_container_name: str = "checkpoints"
    checkpoint_replication_type: str = "ZRS"
    blob_retention_days: int = 30
    sku_tier: str = "Standard"
    pod_cidr: str = "192.168.0.0/16"
    service_cidr: str = "172.16.0.0/16"
    os_sku: str = "Ubuntu"
    host_encryption_enabled: bool = False
    admin_group_object_ids: tuple[str, ...] = ()
    # health.tf: the action group the node-health alerts notify (None: they fire, notify no one).
    action_group_id: str | None = None
    max_pods: int = 250
    log_retention_days: int = 365
    control_plane_log_categories: tuple[str, ...] = (
        "kube-apiserver",
        "kube-audit-admin",
        "kube-controller-manager",
        "kube-scheduler",
        "cluster-autoscaler",
        "guard",
    )

    def __post_init__(self) -> None:
        # The module's validation blocks and preconditions, checked before anything is created.
        check_common(self.name, self.cidr, self.node_pools, CLOUDS["azure"], require_pools=False)
        if not set(self.zones) <= {"1", "2", "3"} or len(set(self.zones)) != len(self.zones):
            raise ComponentInputError('zones must be distinct values among "1", "2", "3"')
        if not all(CRG_ID.fullmatch(i) for i in self.capacity_reservation_group_ids.values()):
            raise ComponentInputError(
                "capacity_reservation_group_ids values must be ARM ids of capacity reservation "
                "groups"
            )
        for key, zone in self.reservation_zones.items():
            if zone not in self.zones or key not in self.capacity_reservation_group_ids:
                raise ComponentInputError(
                    "reservation_zones entries must name a pool with a "
                    "capacity_reservation_group_ids entry and one of zones"
                )
        if not re.fullmatch(r"[a-z0-9]{3,24}", self.storage_account_name):
            raise ComponentInputError("storage_account_name must be 3-24 lowercase letters, digits")
        if self.gpu_driver not in ("Install", "None"):
            raise ComponentInputError('gpu_driver must be "Install" or "None"')
        if self.checkpoint_replication_type not in _REPLICATION:
            raise ComponentInputError(f"checkpoint_replication_type: one of {_REPLICATION}")
        if not all(_GUID.fullmatch(g) for g in self.admin_group_object_ids):
            raise ComponentInputError(
                "admin_group_object_ids must be object ids (GUIDs such as "
                "00000000-0000-0000-0000-000000000000)"
            )
        if len({g.lower() for g in self.admin_group_object_ids}) != len(
            self.admin_group_object_ids
        ):
            raise ComponentInputError("admin_group_object_ids must not repeat a group")
        if not 50 <= self.max_pods <= 250:
            raise ComponentInputError("max_pods must be a whole number between 50 and 250")
        if not 30 <= self.log_retention_days <= 730:
            raise ComponentInputError("log_retention_days must be between 30 and 730")
        if not self.control_plane_log_categories or not set(
            self.control_plane_log_categories
        ) <= set(_LOG_CATEGORIES):
            raise ComponentInputError(
                f"control_plane_log_categories must be non-empty AKS log categories: "
                f"{', '.join(_LOG_CATEGORIES)}"
            )
        if self.endpoint_public_access and not self.api_authorized_ip_ranges:
            raise ComponentInputError(
                "endpoint_public_access = true needs explicit api_authorized_ip_ranges"
            )
        if "0.0.0.0/0" in self.api_authorized_ip_ranges:
            raise ComponentInputError("api_authorized_ip_ranges must not contain 0.0.0.0/0")
        if self.system_pool is not None:
            system = self.node_pools.get(self.system_pool)
            if system is None:
                raise ComponentInputError(
                    f"system_pool {self.system_pool} is not a key of node_pools"
                )
            if system.gpu is not None or system.spot or system.min_nodes < 1 or system.taints:
                raise ComponentInputError(
                    "the system pool must be a CPU, non-spot pool with min_nodes >= 1 and no "
                    "taints (the AKS default pool takes none)"
                )
        for key, pool in self.node_pools.items():
            if not _VM_SIZE.fullmatch(pool.instance_type):
                raise ComponentInputError(f"pool {key}: {pool.instance_type} is no Azure VM size")
            if pool.gpu is not None and not pool.instance_type.startswith("Standard_N"):
                raise ComponentInputError(
                    f"pool {key}: gpu {pool.gpu} needs an N-series GPU VM size, "
                    f"not {pool.instance_type}"
                )
            if pool.rdma and not INFINIBAND_SIZE.match(pool.instance_type):
                raise ComponentInputError(
                    f"pool {key}: rdma needs an InfiniBand VM size (for example "
                    f"Standard_ND96isr_H100_v5), not {pool.instance_type}"
                )

    def pool_zones(self, key: str) -> list[str] | None:
        """A pool's zones (``local.pool_zones``): its reservation's zone, the first zone for
        RDMA pools (InfiniBand works within one scale set placement), else every zone."""
        zone = self.reservation_zones.get(key)
        if zone is not None:
            return [zone]
        zones = list(self.zones) or None
        return [self.zones[0]] if self.node_pools[key].rdma and zones else zones

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AzureGpuClusterArgs:
        """The args from ``cluster_module_inputs`` (as stored in ``stack.json``)."""
        return args_from_inputs(cls, inputs)

    @property
    def user_pools(self) -> dict[str, NodePool]:
        """Every pool except the one promoted to the AKS default pool."""
        return {k: p for k, p in self.node_pools.items() if k != self.system_pool}


class AzureGpuCluster(GpuClusterComponent):
    """A private AKS cluster with GPU agent pools and a private checkpoint storage account."""

    def __init__(
        self, name: str, args: AzureGpuClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        a = args
        tags = {**a.tags, "infra-cluster": a.name}
        # Differs: azurerm looks built-in roles up by name; the ARM API wants their ids, which
        # live under the subscription the provider runs in.
        subscription = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        ).subscription_id
        net = Network(f"{name}-network", self, a, tags)
        logs = Logs(f"{name}-logs", self, a, net, tags)
        control = ControlPlane(f"{name}-control-plane", self, a, net, logs, subscription, tags)
        pools = NodePools(f"{name}-node-pools", self, a, net, control, tags)
        health = NodeHealth(
            f"{name}-node-health",
            self,
            a,
            net.group,
            control.cluster,
            tags,
            action_group_id=a.action_group_id,
        )
        if a.admin_group_object_ids:
            Access(f"{name}-access", self, a, control.cluster, subscription)
        checkpoint = CheckpointStorage(
            f"{name}-checkpoint-storage", self, a, net, logs, control, subscription, tags
        )

        cluster = control.cluster
        self.cluster_name = cluster.name
        self.cluster_id = cluster.id
        self.cluster_endpoint = cluster.fqdn if a.endpoint_public_access else cluster.private_fqdn
        self.network_id = net.vnet.id
        pool_names: dict[str, pulumi.Input[str]] = {k: p.id for k, p in pools.agent_pools.items()}
        if a.system_pool is not None:
            pool_names[a.system_pool] = a.system_pool
        self.node_pool_names = pulumi.Output.all(**pool_names)
        self.checkpoint_bucket = checkpoint.container.name
        self.register_outputs(
            {
                **self.common_outputs(),
                "oidc_issuer_url": cluster.oidc_issuer_profile.apply(
                    lambda o: o.issuer_url if o else None
                ),
                "resource_group_name": net.group.name,
                "node_resource_group": cluster.node_resource_group,
                "nodes_subnet_id": net.nodes.id,
                "kubelet_identity_object_id": control.kubelet_object_id,
                "control_plane_principal_id": control.principal_id,
                "checkpoint_storage_account": checkpoint.account.name,
                "checkpoint_blob_endpoint": checkpoint.account.primary_endpoints.apply(
                    lambda e: e.blob
                ),
                "log_analytics_workspace_id": logs.workspace.id,
                "node_health_alert_ids": health.node_health_alert_ids,
            }
        )


def azure_provider(name: str, region: str) -> pulumi.ProviderResource:
    """The explicit provider of one cluster.

    The subscription and the credentials come from the environment (``ARM_SUBSCRIPTION_ID``,
    ``az login`` or ``ARM_CLIENT_ID``/OIDC), as with the azurerm provider of the Terraform root.
    """
    return azure_native.Provider(name, location=region)


def _cluster(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> GpuClusterComponent:
    return AzureGpuCluster(name, AzureGpuClusterArgs.from_inputs(inputs), opts)


COMPONENTS = CloudComponents(provider=azure_provider, cluster=_cluster)
