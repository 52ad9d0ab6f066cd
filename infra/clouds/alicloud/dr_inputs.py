"""What modules/dr-alicloud takes: OSS replication pairs, GTM failover names, ACK standby pools."""

from __future__ import annotations

from collections.abc import Sequence

from infra.clouds.dr_inputs import DrCluster, DrInputs, RootVariable, StandbyPools
from infra.values import Value


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
