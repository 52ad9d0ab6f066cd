"""GPU software on ACK: what ACK installs itself, and what is left to the cluster.

Sources:
- ACK, "GPU FAQ" / GPU node pools (alibabacloud.com/help/en/ack): ACK deploys the NVIDIA device
  plugin on GPU-accelerated nodes itself (the NVIDIA Device Plugin and ack-gpu-exporter are ACK
  components on GPU nodes), so no device plugin is installed here.
- ACK, "Use Managed Service for Prometheus to monitor an ACK cluster": GPU monitoring there is
  the ack-gpu-exporter component, which comes with Managed Service for Prometheus; a cluster
  without it (open-source Prometheus) installs a DCGM exporter, here the pinned upstream chart.
- ACK, "ACK eRDMA Controller" (alibabacloud.com/help/en/ack/product-overview/ack-erdma-controller)
  and "Add eRDMA nodes to ACK clusters": the eRDMA controller configures the eRDMA interfaces and
  exposes ``aliyun/erdma``; a cluster component named ``ack-erdma-controller`` (the addon name in
  AliyunContainerService/ack-ram-tool and in ROS ``ALIYUN::CS::ClusterAddons`` examples),
  installed with ``alicloud_cs_kubernetes_addon`` when a pool has eRDMA.
"""

from __future__ import annotations

from infra.clouds.alicloud.sync import CLUSTERS_DATA, CLUSTERS_LABEL
from infra.clouds.dr_inputs import DrCluster
from infra.clouds.gpu_addons import GpuSoftware, HelmRelease, dcgm_exporter, gpu_pools, rdma_pools
from infra.values import Block, Raw

__all__ = ["ERDMA_ADDON", "GPU", "AlicloudGpuSoftware"]

ERDMA_ADDON = "ack-erdma-controller"


class AlicloudGpuSoftware(GpuSoftware):
    """The DCGM exporter on the GPU pools; the eRDMA controller where a pool has eRDMA."""

    def releases(self, cluster: DrCluster) -> tuple[HelmRelease, ...]:
        return (dcgm_exporter(cluster),) if gpu_pools(cluster) else ()

    def managed_addons(self, cluster: DrCluster) -> tuple[Block, ...]:
        if not rdma_pools(cluster):
            return ()
        found = f"data.{CLUSTERS_DATA}.{CLUSTERS_LABEL}.clusters[0]"
        return (
            Block(
                "resource",
                ("alicloud_cs_kubernetes_addon", "erdma"),
                (("cluster_id", Raw(f"{found}.id")), ("name", ERDMA_ADDON)),
            ),
        )


GPU = AlicloudGpuSoftware()
