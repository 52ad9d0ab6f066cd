"""``infra:aws:DisasterRecovery``: the Pulumi twin of ``modules/dr-aws`` on pulumi-aws.

Checkpoint replication (S3 replication with Replication Time Control when the RPO is 15 minutes
or less), Route 53 failover records chained over health checks, and CloudWatch alarms. Same
inputs (the module's variables), same resources and names, the module's output names. Where
pulumi-aws and the module differ, a comment says so (search for "Differs").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import pulumi
import pulumi_aws as aws

from infra.clouds.args import ComponentInputError, args_from_inputs
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
# S3 RTC's SLA and the only event threshold S3 accepts for replication metrics.
RTC_MINUTES = 15


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
        sources = [p.source_bucket for p in self.replication_pairs.values()]
        if len(set(sources)) != len(sources):
            raise ComponentInputError(
                "each source bucket may appear in one pair only (S3 keeps one replication "
                "configuration per bucket)"
            )
        for key, pair in self.replication_pairs.items():
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
            if pair.destination_region == self.region:
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
        if len(self.replication_prefix) > 1024:
            raise ComponentInputError("replication_prefix must be at most 1024 characters")
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
        a = args
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        tags = {**a.tags, "infra/dr": a.name}
        actions = list(a.alarm_topic_arns)

        # -- checkpoint replication: one role and one replication configuration per pair -------
        roles: dict[str, aws.iam.Role] = {}
        rule_ids: dict[str, str] = {}
        lag_alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        failed_alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        for key, pair in a.replication_pairs.items():
            rule_ids[key] = f"checkpoints-{key}"
            source_arn = pulumi.Output.concat("arn:", partition, f":s3:::{pair.source_bucket}")
            destination_arn = pulumi.Output.concat(
                "arn:", partition, f":s3:::{pair.destination_bucket}"
            )
            owner = (
                pulumi.Output.from_input(pair.destination_account_id)
                if pair.destination_account_id is not None
                else account_id
            )
            cross_account = account_id.apply(_cross_account(pair.destination_account_id))
            destination_kms_id = (
                pulumi.Output.from_input(pair.destination_kms_key)
                if pair.destination_kms_key.startswith("arn:")
                else pulumi.Output.concat(
                    "arn:",
                    partition,
                    f":kms:{pair.destination_region}:",
                    owner,
                    f":{pair.destination_kms_key}",
                )
            )
            role = aws.iam.Role(
                f"{a.name}-{key}-replication",
                name_prefix=f"{f'{a.name}-{key}'[:26]}-repl-",
                description=(f"S3 replication {pair.source_bucket} -> {pair.destination_bucket}"),
                assume_role_policy=_policy(
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Principal": {"Service": "s3.amazonaws.com"},
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": account_id},
                            "ArnLike": {"aws:SourceArn": source_arn},
                        },
                    }
                ),
                tags=tags,
                opts=child,
            )
            roles[key] = role
            source_key = (
                pulumi.Output.from_input(pair.source_kms_key_arn)
                if pair.source_kms_key_arn is not None
                else pulumi.Output.concat(
                    "arn:", partition, f":kms:{a.region}:", account_id, ":key/*"
                )
            )
            destination_key = (
                pulumi.Output.from_input(pair.destination_kms_key_arn)
                if pair.destination_kms_key_arn is not None
                else pulumi.Output.concat(
                    "arn:", partition, f":kms:{pair.destination_region}:", owner, ":key/*"
                )
            )
            write_actions = cross_account.apply(
                lambda cross: [
                    "s3:ReplicateObject",
                    "s3:ReplicateDelete",
                    "s3:ReplicateTags",
                    *(["s3:ObjectOwnerOverrideToBucketOwner"] if cross else []),
                ]
            )
            policy = aws.iam.RolePolicy(
                f"{a.name}-{key}-replication",
                name="checkpoint-replication",
                role=role.id,
                policy=_policy(
                    {
                        "Sid": "ReadSourceConfiguration",
                        "Effect": "Allow",
                        "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                        "Resource": [source_arn],
                    },
                    {
                        "Sid": "ReadSourceVersions",
                        "Effect": "Allow",
                        "Action": [
                            "s3:GetObjectVersionForReplication",
                            "s3:GetObjectVersionAcl",
                            "s3:GetObjectVersionTagging",
                        ],
                        "Resource": [pulumi.Output.concat(source_arn, "/*")],
                    },
                    {
                        "Sid": "WriteReplicas",
                        "Effect": "Allow",
                        "Action": write_actions,
                        "Resource": [pulumi.Output.concat(destination_arn, "/*")],
                    },
                    {
                        "Sid": "DecryptSource",
                        "Effect": "Allow",
                        "Action": ["kms:Decrypt"],
                        "Resource": [source_key],
                        "Condition": {
                            "StringEquals": {"kms:ViaService": f"s3.{a.region}.amazonaws.com"},
                            "StringLike": {
                                "kms:EncryptionContext:aws:s3:arn": [
                                    source_arn,
                                    pulumi.Output.concat(source_arn, "/*"),
                                ]
                            },
                        },
                    },
                    {
                        "Sid": "EncryptReplicas",
                        "Effect": "Allow",
                        "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                        "Resource": [destination_key],
                        "Condition": {
                            "StringEquals": {
                                "kms:ViaService": f"s3.{pair.destination_region}.amazonaws.com"
                            },
                            "StringLike": {
                                "kms:EncryptionContext:aws:s3:arn": [
                                    destination_arn,
                                    pulumi.Output.concat(destination_arn, "/*"),
                                ]
                            },
                        },
                    },
                ),
                opts=child,
            )
            s3 = aws.s3
            aws.s3.BucketReplicationConfig(
                f"{a.name}-{key}",
                bucket=pair.source_bucket,
                role=role.arn,
                rules=[
                    s3.BucketReplicationConfigRuleArgs(
                        id=rule_ids[key],
                        status="Enabled",
                        filter=s3.BucketReplicationConfigRuleFilterArgs(
                            prefix=a.replication_prefix
                        ),
                        delete_marker_replication=s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                            status="Enabled" if a.replicate_delete_markers else "Disabled"
                        ),
                        # Checkpoint buckets are SSE-KMS: without this S3 skips every object.
                        source_selection_criteria=s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                            sse_kms_encrypted_objects=s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                                status="Enabled"
                            )
                        ),
                        destination=s3.BucketReplicationConfigRuleDestinationArgs(
                            bucket=destination_arn,
                            storage_class="STANDARD",
                            account=cross_account.apply(_if_cross(pair.destination_account_id)),
                            access_control_translation=cross_account.apply(
                                _if_cross(
                                    s3.BucketReplicationConfigRuleDestinationAccessControlTranslationArgs(
                                        owner="Destination"
                                    )
                                )
                            ),
                            encryption_configuration=s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                                replica_kms_key_id=destination_kms_id
                            ),
                            replication_time=s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                                status="Enabled",
                                time=s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                                    minutes=RTC_MINUTES
                                ),
                            )
                            if a.rtc_enabled
                            else None,
                            # Replication metrics feed the alarms below.
                            metrics=s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                                status="Enabled",
                                event_threshold=s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                                    minutes=RTC_MINUTES
                                ),
                            ),
                        ),
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
            )
            dimensions = {
                "SourceBucket": pair.source_bucket,
                "DestinationBucket": pair.destination_bucket,
                "RuleId": rule_ids[key],
            }
            lag_alarms[key] = aws.cloudwatch.MetricAlarm(
                f"{a.name}-{key}-replication-lag",
                name=f"{a.name}-{key}-replication-lag",
                alarm_description=(
                    f"DR at risk: checkpoints of {key} ({pair.source_bucket} -> "
                    f"{pair.destination_bucket}) replicate more than {a.rpo_minutes} min (the "
                    "RPO) behind."
                ),
                namespace="AWS/S3",
                metric_name="ReplicationLatency",
                statistic="Maximum",
                period=60,
                evaluation_periods=a.lag_alarm_evaluation_periods,
                threshold=a.rpo_minutes * 60,
                comparison_operator="GreaterThanThreshold",
                # No writes, no datapoints: an idle bucket is not behind.
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
                tags=tags,
                dimensions=dimensions,
                opts=child,
            )
            failed_alarms[key] = aws.cloudwatch.MetricAlarm(
                f"{a.name}-{key}-replication-failed",
                name=f"{a.name}-{key}-replication-failed",
                alarm_description=(
                    f"DR at risk: S3 failed to replicate checkpoints of {key} "
                    f"({pair.source_bucket} -> {pair.destination_bucket}); check the replication "
                    "role, KMS keys and the destination bucket."
                ),
                namespace="AWS/S3",
                metric_name="OperationsFailedReplication",
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=0,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
                tags=tags,
                dimensions=dimensions,
                opts=child,
            )

        # -- DNS failover: health checks and chained failover records --------------------------
        health_checks = {
            endpoint: aws.route53.HealthCheck(
                f"{a.name}-{endpoint}",
                type="HTTPS",
                fqdn=a.endpoints[endpoint],
                port=a.health_check.port,
                resource_path=a.health_check.path,
                failure_threshold=a.health_check.failure_threshold,
                request_interval=a.health_check.request_interval,
                enable_sni=True,
                tags={**tags, "Name": f"{a.name}-{endpoint}"},
                opts=child,
            )
            for endpoint in a.checked_endpoints
        }
        tiers = a.tiers
        primaries: dict[str, aws.route53.Record] = {}
        for tier in tiers:
            primaries[tier.key] = aws.route53.Record(
                f"{a.name}-{tier.record}-{tier.n}-primary",
                zone_id=a.dns_zone_id,
                name=tier.name,
                type="CNAME",
                ttl=tier.ttl,
                records=[a.endpoints[tier.primary]],
                set_identifier=f"{tier.record}-{tier.n}-primary",
                health_check_id=health_checks[tier.primary].id,
                failover_routing_policies=[
                    aws.route53.RecordFailoverRoutingPolicyArgs(type="PRIMARY")
                ],
                opts=child,
            )
        # The last tier answers with the last target; earlier tiers hand over to the next tier.
        secondary_endpoints = [
            aws.route53.Record(
                f"{a.name}-{tier.record}-{tier.n}-secondary",
                zone_id=a.dns_zone_id,
                name=tier.name,
                type="CNAME",
                ttl=tier.ttl,
                records=[a.endpoints[tier.secondary]],
                set_identifier=f"{tier.record}-{tier.n}-secondary",
                health_check_id=health_checks[tier.secondary].id,
                failover_routing_policies=[
                    aws.route53.RecordFailoverRoutingPolicyArgs(type="SECONDARY")
                ],
                opts=child,
            )
            for tier in tiers
            if tier.last
        ]
        for tier in tiers:
            if tier.last:
                continue
            aws.route53.Record(
                f"{a.name}-{tier.record}-{tier.n}-secondary",
                zone_id=a.dns_zone_id,
                name=tier.name,
                type="CNAME",
                set_identifier=f"{tier.record}-{tier.n}-secondary",
                aliases=[
                    aws.route53.RecordAliasArgs(
                        name=primaries[tier.next].fqdn,
                        zone_id=str(a.dns_zone_id),
                        evaluate_target_health=True,
                    )
                ],
                failover_routing_policies=[
                    aws.route53.RecordFailoverRoutingPolicyArgs(type="SECONDARY")
                ],
                opts=pulumi.ResourceOptions(parent=self, depends_on=secondary_endpoints),
            )

        # -- standby pools that cannot scale ---------------------------------------------------
        standby_alarm: aws.cloudwatch.MetricAlarm | None = None
        if a.standby_node_groups:
            rule = aws.cloudwatch.EventRule(
                f"{a.name}-standby-launch-failed",
                name=f"{a.name}-standby-launch-failed",
                description=f"Failed EC2 launches in the DR standby node groups of {a.name}.",
                tags=tags,
                # Same document as the module's jsonencode (sorted keys, no spaces).
                event_pattern=json.dumps(
                    {
                        "source": ["aws.autoscaling"],
                        "detail-type": ["EC2 Instance Launch Unsuccessful"],
                        "detail": {
                            "AutoScalingGroupName": [
                                {"prefix": f"eks-{g.node_group_name}-"}
                                for g in a.standby_node_groups
                            ]
                        },
                    },
                    sort_keys=True,
                    separators=(",", ":"),
                ),
                opts=child,
            )
            groups = ", ".join(g.node_group_name for g in a.standby_node_groups)
            standby_alarm = aws.cloudwatch.MetricAlarm(
                f"{a.name}-standby-cannot-scale",
                name=f"{a.name}-standby-cannot-scale",
                alarm_description=(
                    "DR at risk: EC2 could not launch nodes for a standby pool "
                    f"({groups}); see the Auto Scaling activity of eks-<node group>-* for the "
                    "cause."
                ),
                namespace="AWS/Events",
                metric_name="MatchedEvents",
                statistic="Sum",
                period=300,
                evaluation_periods=1,
                threshold=0,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
                tags=tags,
                dimensions={"RuleName": rule.name},
                opts=child,
            )

        self.replication_role_arns = pulumi.Output.all(
            **{k: r.arn for k, r in roles.items()}
        ).apply(dict)
        self.replication_rule_ids = pulumi.Output.from_input(rule_ids)
        self.replication_time_control_enabled = pulumi.Output.from_input(a.rtc_enabled)
        self.health_check_ids = pulumi.Output.all(
            **{k: h.id for k, h in health_checks.items()}
        ).apply(dict)
        self.dns_record_fqdns = pulumi.Output.all(
            **{k: primaries[f"{k}/0"].fqdn for k in a.dns_records}
        ).apply(dict)
        self.replication_lag_alarm_arns = pulumi.Output.all(
            **{k: x.arn for k, x in lag_alarms.items()}
        ).apply(dict)
        self.replication_failed_alarm_arns = pulumi.Output.all(
            **{k: x.arn for k, x in failed_alarms.items()}
        ).apply(dict)
        self.standby_alarm_arn = (
            standby_alarm.arn if standby_alarm is not None else pulumi.Output.from_input(None)
        )
        self.register_outputs(self.outputs())


T = TypeVar("T")


def _cross_account(destination_account_id: str | None) -> Callable[[str], bool]:
    """``cross_account`` of a pair, given this account's id."""

    def cross(own: str) -> bool:
        return destination_account_id is not None and destination_account_id != own

    return cross


def _if_cross(value: T) -> Callable[[bool], T | None]:
    """Set only for a cross-account pair (the module's ``cross_account ? x : null``)."""

    def pick(cross: bool) -> T | None:
        return value if cross else None

    return pick


def _policy(*statements: Mapping[str, object]) -> pulumi.Output[str]:
    """An IAM policy JSON document.

    Differs: the module renders policies with ``data.aws_iam_policy_document``; here the same
    statements are serialized directly, which needs no provider call.
    """
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _component(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> AwsDisasterRecovery:
    return AwsDisasterRecovery(name, AwsDisasterRecoveryArgs.from_inputs(inputs), opts)


COMPONENT = _component
