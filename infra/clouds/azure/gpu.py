"""GPU software on AKS: what AKS's GPU node image leaves to the cluster, and the InfiniBand
fabric of the ND-series pools.

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
the GPU Operator owns the whole GPU stack and none of them is installed here.

InfiniBand (``rdma`` pools, ND-series sizes): Microsoft's guide for RDMA over InfiniBand on AKS,
Azure/aks-rdma-infiniband (azure.github.io/aks-rdma-infiniband; read at commit 700dabb4fe04,
2026-07-16), installs the NVIDIA Network Operator and one ``NicClusterPolicy``:
- website/docs/configurations/01-network-operator.md: chart ``network-operator`` version
  ``v26.4.0`` from https://helm.ngc.nvidia.com/nvidia, in namespace ``network-operator`` labelled
  ``pod-security.kubernetes.io/enforce=privileged``; the chart's Node Feature Discovery labels
  the nodes; then a NicClusterPolicy with the DOCA-OFED driver and a device plugin. Of its two
  device plugins the RDMA shared device plugin is used here: every InfiniBand HCA of the node to
  each pod that requests ``rdma/shared_ib`` (at most 63 pods a node). A training pod takes all
  GPUs of its node anyway, so the SR-IOV plugin's one-NIC-per-resource exclusivity (``rdma/ib``:
  the NIC count of each size in every job) buys nothing.
- configs/nicclusterpolicy/base/nic.yaml (``ofedDriver``: nvcr.io/nvidia/mellanox doca-driver
  ``doca3.2.0-25.10-1.2.8.0-2``, its ``OFED_BLACKLIST_MODULES_FILE`` work-around, upgrade policy
  and probes) and configs/nicclusterpolicy/rdma-shared-device-plugin/rdma.yaml
  (``rdmaSharedDevicePlugin``: k8s-rdma-shared-dev-plugin ``network-operator-v25.10.0``,
  resource ``shared_ib``, ``rdmaHcaMax`` 63, vendor 15b3, link type infiniband), taken as they
  are except the node selection: the guide selects nodes by NFD's
  ``feature.node.kubernetes.io/pci-15b3.present`` label, here the pools' ``infra/pool`` label
  (as every other DaemonSet of the add-ons root), and every taint is tolerated.
- configs/values/network-operator/values.yaml sets ``nfd.deployNodeFeatureRules: false`` and
  applies its own NodeFeatureRule (tests/setup-infra/network-operator-nfd.yaml, the ConnectX
  VF device ids 101c/101e): the chart's rule (templates/nodefeaturerules.yaml, vendor 15b3,
  classes 0200/0207) also matches the Ethernet VFs of accelerated networking on every node.
  Here the NFD workers run on the InfiniBand pools only, so the chart's own rule labels exactly
  those nodes and no NodeFeatureRule object is needed. The label is still required: the
  operator drives the driver only on nodes with it (Mellanox/network-operator v26.4.0
  pkg/state/state_ofed.go and pkg/nodeinfo, which also read NFD's OS and kernel labels).
- The chart stopped creating the NicClusterPolicy from values in v24.10.0 (Mellanox/network-
  operator commit 8fc96f20 "Remove Helm deployment of NICClusterPolicy"). Terraform's
  ``kubernetes_manifest`` needs the CRD at plan time, which a first apply does not have, so the
  policy is a second Helm release of the generic ``raw`` chart (bedag/helm-charts charts/raw,
  version 2.0.2, repository https://bedag.github.io/helm-charts: ``resources`` are rendered as
  they are), installed after the operator's release (``depends_on``): Helm plans without the
  CRD and applies once the operator release (``wait``) has installed it.
"""

from __future__ import annotations

import json

from infra.clouds.dr_inputs import DrCluster
from infra.clouds.gpu_addons import (
    NETWORK_NAMESPACE,
    GpuSoftware,
    HelmRelease,
    dcgm_exporter,
    gpu_pools,
    nvidia_device_plugin,
    pool_node_affinity,
    pool_placement,
    rdma_pools,
)
from infra.values import Value

__all__ = [
    "GPU",
    "IB_RESOURCE",
    "AzureGpuSoftware",
    "network_operator",
    "nic_cluster_policy",
]

# modules/azure-gpu-cluster/variables.tf: gpu_driver's default.
_DEFAULT_DRIVER = "Install"

NETWORK_OPERATOR_REPOSITORY = "https://helm.ngc.nvidia.com/nvidia"
NETWORK_OPERATOR_CHART = "network-operator"
NETWORK_OPERATOR_VERSION = "v26.4.0"
RAW_REPOSITORY = "https://bedag.github.io/helm-charts"
RAW_CHART = "raw"
RAW_VERSION = "2.0.2"
NIC_CLUSTER_POLICY = "nic-cluster-policy"
_MELLANOX_IMAGES = "nvcr.io/nvidia/mellanox"
_SHARED_RESOURCE = "shared_ib"
# What a pod requests for the InfiniBand HCAs (the shared device plugin's "rdma/" prefix).
IB_RESOURCE = f"rdma/{_SHARED_RESOURCE}"


def network_operator(cluster: DrCluster) -> HelmRelease:
    """The NVIDIA Network Operator, its Node Feature Discovery workers on the RDMA pools only."""
    return HelmRelease(
        NETWORK_OPERATOR_CHART,
        NETWORK_OPERATOR_CHART,
        NETWORK_OPERATOR_REPOSITORY,
        NETWORK_OPERATOR_VERSION,
        NETWORK_NAMESPACE,
        {
            # The chart's defaults (values.yaml v26.4.0), explicit: the operator needs NFD's
            # labels and the chart's NodeFeatureRule for pci-15b3.present.
            "nfd": {"enabled": True, "deployNodeFeatureRules": True},
            "node-feature-discovery": {"worker": pool_placement(rdma_pools(cluster))},
        },
    )


def _shared_device_plugin_config() -> str:
    """k8s-rdma-shared-dev-plugin's configuration, as the guide's rdma.yaml gives it."""
    config = {
        "configList": [
            {
                "resourceName": _SHARED_RESOURCE,
                "rdmaHcaMax": 63,
                "selectors": {"vendors": ["15b3"], "linkTypes": ["infiniband"]},
            }
        ]
    }
    return json.dumps(config, separators=(",", ":"))


def _probe(initial_delay: int, period: int) -> dict[str, Value]:
    return {"initialDelaySeconds": initial_delay, "periodSeconds": period}


def nic_cluster_policy(cluster: DrCluster) -> HelmRelease:
    """The NicClusterPolicy (DOCA-OFED driver and RDMA shared device plugin on the RDMA pools),
    through the raw chart, after the operator's release that installs its CRD."""
    spec: dict[str, Value] = {
        "nodeAffinity": pool_node_affinity(rdma_pools(cluster)),
        "tolerations": [{"operator": "Exists"}],
        "ofedDriver": {
            "repository": _MELLANOX_IMAGES,
            "image": "doca-driver",
            "version": "doca3.2.0-25.10-1.2.8.0-2",
            # The guide's work-around for a module load race (Mellanox/doca-driver-build#52).
            "env": [
                {
                    "name": "OFED_BLACKLIST_MODULES_FILE",
                    "value": "/host/etc/modprobe.d/blacklist-ofed-modules.conf",
                }
            ],
            "forcePrecompiled": False,
            "upgradePolicy": {
                "autoUpgrade": True,
                "drain": {
                    "deleteEmptyDir": True,
                    "enable": True,
                    "force": True,
                    "timeoutSeconds": 300,
                },
                "maxParallelUpgrades": 1,
            },
            "startupProbe": _probe(10, 20),
            "livenessProbe": _probe(30, 30),
            "readinessProbe": _probe(10, 30),
        },
        "rdmaSharedDevicePlugin": {
            "repository": _MELLANOX_IMAGES,
            "image": "k8s-rdma-shared-dev-plugin",
            "version": "network-operator-v25.10.0",
            "config": _shared_device_plugin_config(),
        },
    }
    resource: dict[str, Value] = {
        "apiVersion": "mellanox.com/v1alpha1",
        "kind": "NicClusterPolicy",
        "metadata": {"name": NIC_CLUSTER_POLICY},
        "spec": spec,
    }
    return HelmRelease(
        NIC_CLUSTER_POLICY,
        RAW_CHART,
        RAW_REPOSITORY,
        RAW_VERSION,
        NETWORK_NAMESPACE,
        {"resources": [resource]},
        depends_on=(NETWORK_OPERATOR_CHART,),
    )


class AzureGpuSoftware(GpuSoftware):
    """NVIDIA device plugin and DCGM exporter on the GPU pools, unless the GPU Operator owns them;
    the Network Operator and its NicClusterPolicy on the InfiniBand pools."""

    def releases(self, cluster: DrCluster) -> tuple[HelmRelease, ...]:
        if not gpu_pools(cluster):
            return ()
        gpu: tuple[HelmRelease, ...] = ()
        if cluster.inputs.get("gpu_driver", _DEFAULT_DRIVER) != "None":
            gpu = (nvidia_device_plugin(cluster), dcgm_exporter(cluster))
        infiniband: tuple[HelmRelease, ...] = ()
        if rdma_pools(cluster):
            infiniband = (network_operator(cluster), nic_cluster_policy(cluster))
        return (*gpu, *infiniband)

    def notes(self, cluster: DrCluster) -> tuple[str, ...]:
        pools = rdma_pools(cluster)
        if not pools:
            return ()
        return (
            f"InfiniBand pools ({', '.join(pools)}): pods request {IB_RESOURCE}: 1 (all HCAs of",
            "the node) and the IPC_LOCK capability. GPUDirect RDMA also needs the nvidia-peermem",
            "module, which AKS's driver does not load and this root does not install",
            "(Azure/aks-rdma-infiniband configs/nvidia-peermem-reloader); NCCL runs without it.",
        )


GPU = AzureGpuSoftware()
