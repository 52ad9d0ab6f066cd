"""What modules/dr-alicloud takes: OSS replication pairs, GTM failover names, ACK standby pools."""

from __future__ import annotations

from collections.abc import Sequence

from infra.clouds.dr_inputs import (
    DrCluster,
    DrInputs,
    ReplicationLag,
    RootVariable,
    StandbyPools,
)
from infra.values import Value

# Regions between which OSS offers Replication Time Control (alibabacloud.com/help
# doc-detail/462074, "RTC", Limits > Regions): among these six Chinese mainland regions, and
# between US (Silicon Valley) and US (Virginia). modules/dr-alicloud's rtc_regions default.
RTC_REGIONS = (
    "cn-hangzhou",
    "cn-shanghai",
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-shenzhen",
    "us-west-1",
    "us-east-1",
)


class AlicloudDrInputs(DrInputs):
    regional = True

    def pair_input(self, source: DrCluster, target: DrCluster) -> dict[str, Value]:
        return {
            "source_bucket": source.store("checkpoint_bucket_name"),
            "destination_bucket": target.store("checkpoint_bucket_name"),
            "destination_region": target.region,
        }

    def standby_inputs(self, standby: Sequence[StandbyPools]) -> dict[str, Value]:
        return {"standby_node_pools": [name for s in standby for name in s.node_pools]}

    def zone_variables(self) -> dict[str, RootVariable]:
        return {
            "dns_zone_name": RootVariable(
                "dr_alicloud_dns_zone_name",
                "string",
                "Domain hosted in Alibaba Cloud DNS (same account) for the GTM failover names.",
                required=True,
            )
        }

    def alarm_variables(self, region: str) -> dict[str, RootVariable]:
        return {
            "alarm_contact_group": RootVariable(
                "dr_alicloud_alarm_contact_group",
                "string",
                "CloudMonitor alarm contact group that DR alarms notify (on-call). Null: no one "
                "is told.",
                default=None,
            )
        }

    def replication_lag(
        self, rpo_minutes: int, source_region: str, target_region: str
    ) -> ReplicationLag:
        # modules/dr-alicloud turns RTC on for an RPO of 15 minutes or less between RTC regions:
        # "After RTC is enabled, OSS replicates 99.99% of new objects within 10 minutes"
        # (doc-detail/462074). Plain CRR documents no bound. OSS documents no replication-delay
        # metric in CloudMonitor (the module's replication_lag_metric is null by default).
        note = (
            "CloudMonitor has no documented OSS replication-delay metric: RTC's monitoring is in "
            "the OSS console; set the module's replication_lag_metric to alarm on one"
        )
        rtc = rpo_minutes <= 15 and source_region in RTC_REGIONS and target_region in RTC_REGIONS
        if rtc:
            return ReplicationLag(
                "OSS cross-region replication with RTC",
                10,
                "OSS RTC: 99.99% of new objects within 10 min",
                None,
                note,
            )
        return ReplicationLag(
            "OSS cross-region replication",
            None,
            "OSS cross-region replication without RTC (RTC only for an RPO of 15 min or less "
            "between the regions OSS lists) documents no time bound",
            None,
            note,
        )
