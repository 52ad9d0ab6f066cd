"""``infra:aws:DisasterRecovery``: the Pulumi twin of ``modules/dr-aws`` on pulumi-aws.

Checkpoint replication (S3 replication with Replication Time Control when the RPO is 15 minutes
or less), Route 53 failover records chained over health checks, and CloudWatch alarms. Same
inputs (the module's variables), same resources and names, the module's output names. Where
pulumi-aws and the module differ, a comment says so (search for "Differs").

The resources live in three parts, one per section of the module: ``Replication``
(replication.py), ``FailoverDns`` (failover_dns.py) and ``DrAlarms`` (dr_alarms.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from infra.clouds.args import ComponentInputError, args_from_inputs
from infra.clouds.aws.dr_alarms import DrAlarms
from infra.clouds.aws.failover_dns import FailoverDns
from infra.clouds.aws.replication import RTC_MINUTES, Replication
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
    "RTC_MINUTES",
    "AwsDisasterRecovery",
    "AwsDisasterRecoveryArgs",
    "AwsDnsRecord",
    "AwsHealthCheck",
    "AwsReplicationPair",
    "AwsStandbyNodeGroup",
    "FailoverTier",
]

TYPE = "infra:aws:DisasterRecovery"
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BAD_BUCKET = re.compile(r"\.\.|^xn--|-s3alias$")
_KMS_KEY = re.compile(
    r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+|alias/[A-Za-z0-9/_-]+)$"
)
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_NODE_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
_SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\.fifo)?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsReplicationPair:
    """One entry of ``replication_pairs``."""

    source_bucket: str
    destination_bucket: str
    destination_region: str
    destination_account_id: str | None = None
    destination_kms_key: str
    source_kms_key_arn: str | None = None
    destination_kms_key_arn: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsDnsRecord:
    """One entry of ``dns_records``: targets in failover order (first = primary)."""

    name: str
    targets: tuple[str, ...]
    ttl: int = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsHealthCheck:
    """``health_check``: HTTPS with SNI on every endpoint."""

    port: int = 443
    path: str = "/healthz"
    failure_threshold: int = 3
    request_interval: int = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsStandbyNodeGroup:
    """One entry of ``standby_node_groups``."""

    cluster_name: str
    node_group_name: str


@dataclass(frozen=True, slots=True)
class FailoverTier:
    """``local.tiers``: tier n answers targets[n] while healthy, else hands over to tier n+1."""

    record: str
    n: int
    name: str
    ttl: int
    primary: str
    secondary: str
    last: bool

    @property
    def key(self) -> str:
        return f"{self.record}/{self.n}"

    @property
    def next(self) -> str:
        return f"{self.record}/{self.n + 1}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AwsDisasterRecoveryArgs:
    """The variables of ``modules/dr-aws`` (see its variables.tf for each one)."""

    name: str
    region: str
    tags: Mapping[str, str] = field(default_factory=dict)
    rpo_minutes: int
    replication_pairs: Mapping[str, AwsReplicationPair] = field(default_factory=dict)
    replication_prefix: str = ""
    replicate_delete_markers: bool = False
    dns_zone_id: str | None = None
    dns_records: Mapping[str, AwsDnsRecord] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)
    health_check: AwsHealthCheck = field(default_factory=AwsHealthCheck)
    standby_node_groups: tuple[AwsStandbyNodeGroup, ...] = ()
    alarm_topic_arns: tuple[str, ...] = ()
    lag_alarm_evaluation_periods: int = 5

    def __post_init__(self) -> None:
        # The module's validation blocks and preconditions, checked before anything is created.
        check_name_region_rpo(self.name, self.region, _REGION, self.rpo_minutes)
        self._check_replication()
        self._check_dns()
        self._check_alarms()

    def _check_replication(self) -> None:
        sources = [p.source_bucket for p in self.replication_pairs.values()]
        if len(set(sources)) != len(sources):
            raise ComponentInputError(
                "each source bucket may appear in one pair only (S3 keeps one replication "
                "configuration per bucket)"
            )
        for key, pair in self.replication_pairs.items():
            _check_pair(key, pair, self.region)
        if len(self.replication_prefix) > 1024:
            raise ComponentInputError("replication_prefix must be at most 1024 characters")

    def _check_dns(self) -> None:
        if self.dns_zone_id is not None and not _ZONE_ID.fullmatch(self.dns_zone_id):
            raise ComponentInputError(
                f"dns_zone_id {self.dns_zone_id!r} must be a Route 53 hosted zone id (Z...)"
            )
        if self.dns_records and self.dns_zone_id is None:
            raise ComponentInputError(
                "dns_records needs dns_zone_id (the Route 53 hosted zone, a variable of the root "
                "module)."
            )
        check_records(self.dns_records, self.endpoints, min_ttl=0, max_ttl=86400)
        hc = self.health_check
        if not 1 <= hc.port <= 65535 or not hc.path.startswith("/"):
            raise ComponentInputError("health_check.port must be 1-65535, path start with '/'")
        if not 1 <= hc.failure_threshold <= 10 or hc.request_interval not in (10, 30):
            raise ComponentInputError(
                "health_check.failure_threshold must be 1-10 and request_interval 10 or 30"
            )

    def _check_alarms(self) -> None:
        for group in self.standby_node_groups:
            if not _NODE_GROUP.fullmatch(group.node_group_name):
                raise ComponentInputError(
                    f"node_group_name {group.node_group_name!r} must be an EKS node group name"
                )
        for arn in self.alarm_topic_arns:
            if not _SNS_ARN.fullmatch(arn):
                raise ComponentInputError(f"alarm_topic_arns: {arn!r} is not an SNS topic ARN")
        if not 1 <= self.lag_alarm_evaluation_periods <= 60:
            raise ComponentInputError("lag_alarm_evaluation_periods must be 1-60")

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AwsDisasterRecoveryArgs:
        """The args from the module inputs of a ``_dr`` call (as stored in ``stack.json``)."""
        values = dict(inputs)
        values["replication_pairs"] = nested_map(
            AwsReplicationPair, "replication_pairs", inputs.get("replication_pairs")
        )
        values["dns_records"] = nested_map(AwsDnsRecord, "dns_records", inputs.get("dns_records"))
        values["health_check"] = nested_record(
            AwsHealthCheck, "health_check", inputs.get("health_check") or {}
        )
        values["standby_node_groups"] = nested_list(
            AwsStandbyNodeGroup, "standby_node_groups", inputs.get("standby_node_groups")
        )
        return args_from_inputs(cls, {k: v for k, v in values.items() if v is not None})

    @property
    def rtc_enabled(self) -> bool:
        """``local.rtc_enabled``: RTC's 15-minute SLA is needed when the RPO is that tight."""
        return self.rpo_minutes <= RTC_MINUTES

    @property
    def tiers(self) -> list[FailoverTier]:
        """``local.tiers``: N targets become N-1 chained two-tier failover records."""
        return [
            FailoverTier(
                record=key,
                n=n,
                name=record.name if n == 0 else f"{record.name}-failover-{n}",
                ttl=record.ttl,
                primary=record.targets[n],
                secondary=record.targets[n + 1],
                last=n == len(record.targets) - 2,
            )
            for key, record in self.dns_records.items()
            for n in range(len(record.targets) - 1)
        ]

    @property
    def checked_endpoints(self) -> list[str]:
        """``local.checked_endpoints``: every target of every record, once (sorted, a set)."""
        return sorted({t for r in self.dns_records.values() for t in r.targets})


def _check_pair(key: str, pair: AwsReplicationPair, region: str) -> None:
    """One entry of ``replication_pairs`` (``region``: the source region)."""
    where = f"replication_pairs[{key!r}]"
    check_key(where, key)
    for bucket in (pair.source_bucket, pair.destination_bucket):
        if not _BUCKET.fullmatch(bucket) or _BAD_BUCKET.search(bucket):
            raise ComponentInputError(f"{where}: {bucket!r} is not a valid S3 bucket name")
    if pair.source_bucket == pair.destination_bucket:
        raise ComponentInputError(f"{where}: must copy to a different bucket")
    if not _REGION.fullmatch(pair.destination_region):
        raise ComponentInputError(
            f"{where}: destination_region {pair.destination_region!r} must be an AWS "
            "region code such as us-west-2"
        )
    if pair.destination_region == region:
        raise ComponentInputError(
            f"pair {key}: destination_region {pair.destination_region} is the source "
            "region; disaster recovery needs a copy in another region."
        )
    if pair.destination_account_id is not None and not re.fullmatch(
        r"[0-9]{12}", pair.destination_account_id
    ):
        raise ComponentInputError(f"{where}: destination_account_id must be 12 digits")
    if not _KMS_KEY.fullmatch(pair.destination_kms_key):
        raise ComponentInputError(
            f"{where}: destination_kms_key {pair.destination_kms_key!r} must be a KMS key "
            "ARN, alias ARN or alias name (alias/...)"
        )
    for arn in (pair.source_kms_key_arn, pair.destination_kms_key_arn):
        if arn is not None and not _KMS_KEY_ARN.fullmatch(arn):
            raise ComponentInputError(f"{where}: {arn!r} is not a KMS key ARN")


class AwsDisasterRecovery(DisasterRecoveryComponent):
    """Checkpoint replication, DNS failover and DR alarms in one AWS region."""

    OUTPUTS = (
        "replication_role_arns",
        "replication_rule_ids",
        "replication_time_control_enabled",
        "health_check_ids",
        "dns_record_fqdns",
        "replication_lag_alarm_arns",
        "replication_failed_alarm_arns",
        "standby_alarm_arn",
    )

    replication_role_arns: pulumi.Output[dict[str, str]]
    replication_rule_ids: pulumi.Output[dict[str, str]]
    replication_time_control_enabled: pulumi.Output[bool]
    health_check_ids: pulumi.Output[dict[str, str]]
    dns_record_fqdns: pulumi.Output[dict[str, str]]
    replication_lag_alarm_arns: pulumi.Output[dict[str, str]]
    replication_failed_alarm_arns: pulumi.Output[dict[str, str]]
    standby_alarm_arn: pulumi.Output[str | None]

    def __init__(
        self, name: str, args: AwsDisasterRecoveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        tags = {**args.tags, "infra/dr": args.name}  # local.tags
        replication = Replication(name, args, tags, parent=self)
        dns = FailoverDns(name, args, tags, parent=self)
        alarms = DrAlarms(name, args, tags, replication.rule_ids, parent=self)

        self.replication_role_arns = replication.role_arns
        self.replication_rule_ids = pulumi.Output.from_input(replication.rule_ids)
        self.replication_time_control_enabled = pulumi.Output.from_input(args.rtc_enabled)
        self.health_check_ids = dns.health_check_ids
        self.dns_record_fqdns = dns.fqdns
        self.replication_lag_alarm_arns = alarms.lag_alarm_arns
        self.replication_failed_alarm_arns = alarms.failed_alarm_arns
        self.standby_alarm_arn = alarms.standby_alarm_arn
        self.register_outputs(self.outputs())


def _component(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> AwsDisasterRecovery:
    return AwsDisasterRecovery(name, AwsDisasterRecoveryArgs.from_inputs(inputs), opts)


COMPONENT = _component
