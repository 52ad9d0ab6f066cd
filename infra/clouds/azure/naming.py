"""The names infra gives Azure resources that it must know before they exist: resource groups
and globally unique storage accounts (3-24 lowercase letters and digits)."""

from __future__ import annotations

from infra.clouds.base import fit_name, short_hash

STATE_CONTAINER = "tfstate"


def resource_group(name: str) -> str:
    """The resource group the Azure modules (and components) put everything of ``name`` in:
    ``modules/azure-gpu-cluster`` and ``modules/dr-azure`` both create ``<name>-rg``."""
    return f"{name}-rg"


def checkpoint_account(stack: str, owner: str, cluster: str) -> str:
    """A cluster's checkpoint storage account."""
    return "ckpt" + short_hash(owner, stack, cluster, length=20)


# The container of a state account that holds the replica of another region's stack-wide state.
# Object replication makes its destination container read-only (learn.microsoft.com/azure/
# storage/blobs/object-replication-overview: "write operations to the destination container
# aren't permitted"), so the replica cannot share the container the region's own roots write.
STATE_REPLICA_CONTAINER = "tfstate-replica"
# The ``name`` input of modules/state-backend-azure: 1-40 characters (its variables.tf).
_STATE_NAME_MAX = 40


def state_name(stack: str, region: str | None = None) -> str:
    """The ``name`` input of a stack's state backend module. ``None``: the backend of the
    stack's first Azure state region, the stack name as before regional backends existed
    (existing state stays where it is); a region: "<stack>-<region>-<hash>", within the
    module's 40 characters."""
    if region is None:
        return stack
    return fit_name(stack, region, short_hash(stack, region, length=8), _STATE_NAME_MAX)


def state_resource_group(stack: str, region: str | None = None) -> str:
    """modules/state-backend-azure names its resource group "<name>-tfstate-rg"."""
    return f"{state_name(stack, region)}-tfstate-rg"


def state_account(stack: str, owner: str, region: str | None = None) -> str:
    """A Terraform state storage account of the stack (modules/state-backend-azure), 24
    characters; ``region`` as in :func:`state_name`."""
    if region is None:
        return "tfst" + short_hash(owner, stack, "azure", length=20)
    return "tfst" + short_hash(owner, stack, "azure", region, length=20)
