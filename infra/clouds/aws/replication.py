"""``infra:aws:Replication``: the checkpoint replication of ``infra:aws:DisasterRecovery``.

One IAM role, its policy and one S3 replication configuration per pair, as the "Checkpoint
replication" section of ``modules/dr-aws`` creates them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import pulumi
import pulumi_aws as aws

from infra.clouds.aws.iam import policy
from infra.clouds.component import Part, by_key

if TYPE_CHECKING:
    from infra.clouds.aws.disaster_recovery import AwsDisasterRecoveryArgs, AwsReplicationPair

__all__ = ["RTC_MINUTES", "TYPE", "Replication"]

TYPE = "infra:aws:Replication"
# S3 RTC's SLA and the only event threshold S3 accepts for replication metrics.
RTC_MINUTES = 15

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Pair:
    """One entry of ``local.pairs``: a pair with the rule id, ARNs and owner derived from it."""

    key: str
    pair: AwsReplicationPair
    rule_id: str
    source_arn: pulumi.Output[str]
    destination_arn: pulumi.Output[str]
    owner: pulumi.Output[str]
    cross_account: pulumi.Output[bool]
    destination_kms_id: pulumi.Output[str]


class Replication(Part):
    """Mirrors the module's ``aws_iam_role.replication``, ``aws_iam_role_policy.replication``
    and ``aws_s3_bucket_replication_configuration.this``: one of each per pair."""

    roles: dict[str, aws.iam.Role]
    rule_ids: dict[str, str]
    role_arns: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        args: AwsDisasterRecoveryArgs,
        tags: Mapping[str, str],
        *,
        parent: pulumi.Resource,
    ) -> None:
        super().__init__(TYPE, name, parent)
        self._args = args
        self._tags = tags
        invoke = pulumi.InvokeOutputOptions(parent=self)
        self._partition = aws.get_partition_output(opts=invoke).partition
        self._account_id = aws.get_caller_identity_output(opts=invoke).account_id
        self.roles = {}
        self.rule_ids = {}
        for key, pair in args.replication_pairs.items():
            p = self._pair(key, pair)
            self.rule_ids[key] = p.rule_id
            role = self.roles[key] = self._role(p)
            self._replication_config(p, role, self._role_policy(p, role))
        self.role_arns = by_key({k: r.arn for k, r in self.roles.items()})
        self.register_outputs({"role_arns": self.role_arns, "rule_ids": self.rule_ids})

    def _pair(self, key: str, pair: AwsReplicationPair) -> _Pair:
        partition, account_id = self._partition, self._account_id
        owner = (
            pulumi.Output.from_input(pair.destination_account_id)
            if pair.destination_account_id is not None
            else account_id
        )
        return _Pair(
            key=key,
            pair=pair,
            rule_id=f"checkpoints-{key}",
            source_arn=pulumi.Output.concat("arn:", partition, f":s3:::{pair.source_bucket}"),
            destination_arn=pulumi.Output.concat(
                "arn:", partition, f":s3:::{pair.destination_bucket}"
            ),
            owner=owner,
            cross_account=account_id.apply(_cross_account(pair.destination_account_id)),
            destination_kms_id=(
                pulumi.Output.from_input(pair.destination_kms_key)
                if pair.destination_kms_key.startswith("arn:")
                else pulumi.Output.concat(
                    "arn:",
                    partition,
                    f":kms:{pair.destination_region}:",
                    owner,
                    f":{pair.destination_kms_key}",
                )
            ),
        )

    def _role(self, p: _Pair) -> aws.iam.Role:
        name, pair = self._args.name, p.pair
        return aws.iam.Role(
            f"{name}-{p.key}-replication",
            name_prefix=f"{f'{name}-{p.key}'[:26]}-repl-",
            description=f"S3 replication {pair.source_bucket} -> {pair.destination_bucket}",
            assume_role_policy=policy(
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": self._account_id},
                        "ArnLike": {"aws:SourceArn": p.source_arn},
                    },
                }
            ),
            tags=self._tags,
            opts=self.child(),
        )

    def _role_policy(self, p: _Pair, role: aws.iam.Role) -> aws.iam.RolePolicy:
        return aws.iam.RolePolicy(
            f"{self._args.name}-{p.key}-replication",
            name="checkpoint-replication",
            role=role.id,
            policy=policy(*_s3_statements(p), *self._kms_statements(p)),
            opts=self.child(),
        )

    def _kms_statements(self, p: _Pair) -> list[Mapping[str, object]]:
        """The role's KMS grants: decrypt in the source region, encrypt in the destination's."""
        partition, account_id = self._partition, self._account_id
        pair, region = p.pair, self._args.region
        source_key = (
            pulumi.Output.from_input(pair.source_kms_key_arn)
            if pair.source_kms_key_arn is not None
            else pulumi.Output.concat("arn:", partition, f":kms:{region}:", account_id, ":key/*")
        )
        destination_key = (
            pulumi.Output.from_input(pair.destination_kms_key_arn)
            if pair.destination_kms_key_arn is not None
            else pulumi.Output.concat(
                "arn:", partition, f":kms:{pair.destination_region}:", p.owner, ":key/*"
            )
        )
        return [
            {
                "Sid": "DecryptSource",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": [source_key],
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                    "StringLike": {
                        "kms:EncryptionContext:aws:s3:arn": [
                            p.source_arn,
                            pulumi.Output.concat(p.source_arn, "/*"),
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
                            p.destination_arn,
                            pulumi.Output.concat(p.destination_arn, "/*"),
                        ]
                    },
                },
            },
        ]

    def _replication_config(
        self, p: _Pair, role: aws.iam.Role, role_policy: aws.iam.RolePolicy
    ) -> aws.s3.BucketReplicationConfig:
        s3 = aws.s3
        a = self._args
        return aws.s3.BucketReplicationConfig(
            f"{a.name}-{p.key}",
            bucket=p.pair.source_bucket,
            role=role.arn,
            rules=[
                s3.BucketReplicationConfigRuleArgs(
                    id=p.rule_id,
                    status="Enabled",
                    filter=s3.BucketReplicationConfigRuleFilterArgs(prefix=a.replication_prefix),
                    delete_marker_replication=s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Enabled" if a.replicate_delete_markers else "Disabled"
                    ),
                    # Checkpoint buckets are SSE-KMS: without this S3 skips every object.
                    source_selection_criteria=s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"
                        )
                    ),
                    destination=self._destination(p),
                )
            ],
            opts=self.child(depends_on=[role_policy]),
        )

    def _destination(self, p: _Pair) -> aws.s3.BucketReplicationConfigRuleDestinationArgs:
        s3 = aws.s3
        return s3.BucketReplicationConfigRuleDestinationArgs(
            bucket=p.destination_arn,
            storage_class="STANDARD",
            account=p.cross_account.apply(_if_cross(p.pair.destination_account_id)),
            access_control_translation=p.cross_account.apply(
                _if_cross(
                    s3.BucketReplicationConfigRuleDestinationAccessControlTranslationArgs(
                        owner="Destination"
                    )
                )
            ),
            encryption_configuration=s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                replica_kms_key_id=p.destination_kms_id
            ),
            replication_time=s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                status="Enabled",
                time=s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                    minutes=RTC_MINUTES
                ),
            )
            if self._args.rtc_enabled
            else None,
            # Replication metrics feed the alarms (the DrAlarms part).
            metrics=s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                status="Enabled",
                event_threshold=s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                    minutes=RTC_MINUTES
                ),
            ),
        )


def _s3_statements(p: _Pair) -> list[Mapping[str, object]]:
    """The role's S3 grants: read the source's configuration and versions, write replicas."""
    write_actions = p.cross_account.apply(
        lambda cross: [
            "s3:ReplicateObject",
            "s3:ReplicateDelete",
            "s3:ReplicateTags",
            *(["s3:ObjectOwnerOverrideToBucketOwner"] if cross else []),
        ]
    )
    return [
        {
            "Sid": "ReadSourceConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": [p.source_arn],
        },
        {
            "Sid": "ReadSourceVersions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
            ],
            "Resource": [pulumi.Output.concat(p.source_arn, "/*")],
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": write_actions,
            "Resource": [pulumi.Output.concat(p.destination_arn, "/*")],
        },
    ]


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
