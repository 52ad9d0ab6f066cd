"""The names infra gives Alibaba Cloud resources that it must know before they exist: globally
unique OSS buckets and the Tablestore instance that locks Terraform state."""

from __future__ import annotations

from infra.clouds.base import fit_name, short_hash

LOCK_TABLE = "terraform_state_lock"  # the table modules/state-backend-alicloud creates


def checkpoint_bucket(stack: str, owner: str, cluster: str) -> str:
    """OSS bucket names are global: a stable hash keeps them unique and repeatable (<= 63)."""
    return f"{stack}-{cluster}-ckpt-{short_hash(owner, stack, cluster)}"


def state_bucket(stack: str, owner: str, region: str | None = None) -> str:
    """A Terraform state bucket of the stack (modules/state-backend-alicloud). ``None``: the
    bucket of the stack's first Alibaba Cloud state region, named as before regional backends
    existed (existing state stays where it is); a region: that region's bucket, with the region
    and a hash of it in the name, within OSS's 63 characters."""
    if region is None:
        return f"{stack}-tfstate-{short_hash(owner, stack, 'alicloud')}"
    return fit_name(f"{stack}-tfstate", region, short_hash(owner, stack, "alicloud", region), 63)


def lock_instance(stack: str, owner: str, region: str | None = None) -> str:
    """Tablestore instance names: 3-16 letters, digits and '-', starting with a letter; one
    instance per state backend (``region`` as in :func:`state_bucket`)."""
    if region is None:
        return "tf" + short_hash(owner, stack, "alicloud", length=12)
    return "tf" + short_hash(owner, stack, "alicloud", region, length=12)
