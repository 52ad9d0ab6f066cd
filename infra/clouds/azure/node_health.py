"""``infra:azure:NodeHealth``: Azure Monitor alerts on the GPU node pools of
``infra:azure:GpuCluster``.

The Pulumi twin of ``modules/azure-gpu-cluster/health.tf``: same alerts, same names, same
criteria. Sources (also in health.tf and docs/node-health.md): the AKS platform metric
``kube_node_status_condition`` with dimensions condition, status, status2, node (Azure Monitor,
"Supported metrics for Microsoft.ContainerService/managedClusters"); the values of ``status``
(true, false, unknown) as kube-state-metrics defines the series
(kube-state-metrics ``docs/metrics/cluster/node-metrics.md``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import containerservice, monitor, resources

from infra.clouds.args import ComponentInputError
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.cluster import AzureGpuClusterArgs

__all__ = ["TYPE", "NodeHealth", "check_node_health_inputs"]

TYPE = "infra:azure:NodeHealth"
# health.tf, variable "action_group_id" (the same rule as modules/dr-azure).
_ACTION_GROUP = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/microsoft.insights/actionGroups/[^/]+$",
    re.IGNORECASE,
)


def check_node_health_inputs(action_group_id: str | None) -> None:
    """The validation block of health.tf's ``action_group_id``."""
    if action_group_id is not None and not _ACTION_GROUP.match(action_group_id):
        raise ComponentInputError("action_group_id must be an action group resource id")


class NodeHealth(Part):
    """Mirrors health.tf's ``azurerm_monitor_metric_alert.gpu_nodes_not_ready``: one alert per
    GPU pool (the system pool too, when it has GPUs) on its nodes staying not Ready.

    A new part: its resources never existed elsewhere, so they carry no alias.
    """

    not_ready_alerts: dict[str, monitor.MetricAlert]

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureGpuClusterArgs,
        group: resources.ResourceGroup,
        cluster: containerservice.ManagedCluster,
        tags: Mapping[str, str],
        *,
        action_group_id: str | None = None,
    ) -> None:
        check_node_health_inputs(action_group_id)
        super().__init__(TYPE, name, top)
        actions = (
            [monitor.MetricAlertActionArgs(action_group_id=action_group_id)]
            if action_group_id is not None
            else []
        )
        gpu_pools = sorted(k for k, p in a.node_pools.items() if p.gpu is not None)
        self.not_ready_alerts = {
            key: monitor.MetricAlert(
                f"{a.name}-{key}-nodes-not-ready",
                rule_name=f"{a.name}-{key}-nodes-not-ready",
                resource_group_name=group.name,
                location="global",
                scopes=[cluster.id],
                description=(
                    f"GPU node unhealthy: a node of pool {key} ({a.name}) was not Ready for 15 "
                    "min; check the node's conditions and events (kubectl describe node), then "
                    "cordon, drain and reimage or delete it."
                ),
                severity=1,
                enabled=True,
                auto_mitigate=True,
                window_size="PT15M",
                evaluation_frequency="PT5M",
                criteria=_not_ready_criteria(key),
                actions=actions,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for key in gpu_pools
        }
        # health.tf's output "node_health_alert_ids".
        self.node_health_alert_ids = {k: x.id for k, x in self.not_ready_alerts.items()}
        self.register_outputs({"node_health_alert_ids": self.node_health_alert_ids})


def _not_ready_criteria(pool: str) -> monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs:
    """Ready false or unknown on a node named aks-<pool>-..., for the whole window."""
    return monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
        odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
        all_of=[
            monitor.MetricCriteriaArgs(
                criterion_type="StaticThresholdCriterion",
                name="Metric1",
                metric_namespace="Microsoft.ContainerService/managedClusters",
                metric_name="kube_node_status_condition",
                time_aggregation="Minimum",
                operator="GreaterThan",
                threshold=0,
                dimensions=[
                    monitor.MetricDimensionArgs(
                        name="condition", operator="Include", values=["Ready"]
                    ),
                    monitor.MetricDimensionArgs(
                        name="status", operator="Include", values=["false", "unknown"]
                    ),
                    monitor.MetricDimensionArgs(
                        name="node", operator="StartsWith", values=[f"aks-{pool}-"]
                    ),
                ],
            )
        ],
    )
