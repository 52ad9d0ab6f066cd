"""``infra:aws:Roles``: the IAM roles of an ``infra:aws:GpuCluster``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.aws.iam import policy
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.aws.cluster import AwsGpuClusterArgs

__all__ = ["Roles"]

_NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEKS_CNI_Policy",
)


class Roles(Part):
    """The module's IAM section: the cluster role and the node role (least privilege), the node
    role scoped to the checkpoint bucket and its key."""

    def __init__(
        self,
        name: str,
        args: AwsGpuClusterArgs,
        partition: pulumi.Output[str],
        checkpoint_bucket: aws.s3.Bucket,
        checkpoint_key: aws.kms.Key,
        parent: pulumi.ComponentResource,
    ) -> None:
        super().__init__("infra:aws:Roles", name, parent)
        a = self._args = args
        tags = a.cluster_tags
        self.cluster_role = aws.iam.Role(
            f"{a.name}-cluster",
            name_prefix=f"{a.name[:26]}-cluster-",
            assume_role_policy=policy(
                {
                    "Effect": "Allow",
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Principal": {"Service": "eks.amazonaws.com"},
                }
            ),
            tags=tags,
            opts=self.child(),
        )
        self.cluster_attachment = aws.iam.RolePolicyAttachment(
            f"{a.name}-cluster",
            role=self.cluster_role.name,
            policy_arn=pulumi.Output.concat(
                "arn:", partition, ":iam::aws:policy/AmazonEKSClusterPolicy"
            ),
            opts=self.child(),
        )
        self.node_role = aws.iam.Role(
            f"{a.name}-node",
            name_prefix=f"{a.name[:26]}-node-",
            assume_role_policy=policy(
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                }
            ),
            tags=tags,
            opts=self.child(),
        )
        self.node_attachments = [
            aws.iam.RolePolicyAttachment(
                f"{a.name}-node-{managed}",
                role=self.node_role.name,
                policy_arn=pulumi.Output.concat("arn:", partition, f":iam::aws:policy/{managed}"),
                opts=self.child(),
            )
            for managed in _NODE_POLICIES
        ]
        self._checkpoint_access(checkpoint_bucket, checkpoint_key)
        self.register_outputs(
            {"cluster_role_arn": self.cluster_role.arn, "node_role_arn": self.node_role.arn}
        )

    def _checkpoint_access(self, bucket: aws.s3.Bucket, key: aws.kms.Key) -> None:
        """The node role's inline policy: read and write checkpoints, the key only through S3."""
        a = self._args
        aws.iam.RolePolicy(
            f"{a.name}-node-checkpoint",
            name="checkpoint-bucket",
            role=self.node_role.id,
            policy=policy(
                {
                    "Sid": "ListCheckpointBucket",
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                    "Resource": bucket.arn,
                },
                {
                    "Sid": "ReadWriteCheckpoints",
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ],
                    "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                },
                {
                    # Only through S3 in this region: the nodes cannot use the key directly.
                    "Sid": "CheckpointKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": key.arn,
                    "Condition": {
                        "StringEquals": {"kms:ViaService": f"s3.{a.region}.amazonaws.com"}
                    },
                },
            ),
            opts=self.child(),
        )
