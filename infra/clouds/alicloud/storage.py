"""``infra:alicloud:CheckpointStorage``: the OSS buckets of ``modules/alicloud-gpu-cluster``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_alicloud import oss

from infra.clouds.component import Part, access_log_bucket_name

if TYPE_CHECKING:
    from infra.clouds.alicloud.cluster import AlicloudGpuClusterArgs

__all__ = ["CheckpointStorage"]


class CheckpointStorage(Part):
    """The module's "Checkpoint bucket (OSS)" and "Access-log bucket" sections (``storage.tf``):
    each bucket with its private ACL and public access block."""

    def __init__(
        self,
        name: str,
        args: AlicloudGpuClusterArgs,
        tags: Mapping[str, str],
        parent: pulumi.Resource,
    ) -> None:
        super().__init__("infra:alicloud:CheckpointStorage", name, parent)
        a = args
        self.access_logs = self._access_log_bucket(a, tags)
        self.bucket = oss.Bucket(
            f"{a.name}-checkpoint",
            bucket=a.checkpoint_bucket_name,
            storage_class="Standard",
            redundancy_type=a.checkpoint_redundancy_type,
            force_destroy=False,
            tags=tags,
            logging=oss.BucketLoggingArgs(
                target_bucket=self.access_logs.bucket, target_prefix="oss-access/"
            ),
            server_side_encryption_rule=oss.BucketServerSideEncryptionRuleArgs(
                sse_algorithm="KMS", kms_master_key_id=a.checkpoint_kms_key_id
            ),
            versioning=oss.BucketVersioningArgs(status="Enabled"),
            lifecycle_rules=[
                oss.BucketLifecycleRuleArgs(
                    id="expire-noncurrent-checkpoints",
                    enabled=True,
                    prefix="",
                    noncurrent_version_expirations=[
                        oss.BucketLifecycleRuleNoncurrentVersionExpirationArgs(
                            days=a.checkpoint_noncurrent_days
                        )
                    ],
                    abort_multipart_uploads=[
                        oss.BucketLifecycleRuleAbortMultipartUploadArgs(days=7)
                    ],
                )
            ],
            opts=self.child(),
        )
        self._private(f"{a.name}-checkpoint", self.bucket)
        self.register_outputs(
            {
                "checkpoint_bucket": self.bucket.bucket,
                "checkpoint_bucket_intranet_endpoint": self.bucket.intranet_endpoint,
                "access_log_bucket": self.access_logs.bucket,
            }
        )

    def _access_log_bucket(self, a: AlicloudGpuClusterArgs, tags: Mapping[str, str]) -> oss.Bucket:
        """OSS access logs of the checkpoint bucket, kept for access_log_retention_days.

        OSS writes access logs only to a bucket in the same region and account.
        """
        logs = oss.Bucket(
            f"{a.name}-access-logs",
            bucket=access_log_bucket_name(a.checkpoint_bucket_name),
            storage_class="Standard",
            redundancy_type=a.checkpoint_redundancy_type,
            force_destroy=False,
            tags=dict(tags),
            # OSS-managed encryption: what OSS log delivery is documented for.
            server_side_encryption_rule=oss.BucketServerSideEncryptionRuleArgs(
                sse_algorithm="AES256"
            ),
            # Versioned, so a deleted or overwritten log object stays recoverable for 30 days.
            versioning=oss.BucketVersioningArgs(status="Enabled"),
            lifecycle_rules=[
                oss.BucketLifecycleRuleArgs(
                    id="expire-access-logs",
                    enabled=True,
                    prefix="",
                    expirations=[
                        oss.BucketLifecycleRuleExpirationArgs(days=a.access_log_retention_days)
                    ],
                    noncurrent_version_expirations=[
                        oss.BucketLifecycleRuleNoncurrentVersionExpirationArgs(days=30)
                    ],
                )
            ],
            opts=self.child(),
        )
        self._private(f"{a.name}-access-logs", logs)
        return logs

    def _private(self, name: str, bucket: oss.Bucket) -> None:
        """The bucket's private ACL and public access block (``alicloud_oss_bucket_acl`` and
        ``alicloud_oss_bucket_public_access_block``)."""
        oss.BucketAcl(name, bucket=bucket.bucket, acl="private", opts=self.child())
        oss.BucketPublicAccessBlock(
            name, bucket=bucket.bucket, block_public_access=True, opts=self.child()
        )
