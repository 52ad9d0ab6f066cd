"""What modules/dr-azure takes: object replication pairs, Traffic Manager profiles, AKS standby
pools."""

from __future__ import annotations

from collections.abc import Sequence

from infra.clouds.azure.naming import resource_group
from infra.clouds.base import short_hash
from infra.clouds.dr_inputs import (
    DnsRecord,
    DrCluster,
    DrInputs,
    ReplicationLag,
    RootVariable,
    StandbyPools,
)
from infra.values import Value


class AzureDrInputs(DrInputs):
    regional = False

    def pair_input(self, source: DrCluster, target: DrCluster) -> dict[str, Value]:
        return {
            "source_resource_group": resource_group(source.resource),
            "source_storage_account": source.store("storage_account_name"),
            "destination_resource_group": resource_group(target.resource),
            "destination_storage_account": target.store("storage_account_name"),
        }

    def record_input(self, owner: str, stack: str, record: DnsRecord) -> dict[str, Value]:
        # Traffic Manager DNS labels are global across all customers: a stable hash suffix.
        unique = short_hash(owner, stack, record.cluster, "dns", length=6)
        return {
            "name": record.name,
            "traffic_manager_name": f"{record.name}-{unique}",
            "targets": list(record.targets),
        }

    def standby_inputs(self, standby: Sequence[StandbyPools]) -> dict[str, Value]:
        return {
            "standby_clusters": [
                {
                    "cluster_name": s.cluster.resource,
                    "resource_group_name": resource_group(s.cluster.resource),
                    "pools": list(s.pools),
                }
                for s in standby
            ]
        }

    def zone_variables(self) -> dict[str, RootVariable]:
        return {
            "dns_zone": RootVariable(
                "dr_azure_dns_zone",
                "object({ name = string, resource_group_name = string })",
                "Azure DNS zone for the CNAMEs to the Traffic Manager profiles; null: CNAME the "
                "names to the traffic_manager_fqdns outputs wherever the zone is hosted.",
                default=None,
            )
        }

    def alarm_variables(self, region: str) -> dict[str, RootVariable]:
        return {
            "action_group_id": RootVariable(
                "dr_azure_action_group_id",
                "string",
                "Azure Monitor action group id that DR alerts notify (on-call). Null: no one is "
                "told.",
                default=None,
            )
        }

    def replication_lag(
        self, rpo_minutes: int, source_region: str, target_region: str
    ) -> ReplicationLag:
        # "Object replication (OR) currently copies all operations ... asynchronously, with no
        # guaranteed completion time" (learn.microsoft.com azure/storage/blobs
        # object-replication-priority-replication). Priority replication adds a bound (99.0% of
        # objects within 15 minutes, same continent), but modules/dr-azure does not set it.
        return ReplicationLag(
            "Azure object replication",
            None,
            "Azure object replication is asynchronous with no guaranteed completion time",
            "Microsoft.Storage/storageAccounts/objectReplicationPolicies "
            "PendingOperationsForReplication",
            "",
        )
