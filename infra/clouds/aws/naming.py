"""The names infra gives AWS resources that it must know before they exist: globally unique
S3 buckets, and the KMS alias modules/aws-gpu-cluster gives a checkpoint key."""

from __future__ import annotations

from infra.clouds.base import fit_name, short_hash


def checkpoint_bucket(stack: str, owner: str, cluster: str) -> str:
    """S3 bucket names are global: a stable hash keeps them unique and repeatable (<= 63)."""
    return f"{stack}-{cluster}-ckpt-{short_hash(owner, stack, cluster)}"


def checkpoint_key_alias(resource: str) -> str:
    """The KMS alias of a cluster's checkpoint key (``resource`` is "<stack>-<cluster>")."""
    return f"alias/{resource}-checkpoint"


def state_bucket(stack: str, owner: str, region: str | None = None) -> str:
    """A Terraform state bucket of the stack (modules/state-backend-aws). ``None``: the bucket
    of the stack's first AWS state region, named as before regional backends existed so that
    existing state stays where it is; a region: that region's bucket, whose name carries the
    region (readable) and a hash of it (unique), within S3's 63 characters."""
    if region is None:
        return f"{stack}-tfstate-{short_hash(owner, stack, 'aws')}"
    return fit_name(f"{stack}-tfstate", region, short_hash(owner, stack, "aws", region), 63)
