"""GPU software on the nodes: what makes a cluster's GPUs (and RDMA interfaces) schedulable and
watched, as pinned Helm releases and the clouds' managed add-ons, built once from the cluster's
module inputs for the Terraform add-ons root (:mod:`infra.terraform.addons`) and the Pulumi
program (:mod:`infra.clouds.gpu_software`) alike.

What each cloud needs is its own (``infra/clouds/<cloud>/gpu.py``, reached through
``Cloud.gpu_software()``); the charts, their pins, the pool selection and the alert rules are
shared here. docs/gpu-software.md says why each piece is there.

Sources (each pin read from the chart's own repository at the commit named):
- NVIDIA/k8s-device-plugin tag v0.20.0, deployments/helm/nvidia-device-plugin/Chart.yaml
  (version 0.20.0) and values.yaml (``affinity`` defaults to NFD labels, ``tolerations``); Helm
  repository https://nvidia.github.io/k8s-device-plugin (the EKS guide, "Install Kubernetes
  device plugin for GPUs", docs.aws.amazon.com/eks/latest/userguide/ml-eks-k8s-device-plugin).
- NVIDIA/dcgm-exporter tag 4.5.3-4.8.2, deployment/Chart.yaml (version 4.8.2), values.yaml
  (``serviceMonitor.enabled`` true by default: needs the Prometheus Operator's CRD;
  ``customMetrics`` replaces the whole counters list, mounted as default-counters.csv) and
  etc/default-counters.csv (which fields are on by default); Helm repository
  https://nvidia.github.io/dcgm-exporter/helm-charts (its README).
- aws/eks-charts stable/aws-efa-k8s-device-plugin/Chart.yaml (version v0.5.30, app v0.5.20)
  and values.yaml (``supportedInstanceLabels`` keys/values become the DaemonSet's required node
  affinity); Helm repository https://aws.github.io/eks-charts.
- Network Operator namespace: Azure/aks-rdma-infiniband website/docs/configurations/
  01-network-operator.md (commit 700dabb): its pods need privileged access, so the namespace is
  labelled ``pod-security.kubernetes.io/enforce=privileged``.
- Release ordering: hashicorp/terraform-provider-helm v3.1.2 helm/resource_helm_release.go
  ``ModifyPlan`` renders (dry-runs) a chart at plan time only with ``experiments { manifest =
  true }``, which no root sets; so a release whose objects need another release's CRDs plans
  before those CRDs exist and applies after the release it depends on (``depends_on``).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from infra.clouds.dr_inputs import DrCluster
from infra.errors import InfraError
from infra.values import Raw, Value

__all__ = [
    "ALERT_RULES_CONFIG_MAP",
    "DCGM_COUNTERS",
    "GPU_ALERTS",
    "MANAGED_NAMESPACES",
    "MONITORING_NAMESPACE",
    "NETWORK_NAMESPACE",
    "POOL_LABEL",
    "GpuAlert",
    "GpuSoftware",
    "HelmRelease",
    "ManagedAddon",
    "alert_rules_yaml",
    "dcgm_exporter",
    "efa_device_plugin",
    "gpu_pools",
    "nvidia_device_plugin",
    "pool_node_affinity",
    "pool_placement",
    "rdma_pools",
]

# Every cluster module labels each node with its pool key (modules/*-gpu-cluster pool_labels).
POOL_LABEL = "infra/pool"
SYSTEM_NAMESPACE = "kube-system"
MONITORING_NAMESPACE = "gpu-monitoring"
# The NVIDIA Network Operator's namespace (the name Azure's guide installs it in).
NETWORK_NAMESPACE = "network-operator"
_MANAGED_BY = {"app.kubernetes.io/managed-by": "infra"}
# The namespaces the add-ons root creates itself (a release in one refers to it), and their
# labels; every other release namespace (kube-system) exists already.
MANAGED_NAMESPACES: Mapping[str, Mapping[str, str]] = {
    MONITORING_NAMESPACE: _MANAGED_BY,
    NETWORK_NAMESPACE: {**_MANAGED_BY, "pod-security.kubernetes.io/enforce": "privileged"},
}
# The key of the alert rules file in its ConfigMap (Terraform and Pulumi alike).
RULES_FILE = "gpu-alerts.rules.yaml"
ALERT_RULES_CONFIG_MAP = "gpu-alert-rules"

NVIDIA_REPOSITORY = "https://nvidia.github.io/k8s-device-plugin"
NVIDIA_CHART = "nvidia-device-plugin"
NVIDIA_VERSION = "0.20.0"
DCGM_REPOSITORY = "https://nvidia.github.io/dcgm-exporter/helm-charts"
DCGM_CHART = "dcgm-exporter"
DCGM_VERSION = "4.8.2"
EKS_CHARTS_REPOSITORY = "https://aws.github.io/eks-charts"
EFA_CHART = "aws-efa-k8s-device-plugin"
EFA_VERSION = "v0.5.30"


@dataclass(frozen=True, slots=True)
class HelmRelease:
    """One ``helm_release`` (Terraform) / ``helm.v3.Release`` (Pulumi), by the same name."""

    name: str
    chart: str
    repository: str
    version: str
    namespace: str
    values: Mapping[str, Value]
    # Names of the releases (of the same cluster) this one installs after: its objects need
    # what they install (CRDs, an operator). Helm has no ordering across releases.
    depends_on: tuple[str, ...] = ()

    def record(self) -> dict[str, Value]:
        """The release as stack.json and the parity inventory hold it (``depends_on`` only
        when it has one, so the releases without keep their record)."""
        record: dict[str, Value] = {
            "name": self.name,
            "chart": self.chart,
            "repository": self.repository,
            "version": self.version,
            "namespace": self.namespace,
            "values": dict(self.values),
        }
        if self.depends_on:
            record["depends_on"] = list(self.depends_on)
        return record


@dataclass(frozen=True, slots=True)
class ManagedAddon:
    """One add-on the cloud itself installs and upgrades in the cluster (no Helm chart of
    ours): a Terraform resource of ``resource_type`` labelled ``label`` in the add-ons root, and
    the same resource in the Pulumi program (:mod:`infra.clouds.gpu_software`), by one name."""

    label: str  # the Terraform resource label; the Pulumi resource is "<component>-<label>",
    # i.e. "<cluster>-gpu-software-<label>"
    resource_type: str  # the Terraform resource type, e.g. alicloud_cs_kubernetes_addon
    name: str  # the add-on's name in the cloud's catalog, e.g. ack-erdma-controller
    config: Mapping[str, Value]  # the add-on's custom configuration; {} for its defaults

    def config_json(self) -> str:
        """The configuration as the cloud's API takes it: a JSON string, keys sorted and
        compact, exactly what Terraform's ``jsonencode`` writes; "" for none."""
        if not self.config:
            return ""
        return json.dumps(self.config, sort_keys=True, separators=(",", ":"))

    def record(self) -> dict[str, Value]:
        """The add-on as stack.json holds it."""
        return {
            "label": self.label,
            "resource_type": self.resource_type,
            "name": self.name,
            "config": dict(self.config),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Value]) -> ManagedAddon:
        """The add-on back from :meth:`record` (the Pulumi program reads stack.json)."""
        config = record["config"]
        if not isinstance(config, Mapping):
            raise TypeError(f"managed add-on {record.get('name')!r}: config is not an object")
        return cls(str(record["label"]), str(record["resource_type"]), str(record["name"]), config)


class GpuSoftware(ABC):
    """What one cloud installs on a cluster's GPU pools (``infra/clouds/<cloud>/gpu.py``)."""

    @abstractmethod
    def releases(self, cluster: DrCluster) -> tuple[HelmRelease, ...]:
        """The pinned Helm releases of ``cluster``; () for a cluster without GPU pools."""

    def managed_addons(self, cluster: DrCluster) -> tuple[ManagedAddon, ...]:
        """The cloud's own add-ons ``cluster`` needs; none by default."""
        del cluster
        return ()

    def pulumi_twins(self) -> Mapping[str, tuple[str, str, str]]:
        """Terraform resource type of each managed add-on -> (Pulumi package, module, class) of
        the resource the Pulumi program creates for it; none by default."""
        return {}

    def addon_cluster_id(self, cluster: DrCluster) -> Raw:
        """The cluster's id in the add-ons root, for its managed add-ons' ``cluster_id``: an
        expression over the data sources of ``Cloud.checkpoint_sync().kubernetes_provider``.
        Only a cloud with managed add-ons has one: one whose :meth:`managed_addons` returns some
        must override this, and any other reaching it is a defect of that cloud's package."""
        raise InfraError(
            f"{type(self).__name__} returned managed add-ons for {cluster.name} but gives no "
            "cluster id for them (override addon_cluster_id)"
        )

    def notes(self, cluster: DrCluster) -> tuple[str, ...]:
        """What the root leaves to someone else, one line each, for main.tf's header."""
        del cluster
        return ()


def _pools(cluster: DrCluster) -> Mapping[str, Mapping[str, Value]]:
    pools = cluster.inputs.get("node_pools")
    if not isinstance(pools, Mapping):
        return {}
    return {str(k): v for k, v in pools.items() if isinstance(v, Mapping)}


def gpu_pools(cluster: DrCluster) -> tuple[str, ...]:
    """The keys of the pools with GPUs, in module order (sorted, as Terraform keys maps)."""
    return tuple(sorted(k for k, p in _pools(cluster).items() if p.get("gpu")))


def rdma_pools(cluster: DrCluster) -> tuple[str, ...]:
    """The keys of the GPU pools with RDMA networking (EFA, InfiniBand, eRDMA)."""
    return tuple(k for k in gpu_pools(cluster) if _pools(cluster)[k].get("rdma"))


def pool_node_affinity(pools: Sequence[str]) -> dict[str, Value]:
    """Required node affinity on the pool label, listing exactly ``pools``."""
    return {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchExpressions": [{"key": POOL_LABEL, "operator": "In", "values": list(pools)}]}
            ]
        }
    }


def pool_placement(pools: Sequence[str]) -> dict[str, Value]:
    """Pod placement for a DaemonSet that belongs on exactly ``pools``: required node affinity
    on the pool label, and a toleration of every taint, since the pools may carry any taint the
    stack gives them (and the clouds add their own, e.g. AKS spot) and nothing else matches."""
    return {
        "affinity": {"nodeAffinity": pool_node_affinity(pools)},
        "tolerations": [{"operator": "Exists"}],
    }


def nvidia_device_plugin(cluster: DrCluster) -> HelmRelease:
    """The NVIDIA device plugin on the GPU pools (``nvidia.com/gpu`` allocatable). Its chart's
    default affinity needs Node Feature Discovery labels, which no cluster here runs: replaced."""
    return HelmRelease(
        "nvidia-device-plugin",
        NVIDIA_CHART,
        NVIDIA_REPOSITORY,
        NVIDIA_VERSION,
        SYSTEM_NAMESPACE,
        pool_placement(gpu_pools(cluster)),
    )


def efa_device_plugin(cluster: DrCluster) -> HelmRelease:
    """The EFA device plugin (``vpc.amazonaws.com/efa``) on the RDMA pools only: the chart's
    ``supportedInstanceLabels`` become its required node affinity, here on the pool label."""
    return HelmRelease(
        "aws-efa-k8s-device-plugin",
        EFA_CHART,
        EKS_CHARTS_REPOSITORY,
        EFA_VERSION,
        SYSTEM_NAMESPACE,
        {
            "supportedInstanceLabels": {"keys": [POOL_LABEL], "values": list(rdma_pools(cluster))},
            "tolerations": [{"operator": "Exists"}],
        },
    )


def dcgm_exporter(cluster: DrCluster) -> HelmRelease:
    """The DCGM exporter on the GPU pools, with every field the alerts read switched on and no
    ServiceMonitor (the Prometheus Operator's CRD is not guaranteed in the cluster)."""
    return HelmRelease(
        "dcgm-exporter",
        DCGM_CHART,
        DCGM_REPOSITORY,
        DCGM_VERSION,
        MONITORING_NAMESPACE,
        {
            **pool_placement(gpu_pools(cluster)),
            "serviceMonitor": {"enabled": False},
            "customMetrics": DCGM_COUNTERS,
        },
    )


# dcgm-exporter 4.8.2's etc/default-counters.csv, with the fields the alerts need uncommented:
# ECC (volatile and aggregate, single- and double-bit), the power and thermal violation
# counters, retired pages and the NVLink error counters. customMetrics replaces the whole list.
DCGM_COUNTERS = """\
# DCGM FIELD, Prometheus metric type, help message
DCGM_FI_DEV_SM_CLOCK, gauge, SM clock frequency (in MHz).
DCGM_FI_DEV_MEM_CLOCK, gauge, Memory clock frequency (in MHz).
DCGM_FI_DEV_MEMORY_TEMP, gauge, Memory temperature (in C).
DCGM_FI_DEV_GPU_TEMP, gauge, GPU temperature (in C).
DCGM_FI_DEV_POWER_USAGE, gauge, Power draw (in W).
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, counter, Total energy consumption since boot (in mJ).
DCGM_FI_DEV_PCIE_REPLAY_COUNTER, counter, Total number of PCIe retries.
DCGM_FI_DEV_GPU_UTIL, gauge, GPU utilization (in %).
DCGM_FI_DEV_MEM_COPY_UTIL, gauge, Memory utilization (in %).
DCGM_FI_DEV_XID_ERRORS, gauge, Value of the last XID error encountered.
DCGM_FI_DEV_POWER_VIOLATION, counter, Throttling duration due to power constraints (in ns).
DCGM_FI_DEV_THERMAL_VIOLATION, counter, Throttling duration due to thermal constraints (in ns).
DCGM_FI_DEV_FB_FREE, gauge, Framebuffer memory free (in MiB).
DCGM_FI_DEV_FB_USED, gauge, Framebuffer memory used (in MiB).
DCGM_FI_DEV_ECC_SBE_VOL_TOTAL, counter, Total number of single-bit volatile ECC errors.
DCGM_FI_DEV_ECC_DBE_VOL_TOTAL, counter, Total number of double-bit volatile ECC errors.
DCGM_FI_DEV_ECC_SBE_AGG_TOTAL, counter, Total number of single-bit persistent ECC errors.
DCGM_FI_DEV_ECC_DBE_AGG_TOTAL, counter, Total number of double-bit persistent ECC errors.
DCGM_FI_DEV_RETIRED_DBE, counter, Total number of retired pages due to double-bit errors.
DCGM_FI_DEV_RETIRED_PENDING, counter, Total number of pages pending retirement.
DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL, counter, Total number of NVLink flow-control CRC errors.
DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL, counter, Total number of NVLink data CRC errors.
DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL, counter, Total number of NVLink retries.
DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL, counter, Total number of NVLink recovery errors.
DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL, counter, Total number of NVLink bandwidth counters for all lanes.
DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS, counter, Number of remapped rows for uncorrectable errors
DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS, counter, Number of remapped rows for correctable errors
DCGM_FI_DEV_ROW_REMAP_FAILURE, gauge, Whether remapping of rows has failed
DCGM_FI_PROF_GR_ENGINE_ACTIVE, gauge, Ratio of time the graphics engine is active.
DCGM_FI_PROF_PIPE_TENSOR_ACTIVE, gauge, Ratio of cycles the tensor (HMMA) pipe is active.
DCGM_FI_PROF_DRAM_ACTIVE, gauge, Ratio of cycles the device memory interface is active sending or receiving data.
"""


@dataclass(frozen=True, slots=True)
class GpuAlert:
    """One Prometheus alerting rule over the DCGM exporter's metrics."""

    name: str
    expr: str
    duration: str  # the rule's ``for``
    severity: str
    summary: str


# XID meanings: NVIDIA's "XID Errors" guide (docs.nvidia.com/deploy/xid-errors): 48 double-bit
# ECC error, 79 GPU has fallen off the bus, 63/64 row remapping events/failure, 74 NVLink error.
GPU_ALERTS: tuple[GpuAlert, ...] = (
    GpuAlert(
        "GpuXidError",
        "DCGM_FI_DEV_XID_ERRORS > 0",
        "0m",
        "warning",
        "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} reported XID {{ $value }}.",
    ),
    GpuAlert(
        "GpuFellOffTheBus",
        "DCGM_FI_DEV_XID_ERRORS == 79",
        "0m",
        "critical",
        "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} fell off the bus (XID 79): drain it.",
    ),
    GpuAlert(
        "GpuDoubleBitEccErrors",
        "increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL[10m]) > 0 or "
        "increase(DCGM_FI_DEV_ECC_DBE_AGG_TOTAL[10m]) > 0",
        "0m",
        "critical",
        "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} has new double-bit ECC errors.",
    ),
    GpuAlert(
        "GpuRowRemapFailure",
        "DCGM_FI_DEV_ROW_REMAP_FAILURE > 0",
        "0m",
        "critical",
        "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} failed to remap a memory row: replace.",
    ),
    GpuAlert(
        "GpuThermalThrottling",
        "rate(DCGM_FI_DEV_THERMAL_VIOLATION[5m]) > 0",
        "10m",
        "warning",
        "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is throttled by temperature.",
    ),
    GpuAlert(
        "GpuPowerThrottling",
        "rate(DCGM_FI_DEV_POWER_VIOLATION[5m]) > 0",
        "10m",
        "warning",
        "GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is throttled by its power limit.",
    ),
    GpuAlert(
        "GpuNvlinkErrors",
        "increase(DCGM_FI_DEV_NVLINK_CRC_DATA_ERROR_COUNT_TOTAL[10m]) > 0 or "
        "increase(DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL[10m]) > 0",
        "0m",
        "warning",
        "NVLink of GPU {{ $labels.gpu }} on {{ $labels.Hostname }} has data or recovery errors.",
    ),
    GpuAlert(
        "GpuExporterMissing",
        'absent_over_time(DCGM_FI_DEV_GPU_TEMP{Hostname!=""}[10m])',
        "5m",
        "critical",
        "No DCGM metrics from any GPU node for 10 minutes: the exporter or the GPUs are gone.",
    ),
)


def alert_rules_yaml() -> str:
    """The rules as a Prometheus rules file (prometheus.io/docs/prometheus/latest/
    configuration/alerting_rules), for a Prometheus that loads it from the ConfigMap."""
    lines = ["groups:", "  - name: gpu-health", "    rules:"]
    for alert in GPU_ALERTS:
        lines += [
            f"      - alert: {alert.name}",
            f"        expr: {_yaml_string(alert.expr)}",
            f"        for: {alert.duration}",
            "        labels:",
            f"          severity: {alert.severity}",
            "        annotations:",
            f"          summary: {_yaml_string(alert.summary)}",
        ]
    return "\n".join(lines) + "\n"


def _yaml_string(text: str) -> str:
    """A single-quoted YAML scalar (a quote inside doubled)."""
    return "'" + text.replace("'", "''") + "'"
