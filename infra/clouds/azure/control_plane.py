"""``infra:azure:ControlPlane``: the AKS cluster of ``infra:azure:GpuCluster``.

Its control-plane identity is the module's identity.tf: user-assigned when a pool uses a capacity
reservation group, with Contributor on each resource group holding one, because AKS associates
pools with a group only then and "system-assigned managed identities don't work for this
feature" (learn.microsoft.com/azure/aks/use-capacity-reservation-groups); system-assigned
otherwise. Contributor's built-in role definition id is b24988ac-6180-42a0-ab88-20f7382dd24c
(learn.microsoft.com/azure/role-based-access-control/built-in-roles/general, Contributor).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import authorization, containerservice, managedidentity, monitor

from infra.clouds.args import pool_labels
from infra.clouds.azure.ids import role_definition_id
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.cluster import AzureGpuClusterArgs
    from infra.clouds.azure.logs import Logs
    from infra.clouds.azure.network import Network

__all__ = [
    "CONTRIBUTOR",
    "CRITICAL_ADDONS_TAINT",
    "NETWORK_CONTRIBUTOR",
    "TYPE",
    "ControlPlane",
    "reservation_resource_groups",
]

TYPE = "infra:azure:ControlPlane"
# azurerm's only_critical_addons_enabled is this taint on the default pool in the AKS API.
CRITICAL_ADDONS_TAINT = "CriticalAddonsOnly=true:NoSchedule"
# Built-in role definition id (the same in every Azure cloud and tenant).
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
# identity.tf local.reservation_resource_groups: the resource group part of a group's ARM id.
_RESOURCE_GROUP_SCOPE = re.compile(r"^(/subscriptions/[^/]+/resourceGroups/[^/]+)/")


class ControlPlane(Part):
    """The module's "AKS cluster" section without the node pools, and its identity.tf: the
    cluster with its default pool and control-plane identity, its control-plane logs and its
    subnet role."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureGpuClusterArgs,
        net: Network,
        logs: Logs,
        subscription: pulumi.Input[str],
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(TYPE, name, top)
        identity, grants = self._user_assigned_identity(a, net, subscription, tags)
        self.cluster = cluster = _managed_cluster(
            a,
            net,
            _system_pool(a, net.nodes.id, tags),
            identity,
            tags,
            # The cluster autoscaler owns the running size. Differs: azurerm's
            # temporary_name_for_rotation (resize the default pool through a temporary pool)
            # is a provider feature with no ARM counterpart; a VM size change re-creates it.
            # AKS checks the identity's Contributor role when it associates a pool with its
            # capacity reservation group, so the grants come first.
            self.child(ignore_changes=["agentPoolProfiles[0].count"], depends_on=grants),
        )
        # The principal AKS acts as on Azure resources (identity.tf
        # local.control_plane_principal_id).
        self.principal_id: pulumi.Output[str] = (
            identity.principal_id
            if identity is not None
            else cluster.identity.apply(lambda i: i.principal_id if i else "")
        )
        monitor.DiagnosticSetting(
            f"{a.name}-control-plane",
            name=f"{a.name}-control-plane",
            resource_uri=cluster.id,
            workspace_id=logs.workspace.id,
            log_analytics_destination_type="Dedicated",
            logs=[
                monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True)
                for category in sorted(set(a.control_plane_log_categories))
            ],
            opts=self.child(),
        )
        # With a bring-your-own subnet, AKS's control-plane identity (system- or user-assigned)
        # needs to manage the subnet (load balancers, node NICs).
        authorization.RoleAssignment(
            f"{a.name}-cluster-network",
            scope=net.nodes.id,
            role_definition_id=role_definition_id(subscription, NETWORK_CONTRIBUTOR),
            principal_id=self.principal_id,
            principal_type="ServicePrincipal",
            opts=self.child(),
        )
        # The nodes' (kubelet) identity, which the checkpoint storage grants access.
        self.kubelet_object_id = cluster.identity_profile.apply(
            lambda p: p["kubeletidentity"].object_id if p and "kubeletidentity" in p else ""
        )
        self.register_outputs(
            {
                "cluster_id": cluster.id,
                "kubelet_identity_object_id": self.kubelet_object_id,
                "control_plane_principal_id": self.principal_id,
            }
        )

    def _user_assigned_identity(
        self,
        a: AzureGpuClusterArgs,
        net: Network,
        subscription: pulumi.Input[str],
        tags: Mapping[str, str],
    ) -> tuple[managedidentity.UserAssignedIdentity | None, list[pulumi.Resource]]:
        """identity.tf: the user-assigned identity and its Contributor role on each resource
        group holding a capacity reservation group, only when a pool names one (a cluster
        without reservations keeps its system-assigned identity and its resources)."""
        if not a.capacity_reservation_group_ids:
            return None, []
        identity = managedidentity.UserAssignedIdentity(
            f"{a.name}-control-plane-identity",
            resource_name_=f"{a.name}-control-plane",
            location=net.group.location,
            resource_group_name=net.group.name,
            tags=dict(tags),
            opts=self.child(),
        )
        grants: list[pulumi.Resource] = [
            authorization.RoleAssignment(
                # Named by scope like the module's for_each key: adding a group adds one.
                f"{a.name}-reservation-groups-{scope}",
                scope=scope,
                role_definition_id=role_definition_id(subscription, CONTRIBUTOR),
                principal_id=identity.principal_id,
                # As the page's az role assignment create (--assignee-principal-type): ARM
                # then does not look the new identity up in Entra ID, which may lag behind.
                principal_type="ServicePrincipal",
                opts=self.child(),
            )
            for scope in reservation_resource_groups(a.capacity_reservation_group_ids)
        ]
        return identity, grants


def reservation_resource_groups(ids: Mapping[str, str]) -> list[str]:
    """The ``/subscriptions/<id>/resourceGroups/<group>`` of each capacity reservation group's
    ARM id, once each and sorted (the Args validated their shape)."""
    scopes = set()
    for crg in ids.values():
        match = _RESOURCE_GROUP_SCOPE.match(crg)
        if match is not None:
            scopes.add(match.group(1))
    return sorted(scopes)


def _managed_cluster(
    a: AzureGpuClusterArgs,
    net: Network,
    default_pool: containerservice.ManagedClusterAgentPoolProfileArgs,
    identity: managedidentity.UserAssignedIdentity | None,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> containerservice.ManagedCluster:
    """The module's ``azurerm_kubernetes_cluster``."""
    return containerservice.ManagedCluster(
        a.name,
        resource_name_=a.name,
        location=net.group.location,
        resource_group_name=net.group.name,
        dns_prefix=a.name,
        kubernetes_version=a.kubernetes_version,
        sku=containerservice.ManagedClusterSKUArgs(name="Base", tier=a.sku_tier),
        api_server_access_profile=containerservice.ManagedClusterAPIServerAccessProfileArgs(
            enable_private_cluster=not a.endpoint_public_access,
            authorized_ip_ranges=list(a.api_authorized_ip_ranges)
            if a.endpoint_public_access
            else None,
        ),
        disable_local_accounts=True,
        enable_rbac=True,
        oidc_issuer_profile=containerservice.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
        security_profile=containerservice.ManagedClusterSecurityProfileArgs(
            workload_identity=containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(
                enabled=True
            )
        ),
        addon_profiles={
            "azurepolicy": containerservice.ManagedClusterAddonProfileArgs(enabled=True),
            # Secrets Store CSI driver for Key Vault (azurerm's key_vault_secrets_provider):
            # a rotated secret reaches the pods within 2 minutes.
            "azureKeyvaultSecretsProvider": containerservice.ManagedClusterAddonProfileArgs(
                enabled=True,
                config={"enableSecretRotation": "true", "rotationPollInterval": "2m"},
            ),
        },
        auto_upgrade_profile=containerservice.ManagedClusterAutoUpgradeProfileArgs(
            upgrade_channel="patch", node_os_upgrade_channel="NodeImage"
        ),
        agent_pool_profiles=[default_pool],
        identity=_cluster_identity(identity),
        network_profile=_network_profile(a),
        aad_profile=containerservice.ManagedClusterAADProfileArgs(
            managed=True,
            enable_azure_rbac=True,
            admin_group_object_ids=list(a.admin_group_object_ids),
        ),
        tags=tags,
        opts=opts,
    )


def _cluster_identity(
    identity: managedidentity.UserAssignedIdentity | None,
) -> containerservice.ManagedClusterIdentityArgs:
    """The cluster's ``identity`` block: the user-assigned identity when there is one."""
    if identity is None:
        return containerservice.ManagedClusterIdentityArgs(
            type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED
        )
    return containerservice.ManagedClusterIdentityArgs(
        type=containerservice.ResourceIdentityType.USER_ASSIGNED,
        user_assigned_identities=[identity.id],
    )


def _network_profile(a: AzureGpuClusterArgs) -> containerservice.ContainerServiceNetworkProfileArgs:
    """The cluster's ``network_profile`` block: Azure CNI overlay with Cilium."""
    service_network = ipaddress.ip_network(a.service_cidr)
    return containerservice.ContainerServiceNetworkProfileArgs(
        network_plugin="azure",
        network_plugin_mode="overlay",
        network_dataplane="cilium",
        network_policy="cilium",
        load_balancer_sku="standard",
        pod_cidr=a.pod_cidr,
        service_cidr=a.service_cidr,
        dns_service_ip=str(service_network.network_address + 10),
    )


def _system_pool(
    a: AzureGpuClusterArgs, subnet_id: pulumi.Input[str], tags: Mapping[str, str]
) -> containerservice.ManagedClusterAgentPoolProfileArgs:
    """The default pool: the stack's ``system_pool`` when it names one, else the module's own."""
    zones = list(a.zones) or None
    system = a.node_pools.get(a.system_pool) if a.system_pool is not None else None
    if system is not None and a.system_pool is not None:
        return _default_pool(
            a,
            a.system_pool,
            system.instance_type,
            (system.min_nodes, system.desired_nodes, system.max_nodes),
            pool_labels(a.system_pool, system),
            None,
            subnet_id,
            a.pool_zones(a.system_pool),
            tags,
            a.capacity_reservation_group_ids.get(a.system_pool),
        )
    return _default_pool(
        a,
        "system",
        a.default_system_vm_size,
        (2, 2, 3),
        {"infra/pool": "system", "infra/workload": "system"},
        [CRITICAL_ADDONS_TAINT],
        subnet_id,
        zones,
        tags,
    )


def _default_pool(
    a: AzureGpuClusterArgs,
    name: str,
    vm_size: str,
    counts: tuple[int, int, int],
    labels: Mapping[str, str],
    taints: list[str] | None,
    subnet_id: pulumi.Input[str],
    zones: list[str] | None,
    tags: Mapping[str, str],
    capacity_reservation_group_id: str | None = None,
) -> containerservice.ManagedClusterAgentPoolProfileArgs:
    """The AKS default (system-mode) pool: the module's ``default_node_pool`` block."""
    min_count, count, max_count = counts
    return containerservice.ManagedClusterAgentPoolProfileArgs(
        name=name,
        vm_size=vm_size,
        mode="System",
        type="VirtualMachineScaleSets",
        os_type="Linux",
        enable_auto_scaling=True,
        min_count=min_count,
        count=count,
        max_count=max_count,
        node_labels=dict(labels),
        node_taints=taints,
        vnet_subnet_id=subnet_id,
        availability_zones=zones,
        capacity_reservation_group_id=capacity_reservation_group_id,
        os_sku=a.os_sku,
        enable_encryption_at_host=a.host_encryption_enabled,
        max_pods=a.max_pods,
        upgrade_settings=containerservice.AgentPoolUpgradeSettingsArgs(max_surge="10%"),
        tags=dict(tags),
    )
