"""GPU software on EKS: what the AL2023 NVIDIA node image leaves to the cluster.

The cluster module runs its GPU pools on the EKS-optimized AL2023 NVIDIA AMIs
(modules/aws-gpu-cluster/node_groups.tf ``ami_types``). Sources:
- EKS guide, "Install Kubernetes device plugin for GPUs"
  (docs.aws.amazon.com/eks/latest/userguide/ml-eks-k8s-device-plugin.html): with the AL2023
  NVIDIA AMIs "you must install the NVIDIA Kubernetes device plugin" (Bottlerocket NVIDIA AMIs
  include it), from the Helm repository nvidia.github.io/k8s-device-plugin.
- EKS guide, "Manage EFA devices on Amazon EKS"
  (docs.aws.amazon.com/eks/latest/userguide/device-management-efa.html): the AL2023 accelerated
  AMIs include the host EFA components but not the EFA device plugin; the EFA DRA driver is
  recommended for new deployments on 1.34+ with managed node groups, and "the EFA device plugin
  also remains supported for EKS managed node groups". The device plugin is used here: it works
  on every EKS version the catalog offers and advertises ``vpc.amazonaws.com/efa``, which the
  training jobs request today; a DRA driver needs ResourceClaims in every job (docs/gpu-software.md).
- EKS guide, "AWS add-ons" (docs.aws.amazon.com/eks/latest/userguide/workloads-add-ons-available-eks.html):
  no EKS add-on installs the NVIDIA device plugin, the EFA device plugin or the DCGM exporter, so
  all three are pinned Helm charts (:mod:`infra.clouds.gpu_addons`).
"""

from __future__ import annotations

from infra.clouds.dr_inputs import DrCluster
from infra.clouds.gpu_addons import (
    GpuSoftware,
    HelmRelease,
    dcgm_exporter,
    efa_device_plugin,
    gpu_pools,
    nvidia_device_plugin,
    rdma_pools,
)

__all__ = ["GPU", "AwsGpuSoftware"]


class AwsGpuSoftware(GpuSoftware):
    """NVIDIA device plugin and DCGM exporter on the GPU pools, EFA device plugin on RDMA ones."""

    def releases(self, cluster: DrCluster) -> tuple[HelmRelease, ...]:
        if not gpu_pools(cluster):
            return ()
        efa = (efa_device_plugin(cluster),) if rdma_pools(cluster) else ()
        return (nvidia_device_plugin(cluster), *efa, dcgm_exporter(cluster))


GPU = AwsGpuSoftware()
