"""``infra:azure:Replication``: the checkpoint object replication of
``infra:azure:DisasterRecovery``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import storage

from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.disaster_recovery import AzureDisasterRecoveryArgs

__all__ = ["TYPE", "Replication"]

TYPE = "infra:azure:Replication"
# copy_blobs_created_after = "Everything": azurerm sends this minimum creation time.
_EVERYTHING = "1601-01-01T00:00:00Z"


class Replication(Part):
    """The module's ``azurerm_storage_object_replication``: one policy per replication pair."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureDisasterRecoveryArgs,
        subscription: pulumi.Input[str],
    ) -> None:
        super().__init__(TYPE, name, top)

        def account_id(resource_group: str, account: str) -> pulumi.Output[str]:
            return pulumi.Output.concat(
                "/subscriptions/",
                subscription,
                f"/resourceGroups/{resource_group}/providers/Microsoft.Storage/storageAccounts/",
                account,
            )

        # Differs: azurerm_storage_object_replication is one resource that writes the policy on
        # both accounts; ARM takes it on the destination account first (policy id "default"
        # asks Azure to assign one), then on the source account under the id Azure assigned.
        self.policies: dict[str, storage.ObjectReplicationPolicy] = {}
        for key, pair in a.replication_pairs.items():
            source_id = account_id(pair.source_resource_group, pair.source_storage_account)
            destination_id = account_id(
                pair.destination_resource_group, pair.destination_storage_account
            )
            rule = storage.ObjectReplicationPolicyRuleArgs(
                source_container=pair.container,
                destination_container=pair.destination_container or pair.container,
                filters=storage.ObjectReplicationPolicyFilterArgs(min_creation_time=_EVERYTHING)
                if a.replicate_existing_blobs
                else None,
            )
            on_destination = storage.ObjectReplicationPolicy(
                f"{a.name}-{key}-destination",
                account_name=pair.destination_storage_account,
                resource_group_name=pair.destination_resource_group,
                object_replication_policy_id="default",
                source_account=source_id,
                destination_account=destination_id,
                rules=[rule],
                opts=self.child(),
            )
            self.policies[key] = storage.ObjectReplicationPolicy(
                f"{a.name}-{key}",
                account_name=pair.source_storage_account,
                resource_group_name=pair.source_resource_group,
                object_replication_policy_id=on_destination.policy_id,
                source_account=source_id,
                destination_account=destination_id,
                rules=on_destination.rules.apply(_with_assigned_rule_id(rule)),
                opts=self.child(),
            )
        self.register_outputs({"policy_ids": {k: p.id for k, p in self.policies.items()}})


def _with_assigned_rule_id(
    rule: storage.ObjectReplicationPolicyRuleArgs,
) -> Callable[
    [Sequence[storage.outputs.ObjectReplicationPolicyRuleResponse] | None],
    list[storage.ObjectReplicationPolicyRuleArgs],
]:
    """The source account's rule: the destination's, under the rule id Azure assigned there."""

    def assigned(
        rules: Sequence[storage.outputs.ObjectReplicationPolicyRuleResponse] | None,
    ) -> list[storage.ObjectReplicationPolicyRuleArgs]:
        return [
            storage.ObjectReplicationPolicyRuleArgs(
                rule_id=rules[0].rule_id if rules else None,
                source_container=rule.source_container,
                destination_container=rule.destination_container,
                filters=rule.filters,
            )
        ]

    return assigned
