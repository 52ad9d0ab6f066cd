"""``infra:alicloud:NodePools``: the node pools of ``modules/alicloud-gpu-cluster``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_alicloud import cs

from infra.clouds.args import NodePool, pool_labels
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs
    from infra.clouds.alicloud.network import Network

__all__ = ["NodePools"]


class NodePools(Part):
    """The module's "Node pools" section (``node_pools.tf``): one
    ``alicloud_cs_kubernetes_node_pool`` per entry of node_pools (GPU, eRDMA, spot, standby)."""

    def __init__(
        self,
        name: str,
        args: AlicloudGpuClusterArgs,
        cluster: cs.ManagedKubernetes,
        network: Network,
        tags: Mapping[str, str],
        parent: pulumi.Resource,
    ) -> None:
        super().__init__("infra:alicloud:NodePools", name, parent)
        self.pools = {
            key: self._node_pool(args, key, pool, cluster, network, tags)
            for key, pool in args.node_pools.items()
        }
        self.names = pulumi.Output.all(**{k: p.node_pool_id for k, p in self.pools.items()})
        self.register_outputs({"node_pool_names": self.names})

    def _node_pool(
        self,
        a: AlicloudGpuClusterArgs,
        key: str,
        pool: NodePool,
        cluster: cs.ManagedKubernetes,
        network: Network,
        tags: Mapping[str, str],
    ) -> cs.NodePool:
        autoscaled = pool.min_nodes < pool.max_nodes
        labels = pool_labels(key, pool, rdma_label="erdma")
        node_switches = network.node_switches
        indexes = a.vswitch_indexes(key)
        switches = node_switches if indexes is None else [node_switches[i] for i in indexes]
        private_pool = a.private_pool_ids.get(key)
        return cs.NodePool(
            f"{a.name}-{key}",
            node_pool_name=f"{a.name}-{key}",
            cluster_id=cluster.id,
            # A private pool's zone only; eRDMA traffic stays within a zone (the first).
            vswitch_ids=[s.id for s in switches],
            instance_types=[pool.instance_type],
            image_type=a.image_type,
            runtime_name="containerd",
            security_group_ids=[network.security_group.id],
            system_disk_category="cloud_essd",
            system_disk_performance_level="PL1",
            system_disk_size=a.system_disk_size_gib,
            system_disk_encrypted=True,
            install_cloud_monitor=True,
            spot_strategy="SpotAsPriceGo" if pool.spot else "NoSpot",
            multi_az_policy="COST_OPTIMIZED" if pool.spot else "BALANCE",
            # A fixed-size pool (min == max) uses desired_size; others autoscale.
            desired_size=None if autoscaled else str(pool.desired_nodes),
            scaling_config=cs.NodePoolScalingConfigArgs(
                enable=True,
                min_size=pool.min_nodes,
                max_size=pool.max_nodes,
                type="spot" if pool.spot else "gpu" if pool.gpu is not None else "cpu",
            )
            if autoscaled
            else None,
            # Launch into the pool's elasticity assurance or capacity reservation only.
            private_pool_options=cs.NodePoolPrivatePoolOptionsArgs(
                private_pool_options_match_criteria="Target",
                private_pool_options_id=private_pool,
            )
            if private_pool is not None
            else None,
            instance_metadata_options=cs.NodePoolInstanceMetadataOptionsArgs(
                http_tokens="required"
            ),
            management=cs.NodePoolManagementArgs(enable=True, auto_repair=True, max_unavailable=1),
            labels=[cs.NodePoolLabelArgs(key=k, value=v) for k, v in labels.items()],
            taints=[
                cs.NodePoolTaintArgs(key=t.key, value=t.value, effect=t.effect) for t in pool.taints
            ],
            tags={**tags, "infra-pool": key, "infra-standby": str(pool.standby).lower()},
            # The autoscaler owns the running size of autoscaled pools.
            opts=self.child(ignore_changes=["desiredSize"]),
        )
