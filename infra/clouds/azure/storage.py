"""``infra:azure:CheckpointStorage``: the checkpoint storage of ``infra:azure:GpuCluster``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi
from pulumi_azure_native import authorization, monitor, network, privatedns, storage

from infra.clouds.azure.ids import role_definition_id
from infra.clouds.component import Part

if TYPE_CHECKING:
    from infra.clouds.azure.cluster import AzureGpuClusterArgs
    from infra.clouds.azure.control_plane import ControlPlane
    from infra.clouds.azure.logs import Logs
    from infra.clouds.azure.network import Network

__all__ = ["STORAGE_BLOB_DATA_CONTRIBUTOR", "TYPE", "CheckpointStorage"]

TYPE = "infra:azure:CheckpointStorage"
# Built-in role definition id (the same in every Azure cloud and tenant).
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
_BLOB_LOG_CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")


class CheckpointStorage(Part):
    """The module's "Checkpoint storage" section: a private storage account reached through a
    private endpoint, its container, access logs and the nodes' access to it."""

    def __init__(
        self,
        name: str,
        top: pulumi.ComponentResource,
        a: AzureGpuClusterArgs,
        net: Network,
        logs: Logs,
        control: ControlPlane,
        subscription: pulumi.Input[str],
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(TYPE, name, top)
        self.account = account = self._account(a, net, tags)
        # The management plane (as azure-native always uses) works while public access is off.
        self.container = container = storage.BlobContainer(
            f"{a.name}-checkpoint",
            account_name=account.name,
            resource_group_name=net.group.name,
            container_name=a.checkpoint_container_name,
            public_access=storage.PublicAccess.NONE,
            opts=self.child(),
        )
        # Who read, wrote or deleted which checkpoint (resource logs of the blob service).
        monitor.DiagnosticSetting(
            f"{a.name}-checkpoint-blob",
            name=f"{a.name}-checkpoint-blob",
            resource_uri=pulumi.Output.concat(account.id, "/blobServices/default"),
            workspace_id=logs.workspace.id,
            logs=[
                monitor.DiagnosticsLogSettingsArgs(category=category, enabled=True)
                for category in _BLOB_LOG_CATEGORIES
            ],
            opts=self.child(),
        )
        self._private_endpoint(a, net, tags)
        # Nodes (kubelet identity) may read and write checkpoints in this container only.
        authorization.RoleAssignment(
            f"{a.name}-kubelet-checkpoint",
            scope=pulumi.Output.concat(
                account.id, "/blobServices/default/containers/", container.name
            ),
            role_definition_id=role_definition_id(subscription, STORAGE_BLOB_DATA_CONTRIBUTOR),
            principal_id=control.kubelet_object_id,
            principal_type="ServicePrincipal",
            opts=self.child(),
        )
        self.register_outputs(
            {"checkpoint_storage_account": account.name, "checkpoint_container": container.name}
        )

    def _account(
        self, a: AzureGpuClusterArgs, net: Network, tags: Mapping[str, str]
    ) -> storage.StorageAccount:
        """The storage account and its blob service (versioning, change feed, soft delete)."""
        account = storage.StorageAccount(
            f"{a.name}-checkpoint",
            account_name=a.storage_account_name,
            resource_group_name=net.group.name,
            location=net.group.location,
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
            opts=self.child(),
        )
        # Differs: azurerm's blob_properties block is the blobServices/default resource in ARM.
        storage.BlobServiceProperties(
            f"{a.name}-checkpoint",
            account_name=account.name,
            resource_group_name=net.group.name,
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
            opts=self.child(),
        )
        return account

    def _private_endpoint(
        self, a: AzureGpuClusterArgs, net: Network, tags: Mapping[str, str]
    ) -> None:
        """The blob private DNS zone linked to the VNet, and the account's private endpoint in
        the private-endpoints subnet registered in it."""
        zone = privatedns.PrivateZone(
            f"{a.name}-blob",
            private_zone_name="privatelink.blob.core.windows.net",
            resource_group_name=net.group.name,
            location="global",
            tags=tags,
            opts=self.child(),
        )
        privatedns.VirtualNetworkLink(
            f"{a.name}-blob",
            virtual_network_link_name=f"{a.name}-blob",
            resource_group_name=net.group.name,
            private_zone_name=zone.name,
            location="global",
            registration_enabled=False,
            virtual_network=privatedns.SubResourceArgs(id=net.vnet.id),
            tags=tags,
            opts=self.child(),
        )
        endpoint = network.PrivateEndpoint(
            f"{a.name}-checkpoint-blob",
            private_endpoint_name=f"{a.name}-checkpoint-blob",
            location=net.group.location,
            resource_group_name=net.group.name,
            subnet=network.SubnetArgs(id=net.endpoints.id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=f"{a.name}-checkpoint-blob",
                    private_link_service_id=self.account.id,
                    group_ids=["blob"],
                )
            ],
            tags=tags,
            opts=self.child(),
        )
        # Differs: azurerm's private_dns_zone_group block is a child resource in ARM.
        network.PrivateDnsZoneGroup(
            f"{a.name}-checkpoint-blob",
            private_dns_zone_group_name="blob",
            private_endpoint_name=endpoint.name,
            resource_group_name=net.group.name,
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name="blob", private_dns_zone_id=zone.id)
            ],
            opts=self.child(),
        )
