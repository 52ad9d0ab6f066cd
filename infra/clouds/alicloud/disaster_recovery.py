"""``infra:alicloud:DisasterRecovery``: the Pulumi twin of ``modules/dr-alicloud``.

OSS cross-region replication (with Replication Time Control when the RPO is 15 minutes or less
and both regions offer it), GTM failover (instance, one DOMAIN address pool per target, health
checks, an access strategy and the service CNAME), and CloudMonitor alarms. Same inputs (the
module's variables), resources, names and output names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from infra.clouds.alicloud.dr_alarms import DrAlarms
from infra.clouds.alicloud.dr_inputs import RTC_REGIONS
from infra.clouds.alicloud.failover_dns import FailoverDns
from infra.clouds.alicloud.replication import Replication
from infra.clouds.args import ComponentInputError, args_from_inputs
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
    "AlicloudDisasterRecovery",
    "AlicloudDisasterRecoveryArgs",
    "AlicloudDnsRecord",
    "AlicloudHealthCheck",
    "AlicloudReplicationPair",
    "GtmMonitorNode",
    "GtmSubscription",
]

TYPE = "infra:alicloud:DisasterRecovery"
_REGION = re.compile(r"^[a-z]{2}-[a-z0-9-]+$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class AlicloudReplicationPair:
    """One entry of ``replication_pairs``."""

    source_bucket: str
    destination_bucket: str
    destination_region: str
    replica_kms_key_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlicloudDnsRecord:
    """One entry of ``dns_records``: the primary is the default pool, the others failover."""

    name: str
    targets: tuple[str, ...]
    ttl: int = 60
    gtm_instance_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlicloudHealthCheck:
    """``health_check``: the GTM health check of every address pool."""

    port: int = 443
    path: str = "/healthz"
    failure_status_code: int = 400
    evaluation_count: int = 3
    timeout_ms: int = 5000


@dataclass(frozen=True, slots=True, kw_only=True)
class GtmMonitorNode:
    """One entry of ``gtm_monitor_nodes``."""

    city_code: str
    isp_code: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GtmSubscription:
    """``gtm_subscription``: terms of the GTM instances the module buys."""

    period_months: int = 1
    package_edition: str = "standard"
    health_check_task_count: int = 100
    sms_notification_count: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class AlicloudDisasterRecoveryArgs:
    """The variables of ``modules/dr-alicloud`` (see its variables.tf for each one)."""

    name: str
    region: str
    tags: Mapping[str, str] = field(default_factory=dict)
    rpo_minutes: int
    replication_pairs: Mapping[str, AlicloudReplicationPair] = field(default_factory=dict)
    replicate_existing_objects: bool = True
    rtc_regions: tuple[str, ...] = RTC_REGIONS
    dns_zone_name: str | None = None
    dns_records: Mapping[str, AlicloudDnsRecord] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)
    health_check: AlicloudHealthCheck = field(default_factory=AlicloudHealthCheck)
    gtm_monitor_nodes: tuple[GtmMonitorNode, ...] = (
        GtmMonitorNode(city_code="503", isp_code="465"),
    )
    gtm_address_attribute_info: str = '{"lineCodeRectifyType":"NO_NEED","lineCodes":["default"]}'
    gtm_subscription: GtmSubscription = field(default_factory=GtmSubscription)
    standby_node_pools: tuple[str, ...] = ()
    standby_event_names: tuple[str, ...] = ("AUTOSCALING:SCALE_OUT_ERROR",)
    replication_lag_metric: str | None = None
    alarm_contact_group: str | None = None

    def __post_init__(self) -> None:
        # The module's validation blocks and preconditions, checked before anything is created.
        check_name_region_rpo(self.name, self.region, _REGION, self.rpo_minutes)
        for key, pair in self.replication_pairs.items():
            where = f"replication_pairs[{key!r}]"
            check_key(where, key)
            for bucket in (pair.source_bucket, pair.destination_bucket):
                if not _BUCKET.fullmatch(bucket):
                    raise ComponentInputError(f"{where}: {bucket!r} is not a valid OSS bucket name")
            if pair.source_bucket == pair.destination_bucket or not _REGION.fullmatch(
                pair.destination_region
            ):
                raise ComponentInputError(
                    f"{where}: needs a different destination bucket and a destination_region "
                    "such as cn-shanghai"
                )
            if pair.destination_region == self.region:
                raise ComponentInputError(
                    f"pair {key}: destination_region {pair.destination_region} is the source "
                    "region; disaster recovery needs a copy in another region."
                )
            role = f"{self.name}-{key}-repl"
            if len(role) > 64:
                raise ComponentInputError(
                    f"RAM role and policy name {role} is longer than 64 characters; shorten "
                    "name or the pair key."
                )
        if self.dns_zone_name is not None and not _DOMAIN.fullmatch(self.dns_zone_name):
            raise ComponentInputError(
                f"dns_zone_name {self.dns_zone_name!r} must be a domain name such as example.com"
            )
        if self.created_gtm and self.dns_zone_name is None:
            raise ComponentInputError(
                "dns_records needs dns_zone_name (the Alibaba Cloud DNS domain, a variable of "
                "the root module)."
            )
        check_records(self.dns_records, self.endpoints, min_ttl=1, max_ttl=86400)
        hc = self.health_check
        if not 1 <= hc.port <= 65535 or not hc.path.startswith("/"):
            raise ComponentInputError("health_check.port must be 1-65535, path start with '/'")
        if hc.evaluation_count not in (1, 2, 3) or hc.timeout_ms not in (2000, 3000, 5000, 10000):
            raise ComponentInputError(
                "health_check.evaluation_count must be 1-3 and timeout_ms one of 2000, 3000, "
                "5000, 10000"
            )
        if not self.gtm_monitor_nodes:
            raise ComponentInputError("gtm_monitor_nodes needs at least one probe node")
        try:
            json.loads(self.gtm_address_attribute_info)
        except ValueError:
            raise ComponentInputError("gtm_address_attribute_info must be a JSON string") from None
        sub = self.gtm_subscription
        if sub.period_months not in (1, 2, 3, 6, 12, 24, 36) or sub.package_edition not in (
            "standard",
            "ultimate",
        ):
            raise ComponentInputError(
                "gtm_subscription.period_months must be 1, 2, 3, 6, 12, 24 or 36 and "
                "package_edition standard or ultimate"
            )

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AlicloudDisasterRecoveryArgs:
        """The args from the module inputs of a ``_dr`` call (as stored in ``stack.json``)."""
        values = dict(inputs)
        values["replication_pairs"] = nested_map(
            AlicloudReplicationPair, "replication_pairs", inputs.get("replication_pairs")
        )
        values["dns_records"] = nested_map(
            AlicloudDnsRecord, "dns_records", inputs.get("dns_records")
        )
        values["health_check"] = nested_record(
            AlicloudHealthCheck, "health_check", inputs.get("health_check") or {}
        )
        values["gtm_subscription"] = nested_record(
            GtmSubscription, "gtm_subscription", inputs.get("gtm_subscription") or {}
        )
        if inputs.get("gtm_monitor_nodes") is not None:
            values["gtm_monitor_nodes"] = nested_list(
                GtmMonitorNode, "gtm_monitor_nodes", inputs["gtm_monitor_nodes"]
            )
        return args_from_inputs(cls, {k: v for k, v in values.items() if v is not None})

    def rtc(self, pair: AlicloudReplicationPair) -> bool:
        """RTC has a 10-minute SLA but only between the regions OSS lists; elsewhere plain CRR."""
        return (
            self.rpo_minutes <= 15
            and self.region in self.rtc_regions
            and pair.destination_region in self.rtc_regions
        )

    @property
    def created_gtm(self) -> dict[str, AlicloudDnsRecord]:
        """``local.created_gtm``: records without an existing GTM instance get one bought."""
        return {k: r for k, r in self.dns_records.items() if r.gtm_instance_id is None}


class AlicloudDisasterRecovery(DisasterRecoveryComponent):
    """OSS replication, GTM failover and DR alarms in one Alibaba Cloud region.

    Its parts mirror the module's files: replication, DNS failover and alarms.
    """

    OUTPUTS = (
        "replication_role_names",
        "replication_rule_ids",
        "replication_time_control_enabled",
        "gtm_instance_ids",
        "access_strategy_ids",
        "standby_event_rule_name",
    )
    replication_role_names: pulumi.Output[dict[str, str]]
    replication_rule_ids: pulumi.Output[dict[str, str]]
    replication_time_control_enabled: pulumi.Output[dict[str, bool]]
    gtm_instance_ids: pulumi.Output[dict[str, str]]
    access_strategy_ids: pulumi.Output[dict[str, str]]
    standby_event_rule_name: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        args: AlicloudDisasterRecoveryArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        a = args
        tags = {**a.tags, "infra-dr": a.name}
        contact_groups = [a.alarm_contact_group] if a.alarm_contact_group else []
        replication = Replication(name, a, parent=self)
        failover_dns = FailoverDns(name, a, contact_groups, parent=self)
        alarms = DrAlarms(name, a, tags, contact_groups, parent=self)

        self.replication_role_names = by_key({k: r.role_name for k, r in replication.roles.items()})
        self.replication_rule_ids = by_key({k: r.rule_id for k, r in replication.rules.items()})
        self.replication_time_control_enabled = pulumi.Output.from_input(
            {k: a.rtc(p) for k, p in a.replication_pairs.items()}
        )
        self.gtm_instance_ids = by_key(failover_dns.gtm_ids)
        self.access_strategy_ids = by_key({k: s.id for k, s in failover_dns.strategies.items()})
        rule = alarms.standby_rule
        self.standby_event_rule_name = (
            rule.rule_name if rule is not None else pulumi.Output.from_input(None)
        )
        self.register_outputs(self.outputs())


def _component(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> AlicloudDisasterRecovery:
    return AlicloudDisasterRecovery(name, AlicloudDisasterRecoveryArgs.from_inputs(inputs), opts)


COMPONENT = _component
