"""The names infra gives Azure resources that it must know before they exist: resource groups
and globally unique storage accounts (3-24 lowercase letters and digits)."""

from __future__ import annotations

from infra.clouds.base import short_hash

STATE_CONTAINER = "tfstate"


def resource_group(name: str) -> str:
    """The resource group the Azure modules (and components) put everything of ``name`` in:
    ``modules/azure-gpu-cluster`` and ``modules/dr-azure`` both create ``<name>-rg``."""
    return f"{name}-rg"


def checkpoint_account(stack: str, owner: str, cluster: str) -> str:
    """A cluster's checkpoint storage account."""
    return "ckpt" + short_hash(owner, stack, cluster, length=20)


def state_resource_group(stack: str) -> str:
    """modules/state-backend-azure names its resource group "<name>-tfstate-rg"."""
    return f"{stack}-tfstate-rg"


def state_account(stack: str, owner: str) -> str:
    """The stack's Terraform state storage account (modules/state-backend-azure)."""
    return "tfst" + short_hash(owner, stack, "azure", length=20)
