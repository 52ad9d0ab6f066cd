"""``infra:aws:DrAlarms``: the alarms of ``infra:aws:DisasterRecovery``.

Replication lag over the RPO, failed replication and standby pools that cannot scale, as the
"Alarms" section of ``modules/dr-aws`` creates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.component import Part, by_key, json_encode

if TYPE_CHECKING:
    from infra.clouds.aws.disaster_recovery import AwsDisasterRecoveryArgs, AwsReplicationPair

__all__ = ["TYPE", "DrAlarms"]

TYPE = "infra:aws:DrAlarms"


class DrAlarms(Part):
    """Mirrors the module's ``aws_cloudwatch_metric_alarm``s ``replication_lag`` and
    ``replication_failed`` (one per pair), ``standby_launch_failed`` and ``standby_cannot_scale``."""

    lag_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    failed_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    standby_alarm: aws.cloudwatch.MetricAlarm | None
    lag_alarm_arns: pulumi.Output[dict[str, str]]
    failed_alarm_arns: pulumi.Output[dict[str, str]]
    standby_alarm_arn: pulumi.Output[str | None]

    def __init__(
        self,
        name: str,
        args: AwsDisasterRecoveryArgs,
        tags: Mapping[str, str],
        rule_ids: Mapping[str, str],
        *,
        parent: pulumi.Resource,
    ) -> None:
        """``rule_ids``: the replication rule of each pair (the Replication part's)."""
        super().__init__(TYPE, name, parent)
        self._args = args
        self._tags = tags
        self._actions = list(args.alarm_topic_arns)
        self.lag_alarms = {}
        self.failed_alarms = {}
        for key, pair in args.replication_pairs.items():
            dimensions = {
                "SourceBucket": pair.source_bucket,
                "DestinationBucket": pair.destination_bucket,
                "RuleId": rule_ids[key],
            }
            self.lag_alarms[key] = self._lag_alarm(key, pair, dimensions)
            self.failed_alarms[key] = self._failed_alarm(key, pair, dimensions)
        self.standby_alarm = self._standby_alarm() if args.standby_node_groups else None
        self.lag_alarm_arns = by_key({k: x.arn for k, x in self.lag_alarms.items()})
        self.failed_alarm_arns = by_key({k: x.arn for k, x in self.failed_alarms.items()})
        self.standby_alarm_arn = (
            self.standby_alarm.arn
            if self.standby_alarm is not None
            else pulumi.Output.from_input(None)
        )
        self.register_outputs(
            {
                "lag_alarm_arns": self.lag_alarm_arns,
                "failed_alarm_arns": self.failed_alarm_arns,
                "standby_alarm_arn": self.standby_alarm_arn,
            }
        )

    def _lag_alarm(
        self, key: str, pair: AwsReplicationPair, dimensions: Mapping[str, str]
    ) -> aws.cloudwatch.MetricAlarm:
        a = self._args
        return aws.cloudwatch.MetricAlarm(
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
            alarm_actions=self._actions,
            ok_actions=self._actions,
            tags=self._tags,
            dimensions=dimensions,
            opts=self.child(),
        )

    def _failed_alarm(
        self, key: str, pair: AwsReplicationPair, dimensions: Mapping[str, str]
    ) -> aws.cloudwatch.MetricAlarm:
        a = self._args
        return aws.cloudwatch.MetricAlarm(
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
            alarm_actions=self._actions,
            ok_actions=self._actions,
            tags=self._tags,
            dimensions=dimensions,
            opts=self.child(),
        )

    def _standby_alarm(self) -> aws.cloudwatch.MetricAlarm:
        """Standby pools that cannot scale: an alarm on the failed EC2 launches of their Auto
        Scaling groups (EKS managed node groups turn on no group metrics), matched by name."""
        a = self._args
        rule = aws.cloudwatch.EventRule(
            f"{a.name}-standby-launch-failed",
            name=f"{a.name}-standby-launch-failed",
            description=f"Failed EC2 launches in the DR standby node groups of {a.name}.",
            tags=self._tags,
            # Same document as the module's jsonencode (sorted keys, no spaces).
            event_pattern=json_encode(
                {
                    "source": ["aws.autoscaling"],
                    "detail-type": ["EC2 Instance Launch Unsuccessful"],
                    "detail": {
                        "AutoScalingGroupName": [
                            {"prefix": f"eks-{g.node_group_name}-"} for g in a.standby_node_groups
                        ]
                    },
                }
            ),
            opts=self.child(),
        )
        groups = ", ".join(g.node_group_name for g in a.standby_node_groups)
        return aws.cloudwatch.MetricAlarm(
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
            alarm_actions=self._actions,
            ok_actions=self._actions,
            tags=self._tags,
            dimensions={"RuleName": rule.name},
            opts=self.child(),
        )
