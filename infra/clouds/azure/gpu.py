"""GPU software on AKS: what AKS's GPU node image leaves to the cluster.

The cluster module creates GPU pools with ``gpu_driver = var.gpu_driver`` ("Install" by default:
AKS installs the NVIDIA driver; modules/azure-gpu-cluster/node_pools.tf). Sources:
- NVIDIA, "NVIDIA GPU Operator with Azure Kubernetes Service"
  (docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/microsoft-aks.html): AKS images
  include a preinstalled NVIDIA GPU driver and container toolkit; without the operator, metrics
  are not collected by the DCGM exporter.
- Microsoft, "Use the NVIDIA GPU Operator on AKS" (learn.microsoft.com/azure/aks/nvidia-gpu-operator):
  the operator installs the device plugin itself and needs the driver installation skipped
  (``gpu_driver = "None"``); otherwise the NVIDIA device plugin is installed separately.
So with "Install": the NVIDIA device plugin and the DCGM exporter (pinned charts); with "None"
the GPU Operator owns the whole stack and nothing is installed here. InfiniBand (ND-series) needs
the NVIDIA Network Operator, which the RDMA fabric work (issue 14 part 1) adds: see :meth:`notes`.
"""

from __future__ import annotations

from infra.clouds.dr_inputs import DrCluster
from infra.clouds.gpu_addons import (
    GpuSoftware,
    HelmRelease,
    dcgm_exporter,
    gpu_pools,
    nvidia_device_plugin,
    rdma_pools,
)

__all__ = ["GPU", "AzureGpuSoftware"]

# modules/azure-gpu-cluster/variables.tf: gpu_driver's default.
_DEFAULT_DRIVER = "Install"


class AzureGpuSoftware(GpuSoftware):
    """NVIDIA device plugin and DCGM exporter on the GPU pools, unless the GPU Operator owns them."""

    def releases(self, cluster: DrCluster) -> tuple[HelmRelease, ...]:
        if not gpu_pools(cluster) or cluster.inputs.get("gpu_driver", _DEFAULT_DRIVER) == "None":
            return ()
        return (nvidia_device_plugin(cluster), dcgm_exporter(cluster))

    def notes(self, cluster: DrCluster) -> tuple[str, ...]:
        pools = rdma_pools(cluster)
        if not pools:
            return ()
        return (
            f"InfiniBand pools ({', '.join(pools)}): the NVIDIA Network Operator that exposes",
            "their RDMA devices is not installed here yet (issue 14 part 1).",
        )


GPU = AzureGpuSoftware()
