"""``infra:azure:NodePools``: the agent pools of ``infra:azure:GpuCluster``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import containerservice

from infra.clouds.args import pool_labels
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.cluster import AzureGpuClusterArgs
    from infra.clouds.azure.control_plane import ControlPlane
    from infra.clouds.azure.network import Network

__all__ = ["SPOT_TAINT", "TYPE", "NodePools"]

TYPE = "infra:azure:NodePools"
# AKS adds this taint to every spot pool itself; leaving it out makes every update remove it.
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"


class NodePools(Part):
    """The module's ``azurerm_kubernetes_cluster_node_pool``: one agent pool per user pool (every
    pool but the one promoted to the AKS default pool)."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureGpuClusterArgs,
        net: Network,
        control: ControlPlane,
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(TYPE, name, top)
        self.agent_pools: dict[str, containerservice.AgentPool] = {}
        for key, pool in a.user_pools.items():
            taints = [str(t) for t in pool.taints]
            if pool.spot and SPOT_TAINT not in taints:
                taints.append(SPOT_TAINT)
            self.agent_pools[key] = containerservice.AgentPool(
                f"{a.name}-{key}",
                agent_pool_name=key,
                resource_name_=control.cluster.name,
                resource_group_name=net.group.name,
                vm_size=pool.instance_type,
                mode="User",
                os_type="Linux",
                os_sku=a.os_sku,
                type="VirtualMachineScaleSets",
                vnet_subnet_id=net.nodes.id,
                # A reserved pool in its reservation's zone; InfiniBand works within one VM
                # scale set placement, so RDMA pools keep to one zone.
                availability_zones=a.pool_zones(key),
                capacity_reservation_group_id=a.capacity_reservation_group_ids.get(key),
                enable_auto_scaling=True,
                min_count=pool.min_nodes,
                count=pool.desired_nodes,
                max_count=pool.max_nodes,
                scale_set_priority="Spot" if pool.spot else "Regular",
                scale_set_eviction_policy="Delete" if pool.spot else None,
                spot_max_price=-1 if pool.spot else None,
                node_labels=pool_labels(key, pool),
                node_taints=taints,
                enable_encryption_at_host=a.host_encryption_enabled,
                max_pods=a.max_pods,
                # The driver setting re-creates a GPU pool when it changes; CPU sizes refuse it.
                gpu_profile=containerservice.GPUProfileArgs(driver=a.gpu_driver)
                if pool.gpu is not None
                else None,
                tags={**tags, "infra-pool": key, "infra-standby": str(pool.standby).lower()},
                # Spot pools cannot have surge upgrades.
                upgrade_settings=None
                if pool.spot
                else containerservice.AgentPoolUpgradeSettingsArgs(max_surge="10%"),
                opts=self.child(ignore_changes=["count"]),
            )
        self.register_outputs({"agent_pool_ids": {k: p.id for k, p in self.agent_pools.items()}})
