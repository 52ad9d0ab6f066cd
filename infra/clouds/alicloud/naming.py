"""The names infra gives Alibaba Cloud resources that it must know before they exist: globally
unique OSS buckets and the Tablestore instance that locks Terraform state."""

from __future__ import annotations

from infra.clouds.base import short_hash

LOCK_TABLE = "terraform_state_lock"  # the table modules/state-backend-alicloud creates


def checkpoint_bucket(stack: str, owner: str, cluster: str) -> str:
    """OSS bucket names are global: a stable hash keeps them unique and repeatable (<= 63)."""
    return f"{stack}-{cluster}-ckpt-{short_hash(owner, stack, cluster)}"


def state_bucket(stack: str, owner: str) -> str:
    """The stack's Terraform state bucket (modules/state-backend-alicloud)."""
    return f"{stack}-tfstate-{short_hash(owner, stack, 'alicloud')}"


def lock_instance(stack: str, owner: str) -> str:
    """Tablestore instance names: 3-16 letters, digits and '-', starting with a letter."""
    return "tf" + short_hash(owner, stack, "alicloud", length=12)
