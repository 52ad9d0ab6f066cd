################################################################################
# Checkpoint storage: private storage account reached through a private endpoint
################################################################################

resource "azurerm_storage_account" "checkpoint" {
  #checkov:skip=CKV_AZURE_206:ZRS by default; cross-region copies of checkpoints are made by modules/dr-<cloud> when the stack has DR
  #checkov:skip=CKV_AZURE_33:no queues are used: the account holds checkpoint blobs only (their access is logged by azurerm_monitor_diagnostic_setting.checkpoint_blob)
  #checkov:skip=CKV2_AZURE_1:encrypted at rest with Microsoft-managed keys plus infrastructure (double) encryption; customer-managed keys need a Key Vault and identity this module does not own
  name                              = var.storage_account_name
  resource_group_name               = azurerm_resource_group.cluster.name
  location                          = azurerm_resource_group.cluster.location
  account_kind                      = "StorageV2"
  account_tier                      = "Standard"
  account_replication_type          = var.checkpoint_replication_type
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  allow_nested_items_to_be_public   = false
  public_network_access_enabled     = false
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  cross_tenant_replication_enabled  = false
  infrastructure_encryption_enabled = true
  tags                              = local.tags

  blob_properties {
    versioning_enabled = true
    # Object replication (modules/dr-azure) needs the change feed on the source account.
    change_feed_enabled = true

    delete_retention_policy {
      days = var.blob_retention_days
    }

    container_delete_retention_policy {
      days = var.blob_retention_days
    }
  }

  network_rules {
    default_action = "Deny"
    bypass         = ["AzureServices"]
  }
}

# storage_account_id (not storage_account_name) makes the provider use the management
# plane, which works while the account's public network access is off.
resource "azurerm_storage_container" "checkpoint" {
  #checkov:skip=CKV2_AZURE_21:blob read, write and delete requests are logged to Log Analytics by azurerm_monitor_diagnostic_setting.checkpoint_blob; the check only recognizes storage insights, which needs the account key (shared keys are disabled)
  name                  = var.checkpoint_container_name
  storage_account_id    = azurerm_storage_account.checkpoint.id
  container_access_type = "private"
}

# Who read, wrote or deleted which checkpoint (resource logs of the blob service).
resource "azurerm_monitor_diagnostic_setting" "checkpoint_blob" {
  name                       = "${var.name}-checkpoint-blob"
  target_resource_id         = "${azurerm_storage_account.checkpoint.id}/blobServices/default"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  dynamic "enabled_log" {
    for_each = toset(["StorageRead", "StorageWrite", "StorageDelete"])
    content {
      category = enabled_log.value
    }
  }
}

resource "azurerm_private_dns_zone" "blob" {
  name                = "privatelink.blob.core.windows.net"
  resource_group_name = azurerm_resource_group.cluster.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "blob" {
  name                  = "${var.name}-blob"
  resource_group_name   = azurerm_resource_group.cluster.name
  private_dns_zone_name = azurerm_private_dns_zone.blob.name
  virtual_network_id    = azurerm_virtual_network.cluster.id
  tags                  = local.tags
}

resource "azurerm_private_endpoint" "checkpoint" {
  name                = "${var.name}-checkpoint-blob"
  location            = azurerm_resource_group.cluster.location
  resource_group_name = azurerm_resource_group.cluster.name
  subnet_id           = azurerm_subnet.endpoints.id
  tags                = local.tags

  private_service_connection {
    name                           = "${var.name}-checkpoint-blob"
    private_connection_resource_id = azurerm_storage_account.checkpoint.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "blob"
    private_dns_zone_ids = [azurerm_private_dns_zone.blob.id]
  }
}

# Nodes (kubelet identity) may read and write checkpoints in this container only.
resource "azurerm_role_assignment" "kubelet_checkpoint" {
  scope                = "${azurerm_storage_account.checkpoint.id}/blobServices/default/containers/${azurerm_storage_container.checkpoint.name}"
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_kubernetes_cluster.this.kubelet_identity[0].object_id
}
