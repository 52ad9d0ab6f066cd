"""``infra:azure:FailoverDns``: the DNS failover of ``infra:azure:DisasterRecovery``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import dns, resources, trafficmanager

from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.disaster_recovery import AzureDisasterRecoveryArgs

__all__ = ["TYPE", "FailoverDns"]

TYPE = "infra:azure:FailoverDns"


class FailoverDns(Part):
    """The module's "DNS failover" section: one Traffic Manager profile (priority routing) per
    record, its external endpoints, and a CNAME to it when a DNS zone is given."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureDisasterRecoveryArgs,
        group: resources.ResourceGroup,
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(TYPE, name, top)
        self.profiles: dict[str, trafficmanager.Profile] = {}
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
                opts=self.child(),
            )
            self.profiles[key] = profile
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
                    opts=self.child(),
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
                    opts=self.child(),
                )
        self.register_outputs({"profile_names": {k: p.name for k, p in self.profiles.items()}})
