"""``infra:alicloud:Replication``: the checkpoint replication of ``modules/dr-alicloud``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
from pulumi_alicloud import oss, ram

from infra.clouds.component import Part, json_encode

if TYPE_CHECKING:
    from infra.clouds.alicloud.disaster_recovery import (
        AlicloudDisasterRecoveryArgs,
        AlicloudReplicationPair,
    )

__all__ = ["Replication"]


class Replication(Part):
    """The module's "Checkpoint replication" (``replication.tf``): one RAM role and policy and
    one OSS cross-region replication rule (with RTC where it applies) per pair."""

    def __init__(
        self, name: str, args: AlicloudDisasterRecoveryArgs, parent: pulumi.Resource
    ) -> None:
        super().__init__("infra:alicloud:Replication", name, parent)
        self.roles: dict[str, ram.Role] = {}
        self.rules: dict[str, oss.BucketReplication] = {}
        for key, pair in args.replication_pairs.items():
            self.roles[key], self.rules[key] = self._pair(args, key, pair)
        self.register_outputs(
            {
                "replication_role_names": {k: r.role_name for k, r in self.roles.items()},
                "replication_rule_ids": {k: r.rule_id for k, r in self.rules.items()},
            }
        )

    def _pair(
        self, a: AlicloudDisasterRecoveryArgs, key: str, pair: AlicloudReplicationPair
    ) -> tuple[ram.Role, oss.BucketReplication]:
        role_name = f"{a.name}-{key}-repl"
        role = ram.Role(
            role_name,
            role_name=role_name,
            description=(f"OSS replication {pair.source_bucket} -> {pair.destination_bucket}"),
            assume_role_policy_document=json_encode(_TRUST_POLICY),
            opts=self.child(),
        )
        policy = ram.Policy(
            role_name,
            policy_name=role_name,
            description=(
                f"OSS replication of {pair.source_bucket} to {pair.destination_bucket} only."
            ),
            policy_document=json_encode(_replication_policy(a.region, pair)),
            opts=self.child(),
        )
        attachment = ram.RolePolicyAttachment(
            role_name,
            role_name=role.role_name,
            policy_name=policy.policy_name,
            policy_type="Custom",
            opts=self.child(),
        )
        kms_key = pair.replica_kms_key_id
        rule = oss.BucketReplication(
            f"{a.name}-{key}",
            bucket=pair.source_bucket,
            action="ALL",
            historical_object_replication="enabled" if a.replicate_existing_objects else "disabled",
            sync_role=role.role_name,
            destination=oss.BucketReplicationDestinationArgs(
                bucket=pair.destination_bucket, location=f"oss-{pair.destination_region}"
            ),
            source_selection_criteria=oss.BucketReplicationSourceSelectionCriteriaArgs(
                sse_kms_encrypted_objects=oss.BucketReplicationSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                    status="Enabled" if kms_key is not None else "Disabled"
                )
            ),
            encryption_configuration=oss.BucketReplicationEncryptionConfigurationArgs(
                replica_kms_key_id=kms_key
            )
            if kms_key is not None
            else None,
            rtc=oss.BucketReplicationRtcArgs(enabled=a.rtc(pair)),
            opts=self.child(depends_on=[attachment]),
        )
        return role, rule


# The trust policy of every replication role: OSS may assume it.
_TRUST_POLICY = {
    "Version": "1",
    "Statement": [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": ["oss.aliyuncs.com"]},
        }
    ],
}


def _replication_policy(region: str, pair: AlicloudReplicationPair) -> dict[str, object]:
    """The policy of a pair's role: replication of its two buckets only."""
    return {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["oss:ReplicateList", "oss:ReplicateGet"],
                "Resource": [
                    f"acs:oss:*:*:{pair.source_bucket}",
                    f"acs:oss:*:*:{pair.source_bucket}/*",
                ],
            },
            {
                "Effect": "Allow",
                "Action": [
                    "oss:ReplicateList",
                    "oss:ReplicateGet",
                    "oss:ReplicatePut",
                    "oss:ReplicateDelete",
                ],
                "Resource": [
                    f"acs:oss:*:*:{pair.destination_bucket}",
                    f"acs:oss:*:*:{pair.destination_bucket}/*",
                ],
            },
            # KMS use is limited to calls OSS makes for these buckets' regions.
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                "Resource": [
                    f"acs:kms:{region}:*:key/*",
                    f"acs:kms:{pair.destination_region}:*:key/*",
                ],
                "Condition": {"StringEquals": {"acs:Service": "oss.aliyuncs.com"}},
            },
        ],
    }
