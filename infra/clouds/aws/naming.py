"""The names infra gives AWS resources that it must know before they exist: globally unique
S3 buckets, and the KMS alias modules/aws-gpu-cluster gives a checkpoint key."""

from __future__ import annotations

from infra.clouds.base import short_hash


def checkpoint_bucket(stack: str, owner: str, cluster: str) -> str:
    """S3 bucket names are global: a stable hash keeps them unique and repeatable (<= 63)."""
    return f"{stack}-{cluster}-ckpt-{short_hash(owner, stack, cluster)}"


def checkpoint_key_alias(resource: str) -> str:
    """The KMS alias of a cluster's checkpoint key (``resource`` is "<stack>-<cluster>")."""
    return f"alias/{resource}-checkpoint"


def state_bucket(stack: str, owner: str) -> str:
    """The stack's Terraform state bucket (modules/state-backend-aws)."""
    return f"{stack}-tfstate-{short_hash(owner, stack, 'aws')}"
