"""``infra:aws:CheckpointStorage``: the checkpoint bucket of an ``infra:aws:GpuCluster``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from infra.clouds.aws.iam import policy
from infra.clouds.component import Part, access_log_bucket_name

if TYPE_CHECKING:
    from infra.clouds.aws.cluster import AwsGpuClusterArgs

__all__ = ["CheckpointStorage"]


class CheckpointStorage(Part):
    """The module's checkpoint bucket and access-log bucket sections: the bucket (SSE-KMS,
    versioned, private, TLS only) and the bucket its server access logs go to."""

    def __init__(
        self,
        name: str,
        args: AwsGpuClusterArgs,
        checkpoint_key: aws.kms.Key,
        account_id: pulumi.Output[str],
        parent: pulumi.ComponentResource,
    ) -> None:
        super().__init__("infra:aws:CheckpointStorage", name, parent)
        a = self._args = args
        self.bucket = aws.s3.Bucket(
            f"{a.name}-checkpoint",
            bucket=a.checkpoint_bucket_name,
            tags=a.cluster_tags,
            opts=self.child(),
        )
        self._checkpoint_settings(checkpoint_key)
        log_policy = self._access_log_bucket(account_id)
        aws.s3.BucketLogging(
            f"{a.name}-checkpoint",
            bucket=self.bucket.id,
            target_bucket=log_policy.bucket,
            target_prefix="s3-access/",
            target_object_key_format=aws.s3.BucketLoggingTargetObjectKeyFormatArgs(
                partitioned_prefix=aws.s3.BucketLoggingTargetObjectKeyFormatPartitionedPrefixArgs(
                    partition_date_source="EventTime"
                )
            ),
            opts=self.child(depends_on=[log_policy]),
        )
        self.access_log_bucket = log_policy.bucket
        self.register_outputs(
            {
                "checkpoint_bucket": self.bucket.id,
                "checkpoint_bucket_arn": self.bucket.arn,
                "access_log_bucket": self.access_log_bucket,
            }
        )

    def _checkpoint_settings(self, key: aws.kms.Key) -> None:
        """The checkpoint bucket's ownership, public access block, SSE-KMS with the checkpoint
        key, versioning, noncurrent-version expiry and TLS-only policy."""
        a = self._args
        bucket = self.bucket
        public_block = self._private(f"{a.name}-checkpoint", bucket)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    bucket_key_enabled=True,
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key.arn
                    ),
                )
            ],
            opts=self.child(),
        )
        versioning = self._versioning(f"{a.name}-checkpoint", bucket)
        aws.s3.BucketLifecycleConfiguration(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-checkpoints",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=a.checkpoint_noncurrent_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=self.child(depends_on=[versioning]),
        )
        aws.s3.BucketPolicy(
            f"{a.name}-checkpoint",
            bucket=bucket.id,
            policy=policy(_deny_insecure_transport(bucket)),
            opts=self.child(depends_on=[public_block]),
        )

    def _access_log_bucket(self, account_id: pulumi.Output[str]) -> aws.s3.BucketPolicy:
        """S3 server access logs of the checkpoint bucket, kept for log_retention_days.

        S3 delivers access logs only to a bucket in the source bucket's region and account, so
        each checkpoint bucket gets its own. Returns the log bucket's policy, which log delivery
        must wait for.
        """
        a = self._args
        logs = aws.s3.Bucket(
            f"{a.name}-access-logs",
            bucket=access_log_bucket_name(a.checkpoint_bucket_name),
            tags=a.cluster_tags,
            # False: a destroy stops at a bucket that holds logs (see the module's Teardown).
            force_destroy=a.access_log_force_destroy,
            opts=self.child(),
        )
        public_block = self._private(f"{a.name}-access-logs", logs)
        # SSE-S3: the encryption S3 documents for server access log targets.
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{a.name}-access-logs",
            bucket=logs.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                )
            ],
            opts=self.child(),
        )
        # Versioned, so a deleted or overwritten log object stays recoverable for 30 days.
        versioning = self._versioning(f"{a.name}-access-logs", logs)
        aws.s3.BucketLifecycleConfiguration(
            f"{a.name}-access-logs",
            bucket=logs.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=a.log_retention_days
                    ),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=30
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=self.child(depends_on=[versioning]),
        )
        return aws.s3.BucketPolicy(
            f"{a.name}-access-logs",
            bucket=logs.id,
            policy=policy(
                {
                    "Sid": "S3ServerAccessLogDelivery",
                    "Effect": "Allow",
                    "Action": "s3:PutObject",
                    "Resource": pulumi.Output.concat(logs.arn, "/s3-access/*"),
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": self.bucket.arn},
                        "StringEquals": {"aws:SourceAccount": account_id},
                    },
                },
                _deny_insecure_transport(logs),
            ),
            opts=self.child(depends_on=[public_block]),
        )

    def _private(self, name: str, bucket: aws.s3.Bucket) -> aws.s3.BucketPublicAccessBlock:
        """Owner-enforced object ownership (no ACLs) and a public access block that blocks all;
        returns the block, which a bucket policy must wait for."""
        aws.s3.BucketOwnershipControls(
            name,
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=self.child(),
        )
        return aws.s3.BucketPublicAccessBlock(
            name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self.child(),
        )

    def _versioning(self, name: str, bucket: aws.s3.Bucket) -> aws.s3.BucketVersioning:
        """Versioning enabled: what a lifecycle rule on noncurrent versions must wait for."""
        return aws.s3.BucketVersioning(
            name,
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=self.child(),
        )


def _deny_insecure_transport(bucket: aws.s3.Bucket) -> Mapping[str, object]:
    """The bucket policy statement that refuses any request not made over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
        "Principal": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
