"""Azure cluster admins: Entra ID group object ids, the AKS ``admin_group_object_ids``, "the
list of AAD group object IDs that will have admin role of the cluster" (ManagedClusterAADProfile,
learn.microsoft.com/javascript/api/@azure/arm-containerservice/managedclusteraadprofile; local
accounts are disabled and Azure RBAC is on in modules/azure-gpu-cluster/main.tf). Each is also
given "Azure Kubernetes Service Cluster User Role" on the cluster (access.tf), which
``az aks get-credentials`` needs (listClusterUserCredential; learn.microsoft.com/azure/aks/
concepts-identity).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from infra.clouds.admins import AdminAccess
from infra.clouds.azure import naming
from infra.values import Value

__all__ = ["ADMIN_ACCESS"]

# An Entra ID object id is a GUID: 8-4-4-4-12 hexadecimal digits.
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _inputs(admins: Sequence[str]) -> dict[str, Value]:
    return {"admin_group_object_ids": list(admins)} if admins else {}


def _credentials(resource: str, region: str) -> tuple[str, ...]:
    del region
    # --context names the context; local accounts are disabled, so the kubeconfig authenticates
    # through Entra ID with kubelogin (github.com/Azure/kubelogin, docs/book/src/cli/
    # convert-kubeconfig.md: -l azurecli reuses the `az login` session, --context converts one).
    group = naming.resource_group(resource)
    return (
        f"az aks get-credentials --resource-group {group} --name {resource} --context {resource}",
        f"kubelogin convert-kubeconfig -l azurecli --context {resource}",
    )


ADMIN_ACCESS = AdminAccess(
    rule="Entra ID group object ids (GUIDs), e.g. 00000000-0000-0000-0000-000000000000",
    pattern=_GUID,
    inputs=_inputs,
    credentials=_credentials,
)
