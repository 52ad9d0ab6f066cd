"""``infra:azure:DisasterRecovery``: the Pulumi twin of ``modules/dr-azure``.

Checkpoint object replication, one Traffic Manager profile (priority routing) per failover name
with a CNAME in Azure DNS when a zone is given, and Azure Monitor metric alerts. Built on
pulumi-azure-native (the ARM API) where the module uses azurerm; same inputs, names and outputs,
the resource set differs only where the two providers model one Azure object differently (search
for "Differs"). Each section of the module is a part of the component, in its own module:
``replication``, ``failover_dns`` and ``dr_alarms``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import authorization, resources

from infra.clouds.args import ComponentInputError, args_from_inputs
from infra.clouds.azure.dr_alarms import DrAlarms, lag_window_minutes
from infra.clouds.azure.failover_dns import FailoverDns
from infra.clouds.azure.naming import resource_group
from infra.clouds.azure.replication import Replication
from infra.clouds.component import DisasterRecoveryComponent, by_key
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
        subscription = (
            pulumi.Output.from_input(a.subscription_id)
            if a.subscription_id is not None
            else authorization.get_client_config_output(
                opts=pulumi.InvokeOutputOptions(parent=self)
            ).subscription_id
        )
        tags = {**a.tags, "infra-dr": a.name}
        group = resources.ResourceGroup(
            resource_group(a.name),
            resource_group_name=resource_group(a.name),
            location=a.region,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        replication = Replication(f"{name}-replication", self, a, subscription)
        failover = FailoverDns(f"{name}-failover-dns", self, a, group, tags)
        alarms = DrAlarms(
            f"{name}-alarms", self, a, group, replication.policies, subscription, tags
        )

        profiles = failover.profiles
        self.resource_group_name = group.name
        self.object_replication_ids = by_key({k: p.id for k, p in replication.policies.items()})
        self.traffic_manager_fqdns = by_key(
            {
                k: p.dns_config.apply(lambda c: c.fqdn if c is not None else None)
                for k, p in profiles.items()
            }
        )
        self.traffic_manager_profile_names = by_key({k: p.name for k, p in profiles.items()})
        self.replication_lag_alert_ids = by_key({k: x.id for k, x in alarms.lag_alerts.items()})
        self.standby_alert_ids = by_key({k: x.id for k, x in alarms.standby_alerts.items()})
        self.register_outputs(self.outputs())


def _component(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> AzureDisasterRecovery:
    return AzureDisasterRecovery(name, AzureDisasterRecoveryArgs.from_inputs(inputs), opts)


COMPONENT = _component
