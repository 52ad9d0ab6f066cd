"""``infra:azure:DisasterRecovery``: the Pulumi twin of ``modules/dr-azure``.

Checkpoint object replication, one Traffic Manager profile (priority routing) per failover name
with a CNAME in Azure DNS when a zone is given, and Azure Monitor metric alerts. Built on
pulumi-azure-native (the ARM API) where the module uses azurerm; same inputs, names and outputs,
the resource set differs only where the two providers model one Azure object differently (search
for "Differs").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization, dns, monitor, resources, storage, trafficmanager

from infra.clouds.args import ComponentInputError, args_from_inputs
from infra.clouds.azure.naming import resource_group
from infra.clouds.component import DisasterRecoveryComponent
from infra.clouds.dr_args import (
    check_key,
    check_name_region_rpo,
    check_records,
    nested_list,
    nested_map,
    nested_record,
)

__all__ = [
    "COMPONENT",
    "AzureDisasterRecovery",
    "AzureDisasterRecoveryArgs",
    "AzureDnsRecord",
    "AzureDnsZone",
    "AzureHealthCheck",
    "AzureReplicationPair",
    "AzureStandbyCluster",
    "lag_window_minutes",
]

TYPE = "infra:azure:DisasterRecovery"
_REGION = re.compile(r"^[a-z]+[a-z0-9]*$")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_CONTAINER = re.compile(r"^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$")
_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")
_ACTION_GROUP = re.compile(
    r"(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/microsoft.insights/actionGroups/[^/]+$"
)
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
# copy_blobs_created_after = "Everything": azurerm sends this minimum creation time.
_EVERYTHING = "1601-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureReplicationPair:
    """One entry of ``replication_pairs``."""

    source_resource_group: str
    source_storage_account: str
    destination_resource_group: str
    destination_storage_account: str
    container: str = "checkpoints"
    destination_container: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureDnsRecord:
    """One entry of ``dns_records``: targets in failover order (first = priority 1)."""

    name: str
    traffic_manager_name: str
    targets: tuple[str, ...]
    ttl: int = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureDnsZone:
    """``dns_zone``: where each record's name becomes a CNAME to its profile."""

    name: str
    resource_group_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureHealthCheck:
    """``health_check``: Traffic Manager endpoint monitoring."""

    port: int = 443
    path: str = "/healthz"
    interval_seconds: int = 30
    timeout_seconds: int = 10
    tolerated_failures: int = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureStandbyCluster:
    """One entry of ``standby_clusters``."""

    cluster_name: str
    resource_group_name: str
    pools: tuple[str, ...]


def lag_window_minutes(rpo_minutes: int) -> int:
    """``local.lag_window_minutes``: the longest alert window that fits in the RPO."""
    return max(m for m in _WINDOWS if m <= rpo_minutes)


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureDisasterRecoveryArgs:
    """The variables of ``modules/dr-azure`` (see its variables.tf for each one)."""

    name: str
    region: str
    tags: Mapping[str, str] = field(default_factory=dict)
    rpo_minutes: int
    subscription_id: str | None = None
    replication_pairs: Mapping[str, AzureReplicationPair] = field(default_factory=dict)
    replicate_existing_blobs: bool = True
    dns_records: Mapping[str, AzureDnsRecord] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)
    dns_zone: AzureDnsZone | None = None
    health_check: AzureHealthCheck = field(default_factory=AzureHealthCheck)
    standby_clusters: tuple[AzureStandbyCluster, ...] = ()
    action_group_id: str | None = None
    lag_aggregation: str = "Minimum"

    def __post_init__(self) -> None:
        # The module's validation blocks and preconditions, checked before anything is created.
        check_name_region_rpo(self.name, self.region, _REGION, self.rpo_minutes)
        if self.subscription_id is not None and not _GUID.fullmatch(self.subscription_id):
            raise ComponentInputError("subscription_id must be a subscription GUID or null")
        for key, pair in self.replication_pairs.items():
            where = f"replication_pairs[{key!r}]"
            check_key(where, key)
            accounts = (pair.source_storage_account, pair.destination_storage_account)
            if not all(_ACCOUNT.fullmatch(a) for a in accounts):
                raise ComponentInputError(
                    f"{where}: storage account names must be 3-24 lowercase letters and digits"
                )
            if accounts[0] == accounts[1]:
                raise ComponentInputError(f"{where}: must copy to a different storage account")
            for container in (pair.container, pair.destination_container):
                if container is not None and not _CONTAINER.fullmatch(container):
                    raise ComponentInputError(f"{where}: container {container!r} is not valid")
        check_records(self.dns_records, self.endpoints, min_ttl=0, max_ttl=2147483647)
        for key, record in self.dns_records.items():
            if len(record.targets) > 200 or not _LABEL.fullmatch(record.traffic_manager_name):
                raise ComponentInputError(
                    f"dns_records[{key!r}]: at most 200 targets, and traffic_manager_name must "
                    "be a DNS label"
                )
        hc = self.health_check
        if not 1 <= hc.port <= 65535 or not hc.path.startswith("/"):
            raise ComponentInputError("health_check.port must be 1-65535, path start with '/'")
        if (
            hc.interval_seconds not in (10, 30)
            or not 5 <= hc.timeout_seconds <= 10
            or not 0 <= hc.tolerated_failures <= 9
        ):
            raise ComponentInputError(
                "health_check needs interval_seconds 10 or 30, timeout_seconds 5-10 and "
                "tolerated_failures 0-9"
            )
        if self.action_group_id is not None and not _ACTION_GROUP.fullmatch(self.action_group_id):
            raise ComponentInputError("action_group_id must be an action group resource id")
        if self.lag_aggregation not in ("Average", "Minimum", "Maximum"):
            raise ComponentInputError("lag_aggregation must be Average, Minimum or Maximum")

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AzureDisasterRecoveryArgs:
        """The args from the module inputs of a ``_dr`` call (as stored in ``stack.json``)."""
        values = dict(inputs)
        values["replication_pairs"] = nested_map(
            AzureReplicationPair, "replication_pairs", inputs.get("replication_pairs")
        )
        values["dns_records"] = nested_map(AzureDnsRecord, "dns_records", inputs.get("dns_records"))
        values["dns_zone"] = (
            None
            if inputs.get("dns_zone") is None
            else nested_record(AzureDnsZone, "dns_zone", inputs["dns_zone"])
        )
        values["health_check"] = nested_record(
            AzureHealthCheck, "health_check", inputs.get("health_check") or {}
        )
        values["standby_clusters"] = nested_list(
            AzureStandbyCluster, "standby_clusters", inputs.get("standby_clusters")
        )
        return args_from_inputs(cls, {k: v for k, v in values.items() if v is not None})


class AzureDisasterRecovery(DisasterRecoveryComponent):
    """Checkpoint object replication, Traffic Manager failover and DR alerts on Azure."""

    OUTPUTS = (
        "resource_group_name",
        "object_replication_ids",
        "traffic_manager_fqdns",
        "traffic_manager_profile_names",
        "replication_lag_alert_ids",
        "standby_alert_ids",
    )
    resource_group_name: pulumi.Output[str]
    object_replication_ids: pulumi.Output[dict[str, str]]
    traffic_manager_fqdns: pulumi.Output[dict[str, str]]
    traffic_manager_profile_names: pulumi.Output[dict[str, str]]
    replication_lag_alert_ids: pulumi.Output[dict[str, str]]
    standby_alert_ids: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        args: AzureDisasterRecoveryArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        a = args
        child = pulumi.ResourceOptions(parent=self)
        subscription = (
            pulumi.Output.from_input(a.subscription_id)
            if a.subscription_id is not None
            else authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).subscription_id
        )
        tags = {**a.tags, "infra-dr": a.name}
        actions = (
            [monitor.MetricAlertActionArgs(action_group_id=a.action_group_id)]
            if a.action_group_id is not None
            else []
        )
        group = resources.ResourceGroup(
            resource_group(a.name),
            resource_group_name=resource_group(a.name),
            location=a.region,
            tags=tags,
            opts=child,
        )

        def account_id(resource_group: str, account: str) -> pulumi.Output[str]:
            return pulumi.Output.concat(
                "/subscriptions/",
                subscription,
                f"/resourceGroups/{resource_group}/providers/Microsoft.Storage/storageAccounts/",
                account,
            )

        # -- checkpoint object replication ------------------------------------------------------
        # Differs: azurerm_storage_object_replication is one resource that writes the policy on
        # both accounts; ARM takes it on the destination account first (policy id "default"
        # asks Azure to assign one), then on the source account under the id Azure assigned.
        policies: dict[str, storage.ObjectReplicationPolicy] = {}
        window = lag_window_minutes(a.rpo_minutes)
        lag_alerts: dict[str, monitor.MetricAlert] = {}
        for key, pair in a.replication_pairs.items():
            source_id = account_id(pair.source_resource_group, pair.source_storage_account)
            destination_id = account_id(
                pair.destination_resource_group, pair.destination_storage_account
            )
            rule = storage.ObjectReplicationPolicyRuleArgs(
                source_container=pair.container,
                destination_container=pair.destination_container or pair.container,
                filters=storage.ObjectReplicationPolicyFilterArgs(min_creation_time=_EVERYTHING)
                if a.replicate_existing_blobs
                else None,
            )
            on_destination = storage.ObjectReplicationPolicy(
                f"{a.name}-{key}-destination",
                account_name=pair.destination_storage_account,
                resource_group_name=pair.destination_resource_group,
                object_replication_policy_id="default",
                source_account=source_id,
                destination_account=destination_id,
                rules=[rule],
                opts=child,
            )
            policies[key] = storage.ObjectReplicationPolicy(
                f"{a.name}-{key}",
                account_name=pair.source_storage_account,
                resource_group_name=pair.source_resource_group,
                object_replication_policy_id=on_destination.policy_id,
                source_account=source_id,
                destination_account=destination_id,
                rules=on_destination.rules.apply(_with_assigned_rule_id(rule)),
                opts=child,
            )
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
                actions=actions,
                tags=tags,
                opts=child,
            )

        # -- DNS failover: one Traffic Manager profile per record ------------------------------
        profiles: dict[str, trafficmanager.Profile] = {}
        for key, record in a.dns_records.items():
            profile = trafficmanager.Profile(
                f"{a.name}-{key}",
                profile_name=f"{a.name}-{key}",
                resource_group_name=group.name,
                location="global",
                profile_status="Enabled",
                traffic_routing_method="Priority",
                dns_config=trafficmanager.DnsConfigArgs(
                    relative_name=record.traffic_manager_name, ttl=record.ttl
                ),
                monitor_config=trafficmanager.MonitorConfigArgs(
                    protocol="HTTPS",
                    port=a.health_check.port,
                    path=a.health_check.path,
                    interval_in_seconds=a.health_check.interval_seconds,
                    timeout_in_seconds=a.health_check.timeout_seconds,
                    tolerated_number_of_failures=a.health_check.tolerated_failures,
                ),
                tags=tags,
                opts=child,
            )
            profiles[key] = profile
            for priority, target in enumerate(record.targets, start=1):
                # Named after the cluster, as the DR runbook addresses endpoints.
                trafficmanager.Endpoint(
                    f"{a.name}-{key}-{target}",
                    endpoint_name=target,
                    endpoint_type="ExternalEndpoints",
                    profile_name=profile.name,
                    resource_group_name=group.name,
                    target=a.endpoints[target],
                    priority=priority,
                    endpoint_status="Enabled",
                    opts=child,
                )
            if a.dns_zone is not None:
                dns.RecordSet(
                    f"{a.name}-{key}",
                    relative_record_set_name=record.name,
                    record_type="CNAME",
                    zone_name=a.dns_zone.name,
                    resource_group_name=a.dns_zone.resource_group_name,
                    ttl=record.ttl,
                    target_resource=dns.SubResourceArgs(id=profile.id),
                    metadata=tags,
                    opts=child,
                )

        # -- standby pools that cannot scale ---------------------------------------------------
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
                actions=actions,
                tags=tags,
                opts=child,
            )

        self.resource_group_name = group.name
        self.object_replication_ids = _by_key({k: p.id for k, p in policies.items()})
        self.traffic_manager_fqdns = _by_key(
            {
                k: p.dns_config.apply(lambda c: c.fqdn if c is not None else None)
                for k, p in profiles.items()
            }
        )
        self.traffic_manager_profile_names = _by_key({k: p.name for k, p in profiles.items()})
        self.replication_lag_alert_ids = _by_key({k: x.id for k, x in lag_alerts.items()})
        self.standby_alert_ids = _by_key({k: x.id for k, x in standby_alerts.items()})
        self.register_outputs(self.outputs())


def _with_assigned_rule_id(
    rule: storage.ObjectReplicationPolicyRuleArgs,
) -> Callable[
    [Sequence[storage.outputs.ObjectReplicationPolicyRuleResponse] | None],
    list[storage.ObjectReplicationPolicyRuleArgs],
]:
    """The source account's rule: the destination's, under the rule id Azure assigned there."""

    def assigned(
        rules: Sequence[storage.outputs.ObjectReplicationPolicyRuleResponse] | None,
    ) -> list[storage.ObjectReplicationPolicyRuleArgs]:
        return [
            storage.ObjectReplicationPolicyRuleArgs(
                rule_id=rules[0].rule_id if rules else None,
                source_container=rule.source_container,
                destination_container=rule.destination_container,
                filters=rule.filters,
            )
        ]

    return assigned


def _by_key(values: Mapping[str, pulumi.Input[str | None]]) -> pulumi.Output[dict[str, str]]:
    return pulumi.Output.all(**values).apply(dict)


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


def _component(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> AzureDisasterRecovery:
    return AzureDisasterRecovery(name, AzureDisasterRecoveryArgs.from_inputs(inputs), opts)


COMPONENT = _component
