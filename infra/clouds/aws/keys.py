"""``infra:aws:Keys``: the KMS keys of an ``infra:aws:GpuCluster``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.aws.iam import policy
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.aws.cluster import AwsGpuClusterArgs

__all__ = ["Keys"]


class Keys(Part):
    """The module's KMS section: one key for the control plane (secrets, logs), one for
    checkpoints, each with its alias."""

    def __init__(
        self,
        name: str,
        args: AwsGpuClusterArgs,
        partition: pulumi.Output[str],
        account_id: pulumi.Output[str],
        parent: pulumi.ComponentResource,
    ) -> None:
        super().__init__("infra:aws:Keys", name, parent)
        a = args
        # In a key policy, Resource "*" means "this key", and kms:* for the account root is the
        # AWS default key policy: IAM policies in the account can then grant use of the key.
        account_administration = {
            "Sid": "AccountAdministration",
            "Effect": "Allow",
            "Action": "kms:*",
            "Resource": "*",
            "Principal": {
                "AWS": pulumi.Output.concat("arn:", partition, ":iam::", account_id, ":root")
            },
        }
        # CloudWatch Logs may use the cluster key for this account's log groups in the region.
        cloudwatch_logs = {
            "Sid": "CloudWatchLogs",
            "Effect": "Allow",
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Principal": {"Service": f"logs.{a.region}.amazonaws.com"},
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": pulumi.Output.concat(
                        "arn:", partition, f":logs:{a.region}:", account_id, ":log-group:*"
                    )
                }
            },
        }
        self.cluster_key = self._key(
            a,
            "cluster",
            "EKS secrets and control-plane logs",
            account_administration,
            cloudwatch_logs,
        )
        self.checkpoint_key = self._key(
            a, "checkpoint", "checkpoint bucket", account_administration
        )
        self.register_outputs(
            {
                "cluster_kms_key_arn": self.cluster_key.arn,
                "checkpoint_kms_key_arn": self.checkpoint_key.arn,
            }
        )

    def _key(
        self,
        a: AwsGpuClusterArgs,
        use: str,
        description: str,
        *statements: Mapping[str, object],
    ) -> aws.kms.Key:
        """A rotated key "<name>-<use>" with its key policy, and its alias."""
        key = aws.kms.Key(
            f"{a.name}-{use}",
            description=f"{a.name}: {description}",
            enable_key_rotation=True,
            deletion_window_in_days=a.kms_deletion_window_days,
            policy=policy(*statements),
            tags=a.cluster_tags,
            opts=self.child(),
        )
        aws.kms.Alias(
            f"{a.name}-{use}",
            name=f"alias/{a.name}-{use}",
            target_key_id=key.key_id,
            opts=self.child(),
        )
        return key
