"""``infra:azure:GpuCluster``: the Pulumi twin of ``modules/azure-gpu-cluster``.

Built on pulumi-azure-native, which speaks the Azure Resource Manager API directly where the
module uses azurerm. Same inputs, names and outputs; the resource set differs only where the two
providers model one Azure object differently (search for "Differs").
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native as azure_native
from pulumi_azure_native import (
    authorization,
    containerservice,
    monitor,
    network,
    operationalinsights,
    privatedns,
    resources,
    storage,
)

from infra.clouds import CLOUDS
from infra.clouds.args import (
    ComponentInputError,
    NodePool,
    args_from_inputs,
    check_common,
    pool_labels,
)
from infra.clouds.azure.naming import resource_group
from infra.clouds.component import CloudComponents, GpuClusterComponent

__all__ = ["COMPONENTS", "AzureGpuCluster", "AzureGpuClusterArgs", "azure_provider"]

TYPE = "infra:azure:GpuCluster"
_VM_SIZE = re.compile(r"Standard_[A-Za-z0-9_]+")  # used with fullmatch
# RDMA-capable (InfiniBand) sizes carry an "r" in their feature letters: ND96isr_H100_v5.
INFINIBAND_SIZE = re.compile(r"^Standard_[A-Z]+[0-9]+[a-z]*r[a-z]*(_|\Z)")  # a prefix
# AKS adds this taint to every spot pool itself; leaving it out makes every update remove it.
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
# azurerm's only_critical_addons_enabled is this taint on the default pool in the AKS API.
CRITICAL_ADDONS_TAINT = "CriticalAddonsOnly=true:NoSchedule"
# Built-in role definition ids (the same in every Azure cloud and tenant).
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
_REPLICATION = ("LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS")
_LOG_CATEGORIES = (
    "kube-apiserver",
    "kube-audit",
    "kube-audit-admin",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "cloud-controller-manager",
    "guard",
    "csi-azuredisk-controller",
    "csi-azurefile-controller",
    "csi-snapshot-controller",
)
_BLOB_LOG_CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")


@dataclass(frozen=True, slots=True, kw_only=True)
class AzureGpuClusterArgs:
    """The variables of ``modules/azure-gpu-cluster`` (see its variables.tf for each one)."""

    name: str
    region: str
    cidr: str
    zones: tuple[str, ...]
    kubernetes_version: str
    tags: Mapping[str, str] = field(default_factory=dict)
    endpoint_public_access: bool = False
    api_authorized_ip_ranges: tuple[str, ...] = ()
    node_pools: Mapping[str, NodePool]
    system_pool: str | None = None
    default_system_vm_size: str = "Standard_D4s_v5"
    gpu_driver: str = "Install"
    storage_account_name: str
    checkpoint_container_name: str = "checkpoints"
    checkpoint_replication_type: str = "ZRS"
    blob_retention_days: int = 30
    sku_tier: str = "Standard"
    pod_cidr: str = "192.168.0.0/16"
    service_cidr: str = "172.16.0.0/16"
    os_sku: str = "Ubuntu"
    host_encryption_enabled: bool = False
    admin_group_object_ids: tuple[str, ...] = ()
    max_pods: int = 250
    log_retention_days: int = 365
    control_plane_log_categories: tuple[str, ...] = (
        "kube-apiserver",
        "kube-audit-admin",
        "kube-controller-manager",
        "kube-scheduler",
        "cluster-autoscaler",
        "guard",
    )

    def __post_init__(self) -> None:
        # The module's validation blocks and preconditions, checked before anything is created.
        check_common(self.name, self.cidr, self.node_pools, CLOUDS["azure"], require_pools=False)
        if not set(self.zones) <= {"1", "2", "3"} or len(set(self.zones)) != len(self.zones):
            raise ComponentInputError('zones must be distinct values among "1", "2", "3"')
        if not re.fullmatch(r"[a-z0-9]{3,24}", self.storage_account_name):
            raise ComponentInputError("storage_account_name must be 3-24 lowercase letters, digits")
        if self.gpu_driver not in ("Install", "None"):
            raise ComponentInputError('gpu_driver must be "Install" or "None"')
        if self.checkpoint_replication_type not in _REPLICATION:
            raise ComponentInputError(f"checkpoint_replication_type: one of {_REPLICATION}")
        if not 50 <= self.max_pods <= 250:
            raise ComponentInputError("max_pods must be a whole number between 50 and 250")
        if not 30 <= self.log_retention_days <= 730:
            raise ComponentInputError("log_retention_days must be between 30 and 730")
        if not self.control_plane_log_categories or not set(
            self.control_plane_log_categories
        ) <= set(_LOG_CATEGORIES):
            raise ComponentInputError(
                f"control_plane_log_categories must be non-empty AKS log categories: "
                f"{', '.join(_LOG_CATEGORIES)}"
            )
        if self.endpoint_public_access and not self.api_authorized_ip_ranges:
            raise ComponentInputError(
                "endpoint_public_access = true needs explicit api_authorized_ip_ranges"
            )
        if "0.0.0.0/0" in self.api_authorized_ip_ranges:
            raise ComponentInputError("api_authorized_ip_ranges must not contain 0.0.0.0/0")
        if self.system_pool is not None:
            system = self.node_pools.get(self.system_pool)
            if system is None:
                raise ComponentInputError(
                    f"system_pool {self.system_pool} is not a key of node_pools"
                )
            if system.gpu is not None or system.spot or system.min_nodes < 1 or system.taints:
                raise ComponentInputError(
                    "the system pool must be a CPU, non-spot pool with min_nodes >= 1 and no "
                    "taints (the AKS default pool takes none)"
                )
        for key, pool in self.node_pools.items():
            if not _VM_SIZE.fullmatch(pool.instance_type):
                raise ComponentInputError(f"pool {key}: {pool.instance_type} is no Azure VM size")
            if pool.gpu is not None and not pool.instance_type.startswith("Standard_N"):
                raise ComponentInputError(
                    f"pool {key}: gpu {pool.gpu} needs an N-series GPU VM size, "
                    f"not {pool.instance_type}"
                )
            if pool.rdma and not INFINIBAND_SIZE.match(pool.instance_type):
                raise ComponentInputError(
                    f"pool {key}: rdma needs an InfiniBand VM size (for example "
                    f"Standard_ND96isr_H100_v5), not {pool.instance_type}"
                )

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, object]) -> AzureGpuClusterArgs:
        """The args from ``cluster_module_inputs`` (as stored in ``stack.json``)."""
        return args_from_inputs(cls, inputs)

    @property
    def user_pools(self) -> dict[str, NodePool]:
        """Every pool except the one promoted to the AKS default pool."""
        return {k: p for k, p in self.node_pools.items() if k != self.system_pool}


class AzureGpuCluster(GpuClusterComponent):
    """A private AKS cluster with GPU agent pools and a private checkpoint storage account."""

    def __init__(
        self, name: str, args: AzureGpuClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        a = args
        child = pulumi.ResourceOptions(parent=self)
        tags = {**a.tags, "infra-cluster": a.name}
        zones = list(a.zones) or None
        vnet_cidr = ipaddress.ip_network(a.cidr)
        nodes_cidr = next(vnet_cidr.subnets(prefixlen_diff=1))
        endpoints_cidr = list(vnet_cidr.subnets(prefixlen_diff=8))[255]
        # Differs: azurerm looks built-in roles up by name; the ARM API wants their ids, which
        # live under the subscription the provider runs in.
        subscription = authorization.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self)
        ).subscription_id

        def role(definition: str) -> pulumi.Output[str]:
            return pulumi.Output.concat(
                "/subscriptions/",
                subscription,
                "/providers/Microsoft.Authorization/roleDefinitions/",
                definition,
            )

        # -- Network ----------------------------------------------------------------------
        group = resources.ResourceGroup(
            resource_group(a.name),
            resource_group_name=resource_group(a.name),
            location=a.region,
            tags=tags,
            opts=child,
        )
        vnet = network.VirtualNetwork(
            f"{a.name}-vnet",
            virtual_network_name=f"{a.name}-vnet",
            location=group.location,
            resource_group_name=group.name,
            address_space=network.AddressSpaceArgs(address_prefixes=[a.cidr]),
            tags=tags,
            # Differs: subnets are their own resources below, as in the module; the VNet must
            # not claim them, or each update of the VNet would try to delete them.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["subnets"]),
        )
        # No custom rules: the Azure defaults allow VNet and load-balancer traffic and deny the
        # internet inbound.
        nsg = network.NetworkSecurityGroup(
            f"{a.name}-nodes-nsg",
            network_security_group_name=f"{a.name}-nodes-nsg",
            location=group.location,
            resource_group_name=group.name,
            tags=tags,
            opts=child,
        )
        # Differs: azurerm_subnet_network_security_group_association is a property of the
        # subnet in the ARM API (and in azure-native), not a resource of its own.
        nodes = network.Subnet(
            f"{a.name}-nodes",
            subnet_name="nodes",
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefixes=[str(nodes_cidr)],
            network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
            opts=child,
        )
        # Private endpoints take no traffic from the internet; the defaults (VNet in, internet
        # in denied) are what they need, and the NSG gives a place for flow logs and rules.
        endpoints_nsg = network.NetworkSecurityGroup(
            f"{a.name}-endpoints-nsg",
            network_security_group_name=f"{a.name}-endpoints-nsg",
            location=group.location,
            resource_group_name=group.name,
            tags=tags,
            opts=child,
        )
        endpoints = network.Subnet(
            f"{a.name}-private-endpoints",
            subnet_name="private-endpoints",
            resource_group_name=group.name,
            virtual_network_name=vnet.name,
            address_prefixes=[str(endpoints_cidr)],
            network_security_group=network.NetworkSecurityGroupArgs(id=endpoints_nsg.id),
            # Apply the subnet's NSG (and route tables) to the private endpoints in it too.
            private_endpoint_network_policies="Enabled",
            # ARM serializes writes to one VNet's subnets; one after the other avoids a conflict.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[nodes]),
        )

        # -- Logs: one workspace for control-plane (audit) logs and checkpoint access logs ----
        workspace = operationalinsights.Workspace(
            f"{a.name}-logs",
            workspace_name=f"{a.name}-logs",
            location=group.location,
            resource_group_name=group.name,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=a.log_retention_days,
            # Entra ID only: no workspace keys that could leak.
            features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
            tags=tags,
            opts=child,
        )

        # -- AKS cluster ------------------------------------------------------------------
        system = a.node_pools.get(a.system_pool) if a.system_pool is not None else None
        if system is not None and a.system_pool is not None:
            default_pool = _default_pool(
                a,
                a.system_pool,
                system.instance_type,
                (system.min_nodes, system.desired_nodes, system.max_nodes),
                pool_labels(a.system_pool, system),
                None,
                nodes.id,
                zones,
                tags,
            )
        else:
            default_pool = _default_pool(
                a,
                "system",
                a.default_system_vm_size,
                (2, 2, 3),
                {"infra/pool": "system", "infra/workload": "system"},
                [CRITICAL_ADDONS_TAINT],
                nodes.id,
                zones,
                tags,
            )
        service_network = ipaddress.ip_network(a.service_cidr)
        cluster = containerservice.ManagedCluster(
            a.name,
            resource_name_=a.name,
            location=group.location,
            resource_group_name=group.name,
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
            identity=containerservice.ManagedClusterIdentityArgs(
                type=containerservice.ResourceIdentityType.SYSTEM_ASSIGNED
            ),
            network_profile=containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_dataplane="cilium",
                network_policy="cilium",
                load_balancer_sku="standard",
                pod_cidr=a.pod_cidr,
                service_cidr=a.service_cidr,
                dns_service_ip=str(service_network.network_address + 10),
            ),
            aad_profile=containerservice.ManagedClusterAADProfileArgs(
                managed=True,
                enable_azure_rbac=True,
                admin_group_object_ids=list(a.admin_group_object_ids),
            ),
            tags=tags,
            # The cluster autoscaler owns the running size. Differs: azurerm's
            # temporary_name_for_rotation (resize the default pool through a temporary pool)
            # is a provider feature with no ARM counterpart; a VM size change re-creates it.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["agentPoolProfiles[0].count"]),
        )
        monitor.DiagnosticSetting(
            f"{a.name}-control-plane",
            name=f"{a.name}-control-plane",
            resource_uri=cluster.id,
            workspace_id=workspace.id,
            log_analytics_destination_type="Dedicated",
            logs=[
                monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True)
                for category in sorted(set(a.control_plane_log_categories))
            ],
            opts=child,
        )
        # With a system-assigned identity and a bring-your-own subnet, AKS needs to manage the
        # subnet (load balancers, node NICs).
        authorization.RoleAssignment(
            f"{a.name}-cluster-network",
            scope=nodes.id,
            role_definition_id=role(NETWORK_CONTRIBUTOR),
            principal_id=cluster.identity.apply(lambda i: i.principal_id if i else ""),
            principal_type="ServicePrincipal",
            opts=child,
        )

        agent_pools: dict[str, containerservice.AgentPool] = {}
        for key, pool in a.user_pools.items():
            taints = [str(t) for t in pool.taints]
            if pool.spot and SPOT_TAINT not in taints:
                taints.append(SPOT_TAINT)
            agent_pools[key] = containerservice.AgentPool(
                f"{a.name}-{key}",
                agent_pool_name=key,
                resource_name_=cluster.name,
                resource_group_name=group.name,
                vm_size=pool.instance_type,
                mode="User",
                os_type="Linux",
                os_sku=a.os_sku,
                type="VirtualMachineScaleSets",
                vnet_subnet_id=nodes.id,
                # InfiniBand works within one VM scale set placement; keep RDMA pools in one zone.
                availability_zones=[a.zones[0]] if pool.rdma and zones else zones,
                enable_auto_scaling=True,
                min_count=pool.min_nodes,
                count=pool.desired_nodes,
                max_count=pool.max_nodes,
                scale_set_priority="Spot" if pool.spot else "Regular",
                scale_set_eviction_policy="Delete" if pool.spot else None,
                spot_max_price=-1 if pool.spot else None,
                node_labels=pool_labels(key, pool),
                node_taints=taints,
                enable_encryption_at_host=a.host_encryption_enabled,
                max_pods=a.max_pods,
                # The driver setting re-creates a GPU pool when it changes; CPU sizes refuse it.
                gpu_profile=containerservice.GPUProfileArgs(driver=a.gpu_driver)
                if pool.gpu is not None
                else None,
                tags={**tags, "infra-pool": key, "infra-standby": str(pool.standby).lower()},
                # Spot pools cannot have surge upgrades.
                upgrade_settings=None
                if pool.spot
                else containerservice.AgentPoolUpgradeSettingsArgs(max_surge="10%"),
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["count"]),
            )

        # -- Checkpoint storage: private account reached through a private endpoint ----------
        account = storage.StorageAccount(
            f"{a.name}-checkpoint",
            account_name=a.storage_account_name,
            resource_group_name=group.name,
            location=group.location,
            kind="StorageV2",
            sku=storage.SkuArgs(name=f"Standard_{a.checkpoint_replication_type}"),
            access_tier=storage.AccessTier.HOT,
            minimum_tls_version="TLS1_2",
            enable_https_traffic_only=True,
            allow_blob_public_access=False,
            public_network_access="Disabled",
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            allow_cross_tenant_replication=False,
            encryption=storage.EncryptionArgs(
                key_source="Microsoft.Storage",
                require_infrastructure_encryption=True,
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                    file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                ),
            ),
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY, bypass="AzureServices"
            ),
            tags=tags,
            opts=child,
        )
        # Differs: azurerm's blob_properties block is the blobServices/default resource in ARM.
        storage.BlobServiceProperties(
            f"{a.name}-checkpoint",
            account_name=account.name,
            resource_group_name=group.name,
            blob_services_name="default",
            is_versioning_enabled=True,
            # Object replication (the DR component) needs the change feed on the source.
            change_feed=storage.ChangeFeedArgs(enabled=True),
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=a.blob_retention_days
            ),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=a.blob_retention_days
            ),
            opts=child,
        )
        # The management plane (as azure-native always uses) works while public access is off.
        container = storage.BlobContainer(
            f"{a.name}-checkpoint",
            account_name=account.name,
            resource_group_name=group.name,
            container_name=a.checkpoint_container_name,
            public_access=storage.PublicAccess.NONE,
            opts=child,
        )
        # Who read, wrote or deleted which checkpoint (resource logs of the blob service).
        monitor.DiagnosticSetting(
            f"{a.name}-checkpoint-blob",
            name=f"{a.name}-checkpoint-blob",
            resource_uri=pulumi.Output.concat(account.id, "/blobServices/default"),
            workspace_id=workspace.id,
            logs=[
                monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True)
                for category in _BLOB_LOG_CATEGORIES
            ],
            opts=child,
        )
        zone = privatedns.PrivateZone(
            f"{a.name}-blob",
            private_zone_name="privatelink.blob.core.windows.net",
            resource_group_name=group.name,
            location="global",
            tags=tags,
            opts=child,
        )
        privatedns.VirtualNetworkLink(
            f"{a.name}-blob",
            virtual_network_link_name=f"{a.name}-blob",
            resource_group_name=group.name,
            private_zone_name=zone.name,
            location="global",
            registration_enabled=False,
            virtual_network=privatedns.SubResourceArgs(id=vnet.id),
            tags=tags,
            opts=child,
        )
        endpoint = network.PrivateEndpoint(
            f"{a.name}-checkpoint-blob",
            private_endpoint_name=f"{a.name}-checkpoint-blob",
            location=group.location,
            resource_group_name=group.name,
            subnet=network.SubnetArgs(id=endpoints.id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=f"{a.name}-checkpoint-blob",
                    private_link_service_id=account.id,
                    group_ids=["blob"],
                )
            ],
            tags=tags,
            opts=child,
        )
        # Differs: azurerm's private_dns_zone_group block is a child resource in ARM.
        network.PrivateDnsZoneGroup(
            f"{a.name}-checkpoint-blob",
            private_dns_zone_group_name="blob",
            private_endpoint_name=endpoint.name,
            resource_group_name=group.name,
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name="blob", private_dns_zone_id=zone.id)
            ],
            opts=child,
        )
        # Nodes (kubelet identity) may read and write checkpoints in this container only.
        kubelet = cluster.identity_profile.apply(
            lambda p: p["kubeletidentity"].object_id if p and "kubeletidentity" in p else ""
        )
        authorization.RoleAssignment(
            f"{a.name}-kubelet-checkpoint",
            scope=pulumi.Output.concat(
                account.id, "/blobServices/default/containers/", container.name
            ),
            role_definition_id=role(STORAGE_BLOB_DATA_CONTRIBUTOR),
            principal_id=kubelet,
            principal_type="ServicePrincipal",
            opts=child,
        )

        self.cluster_name = cluster.name
        self.cluster_id = cluster.id
        self.cluster_endpoint = cluster.fqdn if a.endpoint_public_access else cluster.private_fqdn
        self.network_id = vnet.id
        pool_names: dict[str, pulumi.Input[str]] = {k: p.id for k, p in agent_pools.items()}
        if a.system_pool is not None:
            pool_names[a.system_pool] = a.system_pool
        self.node_pool_names = pulumi.Output.all(**pool_names)
        self.checkpoint_bucket = container.name
        self.register_outputs(
            {
                **self.common_outputs(),
                "oidc_issuer_url": cluster.oidc_issuer_profile.apply(
                    lambda o: o.issuer_url if o else None
                ),
                "resource_group_name": group.name,
                "node_resource_group": cluster.node_resource_group,
                "nodes_subnet_id": nodes.id,
                "kubelet_identity_object_id": kubelet,
                "checkpoint_storage_account": account.name,
                "checkpoint_blob_endpoint": account.primary_endpoints.apply(lambda e: e.blob),
                "log_analytics_workspace_id": workspace.id,
            }
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
        os_sku=a.os_sku,
        enable_encryption_at_host=a.host_encryption_enabled,
        max_pods=a.max_pods,
        upgrade_settings=containerservice.AgentPoolUpgradeSettingsArgs(max_surge="10%"),
        tags=dict(tags),
    )


def azure_provider(name: str, region: str) -> pulumi.ProviderResource:
    """The explicit provider of one cluster.

    The subscription and the credentials come from the environment (``ARM_SUBSCRIPTION_ID``,
    ``az login`` or ``ARM_CLIENT_ID``/OIDC), as with the azurerm provider of the Terraform root.
    """
    return azure_native.Provider(name, location=region)


def _cluster(
    name: str, inputs: Mapping[str, object], opts: pulumi.ResourceOptions
) -> GpuClusterComponent:
    return AzureGpuCluster(name, AzureGpuClusterArgs.from_inputs(inputs), opts)


COMPONENTS = CloudComponents(provider=azure_provider, cluster=_cluster)
