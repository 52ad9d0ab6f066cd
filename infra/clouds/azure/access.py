"""``infra:azure:Access``: the admin access section of ``modules/azure-gpu-cluster`` (access.tf).

The admin groups themselves are the cluster's ``aad_profile.admin_group_object_ids``
(:mod:`infra.clouds.azure.control_plane`); this part gives each of them the Azure role that
fetching a kubeconfig needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import authorization, containerservice

from infra.clouds.azure.ids import role_definition_id
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.cluster import AzureGpuClusterArgs

__all__ = ["AKS_CLUSTER_USER", "TYPE", "Access"]

TYPE = "infra:azure:Access"
# "Azure Kubernetes Service Cluster User Role": listClusterUserCredential, what
# `az aks get-credentials` calls (learn.microsoft.com/azure/role-based-access-control/
# built-in-roles; the same id in every Azure cloud and tenant).
AKS_CLUSTER_USER = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"


class Access(Part):
    """Per admin group, Azure Kubernetes Service Cluster User Role on the cluster
    (``azurerm_role_assignment.admin_cluster_user``)."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureGpuClusterArgs,
        cluster: containerservice.ManagedCluster,
        subscription: pulumi.Input[str],
    ) -> None:
        super().__init__(TYPE, name, top)
        for group in a.admin_group_object_ids:
            authorization.RoleAssignment(
                f"{a.name}-admin-{group.lower()}",
                scope=cluster.id,
                role_definition_id=role_definition_id(subscription, AKS_CLUSTER_USER),
                principal_id=group,
                principal_type="Group",
                opts=self.child(),
            )
        self.register_outputs({})
