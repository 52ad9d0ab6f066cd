"""GPU software on ACK: what ACK installs itself, and what is left to the cluster.

Sources:
- ACK, "GPU FAQ" / GPU node pools (alibabacloud.com/help/en/ack): ACK deploys the NVIDIA device
  plugin on GPU-accelerated nodes itself (the NVIDIA Device Plugin and ack-gpu-exporter are ACK
  components on GPU nodes), so no device plugin is installed here.
- ACK, "Use Managed Service for Prometheus to monitor an ACK cluster": GPU monitoring there is
  the ack-gpu-exporter component, which comes with Managed Service for Prometheus; a cluster
  without it (open-source Prometheus) installs a DCGM exporter, here the pinned upstream chart.
- ACK, "Use eRDMA to accelerate container networks in ACK clusters"
  (alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/use-erdma-in-ack-clusters,
  updated 2026-03-26): the ACK eRDMA Controller registers the eRDMA devices of nodes whose
  instance family has Elastic RDMA Interfaces as the ``aliyun/erdma`` extended resource, which
  pods request in their limits, and configures the routes of those ENIs. Its settings:
  ``preferDriver``, the eRDMA driver mode installed on the nodes (``default``, ``compat`` for
  RoCE-compatible environments, ``ofed`` for GPU instances running NCCL), and whether a pod
  gets all eRDMA devices of its node. "Run GDR applications on eRDMA nodes in ACK clusters"
  (same guide): NCCL's GPUDirect RDMA jobs request ``aliyun/erdma`` and run on the host network.
- The configuration's shape, ``{"agent": {"preferDriver": ..., "allocateAllDevices": ...}}``:
  the ``ack-erdma-controller`` entry of the ``addons`` of a public ACK CreateCluster example
  (the 3FS "Setup 3FS on Kubernetes" guide: ``{"agent":{"preferDriver":"compat",
  "allocateAllDevices":true}}``) and a public ROS solution for eRDMA GPU pools (L20N
  ``ecs.ebmgn9g``), whose component table sets ``preferDriver=ofed`` and
  ``allocateAllDevices=true`` on ``ack-erdma-controller`` (``ALIYUN::CS::ClusterAddons``).
  GPU pools train with NCCL, so here: ``ofed``, all devices to the pod.
- terraform-provider-alicloud ``alicloud_cs_kubernetes_addon`` (``cluster_id``, ``name``,
  ``config`` as a JSON string, merged into the add-on's stored configuration); its Pulumi twin
  ``alicloud.cs.KubernetesAddon`` (pulumi_alicloud cs/kubernetes_addon.py: the same arguments).
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.clouds.alicloud.sync import CLUSTERS_DATA, CLUSTERS_LABEL
from infra.clouds.dr_inputs import DrCluster
from infra.clouds.gpu_addons import (
    GpuSoftware,
    HelmRelease,
    ManagedAddon,
    dcgm_exporter,
    gpu_pools,
    rdma_pools,
)
from infra.values import Raw, Value

__all__ = ["ERDMA_ADDON", "ERDMA_CONFIG", "ERDMA_RESOURCE", "GPU", "AlicloudGpuSoftware"]

ERDMA_ADDON = "ack-erdma-controller"
ADDON_RESOURCE = "alicloud_cs_kubernetes_addon"
# The OFED-based driver (GPU instances running NCCL) and every eRDMA device to the pod.
ERDMA_CONFIG: dict[str, Value] = {"agent": {"preferDriver": "ofed", "allocateAllDevices": True}}
# What a pod requests for the eRDMA devices.
ERDMA_RESOURCE = "aliyun/erdma"


class AlicloudGpuSoftware(GpuSoftware):
    """The DCGM exporter on the GPU pools; the eRDMA controller where a pool has eRDMA."""

    def releases(self, cluster: DrCluster) -> tuple[HelmRelease, ...]:
        return (dcgm_exporter(cluster),) if gpu_pools(cluster) else ()

    def managed_addons(self, cluster: DrCluster) -> tuple[ManagedAddon, ...]:
        if not rdma_pools(cluster):
            return ()
        return (ManagedAddon("erdma", ADDON_RESOURCE, ERDMA_ADDON, ERDMA_CONFIG),)

    def pulumi_twins(self) -> Mapping[str, tuple[str, str, str]]:
        # pulumi_alicloud/cs/kubernetes_addon.py: cluster_id, name, config (a JSON string).
        return {ADDON_RESOURCE: ("alicloud", "pulumi_alicloud.cs", "KubernetesAddon")}

    def addon_cluster_id(self, cluster: DrCluster) -> Raw:
        del cluster
        return Raw(f"data.{CLUSTERS_DATA}.{CLUSTERS_LABEL}.clusters[0].id")

    def notes(self, cluster: DrCluster) -> tuple[str, ...]:
        pools = rdma_pools(cluster)
        if not pools:
            return ()
        return (
            f"eRDMA pools ({', '.join(pools)}): pods request {ERDMA_RESOURCE} (every eRDMA device",
            "of the node) and, for NCCL over eRDMA, run on the host network (ACK guide).",
        )


GPU = AlicloudGpuSoftware()
