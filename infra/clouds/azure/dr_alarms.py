"""``infra:azure:DrAlarms``: the metric alerts of ``infra:azure:DisasterRecovery``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import monitor, resources, storage

from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.disaster_recovery import AzureDisasterRecoveryArgs

__all__ = ["TYPE", "DrAlarms", "lag_window_minutes"]

TYPE = "infra:azure:DrAlarms"
# Azure Monitor metric alerts take these windows only (minutes -> ISO 8601).
_WINDOWS = {
    1: "PT1M",
    5: "PT5M",
    15: "PT15M",
    30: "PT30M",
    60: "PT1H",
    360: "PT6H",
    720: "PT12H",
    1440: "P1D",
}


def lag_window_minutes(rpo_minutes: int) -> int:
    """``local.lag_window_minutes``: the longest alert window that fits in the RPO."""
    return max(m for m in _WINDOWS if m <= rpo_minutes)


class DrAlarms(Part):
    """The module's "Alerts" section: replication backlog over the RPO, standby pools that
    cannot scale."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureDisasterRecoveryArgs,
        group: resources.ResourceGroup,
        policies: Mapping[str, storage.ObjectReplicationPolicy],
        subscription: pulumi.Input[str],
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(TYPE, name, top)
        self._actions = (
            [monitor.MetricAlertActionArgs(action_group_id=a.action_group_id)]
            if a.action_group_id is not None
            else []
        )
        self.lag_alerts = self._replication_lag(a, group, policies, tags)
        self.standby_alerts = self._standby_cannot_scale(a, group, subscription, tags)
        self.register_outputs(
            {
                "replication_lag_alert_ids": {k: x.id for k, x in self.lag_alerts.items()},
                "standby_alert_ids": {k: x.id for k, x in self.standby_alerts.items()},
            }
        )

    def _replication_lag(
        self,
        a: AzureDisasterRecoveryArgs,
        group: resources.ResourceGroup,
        policies: Mapping[str, storage.ObjectReplicationPolicy],
        tags: Mapping[str, str],
    ) -> dict[str, monitor.MetricAlert]:
        """One alert per replication pair: operations pending replication for a whole window."""
        window = lag_window_minutes(a.rpo_minutes)
        lag_alerts: dict[str, monitor.MetricAlert] = {}
        for key, pair in a.replication_pairs.items():
            lag_alerts[key] = monitor.MetricAlert(
                f"{a.name}-{key}-replication-lag",
                rule_name=f"{a.name}-{key}-replication-lag",
                resource_group_name=group.name,
                location="global",
                scopes=[policies[key].id],
                description=(
                    f"DR at risk: checkpoints of {key} ({pair.source_storage_account} -> "
                    f"{pair.destination_storage_account}) had operations pending replication "
                    f"for a whole {window}-minute window (RPO {a.rpo_minutes} min)."
                ),
                severity=1,
                enabled=True,
                auto_mitigate=True,
                window_size=_WINDOWS[window],
                evaluation_frequency="PT1M" if window <= 1 else "PT5M",
                criteria=_criteria(
                    "Microsoft.Storage/storageAccounts/objectReplicationPolicies",
                    "PendingOperationsForReplication",
                    a.lag_aggregation,
                ),
                actions=self._actions,
                tags=tags,
                opts=self.child(),
            )
        return lag_alerts

    def _standby_cannot_scale(
        self,
        a: AzureDisasterRecoveryArgs,
        group: resources.ResourceGroup,
        subscription: pulumi.Input[str],
        tags: Mapping[str, str],
    ) -> dict[str, monitor.MetricAlert]:
        """One alert per standby cluster: standby pools that cannot scale."""
        standby_alerts: dict[str, monitor.MetricAlert] = {}
        for cluster in {c.cluster_name: c for c in a.standby_clusters}.values():
            standby_alerts[cluster.cluster_name] = monitor.MetricAlert(
                f"{a.name}-{cluster.cluster_name}-standby-cannot-scale",
                rule_name=f"{a.name}-{cluster.cluster_name}-standby-cannot-scale",
                resource_group_name=group.name,
                location="global",
                scopes=[
                    pulumi.Output.concat(
                        "/subscriptions/",
                        subscription,
                        f"/resourceGroups/{cluster.resource_group_name}/providers/"
                        f"Microsoft.ContainerService/managedClusters/{cluster.cluster_name}",
                    )
                ],
                description=(
                    f"DR at risk: pods on {cluster.cluster_name} stayed unschedulable for 15 "
                    f"min; standby pools {', '.join(cluster.pools)} may be unable to scale "
                    "(quota, capacity or max nodes)."
                ),
                severity=1,
                enabled=True,
                auto_mitigate=True,
                window_size="PT15M",
                evaluation_frequency="PT5M",
                criteria=_criteria(
                    "Microsoft.ContainerService/managedClusters",
                    "cluster_autoscaler_unschedulable_pods_count",
                    "Average",
                ),
                actions=self._actions,
                tags=tags,
                opts=self.child(),
            )
        return standby_alerts


def _criteria(
    namespace: str, metric: str, aggregation: str
) -> monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs:
    return monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
        odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
        all_of=[
            monitor.MetricCriteriaArgs(
                criterion_type="StaticThresholdCriterion",
                name="Metric1",
                metric_namespace=namespace,
                metric_name=metric,
                time_aggregation=aggregation,
                operator="GreaterThan",
                threshold=0,
            )
        ],
    )
