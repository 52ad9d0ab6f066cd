"""Microsoft Azure: AKS, InfiniBand."""

from __future__ import annotations

import re

from infra.clouds.base import Cloud

# AKS Linux node pool names: 1-12 characters, lowercase letters and digits, not starting with a
# digit (learn.microsoft.com/azure/aks/use-system-pools#limitations).
_POOL = re.compile(r"^[a-z][a-z0-9]{0,11}$")
# Tag names may not contain < > % & \ ? / ; storage accounts (which we tag) allow keys up to 128
# characters and values up to 256 (Azure Resource Manager tag docs; azurerm storage validation).
_TAG_FORBIDDEN = set("<>%&\\?/")
_RESERVED_PREFIXES = ("microsoft", "azure", "windows")


class Azure(Cloud):
    name = "azure"
    title = "Azure"
    kubernetes_service = "AKS"
    rdma_name = "InfiniBand"
    network_prefix_range = (8, 29)

    def pool_name_problem(self, name: str) -> str | None:
        if not _POOL.match(name):
            return (
                f"invalid pool name {name!r} for AKS "
                "(allowed: 1-12 lowercase letters and digits, starting with a letter)"
            )
        return None

    def tag_problem(self, key: str, value: str) -> str | None:
        if not 1 <= len(key) <= 128 or len(value) > 256:
            return "tag too long for Azure (allowed: key 1-128, value up to 256 characters)"
        if _TAG_FORBIDDEN & set(key):
            return "tag key has characters Azure does not allow (not allowed: < > % & \\ ? /)"
        if key.lower().startswith(_RESERVED_PREFIXES):
            return "tag key may not start with microsoft, azure or windows on Azure (reserved)"
        return None
