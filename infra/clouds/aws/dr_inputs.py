"""What modules/dr-aws takes: S3 replication pairs, Route 53 records, EKS standby node groups."""

from __future__ import annotations

from collections.abc import Sequence

from infra.clouds.aws import naming
from infra.clouds.dr_inputs import (
    DrCluster,
    DrInputs,
    ReplicationLag,
    RootVariable,
    StandbyPools,
)
from infra.values import Value


class AwsDrInputs(DrInputs):
    regional = True

    def pair_input(self, source: DrCluster, target: DrCluster) -> dict[str, Value]:
        return {
            "source_bucket": source.store("checkpoint_bucket_name"),
            "destination_bucket": target.store("checkpoint_bucket_name"),
            "destination_region": target.region,
            # The alias modules/aws-gpu-cluster gives its checkpoint key.
            "destination_kms_key": naming.checkpoint_key_alias(target.resource),
        }

    def standby_inputs(self, standby: Sequence[StandbyPools]) -> dict[str, Value]:
        return {
            "standby_node_groups": [
                {"cluster_name": s.cluster.resource, "node_group_name": node_group}
                for s in standby
                for node_group in s.node_pools
            ]
        }

    def zone_variables(self) -> dict[str, RootVariable]:
        return {
            "dns_zone_id": RootVariable(
                "dr_aws_dns_zone_id",
                "string",
                "Route 53 hosted zone id (Z...) holding the DR failover records.",
                required=True,
            )
        }

    def alarm_variables(self, region: str) -> dict[str, RootVariable]:
        suffix = region.replace("-", "_")
        return {
            "alarm_topic_arns": RootVariable(
                f"dr_aws_alarm_topic_arns_{suffix}",
                "list(string)",
                f"SNS topics in {region} that DR alarms notify (on-call). Empty: no one is told.",
                default=[],
            )
        }

    def replication_lag(
        self, rpo_minutes: int, source_region: str, target_region: str
    ) -> ReplicationLag:
        # modules/dr-aws turns on Replication Time Control when the RPO is 15 minutes or less
        # (local.rtc_enabled): "S3 RTC replicates 99.99% of objects within 15 minutes"
        # (docs.aws.amazon.com AmazonS3 replication-walkthrough-5, "Replicating objects with S3
        # Replication Time Control"). Without RTC, S3 gives no time bound.
        if rpo_minutes <= 15:
            return ReplicationLag(
                "S3 replication with Replication Time Control",
                15,
                "S3 RTC: 99.99% of objects within 15 min",
                "AWS/S3 ReplicationLatency",
                "",
            )
        return ReplicationLag(
            "S3 replication",
            None,
            "S3 replication without Replication Time Control (modules/dr-aws enables it only "
            "for an RPO of 15 min or less) documents no time bound",
            "AWS/S3 ReplicationLatency",
            "",
        )
